"""Shared fixtures. CKAN's own pytest plugin (ckan.tests.pytest_ckan) provides clean_db,
clean_index, with_plugins, ckan_config and the factories; run with --ckan-ini=test.ini."""

import os
import sys

import pytest

# the project's scripts that tests start (setup.sh init, serve.sh, run-portal.sh) use the
# virtualenv running the tests, so `make test CKAN_VERSION=2.12.0` tests one CKAN throughout
os.environ.setdefault("JENA_VENV", sys.prefix)


def _remember_entry_points() -> None:
    """CKAN's with_plugins loads and unloads the plugins around every test, and finds each plugin
    by reading the entry points of every installed distribution, twice per plugin (about half
    of the one to five seconds a test of ~30 plugins spends on it). Nothing is installed during
    a run, so the answer for a group and name is looked up once; what CKAN does with it is
    unchanged. CKAN's own tests (`make test`'s second lane) do not read this file."""
    import functools
    import importlib.metadata
    from ckan.plugins import core

    if getattr(core.entry_points, "remembered", False):
        return

    @functools.lru_cache(maxsize=None)
    def remembered(params: tuple):
        return importlib.metadata.entry_points(**dict(params))

    def entry_points(**params):
        return remembered(tuple(sorted(params.items())))

    entry_points.remembered = True
    core.entry_points = entry_points


_remember_entry_points()


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
