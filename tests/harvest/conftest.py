"""Harvest tests: ckanext-harvest's tables and ours in a clean database, and a fixture HTTP server."""
import pytest

from tests.harvest.server import FixtureServer


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """Overrides CKAN's: a reset database with ckanext-harvest's tables (the project's own come back
    after every clean_db, tests/plugin_tables.py)."""
    reset_db()
    migrate_db_for("harvest")


@pytest.fixture
def source_server():
    server = FixtureServer()
    yield server
    server.stop()
