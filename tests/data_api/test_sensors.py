"""Sensor observations in the DataStore: a harvested SensorThings Datastream's table resource is
filled by the scheduler's task through the guarded client, with upserts and a bounded history;
a hostile sensor platform stops the run for that Datastream and leaves the table as it was."""
import datetime as dt
import json

import pytest

from ckan.tests import factories, helpers

from ckanext.jena.data import logic, sensors
from ckanext.jena.demo import sources as demo_sources
from tests.data_api.conftest import data_marks

pytestmark = data_marks() + [
    pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckanext.jena.data.sensor_history_days", "2"),
    pytest.mark.ckan_config("ckanext.jena.data.sensor_max_pages", "5"),
    pytest.mark.ckan_config("ckanext.jena.data.sensor_page_max_bytes", "200000"),
    pytest.mark.ckan_config("ckanext.jena.data.download_seconds", "5"),
]
QUERY = "?$resultFormat=CSV&$select=phenomenonTime,result"


@pytest.fixture(scope="module")
def demo_platform():
    """The demo's SensorThings source (ckanext/jena/demo/sources.py) on a free port."""
    with demo_sources.serving("http://portal.invalid") as base:
        yield base + "/sensorthings/v1.1"


def sensor_dataset(url: str, private: bool = False) -> dict:
    organization = factories.Organization()
    return factories.Dataset(owner_org=organization["id"], private=private, resources=[
        {"url": url, "name": "Bodenfeuchte – CSV-Export", "format": "CSV"}])


def rows(resource_id: str) -> list:
    return helpers.call_action("datastore_search", resource_id=resource_id, sort="Zeitpunkt asc",
                               limit=1000)["records"]


def observations_page(values: list, next_link: str = None) -> str:
    page = {"value": values}
    if next_link:
        page["@iot.nextLink"] = next_link
    return json.dumps(page)


def test_the_demo_platform_answers_observations_and_the_csv_export(demo_platform):
    import requests
    answer = requests.get(f"{demo_platform}/Datastreams(11)/Observations", timeout=10,
                          params={"$orderby": "phenomenonTime desc", "$top": "2"}).json()
    assert [type(o["result"]) for o in answer["value"]] == [float, float]
    assert "@iot.nextLink" in answer
    csv = requests.get(f"{demo_platform}/Datastreams(11)/Observations{QUERY}", timeout=10)
    assert csv.status_code == 200 and csv.text.splitlines()[0] == "phenomenonTime,result"


def test_a_soil_moisture_datastream_becomes_a_table_with_its_recent_history(demo_platform):
    dataset = sensor_dataset(f"{demo_platform}/Datastreams(11)/Observations{QUERY}")
    resource = dataset["resources"][0]
    assert sensors.sensor_resources() == [{"id": resource["id"], "url": resource["url"], "format": "CSV"}]
    # xloader is not asked to load the platform's CSV export: the table is the sensor task's
    assert resource["id"] not in logic.missing_tables()
    assert helpers.call_action("xloader_submit", resource_id=resource["id"]) is False

    assert "0 Datastreams failed" in sensors.load_all_datastreams()
    stored = rows(resource["id"])
    # hourly readings, two days back from the newest (2026-11-20T23:00Z in the demo)
    assert len(stored) == 49
    # (the DataStore writes a timestamp as 2026-11-20T23:00:00 on CKAN 2.11, with .000 on 2.12)
    assert dt.datetime.fromisoformat(stored[-1]["Zeitpunkt"]) == dt.datetime(2026, 11, 20, 23)
    assert dt.datetime.fromisoformat(stored[0]["Zeitpunkt"]) == dt.datetime(2026, 11, 18, 23)
    assert all(20 < row["Messwert"] < 60 for row in stored)
    assert helpers.call_action("resource_show", id=resource["id"])["datastore_active"] is True
    views = helpers.call_action("resource_view_list", id=resource["id"])
    assert "datatables_view" in [view["view_type"] for view in views]

    # a second run adds nothing twice (upsert by time)
    sensors.load_all_datastreams()
    assert len(rows(resource["id"])) == 49


