"""Citizens follow a Handlungsfeld, a saved search and (CKAN's follow) a dataset, and get one
e-mail with what changed that matters, read from a real SMTP server the test starts; private
datasets and mere metadata edits are no news; the e-mail's link unsubscribes."""
import re

import pytest

from ckan import model
from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.follow import notify
from tests.freshness.test_digest import smtp  # noqa: F401 (the SMTP server fixture)
from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

pytestmark = schema_marks(SCHEMA_PLUGINS + " jena_feeds jena_follow") + [
    pytest.mark.usefixtures("clean_db", "clean_index", "follow_table")]
PASSWORD = "Folgen-2026-Jena!"
TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
def follow_table():
    import sqlalchemy as sa
    model.Session.execute(sa.text("TRUNCATE jena_follow"))
    model.Session.commit()


@pytest.fixture
def city(smtp, ckan_config, monkeypatch):  # noqa: F811
    inbox, server = smtp
    inbox.messages = []
    monkeypatch.setitem(ckan_config, "smtp.server", server)
    org = factories.Organization(org_type="fachdienst", name="fd-bildung", title="Fachdienst Bildung")
    citizen = factories.User(password=PASSWORD, email="buerger@example.org", fullname="Bea Bürger")
    return inbox, org, citizen


def dataset(org, name, **extra):
    data = dict(name=name, title=f"Titel {name}", notes="Daten.", owner_org=org["id"], license_id="dl-by-de/2.0",
                tags=[{"name": "Stadt"}], theme=["EDUC"], districts=["jena"], access_rights="PUBLIC",
                contact=[{"name": "FD", "email": "fd@jena.de"}], action_fields=["bildung-kultur-soziales"])
    data.update(extra)
    return helpers.call_action("package_create", **data)


def call(action, user, **data):
    return helpers.call_action(action, context={"user": user or "", "ignore_auth": False}, **data)


def log_in(app, user):
    browser = app.test_client()
    form = browser.get("/user/login").get_data(as_text=True)
    assert browser.post("/user/login", data={"login": user["name"], "password": PASSWORD,
                                             "_csrf_token": TOKEN.search(form).group(1)}).status_code in (200, 302)
    return browser


