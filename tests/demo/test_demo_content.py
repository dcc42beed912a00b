"""The demo content a newcomer sees after `make run`."""
import json

import pytest

from ckan.tests import helpers
from ckanext.jena.demo.loader import load_demo, read_yaml


@pytest.fixture
def sysadmin_name():
    from ckan.tests import factories
    return factories.Sysadmin()["name"]


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_demo_content_loads_once_and_makes_a_living_portal(sysadmin_name):
    entries = read_yaml("datasets.yaml")
    summary = load_demo(sysadmin_name, echo=lambda *a, **k: None)
    assert summary["datasets_created"] == len(entries) >= 30
    assert summary["organizations"] >= 3

    again = load_demo(sysadmin_name, echo=lambda *a, **k: None)
    assert again["datasets_created"] == 0 and again["datasets_updated"] == 0
    assert again["datasets_unchanged"] == len(entries)

    public = [e for e in entries if not e.get("private")]
    visitor = {"user": "", "ignore_auth": False}
    result = helpers.call_action("package_search", context=visitor, rows=100,
                                 **{"facet.field": json.dumps(["organization"])})
    assert result["count"] == len(public)
    assert len(result["facets"]["organization"]) >= 3

    trees = helpers.call_action("package_search", context=visitor, q="Baum")
    assert any("baum" in r["name"] for r in trees["results"])

    uploaded = [r for d in result["results"] for r in d["resources"] if r.get("url_type") == "upload"]
    assert uploaded, "resource files are uploaded to the filestore"
