"""What the eighth attack review of the running portal found (7 December, session 15): a logout
image in Markdown signed out every visitor of a page; any visitor read any account's offices and
roles; an editor of one office read another office's unmoderated data requests; a line break in a
return address and CKAN's collaborator actions answered 500."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer
from tests.security.test_attack6 import _dataset
from tests.security.test_web import PASSWORD, TOKEN, log_in

PLUGINS = "jena_security jena_theme jena_datarequest " + with_explainer(HARVEST_PLUGINS)
pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckanext.jena.datarequest.moderate_first_request", "true"),
    pytest.mark.usefixtures("clean_db", "clean_index", "harvest_tables", "explainer_tables"),
]


def _signed_in(browser) -> bool:
    response = browser.get("/dashboard/datasets", follow_redirects=False)
    return response.status_code == 200


# -- F1: a logout image ---------------------------------------------------------------------------

def test_an_image_or_script_cannot_sign_the_visitor_out_and_opening_the_page_still_does(app):
    user = factories.User(password=PASSWORD)
    browser = log_in(app, user)
    assert _signed_in(browser)
    for destination in ("image", "script", "style", "iframe", "empty"):
        response = browser.get("/user/_logout", headers={"Sec-Fetch-Dest": destination}, follow_redirects=False)
        assert response.status_code == 403, (destination, response.status_code)
        assert "Abmelden geschieht nur" in response.get_data(as_text=True)
        assert _signed_in(browser), destination
    # the visitor's own click on "Abmelden" (a page load; older browsers send no header)
    response = browser.get("/user/_logout", headers={"Sec-Fetch-Dest": "document"}, follow_redirects=False)
    assert response.status_code == 302 and not _signed_in(browser)
    browser = log_in(app, user)
    browser.get("/user/_logout", follow_redirects=False)
    assert not _signed_in(browser)


# -- F2: anyone's offices and roles ----------------------------------------------------------------

def test_only_the_account_itself_lists_its_organisations_and_roles(app):
    office = factories.Organization(org_type="fachdienst")
    member, other = factories.User(password=PASSWORD), factories.User()
    helpers.call_action("organization_member_create", {"ignore_auth": True}, id=office["id"],
                        username=member["name"], role="member")
    sysadmin = factories.Sysadmin()
    for asked in (member["name"], member["id"], sysadmin["name"], "kein-solches-konto"):
        anonymous = app.get("/api/3/action/organization_list_for_user", query_string={"id": asked})
        assert anonymous.status_code == 403 and anonymous.json["success"] is False, (asked, anonymous.body[:300])
        token = factories.APIToken(user=other["name"])["token"]
        stranger = app.get("/api/3/action/organization_list_for_user", query_string={"id": asked},
                           headers={"Authorization": token})
        assert stranger.status_code == 403, (asked, stranger.status_code)
    own = app.get("/api/3/action/organization_list_for_user", query_string={"id": member["name"]},
                  headers={"Authorization": factories.APIToken(user=member["name"])["token"]})
    assert own.status_code == 200 and [o["name"] for o in own.json["result"]] == [office["name"]]
    # without id: the asker's own, as CKAN's forms ask
    own = app.get("/api/3/action/organization_list_for_user",
                  headers={"Authorization": factories.APIToken(user=member["name"])["token"]})
    assert [o["name"] for o in own.json["result"]] == [office["name"]]
    admin = app.get("/api/3/action/organization_list_for_user", query_string={"id": member["name"]},
                    headers={"Authorization": factories.APIToken(user=sysadmin["name"])["token"]})
    assert admin.status_code == 200 and len(admin.json["result"]) == 1


# -- F3: another office's unmoderated data requests ------------------------------------------------

def test_an_unmoderated_request_is_seen_by_its_office_not_by_another(app):
    office_a, office_b = (factories.Organization(org_type="fachdienst") for _ in range(2))
    editor_a, editor_b = factories.User(), factories.User()
    for office, editor in ((office_a, editor_a), (office_b, editor_b)):
        helpers.call_action("organization_member_create", {"ignore_auth": True}, id=office["id"],
                            username=editor["name"], role="editor")
    citizen = factories.User()
    request = helpers.call_action("jena_datarequest_create", {"user": citizen["name"], "ignore_auth": False},
                                  title="Radwege mit Schlaglöchern", description="Meine Adresse: Hauptstraße 1",
                                  organization=office_b["id"])
    assert request["state"] == "pending"
    unassigned = helpers.call_action("jena_datarequest_create", {"user": factories.User()["name"],
                                                                 "ignore_auth": False},
                                     title="Bänke im Park", description="Wo stehen Bänke?")

    def show(user, request_id):
        return app.get("/api/3/action/jena_datarequest_show", query_string={"id": request_id},
                       headers={"Authorization": factories.APIToken(user=user["name"])["token"]})

    def pending(user):
        answer = app.get("/api/3/action/jena_datarequest_list", query_string={"state": "pending"},
                         headers={"Authorization": factories.APIToken(user=user["name"])["token"]})
        assert answer.status_code == 200, answer.body[:300]
        return {r["id"] for r in answer.json["result"]["results"]}

    assert show(editor_a, request["id"]).status_code == 404
    assert show(editor_b, request["id"]).status_code == 200
    assert show(citizen, request["id"]).status_code == 200
    # a request no office has yet: any officer may take it
    assert show(editor_a, unassigned["id"]).status_code == 200
    assert pending(editor_a) == {unassigned["id"]}
    assert pending(editor_b) == {request["id"], unassigned["id"]}
    assert pending(factories.Sysadmin()) == {request["id"], unassigned["id"]}


# -- F4, F5: 500 instead of a clear answer ---------------------------------------------------------

@pytest.mark.parametrize("value", ["/dataset/\nx", "/x\r", "/x\t"])
def test_a_return_address_with_a_line_break_is_ignored_after_login_and_logout(app, value):
    officer = factories.User(password=PASSWORD)
    browser = app.test_client()
    form = browser.get("/user/login").get_data(as_text=True)
    response = browser.post("/user/login", query_string={"came_from": value},
                            data={"login": officer["name"], "password": PASSWORD,
                                  "_csrf_token": TOKEN.search(form).group(1)}, follow_redirects=False)
    assert response.status_code == 302, response.status_code
    response = browser.get("/user/_logout", query_string={"came_from": value}, follow_redirects=False)
    assert response.status_code == 302, response.status_code


@pytest.mark.parametrize("action", ["package_collaborator_create", "package_collaborator_delete"])
def test_collaborator_changes_are_refused_not_failed(app, action):
    dataset = _dataset(factories.Organization(org_type="fachdienst"), "mitwirkende", False, "https://example.org/a.csv")
    user = factories.User()
    for headers, dataset_id in (({}, dataset["id"]), ({}, "kein-solcher-datensatz"),
                                ({"Authorization": factories.APIToken(user=user["name"])["token"]},
                                 "kein-solcher-datensatz"),
                                ({"Authorization": factories.APIToken(user=user["name"])["token"]}, dataset["id"])):
        response = app.post(f"/api/3/action/{action}", json={"id": dataset_id, "user_id": user["name"],
                                                             "capacity": "editor"}, headers=headers)
        assert response.status_code == 403, (headers, dataset_id, response.status_code, response.body[:300])
