"""Hostile input, second attack review (issue 15, finding 9 continued): every request below
answered 500 before; each now answers a clear 4xx (or, for the catalog's paging links, a valid
answer), and length limits keep one dataset from slowing every page down."""
import pytest
import rdflib

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer

PLUGINS = with_explainer(HARVEST_PLUGINS) + " jena_quality"

pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de jena_explainer"),
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.ckan_config("ckanext.jena.quality.background_checks", "false"),
    pytest.mark.usefixtures("clean_db", "harvest_tables", "clean_index", "explainer_tables"),
]

NOT_TEXT = [123, ["a", "b"], True]


@pytest.fixture
def org():
    return factories.Organization(org_type="fachdienst")


def dataset_fields(org, **fields):
    data = {"name": "baeume", "title": "Bäume im öffentlichen Raum", "notes": "Alle Straßenbäume.",
            "owner_org": org["id"], "license_id": "dl-by-de/2.0", "tags": [{"name": "Bäume"}],
            "action_fields": ["stadtentwicklung-umwelt-verkehr"]}
    data.update(fields)
    return data


def api(app, action, status, token=None, **data):
    headers = {"Authorization": token} if token else {}
    return app.post(f"/api/3/action/{action}", json=data, headers=headers, status=status).json


# --- ckanext-dcat's catalog pages ---------------------------------------------------------------

@pytest.mark.parametrize("query", ["a%20b", "%22", "%3C", "%5C", "%5E", "B%C3%A4ume%20im"])
def test_a_catalog_search_with_any_text_answers_valid_turtle(app, org, query):
    helpers.call_action("package_create", **dataset_fields(org))
    answer = app.get(f"/catalog.ttl?q={query}", status=200)
    graph = rdflib.Graph().parse(data=answer.get_data(as_text=True), format="turtle")
    hydra = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
    pages = [str(page) for page in graph.subjects(rdflib.RDF.type, hydra.PagedCollection)]
    # the paging link repeats the query, percent-encoded (what q=a%20b found, if anything)
    for page in pages:
        assert f"q={query}" in page or f"q={query.replace('%20', '+')}" in page
        assert not set(page) & set(' "<>\\^`{|}')


def test_the_paging_links_lead_to_the_same_search(app, org):
    helpers.call_action("package_create", **dataset_fields(org))
    answer = app.get("/catalog.ttl?q=B%C3%A4ume%20im").get_data(as_text=True)
    graph = rdflib.Graph().parse(data=answer, format="turtle")
    hydra = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
    first = str(next(graph.objects(None, hydra.first)))
    again = app.get(first[first.index("/catalog.ttl"):]).get_data(as_text=True)
    assert "Bäume im öffentlichen Raum" in again


@pytest.mark.parametrize("query", ["page=0", "page=-2", "page=abc", "modified_since=%22", "modified_since=gestern"])
def test_a_malformed_page_or_date_on_the_catalog_answers_400_in_both_languages(app, query):
    german = app.get(f"/catalog.ttl?{query}", status=400).get_data(as_text=True)
    english = app.get(f"/en/catalog.ttl?{query}", status=400).get_data(as_text=True)
    assert "Seite" in german or "Datum" in german
    assert "page" in english or "date" in english


# --- the project's actions with an id that is not text -------------------------------------------

@pytest.mark.parametrize("action", ["jena_explainer_show", "jena_explainer_update", "jena_explainer_generate",
                                    "jena_quality_show", "jena_taxonomy_show", "jena_action_field_suggest"])
@pytest.mark.parametrize("value", NOT_TEXT)
def test_a_project_action_given_an_id_that_is_not_text_answers_409(app, action, value):
    sysadmin = factories.SysadminWithToken()
    body = api(app, action, 409, sysadmin["token"], id=value, lang="de")
    assert body["error"]["__type"] == "Validation Error" and "id" in body["error"]
    body = api(app, action, 409, id=value, lang="de")  # anonymous alike
    assert "id" in body["error"]


# --- ckanext-harvest's actions --------------------------------------------------------------------

@pytest.mark.parametrize("action,key", [("harvest_source_show", "id"), ("harvest_job_create", "source_id"),
                                        ("harvest_object_show", "id"), ("harvest_log_list", "level"),
                                        ("harvest_source_update", "id"), ("harvest_job_list", "source_id"),
                                        ("harvest_job_show", "id"), ("harvest_source_list", "organization_id")])
@pytest.mark.parametrize("value", NOT_TEXT)
def test_a_harvest_action_given_an_id_that_is_not_text_answers_409(app, action, key, value):
    sysadmin = factories.SysadminWithToken()
    body = api(app, action, 409, sysadmin["token"], **{key: value})
    assert key in body["error"]


def test_an_anonymous_harvest_job_list_without_a_source_is_refused_not_a_500(app):
    api(app, "harvest_job_list", 403)