def test_a_citizen_follows_a_handlungsfeld_and_hears_of_a_new_public_dataset_once(app, city):
    inbox, org, citizen = city
    browser = log_in(app, citizen)
    page = browser.get("/handlungsfelder/bildung-kultur-soziales").get_data(as_text=True)
    form = re.search(r'<form method="post" class="jena-follow-form.*?</form>', page, re.S).group(0)
    assert browser.post("/folgen", data={"kind": "action_field", "target": "bildung-kultur-soziales",
                                         "came_from": "//evil.example/"}).status_code == 400  # no CSRF token
    answer = browser.post("/folgen", data={"_csrf_token": TOKEN.search(form).group(1), "kind": "action_field",
                                           "target": "bildung-kultur-soziales", "came_from": "//evil.example/"},
                          follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/folgen")  # never another site
    assert [f["target"] for f in call("jena_follow_list", citizen["name"])] == ["bildung-kultur-soziales"]
    # an officer adds datasets: one public in the Handlungsfeld, one private, one elsewhere
    dataset(org, "schulen")
    dataset(org, "intern-schulen", private=True)
    dataset(org, "radwege", action_fields=["stadtentwicklung-umwelt-verkehr"], theme=["TRAN"])
    assert notify.send_notifications()["sent"] == 1
    (rcpt, message), = inbox.messages
    body = message.get_body(("plain",)).get_content()
    assert rcpt == ["buerger@example.org"]
    assert "New dataset in the action field Education" in body and "Titel schulen" in body
    assert "intern-schulen" not in body and "radwege" not in body
    link = re.search(r"No more such e-mails: (\S+)", body).group(1)
    assert message["List-Unsubscribe"] == f"<{link}>"
    inbox.messages = []
    assert notify.send_notifications()["sent"] == 0 and inbox.messages == []  # nothing twice
    # the link asks, then stops the e-mails
    path = link[link.index("/folgen/"):]
    confirm = app.test_client()
    page = confirm.get(path).get_data(as_text=True)
    assert confirm.post(path, data={"_csrf_token": TOKEN.search(page).group(1)}).status_code == 200
    dataset(org, "kitas")
    assert notify.send_notifications()["sent"] == 0 and inbox.messages == []
    assert confirm.get(path.replace(citizen["id"], "x" + citizen["id"][1:])).status_code == 404


def test_a_saved_search_and_a_followed_dataset_report_new_datasets_and_new_files_not_metadata_edits(app, city):
    inbox, org, citizen = city
    existing = dataset(org, "bibliothek", districts=["winzerla"])
    call("jena_follow_create", citizen["name"], kind="search", target="districts=winzerla&q=")
    helpers.call_action("follow_dataset", context={"user": citizen["name"]}, id=existing["id"])
    notify.send_notifications()  # the dataset follow's first run: news from now on
    inbox.messages = []
    helpers.call_action("package_patch", id=existing["id"], notes="Nur ein Tippfehler.")
    assert notify.send_notifications()["sent"] == 0  # a metadata edit is no news
    dataset(org, "spielplaetze-winzerla", districts=["winzerla"], action_fields=["stadtentwicklung-umwelt-verkehr"])
    helpers.call_action("resource_create", package_id=existing["id"], name="Ausleihen 2026", url="https://example.org/a.csv",
                        format="CSV")
    assert notify.send_notifications()["sent"] == 1
    body = inbox.messages[0][1].get_body(("plain",)).get_content()
    assert "New dataset for your search \"Winzerla\": Titel spielplaetze-winzerla" in body
    assert "New or changed files in the dataset Titel bibliothek: Ausleihen 2026" in body


@pytest.mark.parametrize("data", [{"kind": "search", "target": 'q=a&districts=x"y'}, {"kind": "user", "target": "x"},
                                  {"kind": "action_field", "target": "gibt-es-nicht"},
                                  {"kind": "search", "target": "q=" + "a" * 5000}, {"kind": "search", "target": ""},
                                  {"kind": "search", "target": "evil=1"}])
def test_hostile_follows_are_refused(city, data):
    inbox, org, citizen = city
    with pytest.raises(toolkit.ValidationError):
        call("jena_follow_create", citizen["name"], **data)
    with pytest.raises(toolkit.NotAuthorized):
        call("jena_follow_create", "", kind="action_field", target="bildung-kultur-soziales")


def test_the_follows_page_shows_labels_as_text(app, city):
    inbox, org, citizen = city
    call("jena_follow_create", citizen["name"], kind="search", target="q=<script>alert(1)</script>")
    page = log_in(app, citizen).get("/folgen").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    search = log_in(app, citizen).get("/dataset/?q=Schule&districts=winzerla").get_data(as_text=True)
    assert "Save this search" in search


def test_a_user_chooses_the_language_of_the_emails(app, city):
    inbox, org, citizen = city
    browser = log_in(app, citizen)
    page = browser.get("/folgen").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    assert browser.post("/folgen/sprache", data={"_csrf_token": token, "language": "xx"}).status_code == 400
    assert browser.post("/folgen/sprache", data={"language": "de"}).status_code == 400  # no CSRF token
    assert model.User.get(citizen["id"]).plugin_extras in (None, {})
    browser.post("/folgen/sprache", data={"_csrf_token": token, "language": "de"})
    assert model.User.get(citizen["id"]).plugin_extras["jena_language"] == "de"
    call("jena_follow_create", citizen["name"], kind="action_field", target="bildung-kultur-soziales")
    dataset(org, "schulen")
    notify.send_notifications()
    assert "Neuer Datensatz im Handlungsfeld" in inbox.messages[0][1].get_body(("plain",)).get_content()


def test_a_line_break_in_one_followers_name_does_not_stop_the_others_emails(city):
    inbox, org, citizen = city
    others = [factories.User(email=f"nachbar{i}@example.org", fullname=f"Nachbar {i}") for i in (1, 2)]
    hostile = factories.User(email="eve@example.org")
    user = model.User.get(hostile["id"])  # as user_patch stores it (the attack review's reproduction)
    user.fullname = "Eve\r\nBcc: victim@evil.example"
    model.Session.commit()
    for user in [hostile, citizen, *others]:
        call("jena_follow_create", user["name"], kind="action_field", target="bildung-kultur-soziales")
    notify.send_notifications()  # everyone's first run: news from now on
    dataset(org, "schulen")
    counts = notify.send_notifications()
    assert counts["sent"] + counts["failed"] == 4
    arrived = {rcpt[0]: message for rcpt, message in inbox.messages}
    assert {"buerger@example.org", "nachbar1@example.org", "nachbar2@example.org"} <= set(arrived)
    assert "victim@evil.example" not in arrived
    if "eve@example.org" in arrived:
        assert "\n" not in arrived["eve@example.org"]["To"] and "Bcc" not in arrived["eve@example.org"]


@pytest.mark.parametrize("came_from", ["/\r\n/evil.example", "/a\nb", "/\x00x", "/\t/evil.example/"])
def test_a_came_from_with_a_line_break_or_control_character_goes_back_to_folgen(app, city, came_from):
    inbox, org, citizen = city
    browser = log_in(app, citizen)
    page = browser.get("/folgen").get_data(as_text=True)
    answer = browser.post("/folgen", data={"_csrf_token": TOKEN.search(page).group(1), "kind": "action_field",
                                           "target": "bildung-kultur-soziales", "came_from": came_from},
                          follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/folgen")
