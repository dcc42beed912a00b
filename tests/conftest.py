"""Shared fixtures. CKAN's own pytest plugin (ckan.tests.pytest_ckan) provides clean_db,
clean_index, with_plugins, ckan_config and the factories; run with --ckan-ini=test.ini."""

import os
import sys

import pytest

# the project's scripts that tests start (setup.sh init, serve.sh, run-portal.sh) use the
# virtualenv running the tests, so `make test CKAN_VERSION=2.12.0` tests one CKAN throughout
os.environ.setdefault("JENA_VENV", sys.prefix)


@pytest.fixture
def harvest_tables(migrate_db_for):
    """ckanext-harvest's tables after clean_db (use them in this order); the project's own come
    back after every clean_db (tests/plugin_tables.py)."""
    migrate_db_for("harvest")


@pytest.fixture
def explainer_tables():
    """The explainers' tables, empty (use after clean_db: CKAN's reset leaves tables it does not own)."""
    import sqlalchemy as sa
    from ckan import model
    model.Session.execute(sa.text("TRUNCATE jena_explainer, jena_explainer_profile"))
    model.Session.commit()
