"""What the sixth attack review of the running portal found (7 December, session 12): a task
status told anyone a private resource's address; addresses werkzeug cannot write, and return
addresses CKAN takes for endpoint names, answered 500."""
from __future__ import annotations

import datetime
import html

import pytest

from ckan import model
from ckan.lib import search
from ckan.tests import factories, helpers

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer
from tests.security.test_web import PASSWORD, TOKEN

PLUGINS = "jena_security jena_theme " + with_explainer(HARVEST_PLUGINS)
pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.usefixtures("clean_db", "clean_index", "harvest_tables", "explainer_tables"),
]
SECRET_URL = "https://daten.example.org/export.csv?apikey=GEHEIM123"


def _dataset(org, name, private, url):
    sysadmin = factories.Sysadmin()
    return helpers.call_action(
        "package_create", {"user": sysadmin["name"]}, name=name, title=name, owner_org=org["id"],
        private=private, action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0",
        notes="Bäume", tags=[{"name": "Bäume"}], resources=[{"url": url, "format": "CSV", "name": "Tabelle"}])


def _task(resource_id):
    """A failed xloader load, as xloader records it (its error repeats the address)."""
    return helpers.call_action("task_status_update", {"ignore_auth": True}, entity_id=resource_id,
                               entity_type="resource", task_type="xloader", key="xloader", value="{}",
                               state="error", error=f'{{"message": "{SECRET_URL} answered with HTTP error 404"}}',
                               last_updated=datetime.datetime.utcnow().isoformat())


def test_a_task_status_is_shown_only_to_those_who_may_see_its_resource(app):
    org = factories.Organization(org_type="fachdienst")
    editor = factories.User()
    helpers.call_action("organization_member_create", {"ignore_auth": True}, id=org["id"],
                        username=editor["name"], role="editor")
    stranger = factories.User()  # an editor of another office
    other = factories.Organization(org_type="fachdienst")
    helpers.call_action("organization_member_create", {"ignore_auth": True}, id=other["id"],
                        username=stranger["name"], role="editor")
    private = _dataset(org, "privat-mit-schluessel", True, SECRET_URL)["resources"][0]
    public = _dataset(org, "oeffentlich", False, "https://daten.example.org/b.csv")["resources"][0]
    tasks = {"private": _task(private["id"]), "public": _task(public["id"])}

    def ask(resource, task, user=None):
        headers = {"Authorization": factories.APIToken(user=user["name"])["token"]} if user else {}
        by_entity = app.get("/api/3/action/task_status_show", headers=headers, query_string={
            "entity_id": resource["id"], "task_type": "xloader", "key": "xloader"})
        by_id = app.get("/api/3/action/task_status_show", headers=headers, query_string={"id": task["id"]})
        return by_entity, by_id

    for user in (None, stranger):
        for answer in ask(private, tasks["private"], user):
            assert answer.status_code == 403, (user, answer.status_code)
            assert "GEHEIM123" not in answer.body and "daten.example.org" not in answer.body
    for answer in ask(private, tasks["private"], editor):  # the dataset's own office
        assert answer.status_code == 200 and "GEHEIM123" in answer.body
    for answer in ask(public, tasks["public"]):  # a public resource's task stays readable
        assert answer.status_code == 200


