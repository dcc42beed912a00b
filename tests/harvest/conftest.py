"""Harvest tests: ckanext-harvest's tables and ours in a clean database, and a fixture HTTP server."""
import pytest

from tests.harvest.server import FixtureServer


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """Overrides CKAN's: a reset database with the harvest tables."""
    from ckanext.jena.harvest import store
    reset_db()
    migrate_db_for("harvest")
    store.ensure_table()


@pytest.fixture
def source_server():
    server = FixtureServer()
    yield server
    server.stop()
