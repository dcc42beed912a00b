"""The Jena dataset schema through CKAN's API and web pages: action fields, districts,
vocabularies, validation messages, facets and the Handlungsfeld pages."""
import json

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.schema import places
from tests.jena_plugins import schema_marks

pytestmark = schema_marks() + [pytest.mark.usefixtures("clean_db", "clean_index")]

THEME = "http://publications.europa.eu/resource/authority/data-theme/"


@pytest.fixture
def org():
    return factories.Organization(org_type="fachdienst")


def make(org, **fields):
    data = {"name": "baeume", "title": "Bäume im öffentlichen Raum", "notes": "Alle Straßenbäume.",
            "owner_org": org["id"], "license_id": "dl-by-de/2.0", "tags": [{"name": "Bäume"}]}
    data.update(fields)
    return helpers.call_action("package_create", **data)


def errors_of(org, **fields):
    with pytest.raises(toolkit.ValidationError) as raised:
        make(org, **fields)
    return raised.value.error_dict


def test_a_dataset_with_action_fields_and_districts_gets_its_area(org):
    pkg = make(org, action_fields=["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"],
               districts=["winzerla", "neulobeda"], theme=["ENVI"], frequency="annual",
               temporal_coverage=[{"start": "2020-01-01", "end": "2024-12-31"}],
               contact=[{"name": "KSJ", "email": "ksj@jena.de"}])
    assert pkg["action_fields"] == ["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"]
    assert pkg["districts"] == ["neulobeda", "winzerla"]
    assert pkg["theme"] == [THEME + "ENVI"]
    assert pkg["frequency"].endswith("/frequency/ANNUAL")
    area = places.parse_geometry(pkg["spatial"])
    assert places.districts_covering(area) == ["neulobeda", "winzerla"]
    # the geometry is what ckanext-spatial and the bbox search read
    found = helpers.call_action("package_search", ext_bbox="11.55,50.87,11.65,50.91")
    assert [r["name"] for r in found["results"]] == ["baeume"]
    elsewhere = helpers.call_action("package_search", ext_bbox="11.50,50.96,11.52,50.98")
    assert elsewhere["count"] == 0


def test_a_drawn_area_yields_its_districts_and_districts_follow_later_edits(org):
    point = {"type": "Point", "coordinates": [11.5889, 50.9271]}
    pkg = make(org, spatial=json.dumps(point))
    assert pkg["districts"] == ["jena-zentrum"]
    # districts changed, the area sent back unchanged: the area follows the districts
    updated = helpers.call_action("package_patch", id=pkg["id"], districts=["winzerla"],
                                  spatial=pkg["spatial"])
    assert updated["districts"] == ["winzerla"]
    assert places.districts_covering(places.parse_geometry(updated["spatial"])) == ["winzerla"]
    # the whole city
    whole = helpers.call_action("package_patch", id=pkg["id"], districts=["jena", "winzerla"], spatial="")
    assert whole["districts"] == ["jena"]


@pytest.mark.parametrize("fields, key, words", [
    ({"action_fields": ["parkhaeuser"]}, "action_fields", ["not an action field", "gruenstadtpflege"]),
    ({"action_fields": ["acht-punkte-2018-parkleitsystem"]}, "action_fields",
     ["earlier version", "verkehrsmanagement"]),
    ({"action_fields": ["gruenstadtpflege"]}, "action_fields",
     ["belongs to the action field 'stadtentwicklung-umwelt-verkehr'"]),
    ({"license_id": "cc-by-nc-sa-9"}, "license_id", ["not on the dcat-ap.de licence list", "dl-by-de/2.0"]),
    ({"districts": ["lobeda-west"]}, "districts", ["Unknown district: lobeda-west", "winzerla"]),
    ({"frequency": "ab und zu"}, "frequency", ["Not in the list: ab und zu", "ANNUAL"]),
    ({"spatial": "{not json"}, "spatial", ["not valid GeoJSON"]),
    ({"tags": []}, "tag_string", ["Add at least one keyword"]),
    ({"license_id": "", "resources": [{"url": "https://example.org/a.csv"}]}, "license_id",
     ["Choose a licence"]),
])
def test_invalid_values_are_refused_naming_the_valid_choices(org, fields, key, words):
    errors = errors_of(org, **fields)
    message = " ".join(errors[key])
    for word in words:
        assert word in message


