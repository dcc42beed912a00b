"""Data requests ("Datenwünsche"): hostile input first (script in titles, forms without CSRF
token, private datasets as answers, huge input), then who may do what, moderation of anonymous
requests, the journey from request to fulfilled, and "searched, not found"."""
import re

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

# these tests are about what happens to a public request; the moderation of an account's first
# request (on by default) has its own tests in test_moderation.py
pytestmark = schema_marks(SCHEMA_PLUGINS + " jena_datarequest jena_security") + [
    pytest.mark.ckan_config("ckanext.jena.datarequest.moderate_first_request", "false"),
    pytest.mark.usefixtures("clean_db", "clean_index", "datarequest_tables")]
PASSWORD = "Datenwunsch-2026!"
TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')
SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture
def datarequest_tables():
    model.Session.execute(sa.text("TRUNCATE jena_datarequest, jena_datarequest_support, jena_search_miss"))
    model.Session.commit()


@pytest.fixture
def city():
    org = factories.Organization(org_type="fachdienst", name="fd-umwelt", title="Fachdienst Umwelt")
    officer = factories.User(password=PASSWORD)
    helpers.call_action("organization_member_create", id=org["id"], username=officer["name"], role="editor")
    citizen = factories.User(password=PASSWORD)
    return org, officer, citizen


def call(action, user, **data):
    return helpers.call_action(action, context={"user": user or "", "ignore_auth": False}, **data)


def log_in(app, user):
    browser = app.test_client()
    form = browser.get("/user/login").get_data(as_text=True)
    answer = browser.post("/user/login", data={"login": user["name"], "password": PASSWORD,
                                               "_csrf_token": TOKEN.search(form).group(1)}, follow_redirects=False)
    assert answer.status_code == 302
    return browser


def dataset(org, name, **extra):
    data = dict(name=name, title=f"Titel {name}", notes="Daten.", owner_org=org["id"], license_id="dl-by-de/2.0",
                tags=[{"name": "Baum"}], theme=["ENVI"], districts=["jena"], access_rights="PUBLIC",
                contact=[{"name": "FD", "email": "fd@jena.de"}])
    data.update(extra)
    return helpers.call_action("package_create", **data)


# -- hostile input ------------------------------------------------------------------------------

