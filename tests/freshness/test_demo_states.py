"""The demo content shows every freshness state to its officers."""
import pytest

from ckan.tests import factories, helpers

from ckanext.jena.demo.loader import load_demo
from tests.jena_plugins import DEMO_PLUGINS, demo_marks

pytestmark = demo_marks(DEMO_PLUGINS + " jena_freshness") + [
    pytest.mark.usefixtures("clean_db", "harvest_tables", "explainer_tables", "clean_index")]


def test_the_demo_shows_every_freshness_state(app):
    sysadmin = factories.SysadminWithToken()
    load_demo(sysadmin["name"], echo=lambda *a, **k: None)
    listing = helpers.call_action("jena_freshness_list", context={"user": sysadmin["name"], "ignore_auth": False})
    states = {}
    for row in listing["datasets"]:
        states.setdefault(row["state"], []).append(row["name"])
    assert set(states) == {"current", "due", "overdue", "unknown"}, states
    assert "tourismus-uebernachtungen" in states["due"]
    assert "arbeitslosigkeit-monatlich" in states["current"]
    assert "bevoelkerungsentwicklung-2010-2023" in states["overdue"]  # annual, last changed 2024
    assert "flaeche-ortsteile" in states["unknown"]  # irregular
    # the statistics office's page lists its overdue datasets, the longest overdue first
    page = app.get("/organization/fachdienst-statistik/freshness", headers={"Authorization": sysadmin["token"]}).body
    titles = {row["name"]: row["title"] for row in listing["datasets"]}
    assert page.index(titles["bevoelkerungsentwicklung-2010-2023"]) < page.index(titles["tourismus-uebernachtungen"])
    assert titles["einwohner-ortsteile-2017"] not in page  # complete, never due