def test_an_end_date_before_the_start_date_is_refused(org):
    errors = errors_of(org, temporal_coverage=[{"start": "2024-05-01", "end": "2023-01-01"}])
    assert errors["temporal_coverage"][0]["end"] == [
        "The end date (2023-01-01) lies before the start date (2024-05-01)."]


def test_licences_of_other_catalogues_are_normalised_to_the_dcat_ap_de_list(org):
    assert make(org, license_id="dl-de-by-2.0")["license_id"] == "dl-by-de/2.0"
    pkg = helpers.call_action("package_show", id="baeume")
    assert pkg["license_title"] == "Datenlizenz Deutschland Namensnennung 2.0"


def test_facets_count_fields_and_measures_with_labels(app, org):
    make(org, action_fields=["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"], districts=["winzerla"])
    make(org, name="busse", title="Busse", action_fields=["stadtentwicklung-umwelt-verkehr"],
         districts=["jena"])
    result = helpers.call_action("package_search", **{"facet.field": '["action_fields", "districts"]'})
    counts = {i["name"]: (i["count"], i["display_name"]) for i in result["search_facets"]["action_fields"]["items"]}
    # labels in the portal's language (the test portal's default is English)
    assert counts == {"stadtentwicklung-umwelt-verkehr": (2, "Urban development, environment and transport"),
                      "gruenstadtpflege": (1, "Sensor-based care of green spaces")}
    assert "Sensorgestützte Grünstadtpflege" in app.get("/de/dataset/").body
    page = app.get("/dataset/?action_fields=gruenstadtpflege").body
    assert 'jena-facet-tree' in page and "/dataset/baeume" in page and "/dataset/busse" not in page
    assert "/dataset/baeume" in app.get("/dataset/?districts=winzerla").body
    # the measure's label is searchable text
    assert helpers.call_action("package_search", q="Grünstadtpflege")["count"] == 1


def test_handlungsfeld_pages_list_fields_measures_counts_and_newest_datasets(app, org):
    make(org, action_fields=["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"])
    make(org, name="geheim", title="Geheime Messwerte", private=True,
         action_fields=["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"])
    index = app.get("/de/handlungsfelder").body
    for label in ("Digitale Infrastruktur und Datenpolitik", "Sensorgestützte Grünstadtpflege",
                  "Code Week Jena/Thüringen", "Bäume im öffentlichen Raum", "Neueste Datensätze"):
        assert label in index
    assert "Sensor-based care of green spaces" in app.get("/en/handlungsfelder").body
    assert "Geheime Messwerte" not in index, "private datasets stay private"
    page = app.get("/en/handlungsfelder/gruenstadtpflege").body
    assert "Bäume im öffentlichen Raum" in page and "1 dataset" in page
    assert "Geheime Messwerte" not in page
    # concepts of earlier schemes and concept URIs lead to the current page
    old = app.get("/handlungsfelder/acht-punkte-2018-parkleitsystem", follow_redirects=False)
    assert old.status_code == 302 and old.headers["Location"].endswith("/handlungsfelder/verkehrsmanagement")
    assert app.get("/handlungsfelder/gibt-es-nicht", status=404)


def test_the_taxonomy_is_served_as_turtle_and_json_ld(app):
    base = toolkit.config["ckan.site_url"].rstrip("/") + "/taxonomy/"
    for url, fmt in (("/taxonomy.ttl", "turtle"), ("/taxonomy.jsonld", "json-ld")):
        response = app.get(url)
        graph = Graph().parse(data=response.body, format=fmt)
        field = URIRef(base + "gruenstadtpflege")
        assert (field, SKOS.broader, URIRef(base + "stadtentwicklung-umwelt-verkehr")) in graph
        assert (URIRef(base + "acht-punkte-2018-parkleitsystem"), SKOS.closeMatch,
                URIRef(base + "verkehrsmanagement")) in graph