def test_new_observations_are_added_and_old_ones_forgotten(files):
    base = files.url("/st/v1.1/Datastreams(7)")
    start = dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)

    def page(hours):
        return observations_page([{"phenomenonTime": (start + dt.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                   "result": 10 + h} for h in sorted(hours, reverse=True)])
    query = "?$orderby=phenomenonTime desc&$select=phenomenonTime,result&$top=1000"
    files.add(f"/st/v1.1/Datastreams(7)/Observations{query}", page(range(0, 30)), "application/json")
    resource = sensor_dataset(f"{base}/Observations{QUERY}")["resources"][0]
    assert sensors.load_datastream(resource) == 30
    # 40 hours later: the platform has newer readings; two days (48 h) back from the newest stay
    files.add(f"/st/v1.1/Datastreams(7)/Observations{query}", page(range(0, 70)), "application/json")
    sensors.load_datastream(resource)
    stored = rows(resource["id"])
    assert [row["Messwert"] for row in stored] == list(range(10 + 21, 10 + 70))


@pytest.mark.parametrize("body, content_type, behaviour, reason", [
    ("<html>Wartungsarbeiten</html>", "text/html", None, "kein gültiges JSON"),
    ('{"value": "kaputt"}', "application/json", None, "keine 'value'-Liste"),
    ('[1, 2, 3]', "application/json", None, "keine 'value'-Liste"),
    ("", "application/json", "huge", "sensor_page_max_bytes"),
    ("", "application/json", "redirect:http://10.0.0.1/intern", "10.0.0.1"),
    ("", "application/json", "redirect:http://[::1]:9/intern", "::1"),
])
def test_a_hostile_platform_stops_the_run_and_leaves_the_table(files, body, content_type, behaviour, reason):
    query = "?$orderby=phenomenonTime desc&$select=phenomenonTime,result&$top=1000"
    good = observations_page([{"phenomenonTime": "2026-05-01T10:00:00Z", "result": 1.5}])
    files.add(f"/good/v1.1/Datastreams(1)/Observations{query}", good, "application/json")
    resource = sensor_dataset(files.url(f"/good/v1.1/Datastreams(1)/Observations{QUERY}"))["resources"][0]
    sensors.load_datastream(resource)
    files.add(f"/good/v1.1/Datastreams(1)/Observations{query}", body, content_type, behaviour=behaviour)
    with pytest.raises(sensors.SensorError) as raised:
        sensors.load_datastream(resource)
    assert reason in raised.value.german
    assert [row["Messwert"] for row in rows(resource["id"])] == [1.5]
    assert "1 Datastreams failed" in sensors.load_all_datastreams()


def test_an_endless_next_link_loop_is_stopped(files):
    query = "?$orderby=phenomenonTime desc&$select=phenomenonTime,result&$top=1000"
    values = [{"phenomenonTime": "2026-05-01T10:00:00Z", "result": 1}]
    files.add(f"/loop/v1.1/Datastreams(2)/Observations{query}",
              observations_page(values, "{base}/loop/v1.1/Datastreams(2)/Observations?$skip=1"), "application/json")
    files.add("/loop/v1.1/Datastreams(2)/Observations?$skip=1",
              observations_page(values, "{base}/loop/v1.1/Datastreams(2)/Observations?$skip=1"), "application/json")
    with pytest.raises(sensors.SensorError) as raised:
        sensors.fetch_observations(files.url("/loop/v1.1/Datastreams(2)"))
    assert "Endlosschleife" in raised.value.german


def test_endless_pages_are_cut_at_the_page_limit(files):
    query = "?$orderby=phenomenonTime desc&$select=phenomenonTime,result&$top=1000"
    path = "/many/v1.1/Datastreams(3)/Observations"
    files.add(path + query, observations_page(
        [{"phenomenonTime": "2026-05-01T10:00:00Z", "result": 1}], "{base}" + path + "?$skip=1"), "application/json")
    for page in range(1, 10):  # every page an older reading within the history and a new address
        files.add(f"{path}?$skip={page}", observations_page(
            [{"phenomenonTime": f"2026-05-01T09:{page:02d}:00Z", "result": 1}], "{base}" + f"{path}?$skip={page + 1}"),
            "application/json")
    with pytest.raises(sensors.SensorError) as raised:
        sensors.fetch_observations(files.url("/many/v1.1/Datastreams(3)"))
    assert "sensor_max_pages" in raised.value.german


def test_garbage_observations_are_left_out(files):
    query = "?$orderby=phenomenonTime desc&$select=phenomenonTime,result&$top=1000"
    files.add(f"/bad/v1.1/Datastreams(4)/Observations{query}", observations_page([
        {"phenomenonTime": "2026-05-01T10:00:00Z", "result": 2.5},
        {"phenomenonTime": "gestern", "result": 1},
        {"phenomenonTime": "2026-05-01T09:00:00Z", "result": {"nested": True}},
        "nicht einmal ein Objekt",
        {"phenomenonTime": "2026-05-01T07:00:00Z", "result": 3},
    ]), "application/json")
    assert sensors.fetch_observations(files.url("/bad/v1.1/Datastreams(4)")) == [
        (dt.datetime(2026, 5, 1, 10, tzinfo=dt.timezone.utc), 2.5),
        (dt.datetime(2026, 5, 1, 7, tzinfo=dt.timezone.utc), 3)]


def test_a_private_datasets_sensor_table_is_not_readable_anonymously(app, demo_platform):
    resource = sensor_dataset(f"{demo_platform}/Datastreams(12)/Observations{QUERY}", private=True)["resources"][0]
    sensors.load_all_datastreams()
    assert len(rows(resource["id"])) > 0
    answer = app.get("/api/3/action/datastore_search", params={"resource_id": resource["id"]}, status=403)
    assert answer.json["success"] is False
    sql = f'SELECT * FROM "{resource["id"]}"'
    app.get("/api/3/action/datastore_search_sql", params={"sql": sql}, status=403)


def test_a_next_link_to_an_internal_address_is_not_followed(files):
    query = "?$orderby=phenomenonTime desc&$select=phenomenonTime,result&$top=1000"
    files.add(f"/next/v1.1/Datastreams(5)/Observations{query}", observations_page(
        [{"phenomenonTime": "2026-05-01T10:00:00Z", "result": 1}], "http://169.254.169.254/latest/meta-data/"),
        "application/json")
    with pytest.raises(sensors.SensorError) as raised:
        sensors.fetch_observations(files.url("/next/v1.1/Datastreams(5)"))
    assert "169.254.169.254" in raised.value.german
