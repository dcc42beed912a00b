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


@pytest.fixture
def csrf_as_in_a_fresh_process():
    """CKAN's CSRF exemptions as a portal process has them before its first request: none of
    CKAN's own views, none of ckanext-jena's.

    CKAN 2.12 keeps one CSRFProtect per process (``ckan.config.middleware.flask_app.csrf``) and,
    while answering a request authenticated by an API token or without a session, exempts its view
    for good. The tests share one process: an earlier test's API request, in a plugin set without
    jena_security (which keeps such exemptions to their request, security/csrf.py), left the API
    view exempt, and a CSRF test after it saw a forged post accepted (a fresh-clone run failed so on
    2.12). A portal never has that state: jena_security is installed before its first request."""
    from ckan.config.middleware import flask_app
    views = getattr(getattr(flask_app, "csrf", None), "_exempt_views", None)
    if views is not None:
        # ckanext-jena exempts none of its views at start-up either (security/csrf.py)
        for location in [view for view in list(views) if view.startswith(("ckan.views.", "ckanext.jena."))]:
            set.discard(views, location)
    yield