def test_jena_taxonomy_show_and_suggest_actions():
    concept = helpers.call_action("jena_taxonomy_show", id="gruenstadtpflege", lang="en")
    assert concept["label"] == "Sensor-based care of green spaces"
    assert concept["broader"] == "stadtentwicklung-umwelt-verkehr"
    assert concept["eu_themes"] == ["ENVI", "AGRI"]
    full = helpers.call_action("jena_taxonomy_show")
    assert [s["id"] for s in full["schemes"]][0] == "handlungsfelder"
    with pytest.raises(toolkit.ObjectNotFound):
        helpers.call_action("jena_taxonomy_show", id="gibt-es-nicht")
    suggested = helpers.call_action("jena_action_field_suggest", sensor_category="parking_deck")
    assert suggested[0]["id"] == "verkehrsmanagement" and suggested[0]["suggested"] is True


def test_a_data_officer_creates_a_dataset_through_the_web_form(app, org):
    officer = factories.UserWithToken()
    helpers.call_action("organization_member_create", id=org["id"], username=officer["name"], role="editor")
    headers = {"Authorization": officer["token"]}
    form = app.get("/dataset/new", headers=headers).body
    assert 'data-module="jena-action-fields"' in form and 'name="districts"' in form
    assert "Sensor-based care of green spaces" in form
    response = app.post("/dataset/new", headers=headers, data={
        "title": "Gießkannen-Einsätze", "name": "giessen", "notes": "Wann gegossen wurde.",
        "owner_org": org["id"], "license_id": "dl-by-de/2.0", "tag_string": "Bäume, Gießen",
        "action_fields": ["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"],
        "districts": ["kernberge"], "save": "continue", "_ckan_phase": "dataset_new_1"},
        follow_redirects=False)
    assert response.status_code == 302, response.body
    pkg = helpers.call_action("package_show", id="giessen")
    assert pkg["action_fields"] == ["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"]
    assert pkg["districts"] == ["kernberge"] and pkg["spatial"]
    # second stage: a resource with the schema's resource fields
    resource = app.post("/dataset/giessen/resource/new", headers=headers, data={
        "url": "https://example.org/giessen.csv", "name": "Einsätze (CSV)", "format": "CSV",
        "license": "dl-de-zero-2.0", "save": "go-metadata", "id": ""}, follow_redirects=False)
    assert resource.status_code == 302, resource.body
    stored = helpers.call_action("package_show", id="giessen")
    assert stored["state"] == "active"
    assert stored["resources"][0]["license"] == "dl-zero-de/2.0"
    # an invalid value comes back as a message on the form
    bad = app.post("/dataset/new", headers=headers, data={
        "title": "Kaputt", "name": "kaputt", "notes": "x", "owner_org": org["id"],
        "action_fields": ["gruenstadtpflege"], "save": "continue", "_ckan_phase": "dataset_new_1"})
    assert "belongs to the action field" in bad.body


def test_the_dataset_page_shows_the_area_and_suggestions_to_editors(app, org):
    pkg = make(org, districts=["winzerla"], tags=[{"name": "Baumkataster"}])
    page = app.get("/dataset/baeume").body
    assert 'data-module="jena-district-map"' in page and "OpenStreetMap contributors" in page
    assert "Suggested action fields" not in page, "suggestions are for editors"
    sysadmin = factories.SysadminWithToken()
    editor_page = app.get("/dataset/baeume", headers={"Authorization": sysadmin["token"]}).body
    assert "Suggested action fields" in editor_page and "Sensor-based care of green spaces" in editor_page
    assert pkg["districts"] == ["winzerla"]


def test_organisations_have_a_kind_of_unit():
    org = factories.Organization(org_type="eigenbetrieb")
    assert helpers.call_action("organization_show", id=org["id"])["org_type"] == "eigenbetrieb"
    with pytest.raises(toolkit.ValidationError):
        helpers.call_action("organization_create", name="ohne-art", title="Ohne Art",
                            context={"user": factories.Sysadmin()["name"]})


