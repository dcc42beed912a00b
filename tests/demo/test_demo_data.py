"""The demo's data as a citizen meets it after `make run` (issue 18, "Done when"): every CSV/XLSX
table is in the DataStore with its Data API, a private dataset's table stays private, and every
table, geodata file and sensor datastream has a default view of the right kind.

The demo is harvested once per module and shared by its tests (they only read); its tables are
loaded as `make run` loads them: the scheduler's tasks "submit tables not yet loaded" and
"sensor observations into the DataStore", and the job worker (here rq's SimpleWorker, in
process) running xloader's jobs."""
from __future__ import annotations

import json

import pytest

from ckan.lib import jobs
from ckan.tests import factories, helpers

from tests.data_api.conftest import run_jobs
from tests.jena_plugins import HARVEST_PLUGINS, demo_marks

# as config/ckan.ini.template orders them: jena_data before datatables_view (its template); without
# jena_explainer, whose texts (tests/demo/test_demo_content.py) would take the demo's load twice as long
PLUGINS = HARVEST_PLUGINS.replace(" dcat ", " jena_data datastore xloader datatables_view jena_chart jena_maps "
                                            "jena_ortsteil_map dcat ", 1) + " jena_demo"
pytestmark = demo_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.views.default_views", "jena_map_view jena_ortsteil_map jena_chart datatables_view"),
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckanext.jena.maps.allowed_hosts", "127.0.0.1"),
    # as config/ckan.ini.template (test.ini's 200 kB would load files above 20 kB, a tenth, untyped)
    pytest.mark.ckan_config("ckanext.xloader.max_content_length", "52428800"),
    # a day of each sensor's readings instead of 14 (the demo platform has one every ~7 minutes)
    pytest.mark.ckan_config("ckanext.jena.data.sensor_history_days", "1"),
]
FRESH = ("clean_db", "harvest_tables", "explainer_tables", "clean_index")
TABLE_FORMATS = {"CSV", "TSV", "XLSX"}
GEO_FORMATS = {"GEOJSON", "KML", "WFS", "WMS"}


@pytest.fixture
def demo(request):
    """The demo with its tables loaded, built once per module (rebuilt if another module's test
    reset the database meanwhile)."""
    from ckan import model
    from ckanext.jena.data import logic, sensors
    from ckanext.jena.demo.loader import load_demo
    built = getattr(request.module, "_demo", None)
    if built:
        user = model.User.get(built["sysadmin"]["name"])
        if user is not None and user.id == built["sysadmin"]["id"]:
            return built
    for fixture in FRESH:
        request.getfixturevalue(fixture)
    sysadmin = factories.Sysadmin()
    summary = load_demo(sysadmin["name"], echo=lambda *a, **k: None)
    assert summary["errors"] == 0
    jobs.get_queue().empty()      # what load_demo queued besides the tables is not this test's
    assert "0 Datastreams failed" in sensors.load_all_datastreams()
    logic.submit_missing_tables()
    run_jobs()
    datasets = helpers.call_action("package_search", rows=1000, include_private=True,
                                   context={"user": sysadmin["name"]})["results"]
    request.module._demo = {"sysadmin": sysadmin, "datasets": datasets}
    return request.module._demo


def resources(demo, predicate=lambda dataset, resource: True) -> list[tuple[dict, dict]]:
    return [(d, r) for d in demo["datasets"] for r in d["resources"] if predicate(d, r)]


def fmt(resource: dict) -> str:
    return (resource.get("format") or "").strip().upper()


def shown(resource_id: str) -> dict:
    """The resource as it is now (datastore_active is set after the dataset was listed)."""
    return helpers.call_action("resource_show", id=resource_id)


def api(app, action: str, params: dict, status: int = 200) -> dict:
    """The Data API as an anonymous visitor calls it."""
    return app.get(f"/api/3/action/{action}", query_string=params, status=status).json


def by_name(demo, dataset_prefix: str, resource_format: str) -> tuple[dict, dict]:
    found = resources(demo, lambda d, r: d["name"].startswith(dataset_prefix) and fmt(r) == resource_format)
    assert found, f"no {resource_format} resource in a demo dataset {dataset_prefix}*"
    return found[0]


def test_every_demo_table_is_in_the_datastore_with_rows(demo):
    tables = resources(demo, lambda d, r: fmt(r) in TABLE_FORMATS)
    assert {fmt(r) for _, r in tables} >= {"CSV", "XLSX"}
    assert any(d["private"] for d, _ in tables)
    sysadmin = {"user": demo["sysadmin"]["name"]}
    empty = []
    for dataset, resource in tables:
        current = shown(resource["id"])
        rows = (helpers.call_action("datastore_search", context=dict(sysadmin), resource_id=resource["id"],
                                    limit=0)["total"] if current.get("datastore_active") else 0)
        if not rows:
            status = helpers.call_action("xloader_status", resource_id=resource["id"]) \
                if not current.get("datastore_active") else {}
            empty.append((dataset["name"], resource["name"], status.get("status"),
                          [e.get("message") for e in (status.get("task_info") or {}).get("logs") or []
                           if e.get("level") == "ERROR"][:1]))
    assert empty == [], json.dumps(empty, indent=1, ensure_ascii=False, default=str)


