"""The weekly digest: each editor of an organisation gets its overdue datasets by e-mail, in
their language, at most once a week, with a link to unsubscribe; read from a real SMTP server
the test starts."""
import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from ckan import model
from ckan.tests import factories, helpers

from ckanext.jena.freshness import digest
from ckanext.jena.freshness.cli import freshness
from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

pytestmark = schema_marks(SCHEMA_PLUGINS + " jena_freshness") + [
    pytest.mark.usefixtures("clean_db", "clean_index"),
]
TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def take(self) -> dict:
        """{recipient: (subject, body, message)} of what arrived since the last take."""
        out = {rcpt[0]: (m["Subject"], m.get_body(("plain",)).get_content(), m) for rcpt, m in self.messages}
        self.messages = []
        return out


@pytest.fixture(scope="module")
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=60)
    controller.start()
    yield inbox, f"127.0.0.1:{port}"
    controller.stop()


@pytest.fixture
def portal(smtp, ckan_config, monkeypatch):
    inbox, server = smtp
    inbox.messages = []
    monkeypatch.setitem(ckan_config, "smtp.server", server)
    monkeypatch.setitem(ckan_config, "ckanext.jena.freshness.now", "2026-03-10T08:00:00")
    org = factories.Organization(org_type="fachdienst", title="Fachdienst Mobilität")
    editor = factories.User(email="editor@jena.de", fullname="Erika Editor")
    admin = factories.User(email="admin@jena.de", fullname="Adam Admin")
    member = factories.User(email="member@jena.de")
    factories.User(email="stranger@jena.de")
    for user, role in ((editor, "editor"), (admin, "admin"), (member, "member")):
        helpers.call_action("organization_member_create", id=org["id"], username=user["name"], role=role)
    # the editor chose German; the admin reads the portal's default language (English in test.ini)
    digest.set_extras(model.User.get(editor["id"]), jena_language="de")
    common = dict(owner_org=org["id"], notes="Daten.", license_id="dl-by-de/2.0", tags=[{"name": "Rad"}],
                  theme=["TRAN"], districts=["jena"], access_rights="PUBLIC",
                  contact=[{"name": "FD", "email": "fd@jena.de"}], frequency="DAILY",
                  resources=[{"url": "https://example.org/r.csv", "format": "CSV"}])
    helpers.call_action("package_create", name="radzaehlung", title="Radzählung", modified="2026-03-01", **common)
    helpers.call_action("package_create", name="intern-baustellen", title="Interne Baustellenliste", private=True,
                        modified="2026-03-05", **common)
    helpers.call_action("package_create", name="frisch", title="Frische Zählung", modified="2026-03-10", **common)
    return inbox, editor, admin


def test_the_digest_arrives_with_the_overdue_datasets_in_each_editors_language(portal, ckan_config, monkeypatch):
    inbox, editor, admin = portal
    assert digest.send_digests() == {"sent": 2, "skipped": 0, "failed": 0, "nothing_overdue": 0}
    mail = inbox.take()
    assert set(mail) == {"editor@jena.de", "admin@jena.de"}  # not the member, not the stranger
    subject, body, message = mail["editor@jena.de"]
    assert subject == "Datenportal: 2 überfällige Datensätze"
    assert body.startswith("Guten Tag Erika Editor,")
    assert "Fachdienst Mobilität:" in body
    assert "- Radzählung: Sollte täglich aktualisiert werden; zuletzt aktualisiert vor 1 Woche. Überfällig seit 8 Tagen." in body
    assert "Interne Baustellenliste" in body and "Frische Zählung" not in body
    assert body.index("Radzählung") < body.index("Interne Baustellenliste")  # the longest overdue first
    link = re.search(r"Abbestellen: (\S+)", body).group(1)
    assert message["List-Unsubscribe"] == f"<{link}>"
    subject, body, _message = mail["admin@jena.de"]
    assert subject == "Data portal: 2 overdue datasets"
    assert "- Radzählung: Should be updated daily; last updated 1 week ago. Overdue by 8 days." in body
    # once a week: the next hourly run sends nothing, a week later the next digest goes out
    assert digest.send_digests()["sent"] == 0 and inbox.take() == {}
    monkeypatch.setitem(ckan_config, "ckanext.jena.freshness.now", "2026-03-17T08:00:00")
    result = CliRunner().invoke(freshness, ["digest"], catch_exceptions=False)
    assert "sent 2" in result.output
    assert "Überfällig seit 15 Tagen" in inbox.take()["editor@jena.de"][1]


def test_the_unsubscribe_link_asks_then_stops_the_digest(portal, app):
    inbox, editor, admin = portal
    digest.send_digests()
    body = inbox.take()["editor@jena.de"][1]
    link = re.search(r"Abbestellen: (\S+)", body).group(1)
    path = link[link.index("/freshness/"):]
    browser = app.test_client()
    page = browser.get(path).get_data(as_text=True)
    assert "Stop the weekly e-mail" in page
    # the form carries CKAN's CSRF token; the link's own signed token is what another site
    # cannot know (CKAN checks CSRF only for sessions, and this page needs none)
    token = TOKEN.search(page).group(1)
    done = browser.post(path, data={"_csrf_token": token})
    assert done.status_code == 200 and "no longer receive" in done.get_data(as_text=True)
    assert set(digest.send_digests(force=True).items()) >= {("sent", 1), ("skipped", 1)}
    assert set(inbox.take()) == {"admin@jena.de"}
    # a forged or someone else's link does nothing
    other = f"/freshness/unsubscribe/{admin['id']}/{'0' * 64}"
    assert browser.get(other).status_code == 404
    assert browser.post(other, data={"_csrf_token": token}).status_code == 404
    assert browser.get(path.replace(editor["id"], admin["id"])).status_code == 404
    assert browser.get(f"/freshness/unsubscribe/{'x' * 5000}/abc").status_code == 404
    assert digest.subscribed(model.User.get(admin["id"]))


def test_the_portals_scheduler_runs_the_digest():
    from ckanext.jena.scheduler import periodic_tasks
    tasks = {task.name: task for task in periodic_tasks()}
    assert tasks["freshness digest"].every == 3600  # hourly; each editor at most once a week


def test_a_line_break_in_one_editors_name_does_not_stop_the_others_digests(portal):
    inbox, editor, admin = portal
    # CKAN's user_patch accepts a line break in the full name; Python's e-mail package refuses it
    # in the To: header. That editor gets a clean name (or is counted failed), the others their mail.
    org_id = model.Session.query(model.Group).filter_by(title="Fachdienst Mobilität").one().id
    hostile = factories.User(email="eve@jena.de")
    user = model.User.get(hostile["id"])  # as user_patch stores it (the attack review's reproduction)
    user.fullname = "Eve\r\nBcc: victim@evil.example"
    model.Session.commit()
    helpers.call_action("organization_member_create", id=org_id, username=hostile["name"], role="editor")
    counts = digest.send_digests()
    assert counts["sent"] + counts["failed"] == 3
    mail = inbox.take()
    assert {"editor@jena.de", "admin@jena.de"} <= set(mail)
    assert "victim@evil.example" not in {rcpt for rcpt in mail}
    if "eve@jena.de" in mail:
        assert "\n" not in mail["eve@jena.de"][2]["To"] and "Bcc" not in mail["eve@jena.de"][2]