def test_suggestions_for_a_private_dataset_need_permission_to_see_it(org):
    make(org, private=True, tags=[{"name": "Baumkataster"}])
    with pytest.raises(toolkit.NotAuthorized):
        helpers.call_action("jena_action_field_suggest", context={"user": "", "ignore_auth": False},
                            id="baeume")
    member = factories.User()
    with pytest.raises(toolkit.NotAuthorized):
        helpers.call_action("jena_action_field_suggest", context={"user": member["name"], "ignore_auth": False},
                            id="baeume")
    sysadmin = factories.Sysadmin()
    found = helpers.call_action("jena_action_field_suggest", context={"user": sysadmin["name"]}, id="baeume")
    assert found[0]["id"] == "gruenstadtpflege"


def test_empty_fields_are_not_listed_on_the_dataset_page(app, org):
    make(org, frequency="ANNUAL")
    page = app.get("/dataset/baeume").body
    assert "Update frequency" in page and "annual" in page
    assert "Sensor category" not in page and "Provenance" not in page


def test_the_organisation_form_asks_for_the_kind_of_unit(app):
    sysadmin = factories.SysadminWithToken()
    form = app.get("/organization/new", headers={"Authorization": sysadmin["token"]}).body
    assert 'name="org_type"' in form and "Municipal enterprise" in form


@pytest.mark.ckan_config("ckan.locale_default", "de")
def test_errors_are_german_for_a_german_portal(app, org):
    sysadmin = factories.SysadminWithToken()
    response = app.post("/api/3/action/package_create", headers={"Authorization": sysadmin["token"]},
                        json={"name": "x-1", "title": "X", "notes": "x", "owner_org": org["id"],
                              "action_fields": ["gruenstadtpflege"],
                              "temporal_coverage": [{"start": "2024-05-01", "end": "2023-01-01"}]},
                        status=409)
    errors = response.json["error"]
    assert errors["action_fields"] == [
        "Die Maßnahme „gruenstadtpflege“ gehört zum Handlungsfeld „stadtentwicklung-umwelt-verkehr“ "
        "(Stadtentwicklung, Umwelt und Verkehr): Bitte wählen Sie das Handlungsfeld ebenfalls aus."]
    assert errors["temporal_coverage"][0]["end"] == [
        "Das Enddatum (2023-01-01) liegt vor dem Anfangsdatum (2024-05-01)."]


def test_the_form_keeps_retired_action_fields_until_a_data_officer_decides(app, org):
    from ckan import model
    pkg = make(org)
    # written past the validators, as an old import would have (the model's extras: a table in
    # CKAN 2.11, a JSONB column in 2.12)
    model.Package.get(pkg["id"]).extras["action_fields"] = json.dumps(["acht-punkte-2018-parkleitsystem"])
    model.Session.commit()
    model.Session.remove()  # the written extra, not the session's cached one
    from ckan.lib.search import rebuild
    rebuild(pkg["id"])  # package_show answers from the index copy while metadata_modified is unchanged
    sysadmin = factories.SysadminWithToken()
    form = app.get("/dataset/edit/baeume", headers={"Authorization": sysadmin["token"]}).body
    assert 'value="acht-punkte-2018-parkleitsystem" checked' in form and "No longer in use" in form


def test_odd_api_input_gets_a_validation_error():
    with pytest.raises(toolkit.ValidationError):
        helpers.call_action("jena_taxonomy_show", id=["a", "b"])
    with pytest.raises(toolkit.ValidationError):
        helpers.call_action("jena_action_field_suggest", title=["a"])


def test_an_area_far_larger_than_the_city_is_not_about_jena_or_its_districts(org):
    """A record about Thuringia or all of Germany must not be filed under "Gesamte Stadt Jena"
    (issue 14, item 8): it covers no district; the city's own outline and its bounding box still do."""
    germany = {"type": "Polygon", "coordinates": [[[5.9, 47.3], [15.0, 47.3], [15.0, 55.1], [5.9, 55.1], [5.9, 47.3]]]}
    pkg = make(org, spatial=json.dumps(germany))
    assert pkg.get("districts") in (None, [], "")
    facets = helpers.call_action("package_search", q="*:*", **{"facet.field": ["districts"]})["facets"]
    assert "jena" not in facets.get("districts", {})
    labels, shapes, city = places._load()
    from shapely.geometry import box
    assert places.districts_covering(box(*city.bounds)) == [places.WHOLE_CITY]
    thuringia = box(9.8, 50.2, 12.7, 51.7)
    assert places.districts_covering(thuringia) == []
