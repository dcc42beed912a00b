"""Fifth attack review, L5: without a sender address (smtp.mail_from) CKAN's mailer fails before
it connects, with an error CKAN's views do not catch: a password reset for an existing account
answered 500, and so did inviting a member by e-mail (security/mail.py)."""
from __future__ import annotations

import pytest

from ckan import model
from ckan.tests import factories

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer
from tests.security.test_web import TOKEN

PLUGINS = "jena_security jena_theme " + with_explainer(HARVEST_PLUGINS)
pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.usefixtures("clean_db"),
]


def _request_reset(app, who: str):
    """The reset form as a browser sends it (with the token of the page it came from)."""
    browser = app.test_client()
    form = browser.get("/user/reset").get_data(as_text=True)
    return browser.post("/user/reset", data={"user": who, "_csrf_token": TOKEN.search(form).group(1)},
                        follow_redirects=True)


def test_a_reset_posted_from_another_site_is_refused(app):
    """Sixth attack review, L6: another site could make visitors' browsers request reset e-mails
    for any account (CKAN exempts anonymous POSTs from the CSRF check)."""
    user = factories.User(email="vergessen@example.org")
    response = app.test_client().post("/user/reset", data={"user": user["email"]}, follow_redirects=False)
    assert response.status_code == 400
    assert "Fehler beim Versand" not in response.get_data(as_text=True)


@pytest.mark.ckan_config("smtp.mail_from", None)  # as in a config without the key
def test_a_reset_without_a_sender_says_the_mail_could_not_be_sent(app):
    user = factories.User(email="vergessen@example.org")
    for who in (user["email"], user["name"]):
        response = _request_reset(app, who)
        assert response.status_code == 200, response.status_code
        page = response.get_data(as_text=True)
        assert "Fehler beim Versand der E" in page  # CKAN's German "could not send"
    # an unknown account gets the usual answer (nothing tells which accounts exist)
    assert _request_reset(app, "niemand@example.org").status_code == 200


@pytest.mark.ckan_config("smtp.mail_from", "portal@example.org")
@pytest.mark.ckan_config("smtp.server", "127.0.0.1:9")  # nothing listens: CKAN's own message
def test_a_reset_with_a_sender_still_goes_to_the_mailer(app):
    user = factories.User(email="vergessen@example.org")
    page = _request_reset(app, user["email"]).get_data(as_text=True)
    assert "Fehler beim Versand der E" in page


@pytest.mark.ckan_config("smtp.mail_from", None)  # as in a config without the key
def test_an_invitation_without_a_sender_is_a_clear_error_and_makes_no_account(app):
    admin = factories.User()
    organization = factories.Organization(org_type="fachdienst", users=[{"name": admin["name"], "capacity": "admin"}])
    users_before = model.Session.query(model.User).count()
    response = app.post("/api/3/action/user_invite",
                        json={"email": "neu@example.org", "group_id": organization["id"], "role": "editor"},
                        headers={"Authorization": factories.APIToken(user=admin["name"])["token"]})
    assert response.status_code == 409, response.status_code
    assert "smtp.mail_from" in response.json["error"]["email"][0]
    assert model.Session.query(model.User).count() == users_before
    # strangers learn nothing about the configuration
    stranger = app.post("/api/3/action/user_invite",
                        json={"email": "neu@example.org", "group_id": organization["id"], "role": "editor"})
    assert stranger.status_code == 403


def test_an_invitation_without_an_organisation_is_a_validation_error_for_everyone(app):
    """Sixth attack review, L2: CKAN's auth function reads group_id unchecked (500 for anyone)."""
    admin = factories.User()
    factories.Organization(org_type="fachdienst", users=[{"name": admin["name"], "capacity": "admin"}])
    token = factories.APIToken(user=admin["name"])["token"]
    for headers in ({}, {"Authorization": token}):
        for body in ({}, {"group_id": ["a"]}, {"group_id": " ", "email": "neu@example.org"}):
            response = app.post("/api/3/action/user_invite", json=body, headers=headers)
            assert response.status_code == 409, (body, response.status_code)
            assert "group_id" in response.json["error"]