def test_a_demo_table_answers_datastore_search_with_a_filter_and_as_sql(app, demo):
    _, trees = by_name(demo, "baumkataster", "CSV")
    rid = trees["id"]
    everything = api(app, "datastore_search", {"resource_id": rid, "limit": 1000})["result"]
    assert everything["total"] == 300
    district = everything["records"][0]["Ortsteil"]
    expected = sum(1 for r in everything["records"] if r["Ortsteil"] == district)
    filtered = api(app, "datastore_search", {"resource_id": rid, "filters": json.dumps({"Ortsteil": district}),
                                             "limit": 1000})["result"]
    assert 0 < filtered["total"] == expected < 300
    assert {r["Ortsteil"] for r in filtered["records"]} == {district}

    _, people = by_name(demo, "einwohner-ortsteile", "CSV")
    sql = f'SELECT count(*) AS n FROM "{people["id"]}"'
    assert int(api(app, "datastore_search_sql", {"sql": sql})["result"]["records"][0]["n"]) == 30
    # the Excel workbook's numbers arrive as numbers
    _, excel = by_name(demo, "steuereinnahmen", "XLSX")
    sql = f'SELECT sum("Summe_Mio_EUR") AS total FROM "{excel["id"]}" WHERE "Jahr" >= 2022'
    assert float(api(app, "datastore_search_sql", {"sql": sql})["result"]["records"][0]["total"]) == \
        pytest.approx(145.99 + 154.03)


def test_a_private_demo_table_is_refused_to_anonymous_users(app, demo):
    private = resources(demo, lambda d, r: d["private"] and fmt(r) in TABLE_FORMATS)
    assert private
    for _, resource in private:
        rid = resource["id"]
        assert shown(rid)["datastore_active"]
        api(app, "datastore_search", {"resource_id": rid}, status=403)
        api(app, "datastore_search_sql", {"sql": f'SELECT * FROM "{rid}"'}, status=403)
        api(app, "datastore_info", {"id": rid}, status=403)


def test_every_table_geodata_and_sensor_resource_has_a_default_view_of_its_kind(demo):
    from ckanext.jena.charts.chart import chart_plan
    from ckanext.jena.data.sensors import datastream_of
    from ckanext.jena.maps.choropleth import find_columns
    missing = []
    for dataset, resource in resources(demo):
        current = shown(resource["id"])
        views = {v["view_type"] for v in helpers.call_action("resource_view_list", id=resource["id"])}
        wanted = set()
        if fmt(resource) in GEO_FORMATS:
            wanted.add("jena_map_view")
        if fmt(resource) in TABLE_FORMATS:
            wanted.add("datatables_view")
            table = helpers.call_action(
                "datastore_search", context={"user": demo["sysadmin"]["name"]}, resource_id=resource["id"],
                limit=100) if current.get("datastore_active") else {"fields": [], "records": []}
            # the portal's rules: an Ortsteil column with figures, a time or category column with figures
            if find_columns(table["fields"], table["records"]):
                wanted.add("jena_ortsteil_map")
            if datastream_of(resource) or chart_plan(table["fields"]):
                wanted.add("jena_chart")
        if wanted - views:
            missing.append((dataset["name"], resource["name"], fmt(resource), sorted(wanted - views)))
    assert missing == [], json.dumps(missing, indent=1, ensure_ascii=False)
    # and the rules found some of each: tables per Ortsteil open on their map, series on a chart
    for prefix, view in (("einwohner-ortsteile", "jena_ortsteil_map"), ("lufttemperatur-wetterstationen", "jena_chart"),
                         ("arbeitslosigkeit-monatlich", "jena_chart")):
        _, table = by_name(demo, prefix, "CSV")
        assert view in {v["view_type"] for v in helpers.call_action("resource_view_list", id=table["id"])}, prefix


def test_the_tree_register_shows_its_trees_on_a_map_and_the_soil_moisture_a_curve(app, demo):
    trees, geojson = by_name(demo, "baumkataster", "GEOJSON")
    page = app.get(f"/dataset/{trees['name']}/resource/{geojson['id']}").body
    assert page.count('class="jena-map-marker"') == 300
    soil = resources(demo, lambda d, r: d["name"].startswith("bodenfeuchte-") and datastream_of_demo(r))
    assert soil
    for dataset, resource in soil:
        page = app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}").body
        assert "<polyline" in page and "Liniendiagramm" in page, (dataset["name"], resource["name"])


def datastream_of_demo(resource: dict) -> bool:
    from ckanext.jena.data.sensors import datastream_of
    return datastream_of(resource) is not None
