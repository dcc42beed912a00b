"""Hostile input gets a clear 4xx, never a 500 (issue 15, finding 9): text fields that are not
text or hold NUL characters, search queries the index cannot run on ckanext-dcat's catalog
pages, malformed numbers on the demo sources, and titles too long for CKAN's index."""
import re

import pytest

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.explainer import jobs, store as explainer_store
from tests.jena_plugins import EXPLAINER_PLUGINS, schema_marks

# without the request guard (jena_security refuses any NUL at the door, tests/security/test_web.py):
# these tests check that the actions and forms refuse it themselves, as they must when called from code
PLUGINS = " ".join(name for name in (EXPLAINER_PLUGINS + " jena_dcat jena_demo").split() if name != "jena_security")

pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de jena_explainer"),
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables"),
]


@pytest.fixture
def org():
    return factories.Organization(org_type="fachdienst")


def dataset_fields(org, **fields):
    data = {"name": "baeume", "title": "Bäume im öffentlichen Raum", "notes": "Alle Straßenbäume.",
            "owner_org": org["id"], "license_id": "dl-by-de/2.0", "tags": [{"name": "Bäume"}],
            "action_fields": ["stadtentwicklung-umwelt-verkehr"]}
    data.update(fields)
    return data


def editor_of(org):
    editor = factories.UserWithToken()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    return editor


def api(app, action, token, status, **data):
    response = app.post(f"/api/3/action/{action}", json=data, headers={"Authorization": token}, status=status)
    return response.json


# --- explainers -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [123, ["Die Stadt zählt Bäume."], {"a": "b"}, "Bäume\x00zählen"])
def test_the_readability_check_refuses_what_is_not_text_with_a_clear_message(app, text):
    user = factories.UserWithToken()
    body = api(app, "jena_explainer_readability", user["token"], 409, text=text, lang="de")
    message = " ".join(body["error"]["text"])
    assert "Text" in message and " / " in message  # English / German
    with pytest.raises(toolkit.ValidationError):  # also when called from code
        helpers.call_action("jena_explainer_readability", {"user": user["name"], "ignore_auth": False},
                            text=text, lang="de")


def test_a_nul_character_in_an_explainer_section_is_refused_and_nothing_is_stored(app, org):
    pkg = helpers.call_action("package_create", **dataset_fields(org))
    jobs.explain(pkg["id"], profile=False)
    before = explainer_store.explainers(pkg["id"])["de"]["sections"]["about"]
    editor = editor_of(org)
    # the action, called from code
    with pytest.raises(toolkit.ValidationError) as refused:
        helpers.call_action("jena_explainer_update", {"user": editor["name"], "ignore_auth": False},
                            id=pkg["id"], lang="de", sections={"about": "Bäume\x00 in Jena"})
    assert "NUL" in refused.value.error_dict["about"][0]
    # the API
    body = api(app, "jena_explainer_update", editor["token"], 409, id=pkg["id"], lang="de",
               sections={"about": "Bäume\x00 in Jena"})
    assert "NUL-Zeichen" in body["error"]["about"][0] and "NUL character" in body["error"]["about"][0]
    # the editor's form: a client error (the request guard, or the form with the reason), no 500
    url = f"/dataset/{pkg['name']}/explainer/edit"
    form = app.get(url, headers={"Authorization": editor["token"]}).get_data(as_text=True)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form).group(1)
    answer = app.post(url, data={"_csrf_token": token, "lang": "de", "action": "save",
                                 "section-about": "Bäume\x00 in Jena"},
                      headers={"Authorization": editor["token"]}, status=400)
    assert "NUL" in answer.get_data(as_text=True)
    assert explainer_store.explainers(pkg["id"])["de"]["sections"]["about"] == before


# --- ckanext-dcat's catalog pages ---------------------------------------------------------------

@pytest.mark.parametrize("query", ["q=title:(foo", "fq={!lucene}x", "page=99999999999999999999"])
def test_a_catalog_query_the_search_cannot_run_answers_400_in_both_languages(app, org, query):
    helpers.call_action("package_create", **dataset_fields(org))
    german = app.get(f"/catalog.ttl?{query}", status=400).get_data(as_text=True)
    assert "Die Suchanfrage ist ungültig" in german
    english = app.get(f"/en/catalog.ttl?{query}", status=400).get_data(as_text=True)
    assert "The search query is not valid" in english