def test_script_in_a_title_or_description_is_shown_as_text(app, city):
    org, officer, citizen = city
    request = call("jena_datarequest_create", citizen["name"], title="Bäume " + SCRIPT, description="Bitte " + SCRIPT)
    for url in ("/datenwuensche", f"/datenwuensche/{request['id']}"):
        page = app.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(" in page, url


@pytest.mark.usefixtures("csrf_as_in_a_fresh_process")
def test_every_form_of_a_signed_in_user_needs_the_csrf_token(app, city):
    org, officer, citizen = city
    request = call("jena_datarequest_create", citizen["name"], title="Lärmkarte", description="Bitte.")
    browser = log_in(app, citizen)
    assert browser.post("/datenwuensche/neu", data={"title": "X", "description": "Y"}).status_code == 400
    assert browser.post(f"/datenwuensche/{request['id']}", data={"action": "support"}).status_code == 400
    officer_browser = log_in(app, officer)
    assert officer_browser.post(f"/datenwuensche/{request['id']}",
                                data={"action": "answer", "state": "declined", "answer": "Nein"}).status_code == 400
    shown = call("jena_datarequest_show", "", id=request["id"])
    assert shown["state"] == "open" and shown["supporters"] == 0
    assert call("jena_datarequest_list", "")["count"] == 1  # the first form made nothing either


def test_a_private_dataset_never_answers_a_request(city):
    org, officer, citizen = city
    request = call("jena_datarequest_create", citizen["name"], title="Baumkataster", description="Alle Bäume.")
    dataset(org, "intern-baeume", private=True)
    with pytest.raises(toolkit.ValidationError) as refused:
        call("jena_datarequest_update", officer["name"], id=request["id"], state="fulfilled", dataset="intern-baeume")
    assert "private" in str(refused.value.error_dict["dataset"])
    public = dataset(org, "baeume")
    done = call("jena_datarequest_update", officer["name"], id=request["id"], state="fulfilled", dataset="baeume")
    assert done["dataset"]["name"] == "baeume"
    # made private later: the request no longer shows it, to anyone
    helpers.call_action("package_patch", id=public["id"], private=True)
    assert call("jena_datarequest_show", "", id=request["id"])["dataset"] is None
    assert call("jena_datarequest_show", officer["name"], id=request["id"])["dataset"] is None


@pytest.mark.parametrize("data, field", [
    ({"title": "x" * 1_000_000, "description": "d"}, "title"),
    ({"title": "t", "description": "d" * 5001}, "description"),
    ({"title": ["t"], "description": "d"}, "title"),
    ({"title": "   ", "description": "d"}, "title"),
    ({"title": "t", "description": "d", "action_field": "x" * 10000}, "action_field"),
    ({"title": "t", "description": "d", "district": {"a": 1}}, "district"),
    ({"title": "t", "description": "d", "organization": "gibt-es-nicht"}, "organization"),
])
def test_huge_or_malformed_input_is_refused_with_a_sentence(city, data, field):
    org, officer, citizen = city
    with pytest.raises(toolkit.ValidationError) as refused:
        call("jena_datarequest_create", citizen["name"], **data)
    assert field in refused.value.error_dict
    with pytest.raises(toolkit.ValidationError):
        call("jena_datarequest_show", "", id="x" * 100000)
    with pytest.raises(toolkit.ValidationError):
        call("jena_datarequest_list", "", limit="many")
    with pytest.raises(toolkit.ValidationError):
        call("jena_datarequest_list", "", state="pending")  # not for the public


# -- who may do what ------------------------------------------------------------------------------

def test_anonymous_requests_wait_for_an_officer_and_bots_are_kept_out(app, city):
    org, officer, citizen = city
    form = app.get("/datenwuensche/neu").get_data(as_text=True)
    assert 'name="website"' in form
    thanks = app.post("/datenwuensche/neu", data={"title": "Radwege", "description": "Alle Radwege als GeoJSON.",
                                                  "district": "winzerla"})
    assert thanks.status_code == 200 and "An officer will look at it" in thanks.get_data(as_text=True)
    bot = app.post("/datenwuensche/neu", data={"title": "Cheap pills", "description": "buy", "website": "http://spam"})
    assert bot.status_code == 200
    assert call("jena_datarequest_list", "")["count"] == 0  # waiting, not public
    pending = call("jena_datarequest_list", officer["name"], state="pending")["results"]
    assert [r["title"] for r in pending] == ["Radwege"]  # the bot's is not even kept
    with pytest.raises(toolkit.ObjectNotFound):
        call("jena_datarequest_show", "", id=pending[0]["id"])
    with pytest.raises(toolkit.NotAuthorized):
        call("jena_datarequest_update", citizen["name"], id=pending[0]["id"], state="open")
    call("jena_datarequest_update", officer["name"], id=pending[0]["id"], state="open")
    assert [r["title"] for r in call("jena_datarequest_list", "")["results"]] == ["Radwege"]


def test_only_officers_of_the_responsible_organisation_answer_and_support_counts_once(city):
    org, officer, citizen = city
    other_org = factories.Organization(org_type="fachdienst")
    other_officer = factories.User()
    helpers.call_action("organization_member_create", id=other_org["id"], username=other_officer["name"], role="editor")
    request = call("jena_datarequest_create", citizen["name"], title="Lärm", description="Lärmkarte.")
    call("jena_datarequest_update", officer["name"], id=request["id"], organization="fd-umwelt")
    with pytest.raises(toolkit.NotAuthorized):
        call("jena_datarequest_update", other_officer["name"], id=request["id"], state="declined", answer="Nein")
    with pytest.raises(toolkit.ValidationError):
        call("jena_datarequest_update", officer["name"], id=request["id"], state="declined")  # no reason
    with pytest.raises(toolkit.NotAuthorized):
        call("jena_datarequest_support", "", id=request["id"])
    for _ in range(3):
        supported = call("jena_datarequest_support", citizen["name"], id=request["id"])
    assert supported["supporters"] == 1 and supported["supported"]
    assert call("jena_datarequest_support", officer["name"], id=request["id"])["supporters"] == 2


def test_a_citizen_files_a_request_and_an_officer_answers_it_with_a_dataset(app, city):
    org, officer, citizen = city
    dataset(org, "baumkataster")
    browser = log_in(app, citizen)
    form = browser.get("/datenwuensche/neu").get_data(as_text=True)
    thanks = browser.post("/datenwuensche/neu", data={
        "_csrf_token": TOKEN.search(form).group(1), "title": "Baumkataster", "description": "Alle Stadtbäume.",
        "action_field": "stadtentwicklung-umwelt-verkehr"}).get_data(as_text=True)
    assert "It is now in the list" in thanks
    request_id = re.search(r'/datenwuensche/([0-9a-f-]{36})', thanks).group(1)
    officer_browser = log_in(app, officer)
    page = officer_browser.get(f"/datenwuensche/{request_id}").get_data(as_text=True)
    assert "Answer as an officer" in page
    answered = officer_browser.post(f"/datenwuensche/{request_id}", data={
        "_csrf_token": TOKEN.search(page).group(1), "action": "answer", "state": "fulfilled",
        "answer": "Hier sind die Daten.", "dataset": "baumkataster", "organization": "fd-umwelt"})
    assert answered.status_code == 200
    public = app.get(f"/datenwuensche/{request_id}").get_data(as_text=True)
    assert "fulfilled" in public and "/dataset/baumkataster" in public and "Answer as an officer" not in public
    listing = app.get("/datenwuensche?state=fulfilled").get_data(as_text=True)
    assert "Baumkataster" in listing


def search(app, q, visitor="203.0.113.1"):
    return app.get("/dataset/", query_string={"q": q}, environ_base={"REMOTE_ADDR": visitor})


@pytest.mark.ckan_config("ckanext.jena.datarequest.search_miss_min_visitors", "1")
def test_searches_that_found_nothing_are_counted_as_words_for_officers(app, city):
    org, officer, citizen = city
    for visitor in ("203.0.113.1", "203.0.113.2"):
        search(app, "Quantenphysik max@example.org www.evil.example 42", visitor)
    search(app, "Quantenphysik", "203.0.113.2")  # the same visitor on the same day: once
    search(app, "Baum")  # found nothing too (no datasets): counted
    dataset(org, "baeume-jena", title="Bäume in Jena")
    search(app, "Jena")  # found something: not counted
    rows = call("jena_search_miss_list", officer["name"])
    assert [(r["words"], r["count"]) for r in rows] == [("quantenphysik", 2), ("baum", 1)]
    for user in ("", citizen["name"]):
        with pytest.raises(toolkit.NotAuthorized):
            call("jena_search_miss_list", user)
    page = log_in(app, officer).get("/datenwuensche").get_data(as_text=True)
    assert "Searched, not found" in page and "quantenphysik (2)" in page
    assert "Searched, not found" not in app.get("/datenwuensche").get_data(as_text=True)


@pytest.mark.ckan_config("ckanext.jena.datarequest.search_miss_min_visitors", "1")
def test_words_that_look_personal_are_never_counted(app, city):
    org, officer, citizen = city
    search(app, "Erika DE89370400440532013000 Steuer-ID J-AB-123 SHK-X-1E AZ12345 Tel0364112233 "
                "erika@example.org CO2 B52")
    assert [r["words"] for r in call("jena_search_miss_list", officer["name"])] == ["erika steuer-id co2 b52"]


@pytest.mark.ckan_config("ckanext.jena.datarequest.search_miss_min_visitors", "1")
def test_signed_in_users_searches_are_not_recorded(app, city):
    org, officer, citizen = city
    for user in (officer, citizen):
        log_in(app, user).get("/dataset/?q=Geheimprojekt+interner+Vermerk")
    assert call("jena_search_miss_list", officer["name"]) == []


def test_a_term_is_shown_only_once_enough_visitors_searched_it(app, city):
    org, officer, citizen = city
    for _ in range(5):
        search(app, "Erika Mustermann", "203.0.113.9")  # one person, many times: one count
    search(app, "Spielplatzkataster", "203.0.113.1")
    search(app, "Spielplatzkataster", "203.0.113.2")
    assert call("jena_search_miss_list", officer["name"]) == []  # default: three visitors
    search(app, "Spielplatzkataster", "203.0.113.3")
    assert [r["words"] for r in call("jena_search_miss_list", officer["name"])] == ["spielplatzkataster"]