def test_an_address_werkzeug_cannot_write_as_a_redirect_is_a_clear_404(app):
    """Werkzeug encodes the host with IDNA and reads the port for the Location header: these
    passed the address check and answered 500."""
    org = factories.Organization(org_type="fachdienst")
    broken = ["https://a..b/x", "https://.example/", "https://" + "a" * 64 + ".de/x",
              "http://[::1]:99999/", "https://example.org:abc/"]
    working = ["https://bäume.example.org/a.csv?q=ä", "https://example.org/b.csv"]
    # an impossible port is refused when saved since session 14 (security/addresses.py,
    # tests/security/test_addresses.py); a portal may hold such addresses from before
    saved_before = {"http://[::1]:99999/", "https://example.org:abc/"}
    dataset = _dataset(org, "adressen", False, broken[0])
    sysadmin = factories.Sysadmin()
    placeholders = {}
    for url in broken[1:] + working:
        resource = helpers.call_action("resource_create", {"user": sysadmin["name"]}, package_id=dataset["id"],
                                       url="https://example.org/platzhalter.csv" if url in saved_before else url,
                                       format="CSV", name=url[:20])
        if url in saved_before:
            placeholders[resource["id"]] = url
    # written into the database after the last resource_create (each rewrites every resource)
    for resource_id, url in placeholders.items():
        model.Session.query(model.Resource).filter_by(id=resource_id).update({"url": url})
    model.Session.commit()
    search.rebuild(dataset["id"])
    dataset = helpers.call_action("package_show", {"ignore_auth": True}, id=dataset["id"])
    answers = {}
    for resource in dataset["resources"]:
        response = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/download", follow_redirects=False)
        answers[resource["url"]] = response.status_code
        if response.status_code == 404:
            assert "keine Webadresse" in response.body
    assert answers == {**{url: 404 for url in broken}, **{url: 302 for url in working}}, answers


