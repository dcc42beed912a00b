"""Fifth attack review, L5: without a sender address (smtp.mail_from) CKAN's mailer fails before
it connects, with an error CKAN's views do not catch: a password reset for an existing account
answered 500, and so did inviting a member by e-mail (security/mail.py)."""
from __future__ import annotations

import pytest

from ckan import model
from ckan.tests import factories

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer

PLUGINS = "jena_security jena_theme " + with_explainer(HARVEST_PLUGINS)
pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.usefixtures("clean_db"),
]


def _request_reset(app, who: str):
    return app.test_client().post("/user/reset", data={"user": who}, follow_redirects=True)


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
