"""The explainer and the dataset page use the DataStore where a table is loaded: the profile
reads the typed table instead of downloading the file again, "Ein Blick in die Daten" shows its
first rows, and the dataset page and the printable explainer show one picture (a chart) with a
sentence saying what it shows."""
import pytest

from ckan.tests import factories, helpers

from ckanext.jena.explainer import helpers as explainer_helpers, jobs, profile
from tests.explainer.test_explainer import signed_in
from tests.jena_plugins import EXPLAINER_PLUGINS, schema_marks

PLUGINS = EXPLAINER_PLUGINS + " jena_data datastore jena_chart"
pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.views.default_views", ""),
    pytest.mark.usefixtures("clean_db", "clean_index", "clean_datastore", "explainer_tables"),
]
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: E402,F401 (fixture)

# nobody listens here: a download would fail, the DataStore is the only way to these rows
NOWHERE = "http://127.0.0.1:9/baeume.csv"
SENSOR_FIELDS = [{"id": "Zeitpunkt", "type": "timestamp"}, {"id": "Messwert", "type": "numeric"}]
MOISTURE = [{"Zeitpunkt": f"2026-11-20T{hour:02d}:00:00", "Messwert": 30 + hour * 0.5} for hour in range(24)]


def dataset_with_table(fields, records, private=False, fmt="CSV"):
    organization = factories.Organization(org_type="fachdienst")
    dataset = helpers.call_action(
        "package_create", name="bodenfeuchte", title="Bodenfeuchte Paradiespark", owner_org=organization["id"],
        license_id="dl-by-de/2.0", notes="Bodenfeuchte im Paradiespark.", private=private, tags=[{"name": "Sensordaten"}],
        resources=[{"url": NOWHERE, "name": "Bodenfeuchte 10 cm", "format": fmt}])
    resource = dataset["resources"][0]
    helpers.call_action("datastore_create", resource_id=resource["id"], force=True, fields=fields, records=records)
    return helpers.call_action("package_show", id=dataset["id"]), organization


def test_the_profile_of_a_loaded_table_comes_from_the_datastore():
    dataset, _org = dataset_with_table(
        [{"id": "Ortsteil", "type": "text"}, {"id": "Jahr", "type": "int"}, {"id": "Bäume", "type": "numeric"},
         {"id": "Gepflanzt", "type": "timestamp"}],
        [{"Ortsteil": "Winzerla", "Jahr": 2021, "Bäume": 120.5, "Gepflanzt": "2021-04-01T00:00:00"},
         {"Ortsteil": "Zwätzen", "Jahr": 2023, "Bäume": 95, "Gepflanzt": "2023-10-15T00:00:00"}])
    resource = dataset["resources"][0]
    found = jobs.profile_resource(resource)
    assert found["source"] == "datastore" and found["rows"] == 2
    columns = {c["name"]: c for c in found["columns"]}
    assert columns["Bäume"]["type"] == "decimal" and (columns["Bäume"]["min"], columns["Bäume"]["max"]) == (95, 120.5)
    assert columns["Jahr"]["type"] == "year"
    assert (columns["Gepflanzt"]["type"], columns["Gepflanzt"]["min"], columns["Gepflanzt"]["max"]) == (
        "date", "2021-04-01", "2023-10-15")
    assert found["time_span"] == {"start": "2021", "end": "2023"}
    assert "winzerla" in found["districts"] or "Winzerla" in str(found["districts"])
    assert found["sample"][0][:2] == ["Winzerla", "2021"]


def test_loading_into_the_datastore_makes_the_stored_profile_stale():
    resource = {"url": NOWHERE, "format": "CSV", "size": None, "last_modified": None, "url_type": None}
    assert profile.fingerprint(resource) != profile.fingerprint(dict(resource, datastore_active=True))


def test_a_table_dropped_from_the_datastore_falls_back_to_the_file():
    dataset, _org = dataset_with_table(SENSOR_FIELDS, MOISTURE)
    resource = dataset["resources"][0]
    helpers.call_action("datastore_delete", resource_id=resource["id"], force=True)
    with pytest.raises(profile.ProfileError):  # the download is tried, and nobody listens
        jobs.profile_resource(dict(resource, datastore_active=True))


@pytest.mark.usefixtures("with_request_context")
def test_a_look_into_the_data_reads_the_datastore():
    dataset, _org = dataset_with_table(SENSOR_FIELDS, MOISTURE)
    preview = explainer_helpers.preview(dataset)
    assert preview["source"] == "datastore" and preview["total"] == 24
    assert preview["rows"][:2] == [["20.11.2026 00:00", "30"], ["20.11.2026 01:00", "30,5"]]  # German dates and numbers
    assert len(preview["rows"]) == 5


def test_the_dataset_page_and_the_printable_explainer_show_the_chart_with_words(app):
    dataset, _org = dataset_with_table(SENSOR_FIELDS, MOISTURE)
    for url in (f"/dataset/{dataset['name']}", f"/dataset/{dataset['name']}/explainer"):
        page = app.get(url).body
        figure = page.split('class="jena-explainer-picture"', 1)[1].split("</figure>", 1)[0]
        assert "<polyline" in figure and 'role="img"' in figure
        assert "20.11.2026 00:00" in figure and "41,5" in figure  # the sentence: span and values
        assert dataset["resources"][0]["id"] in figure  # a link to the data


@pytest.mark.ckan_config("ckanext.jena.explainer.dataset_page_picture", "false")
def test_the_picture_can_be_switched_off_on_the_dataset_page(app):
    dataset, _org = dataset_with_table(SENSOR_FIELDS, MOISTURE)
    assert "jena-explainer-picture" not in app.get(f"/dataset/{dataset['name']}").body
    assert "jena-explainer-picture" in app.get(f"/dataset/{dataset['name']}/explainer").body


def test_a_private_datasets_picture_is_only_for_those_who_may_see_it(app):
    dataset, organization = dataset_with_table(SENSOR_FIELDS, MOISTURE, private=True)
    app.get(f"/dataset/{dataset['name']}", status=404)
    member = factories.User()
    helpers.call_action("organization_member_create", id=organization["id"], username=member["name"], role="member")
    page = app.get(f"/dataset/{dataset['name']}", **signed_in(member)).body
    assert "jena-explainer-picture" in page


def test_no_picture_where_nothing_fits(app):
    dataset, _org = dataset_with_table([{"id": "Name", "type": "text"}], [{"Name": "Linde"}])
    assert "jena-explainer-picture" not in app.get(f"/dataset/{dataset['name']}").body
