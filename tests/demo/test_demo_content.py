"""The demo content a newcomer sees after `make run`: harvested from the bundled sources."""
import json

import pytest

from ckan.tests import helpers
from ckanext.jena.demo.loader import load_demo, read_yaml
from ckanext.jena.demo.sources import SOURCES
from ckanext.jena.taxonomy import store
from tests.jena_plugins import demo_marks

pytestmark = demo_marks()
# what a test that does not share the demo (fixture ``demo``) starts from (with_plugins first: a
# test's own marks come before the module's, and the harvest tables need the harvest plugin)
FRESH = ("with_plugins", "clean_db", "harvest_tables", "explainer_tables", "clean_index")
OLD_PORTAL = "altes-open-data-portal"


@pytest.fixture
def demo(request):
    """The demo loaded by a sysadmin into a clean database: ``name`` (the sysadmin's) and
    ``summary`` (what load_demo answered). The tests that only read it share one load per module:
    the next one gets it again as long as the database still holds it (a test that starts fresh,
    FRESH, removes it); else it is loaded again from a clean database."""
    from ckan import model
    from ckan.tests import factories
    loaded = getattr(request.module, "_demo", None)
    if loaded:
        user = model.User.get(loaded["name"])
        if user is not None and user.id == loaded["user_id"] and _count() == loaded["count"]:
            return loaded
    for fixture in FRESH:
        request.getfixturevalue(fixture)
    sysadmin = factories.Sysadmin()
    summary = load_demo(sysadmin["name"], echo=lambda *a, **k: None)
    request.module._demo = {"name": sysadmin["name"], "user_id": sysadmin["id"], "summary": summary,
                            "count": _count()}
    return request.module._demo


def _count() -> int:
    return helpers.call_action("package_search", rows=0, include_private=True)["count"]


def _old_portal_ids() -> set:
    from ckanext.jena.harvest import store as harvest_store
    source = helpers.call_action("harvest_source_show", id=OLD_PORTAL)
    return {r.package_id for r in harvest_store.remembered(source["id"]).values()}


def test_the_demo_is_harvested_from_four_kinds_of_source_once(demo, app):
    entries = read_yaml("datasets.yaml")
    sysadmin_name, summary = demo["name"], demo["summary"]
    assert summary["errors"] == 0, {k: v["messages"] for k, v in summary["sources"].items()}
    assert set(summary["sources"]) == {s["name"] for s in SOURCES}
    private = [e for e in entries if e.get("private")]
    assert summary["sources"][OLD_PORTAL]["created"] == len(entries) - len(private) >= 30
    assert summary["sources"]["geodatenkatalog-jena"]["created"] == 7
    assert summary["sources"]["thueringer-partnerkatalog"]["created"] == 4
    assert summary["sources"]["urbane-datenplattform"]["created"] >= 10
    assert summary["organizations"] >= 3
    total = summary["datasets_created"]

    again = load_demo(sysadmin_name, echo=lambda *a, **k: None)
    assert (again["datasets_created"], again["datasets_updated"], again["datasets_withdrawn"]) == (0, 0, 0)
    assert again["datasets_unchanged"] == total
    # the internal (private) datasets are no harvest records: kept in the portal, files in the filestore
    internal = [helpers.call_action("package_show", id=e["name"]) for e in private]
    assert all(p["private"] for p in internal)
    assert all(r.get("url_type") == "upload" for p in internal for r in p["resources"] if r.get("url"))

    visitor = {"user": "", "ignore_auth": False}
    result = helpers.call_action("package_search", context=visitor, rows=1000,
                                 **{"facet.field": json.dumps(["organization", "groups"])})
    assert result["count"] == total - len(private)           # private stays private
    assert len(result["facets"]["organization"]) >= 3
    assert result["facets"]["groups"]                          # the old portal's groups came along

    trees = helpers.call_action("package_search", context=visitor, q="Baum")
    assert any("baum" in r["name"] for r in trees["results"])
    # the old portal's files are served by the portal itself, so the links keep working
    tree_register = next(r for r in trees["results"] if r["name"].startswith("baumkataster"))
    csv = next(r for r in tree_register["resources"] if r["format"] == "CSV")
    assert "/demo-quellen/files/" in csv["url"]
    body = app.get(csv["url"][csv["url"].index("/demo-quellen/"):]).body
    assert body.splitlines()[0].count(",") + body.splitlines()[0].count(";") >= 2


