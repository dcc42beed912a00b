"""pytest plugin (pytest.ini loads it for every run, CKAN's own tests too): the project's tables
after CKAN's database reset.

CKAN's ``clean_db`` fixture drops every table of the database the first time it runs in a process
(``model.repo.rebuild_db`` -> ``clean_db``, CKAN 2.11 and 2.12), the plugins' tables and their
Alembic version tables included; later resets only empty CKAN's own tables. After each
``clean_db`` the project's migrations run again if one of its tables is missing (one query when
nothing is), so the tables exist as ``ckan db upgrade -p`` makes them, without migrating per test.
"""
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    yield
    if fixturedef.argname == "clean_db":
        from ckan import model
        from ckanext.jena import migration
        migration.upgrade_all_if_missing(model.meta.engine)
