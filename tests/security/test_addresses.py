"""A resource address Python cannot read (``http://[::1/x``) or whose port is none is a
validation error of that resource, in the API and in the resource form, and nothing is saved
(sixth attack review's known gap: CKAN's uploader raised ValueError, a 500)."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from ckanext.jena.security.addresses import unreadable
from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer
from tests.security.test_web import PASSWORD, TOKEN, log_in

PLUGINS = "jena_security jena_theme " + with_explainer(HARVEST_PLUGINS)
pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.usefixtures("clean_db", "clean_index", "harvest_tables", "explainer_tables"),
]
UNREADABLE = ["http://[::1/x", "http://[zz]/x", "https://[fe80::1%eth0/a.csv", "https://daten.example.org:99999/a.csv",
              "http://[::1]:x/", "https://daten.example.org:-1/a.csv"]
READABLE = ["https://daten.example.org/a.csv", "https://daten.example.org:65535/a.csv", "http://[::1]:8080/a.csv",
            "https://daten.example.org/a.csv?q=[1]"]
GERMAN = "Diese Adresse ist nicht lesbar"
ENGLISH = "This address cannot be read"


def test_the_check_tells_unreadable_addresses_from_readable_ones():
    assert all(unreadable(url) for url in UNREADABLE)
    assert not any(unreadable(url) for url in READABLE + ["", None, "daten.csv", 7])


def _officer_and_dataset():
    org = factories.Organization(org_type="fachdienst")
    officer = factories.User(password=PASSWORD)
    helpers.call_action("organization_member_create", {"ignore_auth": True}, id=org["id"],
                        username=officer["name"], role="editor")
    dataset = helpers.call_action(
        "package_create", {"user": officer["name"]}, name="baeume", title="Bäume", owner_org=org["id"],
        action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0", notes="Bäume", tags=[{"name": "Bäume"}],
        resources=[{"url": "https://daten.example.org/baeume.csv", "format": "CSV", "name": "Tabelle"}])
    return officer, dataset


@pytest.mark.parametrize("url", UNREADABLE)
def test_an_unreadable_address_is_a_409_on_that_resource_and_nothing_changes(app, url):
    officer, dataset = _officer_and_dataset()
    headers = {"Authorization": factories.APIToken(user=officer["name"])["token"]}
    created = app.post("/api/3/action/resource_create", headers=headers,
                       json={"package_id": dataset["id"], "url": url, "name": "Neu"})
    assert created.status_code == 409, created.get_data(as_text=True)[:300]
    assert ENGLISH in created.json["error"]["url"][0]
    resource = dataset["resources"][0]
    updated = app.post("/api/3/action/resource_patch", headers=headers, json={"id": resource["id"], "url": url})
    assert updated.status_code == 409 and ENGLISH in updated.json["error"]["url"][0]
    # a dataset made with one good and one unreadable resource: the error names the second
    made = app.post("/api/3/action/package_create", headers=headers, json={
        "name": "zwei", "title": "Zwei", "owner_org": dataset["owner_org"], "notes": "Zwei",
        "action_fields": ["stadtentwicklung-umwelt-verkehr"], "license_id": "dl-by-de/2.0", "tags": [{"name": "Bäume"}],
        "resources": [{"url": "https://daten.example.org/a.csv"}, {"url": url}]})
    assert made.status_code == 409
    assert made.json["error"]["resources"][0] == {} and ENGLISH in made.json["error"]["resources"][1]["url"][0]
    after = helpers.call_action("package_show", id=dataset["id"])
    assert [r["url"] for r in after["resources"]] == ["https://daten.example.org/baeume.csv"]
    with pytest.raises(Exception):
        helpers.call_action("package_show", id="zwei")


@pytest.mark.parametrize("url", READABLE)
def test_readable_addresses_are_saved_as_before(app, url):
    officer, dataset = _officer_and_dataset()
    headers = {"Authorization": factories.APIToken(user=officer["name"])["token"]}
    created = app.post("/api/3/action/resource_create", headers=headers,
                       json={"package_id": dataset["id"], "url": url, "name": "Neu"})
    assert created.status_code == 200, created.get_data(as_text=True)[:300]
    assert created.json["result"]["url"] == url


@pytest.mark.ckan_config("ckan.locale_default", "de")
def test_the_resource_form_shows_the_error_in_german_and_keeps_the_input(app):
    officer, dataset = _officer_and_dataset()
    browser = log_in(app, officer)
    url = f"/dataset/{dataset['name']}/resource/new"
    token = TOKEN.search(browser.get(url).get_data(as_text=True)).group(1)
    answer = browser.post(url, data={"url": "http://[::1/x", "name": "Neu", "format": "CSV", "save": "go-metadata",
                                     "id": "", "_csrf_token": token})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page[:500]
    assert GERMAN in page and 'value="Neu"' in page
    assert len(helpers.call_action("package_show", id=dataset["id"])["resources"]) == 1


def test_an_impossible_port_saved_before_the_check_does_not_block_the_datasets_other_changes(app):
    from ckan import model
    from ckan.lib import search
    officer, dataset = _officer_and_dataset()
    resource = dataset["resources"][0]
    legacy = "https://daten.example.org:99999/baeume.csv"
    model.Session.query(model.Resource).filter_by(id=resource["id"]).update({"url": legacy})
    model.Session.commit()
    search.rebuild(dataset["id"])
    headers = {"Authorization": factories.APIToken(user=officer["name"])["token"]}
    patched = app.post("/api/3/action/package_patch", headers=headers, json={"id": dataset["id"], "title": "Bäume 2"})
    assert patched.status_code == 200, patched.get_data(as_text=True)[:300]
    added = app.post("/api/3/action/resource_create", headers=headers,
                     json={"package_id": dataset["id"], "url": "https://daten.example.org/neu.csv"})
    assert added.status_code == 200
    # changed to another impossible port: refused; corrected: saved
    other = app.post("/api/3/action/resource_patch", headers=headers,
                     json={"id": resource["id"], "url": "https://daten.example.org:70000/baeume.csv"})
    assert other.status_code == 409 and ENGLISH in other.json["error"]["url"][0]
    fixed = app.post("/api/3/action/resource_patch", headers=headers,
                     json={"id": resource["id"], "url": "https://daten.example.org/baeume.csv"})
    assert fixed.status_code == 200
    shown = helpers.call_action("package_show", id=dataset["id"])
    assert shown["title"] == "Bäume 2"
    assert [r["url"] for r in shown["resources"]] == ["https://daten.example.org/baeume.csv",
                                                      "https://daten.example.org/neu.csv"]
