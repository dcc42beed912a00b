"""An account's first data request waits for an officer's approval (anyone can register an
account; sixth attack review's known gap "data requests from newly registered accounts are
public without moderation"): only its author and officers see it, and one account has at most a
few waiting. Officers' requests, and those of an account an officer has let one request through
of, are public at once."""
import pytest

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from tests.datarequest.test_datarequest import PASSWORD, TOKEN, call, city, datarequest_tables, log_in  # noqa: F401
from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

pytestmark = schema_marks(SCHEMA_PLUGINS + " jena_datarequest") + [
    pytest.mark.usefixtures("clean_db", "clean_index", "datarequest_tables")]


def test_an_accounts_first_request_waits_and_only_its_author_and_officers_see_it(city):
    org, officer, citizen = city
    neighbour = factories.User()
    first = call("jena_datarequest_create", citizen["name"], title="Lärmkarte", description="Bitte.")
    assert first["state"] == "pending" and first["mine"]
    assert call("jena_datarequest_list", "")["count"] == 0
    assert call("jena_datarequest_list", neighbour["name"])["count"] == 0
    for stranger in ("", neighbour["name"]):
        with pytest.raises(toolkit.ObjectNotFound):
            call("jena_datarequest_show", stranger, id=first["id"])
    with pytest.raises(toolkit.ObjectNotFound):
        call("jena_datarequest_support", neighbour["name"], id=first["id"])
    assert call("jena_datarequest_show", citizen["name"], id=first["id"])["state"] == "pending"
    waiting = call("jena_datarequest_list", officer["name"], state="pending")["results"]
    assert [r["id"] for r in waiting] == [first["id"]]
    # approved: public, and the account's next request is public at once
    call("jena_datarequest_update", officer["name"], id=first["id"], state="open")
    assert call("jena_datarequest_show", "", id=first["id"])["state"] == "open"
    second = call("jena_datarequest_create", citizen["name"], title="Radwege", description="Alle.")
    assert second["state"] == "open"
    assert call("jena_datarequest_list", "")["count"] == 2


def test_a_rejected_request_earns_no_trust_and_officers_are_public_at_once(city):
    org, officer, citizen = city
    spam = call("jena_datarequest_create", citizen["name"], title="Billige Pillen", description="Kaufen!")
    call("jena_datarequest_update", officer["name"], id=spam["id"], state="rejected")
    assert call("jena_datarequest_create", citizen["name"], title="Mehr Pillen", description="x")["state"] == "pending"
    # declined (an officer's answer, public) earns no trust either
    declined = call("jena_datarequest_list", officer["name"], state="pending")["results"][0]
    call("jena_datarequest_update", officer["name"], id=declined["id"], state="declined", answer="Nein.")
    assert call("jena_datarequest_create", citizen["name"], title="Noch mehr", description="y")["state"] == "pending"
    assert call("jena_datarequest_create", officer["name"], title="Baumkataster", description="y")["state"] == "open"
    sysadmin = factories.Sysadmin()
    assert call("jena_datarequest_create", sysadmin["name"], title="Haushalt", description="z")["state"] == "open"
    assert [r["title"] for r in call("jena_datarequest_list", "")["results"]] == ["Haushalt", "Baumkataster",
                                                                                "Mehr Pillen"]


def test_one_account_has_at_most_pending_per_user_waiting(app, city, ckan_config, monkeypatch):
    org, officer, citizen = city
    monkeypatch.setitem(ckan_config, "ckanext.jena.datarequest.pending_per_user", 2)
    for number in range(2):
        call("jena_datarequest_create", citizen["name"], title=f"Wunsch {number}", description="d")
    with pytest.raises(toolkit.ValidationError) as refused:
        call("jena_datarequest_create", citizen["name"], title="Wunsch 3", description="d")
    assert "2 data requests waiting" in refused.value.error_dict["moderation"][0]
    # the form says it in German and keeps what was typed
    browser = log_in(app, citizen)
    token = TOKEN.search(browser.get("/datenwuensche/neu").get_data(as_text=True)).group(1)
    answer = browser.post("/datenwuensche/neu", data={"title": "Wunsch 3", "description": "Text bleibt",
                                                      "_csrf_token": token},
                          headers={"Accept-Language": "de"}, query_string={"lang": "de"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page[:300]
    assert "Sie haben 2 Datenwünsche, die auf die Freigabe" in page or "2 data requests waiting" in page
    assert "Text bleibt" in page
    assert len(call("jena_datarequest_list", officer["name"], state="pending")["results"]) == 2
    # another account is not held up by this one
    other = factories.User()
    assert call("jena_datarequest_create", other["name"], title="Eigener", description="d")["state"] == "pending"
    # once an officer looked at one, the account files again, public at once
    waiting = call("jena_datarequest_list", officer["name"], state="pending")["results"]
    call("jena_datarequest_update", officer["name"], id=[r for r in waiting if r["title"] == "Wunsch 0"][0]["id"],
         state="open")
    assert call("jena_datarequest_create", citizen["name"], title="Wunsch 3", description="d")["state"] == "open"


def test_the_pages_tell_the_author_that_the_request_waits(app, city):
    org, officer, citizen = city
    browser = log_in(app, citizen)
    form = browser.get("/datenwuensche/neu").get_data(as_text=True)
    assert "An officer approves your first request before it is shown" in form
    token = TOKEN.search(form).group(1)
    thanks = browser.post("/datenwuensche/neu", data={"title": "Lärmkarte", "description": "Bitte.",
                                                      "_csrf_token": token}).get_data(as_text=True)
    assert "Until then only you can see it" in thanks
    request = call("jena_datarequest_list", officer["name"], state="pending")["results"][0]
    assert f"/datenwuensche/{request['id']}" in thanks
    own = browser.get(f"/datenwuensche/{request['id']}").get_data(as_text=True)
    assert "waits for an officer&#39;s approval" in own or "waits for an officer's approval" in own
    assert "I need this data too" not in own
    assert app.get(f"/datenwuensche/{request['id']}").status_code == 404
    call("jena_datarequest_update", officer["name"], id=request["id"], state="open")
    assert "An officer approves your first request" not in browser.get("/datenwuensche/neu").get_data(as_text=True)
    officer_form = log_in(app, officer).get("/datenwuensche/neu").get_data(as_text=True)
    assert "An officer approves your first request" not in officer_form


@pytest.mark.ckan_config("ckanext.jena.datarequest.moderate_first_request", "false")
def test_a_city_can_switch_the_moderation_of_accounts_off(city):
    org, officer, citizen = city
    assert call("jena_datarequest_create", citizen["name"], title="Lärmkarte", description="Bitte.")["state"] == "open"