# --- core package_search ----------------------------------------------------------------------------

@pytest.mark.parametrize("params", [{"start": "abc"}, {"include_private": "maybe"}, {"include_drafts": "vielleicht"},
                                    {"fq_list": 123}, {"fq_list": [1, 2]}, {"rows": [1, 2]}, {"start": {"a": 1}},
                                    {"facet.field": 12}])
def test_a_malformed_package_search_answers_400_naming_the_parameter(app, params):
    body = api(app, "package_search", 400, **params)
    assert body["success"] is False and list(params)[0] in str(body["error"])


def test_an_empty_start_is_the_first_page(app, org):
    helpers.call_action("package_create", **dataset_fields(org))
    assert api(app, "package_search", 200, start="", rows="")["result"]["count"] == 1


def test_a_wellformed_package_search_still_answers(app, org):
    helpers.call_action("package_create", **dataset_fields(org))
    body = api(app, "package_search", 200, start="0", rows="5", include_private="false", fq_list=["tags:Bäume"])
    assert body["result"]["count"] == 1


# --- length limits in the Jena schema --------------------------------------------------------------

def test_a_resource_url_of_a_megabyte_is_refused_with_a_clear_message(org):
    with pytest.raises(toolkit.ValidationError) as refused:
        helpers.call_action("package_create", **dataset_fields(
            org, resources=[{"url": "https://example.org/" + "a" * 1_000_000, "format": "CSV"}]))
    message = str(refused.value.error_dict)
    assert "2000" in message or "2.000" in message


def test_a_megabyte_of_notes_is_refused_with_a_clear_message(app, org):
    sysadmin = factories.SysadminWithToken()
    body = api(app, "package_create", 409, sysadmin["token"], **dataset_fields(org, notes="Bäume " * 200_000))
    assert "notes" in body["error"] and "20000" in str(body["error"]["notes"]).replace(".", "")


def test_a_megabyte_of_resource_description_is_refused(org):
    with pytest.raises(toolkit.ValidationError) as refused:
        helpers.call_action("package_create", **dataset_fields(
            org, resources=[{"url": "https://example.org/a.csv", "description": "x" * 1_000_000}]))
    assert "resources" in refused.value.error_dict


def test_long_but_real_notes_and_urls_are_kept(org):
    notes = "Ein langer Absatz über Bäume. " * 600  # about 18,000 characters
    url = "https://example.org/daten?" + "&".join(f"k{i}=v{i}" for i in range(150))
    dataset = helpers.call_action("package_create", **dataset_fields(
        org, notes=notes, resources=[{"url": url, "format": "CSV", "description": notes}]))
    assert dataset["notes"] == notes.strip() or dataset["notes"] == notes
    assert dataset["resources"][0]["url"] == url


def test_a_harvested_record_with_over_long_title_and_notes_is_shortened_with_a_gap_not_lost():
    from ckanext.jena.schema import inbound
    from ckanext.jena.schema.validators import NOTES_MAX_LENGTH, TITLE_MAX_LENGTH
    out = inbound.dataset({"title": "Bäume " * 200, "notes": "Straßenbäume. " * 5000})
    assert len(out["title"]) <= TITLE_MAX_LENGTH and out["title"].endswith("…")
    assert len(out["notes"]) <= NOTES_MAX_LENGTH and out["notes"].endswith("…")
    problems = {(g["field"], g["problem"]) for g in inbound.gaps_of(out)}
    assert {("title", "invalid"), ("notes", "invalid")} <= problems
    assert inbound.dataset(out)["notes"] == out["notes"]  # twice changes nothing


def test_a_harvested_distribution_with_an_over_long_description_or_address_is_not_lost_with_its_record():
    """Lenient in: a resource description over the schema's limit is cut with a gap, an address
    over the URL limit is no usable link (left out with a gap, the next address is used)."""
    from ckanext.jena.schema import inbound
    from ckanext.jena.schema.validators import RESOURCE_DESCRIPTION_MAX_LENGTH, RESOURCE_URL_MAX_LENGTH
    long_url = "https://daten.example.org/" + "a" * RESOURCE_URL_MAX_LENGTH
    out = inbound.dataset({"title": "Bäume", "notes": "Alle Bäume.", "resources": [
        {"url": long_url, "download_url": "https://daten.example.org/baeume.csv",
         "description": "Spalte. " * 4000, "format": "CSV"}]})
    [resource] = out["resources"]
    assert resource["url"] == "https://daten.example.org/baeume.csv"
    assert len(resource["description"]) <= RESOURCE_DESCRIPTION_MAX_LENGTH and resource["description"].endswith("…")
    problems = {(g["field"], g["problem"]) for g in inbound.gaps_of(out)}
    assert ("resources.description", "invalid") in problems