def test_a_catalog_query_that_is_fine_still_answers(app, org):
    helpers.call_action("package_create", **dataset_fields(org))
    assert "Bäume im öffentlichen Raum" in app.get("/catalog.ttl?q=title:B%C3%A4ume").get_data(as_text=True)


def test_the_dataset_search_page_answers_a_page_number_out_of_range_with_400(app):
    app.get("/dataset/?page=99999999999999999999", status=400)


# --- the demo sources ---------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["start=abc", "rows=x", "start=-3"])
def test_the_demo_portal_api_answers_a_malformed_number_like_ckan(app, query):
    body = app.get(f"/demo-quellen/ckan/api/3/action/package_search?{query}", status=409).json
    assert body["success"] is False and "ganze Zahlen" in body["error"]["message"]


@pytest.mark.parametrize("query", ["%24orderby=", "%24orderby=name", "%24top=abc", "%24skip=-1"])
def test_the_demo_sensor_platform_answers_an_unsupported_query_with_400(app, query):
    answer = app.get(f"/demo-quellen/sensorthings/v1.1/Datastreams(31)/Observations?{query}", status=400)
    assert " / " in answer.get_data(as_text=True)
    assert app.get("/demo-quellen/sensorthings/v1.1/Datastreams(31)/Observations?%24top=2").json["value"]


# --- titles -------------------------------------------------------------------------------------

def test_a_title_with_a_nul_character_is_refused_by_the_schema(org):
    with pytest.raises(toolkit.ValidationError) as refused:
        helpers.call_action("package_create", **dataset_fields(org, title="Bäume\x00"))
    assert "NUL" in refused.value.error_dict["title"][0]


@pytest.mark.parametrize("fields, where", [
    ({"notes": "Alle\x00 Bäume."}, ("notes",)),
    ({"version": "1.\x000"}, ("version",)),
    ({"resources": [{"name": "Liste\x00", "url": "https://example.org/b.csv", "format": "CSV"}]}, ("resources", 0, "name")),
    ({"contact": [{"name": "Grünflächenamt", "email": "gruen@jena.de\x00"}]}, ("contact", 0, "email")),
])
def test_a_nul_character_anywhere_in_a_dataset_is_refused_by_the_schema_not_the_database(org, fields, where):
    with pytest.raises(toolkit.ValidationError) as refused:
        helpers.call_action("package_create", **dataset_fields(org, **fields))
    errors = refused.value.error_dict
    for step in where:
        errors = errors[step]
    assert "NUL" in " ".join(map(str, errors))


def test_a_one_megabyte_title_is_refused_with_the_limit_not_a_database_error(app, org):
    with pytest.raises(toolkit.ValidationError) as refused:
        helpers.call_action("package_create", **dataset_fields(org, title="Bäume " * 200_000))
    assert "500" in refused.value.error_dict["title"][0]
    user = factories.SysadminWithToken()
    body = api(app, "package_create", user["token"], 409, **dataset_fields(org, name="lang", title="x" * 1_000_000))
    assert "500" in body["error"]["title"][0]
    # the longest title allowed is stored and found, in any script
    longest = "".join(chr(0x1F300 + i) for i in range(500))  # 2000 bytes that do not compress
    created = helpers.call_action("package_create", **dataset_fields(org, name="laengster", title=longest))
    assert helpers.call_action("package_show", id=created["id"])["title"] == longest
    assert helpers.call_action("package_search", q="name:laengster")["count"] == 1


def test_the_search_index_takes_a_megabyte_title_and_description(org):
    """What reaches the index without the schema (a harvested record, a direct reindex) never
    fails on length: the index has no btree over whole titles or descriptions."""
    import inspect
    from ckan.lib.search import PackageSearchIndex, index_for
    created = helpers.call_action("package_create", **dataset_fields(org))
    words = " ".join(f"wort{number}" for number in range(150_000))  # about 1.4 MB, all different
    document = dict(created, title="Bäume " + words, notes=words + " " + words.upper())
    if "with_custom_schema" in inspect.getsource(PackageSearchIndex.index_package):
        document["with_custom_schema"] = dict(document)  # CKAN 2.12 takes the validated form along
    index_for("package").index_package(document)
    assert helpers.call_action("package_search", q="wort4242")["count"] == 1  # the text is indexed up to a cap
