"""Failed logins are limited per account and address (security/login.py): found by the attack
review of 6 December, where 15 wrong passwords in half a second were each answered at once and
the 16th, right one, logged in."""
from __future__ import annotations

import pytest

from ckan.tests import factories

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer
from tests.security.test_web import PASSWORD, TOKEN

PLUGINS = "jena_security jena_theme " + with_explainer(HARVEST_PLUGINS)
pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.usefixtures("clean_db", "forget_failures"),
]


@pytest.fixture
def forget_failures():
    from ckanext.jena.security import login
    yield
    client = login._redis()
    for key in client.scan_iter(match="jena:login-failures:*"):
        client.delete(key)


def _try(app, name: str, password: str, address: str):
    browser = app.test_client()
    form = browser.get("/user/login").get_data(as_text=True)
    return browser.post("/user/login", data={"login": name, "password": password,
                                              "_csrf_token": TOKEN.search(form).group(1)},
                        environ_base={"REMOTE_ADDR": address}, follow_redirects=False)


# (a module-level ckan_config mark would win over a test's own: CKAN's fixture applies the
# nearest mark first and the module's last)
@pytest.mark.ckan_config("ckanext.jena.security.login_attempts", "3")
def test_after_the_failed_attempts_even_the_right_password_waits_and_other_addresses_do_not(app):
    officer = factories.User(password=PASSWORD)
    for _ in range(3):
        response = _try(app, officer["name"], "falsch", "203.0.113.7")
        assert response.status_code == 200  # the form again, with CKAN's "Login failed"
    refused = _try(app, officer["name"], PASSWORD, "203.0.113.7")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Zu viele fehlgeschlagene Anmeldungen" in page and "Too many failed logins" in page
    assert "Set-Cookie" not in refused.headers or "remember_token" not in refused.headers.get("Set-Cookie", "")
    # the officer, from the office's own address, is not locked out by the guesser
    assert _try(app, officer["name"], PASSWORD, "198.51.100.20").status_code == 302


@pytest.mark.ckan_config("ckanext.jena.security.login_attempts", "3")
def test_a_success_clears_the_accounts_count_and_an_address_trying_many_accounts_is_stopped(app):
    officer = factories.User(password=PASSWORD)
    for _ in range(2):
        _try(app, officer["name"], "falsch", "203.0.113.8")
    assert _try(app, officer["name"], PASSWORD, "203.0.113.8").status_code == 302
    for _ in range(2):  # counted from zero again: two more failures do not reach three
        _try(app, officer["name"], "falsch", "203.0.113.8")
    assert _try(app, officer["name"], PASSWORD, "203.0.113.8").status_code == 302
    # one address guessing many accounts: five times the limit in all, then refused
    for number in range(15):
        _try(app, f"niemand-{number}", "falsch", "203.0.113.9")
    assert _try(app, officer["name"], PASSWORD, "203.0.113.9").status_code == 429
    assert _try(app, officer["name"], PASSWORD, "203.0.113.10").status_code == 302


@pytest.mark.ckan_config("ckanext.jena.security.login_attempts", "0")
def test_the_limit_can_be_switched_off(app):
    officer = factories.User(password=PASSWORD)
    for _ in range(5):
        _try(app, officer["name"], "falsch", "203.0.113.11")
    assert _try(app, officer["name"], PASSWORD, "203.0.113.11").status_code == 302


@pytest.mark.ckan_config("ckanext.jena.security.login_attempts", "3")
def test_the_name_and_the_e_mail_address_count_as_one_account(app):
    """Sixth attack review, L5: counted by the login as typed, the account's e-mail address gave
    an attacker as many guesses again."""
    officer = factories.User(password=PASSWORD, email="amt@example.org")
    for login in (officer["name"], "amt@example.org", officer["name"]):
        assert _try(app, login, "falsch", "203.0.113.9").status_code == 200
    for login in ("amt@example.org", officer["name"]):
        assert _try(app, login, PASSWORD, "203.0.113.9").status_code == 429, login
    # a login no account has is still counted by itself
    for _ in range(3):
        _try(app, "niemand@example.org", "falsch", "203.0.113.10")
    assert _try(app, "niemand@example.org", "falsch", "203.0.113.10").status_code == 429
    assert _try(app, officer["name"], PASSWORD, "203.0.113.10").status_code == 302
