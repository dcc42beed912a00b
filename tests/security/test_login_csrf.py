"""Fifth attack review (6 December, M4): CKAN exempts an anonymous visitor's POST from the CSRF
check, so a page on another site could log a visitor into an attacker's account, or register
accounts. The login and registration forms are always checked now (security/csrf.py)."""
from __future__ import annotations

import pytest

from ckan import model
from ckan.tests import factories

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer
from tests.security.test_web import PASSWORD, TOKEN, log_in

PLUGINS = "jena_security jena_theme " + with_explainer(HARVEST_PLUGINS)
pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.auth.create_user_via_web", "true"),
    pytest.mark.usefixtures("clean_db"),
]


def _registration(name: str) -> dict:
    return {"name": name, "fullname": "Neue Person", "email": f"{name}@example.org",
            "password1": PASSWORD, "password2": PASSWORD}


def test_a_login_posted_from_another_site_is_refused_and_the_form_works(app):
    attacker = factories.User(password=PASSWORD)
    stranger_site = app.test_client()  # the visitor's browser, sent by another site's form: no session
    response = stranger_site.post("/user/login", data={"login": attacker["name"], "password": PASSWORD},
                                  follow_redirects=False)
    assert response.status_code == 400
    assert "dashboard" not in (response.headers.get("Location") or "")
    assert stranger_site.get("/dashboard/datasets", follow_redirects=False).status_code in (302, 403)
    log_in(app, attacker)  # the portal's own form, with its token, still logs in


def test_a_registration_posted_from_another_site_is_refused_and_the_form_works(app):
    stranger_site = app.test_client()
    response = stranger_site.post("/user/register", data=_registration("von-fremder-seite"),
                                  follow_redirects=False)
    assert response.status_code == 400
    assert model.User.get("von-fremder-seite") is None
    browser = app.test_client()
    form = browser.get("/user/register").get_data(as_text=True)
    response = browser.post("/user/register", data={**_registration("ueber-das-formular"),
                                                     "_csrf_token": TOKEN.search(form).group(1)},
                            follow_redirects=False)
    assert response.status_code in (200, 302), response.status_code
    assert model.User.get("ueber-das-formular") is not None