@pytest.mark.parametrize("parameter", ["came_from", "next"])
def test_a_return_address_that_is_no_address_is_ignored_after_login_and_logout(app, parameter):
    """CKAN redirected to `\\\\evil.example` through url_for after a successful login: 500."""
    officer = factories.User(password=PASSWORD)
    browser = app.test_client()
    form = browser.get("/user/login").get_data(as_text=True)
    response = browser.post("/user/login", query_string={parameter: "\\\\evil.example"},
                            data={"login": officer["name"], "password": PASSWORD,
                                  "_csrf_token": TOKEN.search(form).group(1)}, follow_redirects=False)
    assert response.status_code == 302, response.status_code
    assert "evil" not in response.headers["Location"]
    # a path of the portal is still followed
    browser = app.test_client()
    form = browser.get("/user/login").get_data(as_text=True)
    response = browser.post("/user/login", query_string={parameter: "/dataset/"},
                            data={"login": officer["name"], "password": PASSWORD,
                                  "_csrf_token": TOKEN.search(form).group(1)}, follow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dataset/")
    if parameter == "came_from":  # CKAN's logout reads came_from only
        response = browser.get("/user/_logout", query_string={"came_from": "daten"}, follow_redirects=False)
        assert response.status_code == 302, response.status_code
        assert "daten" not in response.headers["Location"]


def test_a_lone_surrogate_in_a_json_body_is_a_clear_400_not_a_500(app):
    """JSON can escape a lone UTF-16 surrogate ("\\udcff"); PostgreSQL's UTF-8 cannot hold it and
    CKAN answered 500 at the flush of resource_create."""
    org = factories.Organization(org_type="fachdienst")
    editor = factories.User()
    helpers.call_action("organization_member_create", {"ignore_auth": True}, id=org["id"],
                        username=editor["name"], role="editor")
    dataset = _dataset(org, "surrogat", False, "https://example.org/a.csv")
    token = factories.APIToken(user=editor["name"])["token"]
    body = '{"package_id": "%s", "name": "x", "url": "https://\\udcff.org/"}' % dataset["id"]
    response = app.post("/api/3/action/resource_create", data=body, headers={
        "Authorization": token, "Content-Type": "application/json"})
    assert response.status_code == 400, response.status_code
    assert "Surrogat" in response.json["error"]["message"]
    assert len(helpers.call_action("package_show", {"ignore_auth": True}, id=dataset["id"])["resources"]) == 1
    # characters outside the BMP, written as a surrogate pair, are text and pass
    body = '{"package_id": "%s", "name": "Bäume \\ud83c\\udf33", "url": "https://example.org/b.csv"}' % dataset["id"]
    response = app.post("/api/3/action/resource_create", data=body, headers={
        "Authorization": token, "Content-Type": "application/json"})
    assert response.status_code == 200, response.body[:300]
    assert response.json["result"]["name"] == "Bäume \U0001F333"


# Sixth review, L4: parameters CKAN core reads unchecked (each answered 500 before)
UNREADABLE = [
    ("/dataset/", {"sort": " "}, "sort"),
    ("/dataset/", {"sort": "\t"}, "sort"),
    ("/organization/", {"sort": " "}, "sort"),
    ("/group/", {"sort": " "}, "sort"),
    ("/organization/", {"page": "99999999999999999999"}, "page"),
    ("/group/", {"page": "99999999999999999999"}, "page"),
    ("/api/3/action/organization_list", {"all_fields": "x"}, "all_fields"),
    ("/api/3/action/group_list", {"all_fields": "x"}, "all_fields"),
    ("/api/3/action/organization_list", {"limit": " "}, "limit"),
    ("/api/3/action/organization_list", {"offset": "99999999999999999999"}, "offset"),
    ("/api/3/action/group_list", {"order_by": " "}, "order_by"),
    ("/api/3/action/package_list", {"limit": " "}, "limit"),
    ("/api/3/action/package_list", {"offset": "99999999999999999999"}, "offset"),
    ("/api/3/action/package_autocomplete", {"q": "b", "limit": " "}, "limit"),
    ("/api/3/action/format_autocomplete", {"q": "c", "limit": " "}, "limit"),
    ("/api/3/action/resource_search", {"query": "name:x", "limit": " "}, "limit"),
    ("/api/3/action/resource_search", {"query": "name:x", "offset": " "}, "offset"),
    ("/api/3/action/tag_search", {"query": "b", "offset": "-1"}, "offset"),
    ("/api/3/action/recently_changed_packages_activity_list", {"before": "1e400"}, "before"),
]


@pytest.mark.parametrize("path, query, name", UNREADABLE)
def test_a_parameter_core_cannot_read_is_a_400_naming_it(app, path, query, name):
    factories.Dataset(name="baeume", owner_org=factories.Organization(org_type="fachdienst")["id"],
                      action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0",
                      notes="Bäume", tags=[{"name": "Bäume"}])
    response = app.get(path, query_string=query)
    assert response.status_code == 400, (path, query, response.status_code)
    assert f"'{name}'" in html.unescape(response.get_data(as_text=True))


def test_the_same_parameters_with_readable_values_still_work(app):
    org = factories.Organization(org_type="fachdienst")
    factories.Dataset(name="baeume", owner_org=org["id"], action_fields=["stadtentwicklung-umwelt-verkehr"],
                      license_id="dl-by-de/2.0", notes="Bäume", tags=[{"name": "Bäume"}])
    for path, query in [("/dataset/", {"sort": "title_string asc", "page": "1"}), ("/dataset/", {"sort": ""}),
                        ("/organization/", {"sort": "title asc", "page": "1"}),
                        ("/api/3/action/organization_list", {"all_fields": "True", "limit": "5", "offset": "0"}),
                        ("/api/3/action/package_list", {"limit": "5", "offset": "0"}),
                        ("/api/3/action/package_search", {"rows": "5", "start": "0", "sort": "score desc"})]:
        response = app.get(path, query_string=query)
        assert response.status_code == 200, (path, query, response.status_code)
    assert app.post("/api/3/action/package_list", json={"limit": 5, "offset": 0}).status_code == 200
    refused = app.post("/api/3/action/package_list", json={"limit": -1})
    assert refused.status_code == 400 and "'limit'" in refused.json["error"]["message"]


def test_a_private_resource_with_no_web_address_keeps_ckans_403_for_strangers(app):
    """The download guard's 404 tells that the resource exists: only those who may see it get it."""
    org = factories.Organization(org_type="fachdienst")
    dataset = _dataset(org, "privat-js", True, "javascript:alert(1)")
    path = f"/dataset/{dataset['id']}/resource/{dataset['resources'][0]['id']}/download"
    stranger = app.get(path, follow_redirects=False)
    assert stranger.status_code == 403 and "keine Webadresse" not in stranger.get_data(as_text=True)
    sysadmin = factories.Sysadmin()
    token = factories.APIToken(user=sysadmin["name"])["token"]
    own = app.get(path, headers={"Authorization": token}, follow_redirects=False)
    assert own.status_code == 404 and "keine Webadresse" in own.get_data(as_text=True)
