"""The new pages of issue 19 in a real browser (the harness of tests/theme/test_browser.py):
axe finds no WCAG 2.1 A/AA violation on the data request pages, the freshness box and the
organisation's freshness page, and a citizen's data request goes to "fulfilled" through the
pages alone (the account's first request waiting for an officer's approval first)."""
import json

import pytest

from ckan import model
from ckan.tests import factories, helpers

from ckanext.jena.freshness import digest
from tests.freshness.test_digest import smtp  # noqa: F401 (the SMTP server fixture)
from tests.jena_plugins import demo_marks
from tests.theme.test_browser import (PASSWORD, THEME_PLUGINS, axe_violations, browser, log_in,  # noqa: F401
                                      page, portal)

pytestmark = demo_marks(THEME_PLUGINS + " jena_freshness jena_feeds jena_datarequest jena_follow") + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.ckan_config("ckanext.jena.freshness.now", "2026-06-01T08:00:00"),
    pytest.mark.usefixtures("clean_db", "harvest_tables", "explainer_tables", "clean_index"),
]


@pytest.fixture
def city(portal):
    import sqlalchemy as sa
    model.Session.execute(sa.text("TRUNCATE jena_datarequest, jena_datarequest_support, jena_search_miss"))
    model.Session.commit()
    org = factories.Organization(org_type="fachdienst", name="fd-umwelt", title="Fachdienst Umwelt",
                                 image_url="")
    officer = factories.User(password=PASSWORD, image_url="", email="officer@jena.de")
    helpers.call_action("organization_member_create", id=org["id"], username=officer["name"], role="editor")
    citizen = factories.User(password=PASSWORD, image_url="")
    helpers.call_action("package_create", name="baumkataster", title="Baumkataster", notes="Alle Stadtbäume.",
                        owner_org=org["id"], license_id="dl-by-de/2.0", tags=[{"name": "Baum"}], theme=["ENVI"],
                        districts=["jena"], access_rights="PUBLIC", contact=[{"name": "FD", "email": "fd@jena.de"}],
                        frequency="MONTHLY", modified="2026-03-01",
                        resources=[{"url": "https://example.org/baeume.csv", "format": "CSV"}])
    return {"org": org, "officer": officer, "citizen": citizen}


def test_the_new_pages_pass_axe_and_a_request_goes_to_fulfilled(portal, city, page):
    found = {}
    # a citizen files a data request through the form
    log_in(page, portal, city["citizen"]["name"])
    page.goto(portal + "/datenwuensche/neu")
    found["data request form"] = axe_violations(page)
    page.fill("#field-title", "Straßenbäume mit Pflanzjahr")
    page.fill("#field-description", "Für eine Karte der Baumpflanzungen.")
    page.select_option("#field-district", "winzerla")
    page.click("form.jena-datarequest-form button[type=submit]")
    page.wait_for_load_state()
    found["thanks"] = axe_violations(page)
    # an account's first request waits for approval (moderate_first_request); its author sees it
    assert "Bis dahin sehen nur Sie ihn" in page.content()
    page.click("text=Ihr Wunsch")
    page.wait_for_load_state()
    request_url = page.url
    found["data request (waiting)"] = axe_violations(page)
    assert "Ihr Wunsch wartet auf die Freigabe durch die Stadt." in page.content()
    assert "Ich brauche diese Daten auch" not in page.content()
    page.goto(portal + "/datenwuensche")
    assert "Straßenbäume mit Pflanzjahr" not in page.content()
    found["data requests"] = axe_violations(page)
    page.goto(portal + "/dataset/baumkataster")
    found["dataset with freshness"] = axe_violations(page)
    assert "Sollte monatlich aktualisiert werden; zuletzt aktualisiert vor 3 Monaten." in page.content()
    page.context.clear_cookies()

    # the officer answers it with the dataset
    log_in(page, portal, city["officer"]["name"])
    page.goto(request_url)
    found["data request (officer)"] = axe_violations(page)
    page.select_option("#field-state", "fulfilled")
    page.fill("#field-answer", "Die Daten stehen im Baumkataster.")
    page.fill("#field-dataset", "baumkataster")
    page.select_option("#field-organization", "fd-umwelt")
    page.click("section.jena-datarequest-officer button[type=submit]")
    page.wait_for_load_state()
    page.goto(portal + "/datenwuensche")
    found["data requests (officer)"] = axe_violations(page)
    page.goto(portal + "/datenwuensche/gesucht")
    found["searched, not found"] = axe_violations(page)
    page.goto(portal + "/organization/fd-umwelt/freshness")
    found["organisation freshness"] = axe_violations(page)
    assert "Baumkataster" in page.content() and "überfällig" in page.content()
    page.goto(portal + "/dataset/baumkataster")
    found["dataset with freshness (editor)"] = axe_violations(page)
    user = model.User.get(city["officer"]["name"])
    page.goto(portal + digest.unsubscribe_url(user.id)[len(digest.site_url("")):])
    found["unsubscribe"] = axe_violations(page)
    page.context.clear_cookies()

    # the citizen supports it, now that it is public
    log_in(page, portal, city["citizen"]["name"])
    page.goto(request_url)
    found["data request"] = axe_violations(page)
    page.click("text=Ich brauche diese Daten auch")
    page.wait_for_load_state()
    assert "Sie unterstützen diesen Wunsch." in page.content()
    page.context.clear_cookies()

    # anyone sees it fulfilled, with the dataset
    page.goto(request_url)
    assert "erfüllt" in page.content() and "/dataset/baumkataster" in page.content()
    assert "Straßenbäume mit Pflanzjahr" in page.goto(portal + "/datenwuensche").text()
    assert found == {label: [] for label in found}, json.dumps(found, indent=1, ensure_ascii=False)


def test_a_citizen_follows_a_handlungsfeld_in_the_browser_and_the_email_arrives(portal, city, page, smtp, ckan_config,
                                                                                monkeypatch):
    from ckanext.jena.follow import notify
    inbox, server = smtp
    inbox.messages = []
    monkeypatch.setitem(ckan_config, "smtp.server", server)
    log_in(page, portal, city["citizen"]["name"])
    page.goto(portal + "/handlungsfelder/bildung-kultur-soziales")
    found = {"action field with follow button": axe_violations(page)}
    assert "jena-follow-form" in page.content(), page.content()[:3000]
    page.click("form.jena-follow-form button[type=submit]")
    page.wait_for_load_state()
    assert "Nicht mehr folgen" in page.content()
    page.goto(portal + "/dataset/?q=Baum&action_fields=bildung-kultur-soziales")
    found["search with feed link and save button"] = axe_violations(page)
    assert "Diese Suche als Feed abonnieren" in page.content() and "Suche speichern" in page.content()
    page.goto(portal + "/folgen")
    found["what you follow"] = axe_violations(page)
    assert found == {label: [] for label in found}, json.dumps(found, indent=1, ensure_ascii=False)
    # an officer adds a dataset to the Handlungsfeld
    helpers.call_action("package_create", context={"user": city["officer"]["name"]}, name="schulwege",
                        title="Schulwege", notes="Sichere Schulwege.", owner_org=city["org"]["id"],
                        license_id="dl-by-de/2.0", tags=[{"name": "Schule"}], theme=["EDUC"], districts=["jena"],
                        access_rights="PUBLIC", contact=[{"name": "FD", "email": "fd@jena.de"}],
                        action_fields=["bildung-kultur-soziales"])
    assert notify.send_notifications()["sent"] == 1
    body = inbox.messages[0][1].get_body(("plain",)).get_content()
    assert "Neuer Datensatz im Handlungsfeld" in body and "Schulwege" in body
