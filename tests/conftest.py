"""Shared fixtures. CKAN's own pytest plugin (ckan.tests.pytest_ckan) provides clean_db,
clean_index, with_plugins, ckan_config and the factories; run with --ckan-ini=test.ini."""

import pytest


@pytest.fixture
def harvest_tables(migrate_db_for):
    """ckanext-harvest's tables and the harvester's own, after clean_db (use them in this order)."""
    from ckanext.jena.harvest import store
    migrate_db_for("harvest")
    store.ensure_table()
