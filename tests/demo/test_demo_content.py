"""The demo content a newcomer sees after `make run`."""
import json

import pytest

from ckan.tests import helpers
from ckanext.jena.demo.loader import load_demo, read_yaml
from ckanext.jena.taxonomy import store
from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

pytestmark = schema_marks(SCHEMA_PLUGINS + " jena_demo")


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


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_every_demo_dataset_is_classified_and_every_field_and_five_measures_have_data(sysadmin_name):
    load_demo(sysadmin_name, echo=lambda *a, **k: None)
    taxonomy = store.current()
    result = helpers.call_action("package_search", rows=1000, include_private=True,
                                 context={"user": sysadmin_name},
                                 **{"facet.field": json.dumps(["action_fields", "districts", "theme"]),
                                    "facet.limit": -1})
    assert result["count"] == len(read_yaml("datasets.yaml"))
    for pkg in result["results"]:
        assert pkg["action_fields"] and pkg["districts"] and pkg["theme"], pkg["name"]
        assert pkg["spatial"], pkg["name"]
        assert set(pkg["action_fields"]) <= set(taxonomy.valid_values())
    counts = {i["name"]: i["count"] for i in result["search_facets"]["action_fields"]["items"]}
    assert all(counts.get(f.notation) for f in taxonomy.fields())
    measures = [m.notation for f in taxonomy.fields() for m in taxonomy.measures(f.notation)]
    assert sum(1 for m in measures if counts.get(m)) >= 5
    assert len(result["search_facets"]["districts"]["items"]) >= 10