def test_every_demo_dataset_is_classified_or_gets_suggestions(demo):
    sysadmin_name = demo["name"]
    taxonomy = store.current()
    result = helpers.call_action("package_search", rows=1000, include_private=True,
                                 context={"user": sysadmin_name},
                                 **{"facet.field": json.dumps(["action_fields", "districts", "theme"]),
                                    "facet.limit": -1})
    old_portal = _old_portal_ids()
    entries = read_yaml("datasets.yaml")
    internal = {e["name"] for e in entries if e.get("private")}
    assert len(old_portal) == len(entries) - len(internal)
    for pkg in result["results"]:
        assert pkg["districts"] and pkg["spatial"], pkg["name"]
        if pkg["id"] in old_portal or pkg["name"] in internal:  # curated: confirmed action fields
            assert pkg["action_fields"] and pkg["theme"], pkg["name"]
            assert set(pkg["action_fields"]) <= set(taxonomy.valid_values())
        else:  # other sources: proposals for data officers, not stored
            assert not pkg.get("action_fields"), pkg["name"]
            suggestions = helpers.call_action("jena_action_field_suggest", context={"user": sysadmin_name},
                                              id=pkg["id"])
            assert suggestions, pkg["name"]
    counts = {i["name"]: i["count"] for i in result["search_facets"]["action_fields"]["items"]}
    assert all(counts.get(f.notation) for f in taxonomy.fields())
    measures = [m.notation for f in taxonomy.fields() for m in taxonomy.measures(f.notation)]
    assert sum(1 for m in measures if counts.get(m)) >= 5
    assert len(result["search_facets"]["districts"]["items"]) >= 10


def test_every_demo_dataset_gets_a_plain_german_explainer_from_its_profiled_files(demo):
    import statistics
    from ckanext.jena.explainer import core, readability, store as explainer_store
    sysadmin_name, summary = demo["name"], demo["summary"]
    everything = helpers.call_action("package_search", rows=1000, include_private=True,
                                     context={"user": sysadmin_name})["results"]
    assert summary["explainers"] == len(everything) == summary["datasets_created"]
    scores, sensor_units, table_columns = {}, 0, 0
    for pkg in everything:
        stored = explainer_store.explainers(pkg["id"])
        assert set(stored) == {"de", "en"}, pkg["name"]          # made by the loader, not on the fly
        german = stored["de"]["sections"]
        scores[pkg["name"]] = readability.score(core.full_text(german), "de")["flesch"]
        sensor_units += "Gemessen wird:" in german["contents"]
        table_columns += "Die Spalten sind:" in german["contents"]
    # the pinned textstat's Amstad score: median at least 60, none below 50
    assert statistics.median(scores.values()) >= 60, sorted(scores.items(), key=lambda kv: kv[1])[:5]
    assert min(scores.values()) >= 50, sorted(scores.items(), key=lambda kv: kv[1])[:5]
    # the profiles made it into the text: sensors say what they measure, tables list their columns
    assert sensor_units >= 10 and table_columns >= 20, (sensor_units, table_columns)


@pytest.mark.usefixtures(*FRESH)
def test_the_portal_serves_only_the_public_demo_sources(app):
    from ckanext.jena.demo.sources import old_portal_packages
    private = [e["name"] for e in read_yaml("datasets.yaml") if e.get("private")]
    assert private
    names = [p["name"] for p in old_portal_packages("http://x")]
    assert not set(private) & set(names)
    listing = app.get("/demo-quellen/ckan/api/3/action/package_search?rows=1000").json["result"]["results"]
    assert not set(private) & {p["name"] for p in listing}
    private_files = [r["file"] for e in read_yaml("datasets.yaml") if e.get("private")
                     for r in e.get("resources") or [] if r.get("file")]
    for name in private_files:
        app.get(f"/demo-quellen/files/{name}", status=404)
    for path in ("/demo-quellen/files//etc/hostname", "/demo-quellen/files/%2Fetc%2Fhostname",
                 "/demo-quellen/files/../../../../../../etc/hostname", "/demo-quellen/files/..%2F..%2Fsetup.py"):
        app.get(path, status=404)
    app.get("/demo-quellen/files/baumkataster.csv", status=200)
    # the old portal's landing pages point to the datasets' new home
    landing = app.get("/demo-quellen/ckan/dataset/baumkataster", status=200).body
    assert "/dataset/baumkataster" in landing and "<script" not in landing
    assert "&lt;script&gt;" in app.get("/demo-quellen/ckan/dataset/<script>x", status=200).body
