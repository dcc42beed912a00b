"""jena_sensorthings: the Urban Data Platform's SensorThings API, grouped by category and district."""
import json

from tests.harvest import fixtures
from tests.harvest.helpers import harvested, make_source, marks, run

pytestmark = marks()
CONFIG = {"page_size": 5, "license_id": "dl-by-de/2.0"}


def test_datastreams_become_one_dataset_per_sensor_category_and_district(source_server):
    fixtures.serve(source_server, "sensorthings")
    summary = run(make_source(source_server.url("/v1.1"), "jena_sensorthings", CONFIG))
    assert summary["errors"] == 0 and summary["gather_errors"] == 0, summary["messages"]
    datasets = {d["title"]: d for d in harvested()}
    assert summary["created"] == len(datasets) > 5
    for dataset in datasets.values():
        assert dataset["sensor_category"]
        assert dataset["license_id"] == "dl-by-de/2.0"
        assert dataset["districts"] and dataset["districts"] != ["jena"]
        formats = sorted({r["format"] for r in dataset["resources"]})
        assert formats == ["CSV", "JSON"]
        assert all(r["url"].startswith(source_server.base + "/v1.1/Datastreams(") for r in dataset["resources"])
    typo = [d for d in datasets.values() if d["sensor_category"] == "air_temprature"]
    assert typo and all(t["title"].startswith("Lufttemperatur – ") for t in typo)
    soil = [d for d in datasets.values() if d["sensor_category"] == "soil_moisture"]
    # datastream 31 states no phenomenonTime: its first and last observation were asked for
    assert "/v1.1/Datastreams(31)/Observations?%24orderby=phenomenonTime+asc&%24top=1&%24select=phenomenonTime" \
        in source_server.requests or any("Datastreams(31)/Observations" in r for r in source_server.requests)
    ostfriedhof = [d for d in soil if any("(31)" in r["url"] for r in d["resources"])][0]
    assert ostfriedhof["temporal_coverage"][0]["end"] >= "2026-11-20"
    assert json.loads(ostfriedhof["spatial"])["type"] in ("Point", "MultiPoint")


def test_an_unchanged_platform_costs_nothing(source_server):
    fixtures.serve(source_server, "sensorthings")
    source = make_source(source_server.url("/v1.1"), "jena_sensorthings", CONFIG)
    created = run(source)["created"]
    summary = run(source)
    assert (summary["unchanged"], summary["updated"], summary["created"]) == (created, 0, 0)


def test_a_paging_loop_is_detected(source_server):
    fixtures.serve(source_server, "sensorthings", replace={"things-1.json": "things-1-loop.json"})
    summary = run(make_source(source_server.url("/v1.1"), "jena_sensorthings", CONFIG))
    assert summary["created"] == 0
    assert any("Paging loop" in m for m in summary["messages"]), summary["messages"]
