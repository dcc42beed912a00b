"""The portal's pages against a hostile web: links built from data never run script, forms and
POST routes refuse cross-site requests, every answer carries the security headers and a
Content-Security-Policy, and a NUL byte is a clear 400 (issue 15, findings 2, 5 and 9)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.lib import search
from ckan.tests import factories, helpers

from ckanext.jena import urls

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer

# the portal's plugins (ckan.ini.template) less the demo: ckanext-harvest's forms are tested too
PLUGINS = "jena_security jena_theme " + with_explainer(HARVEST_PLUGINS)

pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.usefixtures("clean_db", "harvest_tables", "clean_index", "explainer_tables"),
]

HOSTILE_URLS = [
    "javascript:alert(document.domain)//x",
    "data:text/html;base64,PHNjcmlwdD5hbGVydChkb2N1bWVudC5kb21haW4pPC9zY3JpcHQ+",
    " JaVaScRiPt:alert(document.domain)",
    "\tjava\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "vbscript:msgbox(1)",
    "javascript&#58;alert(1)",
    "&#106;avascript:alert(1)",
]


class _Links(HTMLParser):
    """Every URL in the page a click or a load would follow, as the browser reads it."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "data", "xlink:href") and value is not None:
                self.found.append((tag, value))


def browser_scheme(value: str) -> str:
    """The scheme a browser's URL parser sees (leading C0/space stripped, tabs and newlines
    removed, case ignored); '' for a relative URL. Written apart from ckanext.jena.urls on purpose."""
    value = value.lstrip("".join(chr(c) for c in range(0x21)))
    value = re.sub(r"[\t\n\r]", "", value)
    match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", value)
    return match.group(1).lower() if match else ""


def script_links(html: str) -> list:
    parser = _Links()
    parser.feed(html)
    return [(tag, value) for tag, value in parser.found if browser_scheme(value) not in ("", "http", "https")]


def _dataset(**fields):
    org = factories.Organization(org_type="fachdienst")
    data = {"owner_org": org["id"], "action_fields": ["stadtentwicklung-umwelt-verkehr"],
            "license_id": "dl-by-de/2.0", "tags": [{"name": "Bäume"}],
            "resources": [{"name": "Gute Liste", "url": "https://example.org/baeume.csv", "format": "CSV"}]}
    data.update(fields)
    return factories.Dataset(**data)


def _store_urls(dataset: dict, resource_urls: list[str], landing_page: str) -> None:
    """Write URLs as a harvest or older data could have stored them, past any input check: the
    page must be safe whatever the database holds."""
    rows = model.Session.execute(sa.text("SELECT id FROM resource WHERE package_id = :id ORDER BY position"),
                                 {"id": dataset["id"]}).fetchall()
    for (resource_id,), url in zip(rows, resource_urls):
        model.Session.execute(sa.text("UPDATE resource SET url = :url, url_type = NULL WHERE id = :id"),
                              {"url": url, "id": resource_id})
    model.Session.execute(sa.text("UPDATE package SET url = :url WHERE id = :id"),
                          {"url": landing_page, "id": dataset["id"]})
    model.Session.commit()
    model.Session.remove()
    search.rebuild(dataset["id"])  # package_show answers from the index while it is current


# -- finding 2: links from data ------------------------------------------------------------------

@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_link_rule_refuses_script_urls_in_every_disguise(url):
    assert urls.link_url(url) == "" and not urls.is_safe_link(url)


@pytest.mark.parametrize("url", ["https://example.org/a.csv", "HTTP://example.org/a?b=c#d", "/dataset/x",
                                 "?q=1", "#top", "//example.org/a", "https://example.org/a%20b.csv"])
def test_the_link_rule_keeps_web_addresses_and_paths(url):
    assert urls.link_url(url) == url


def test_a_dataset_with_script_urls_renders_no_script_link(app):
    resources = [{"name": f"Liste {n}", "url": f"https://example.org/{n}.csv", "format": "CSV"}
                 for n in range(len(HOSTILE_URLS))]
    resources.append({"name": "Gute Liste", "url": "https://example.org/gut.csv", "format": "CSV"})
    dataset = _dataset(name="baeume", resources=resources, url="https://example.org/")
    _store_urls(dataset, HOSTILE_URLS, "javascript:alert('landing')")
    page = app.get("/dataset/baeume").get_data(as_text=True)
    assert 'href="https://example.org/gut.csv"' in page  # a web address stays a download button
    assert "jena-download-unsafe" in page  # the others are named as text
    assert script_links(page) == []
    stored = helpers.call_action("package_show", id="baeume")
    for resource in stored["resources"]:
        resource_page = app.get(f"/dataset/baeume/resource/{resource['id']}").get_data(as_text=True)
        assert script_links(resource_page) == [], resource["url"]


def test_the_page_test_would_see_a_script_link():
    """The check above can fail: a javascript: href in any disguise is found."""
    for url in HOSTILE_URLS:
        assert script_links(f'<a href="{url}">x</a>'), url


# -- finding 5: CSRF -----------------------------------------------------------------------------

PASSWORD = "Baumkataster-2026!"
TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


def log_in(app, user: dict):
    """A browser that logged in through CKAN's form: the client holds the session cookie, as the
    officer's browser does. (CKAN 2.11 checks CSRF tokens only for requests that a session
    cookie authenticates: those are the ones another site can make a browser send.)"""
    browser = app.test_client()
    form = browser.get("/user/login").get_data(as_text=True)
    response = browser.post("/user/login", data={"login": user["name"], "password": PASSWORD,
                                                  "_csrf_token": TOKEN.search(form).group(1)},
                            follow_redirects=False)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return browser


def _explainer_about(dataset_id: str) -> str:
    explainer = helpers.call_action("jena_explainer_show", id=dataset_id, lang="de")
    return next(s for s in explainer["sections"] if s["key"] == "about")["markdown"]


def test_a_cross_site_post_to_the_explainer_editor_is_refused_and_the_form_works(app):
    org = factories.Organization(org_type="fachdienst")
    officer = factories.User(password=PASSWORD)
    helpers.call_action("organization_member_create", id=org["id"], username=officer["name"], role="editor")
    dataset = _dataset(name="baeume", owner_org=org["id"])
    helpers.call_action("jena_explainer_generate", id=dataset["id"])
    before = _explainer_about(dataset["id"])
    browser = log_in(app, officer)
    url = "/dataset/baeume/explainer/edit"
    # what another site's page would send with the officer's cookie: no token
    forged = browser.post(url, data={"lang": "de", "action": "save", "section-about": "Gefälscht."},
                      headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"})
    assert forged.status_code == 400
    assert _explainer_about(dataset["id"]) == before
    # the portal's own form carries the token and saves
    token = TOKEN.search(browser.get(url).get_data(as_text=True)).group(1)
    saved = browser.post(url, data={"lang": "de", "action": "save", "section-about": "Hier stehen die Bäume.",
                                "_csrf_token": token})
    assert saved.status_code == 200 and "Die Erklärung wurde gespeichert." in saved.get_data(as_text=True)
    assert _explainer_about(dataset["id"]) == "Hier stehen die Bäume."


@pytest.mark.usefixtures("csrf_as_in_a_fresh_process")
def test_a_cross_site_post_to_the_api_with_the_cookie_is_refused(app):
    org = factories.Organization(org_type="fachdienst")
    officer = factories.User(password=PASSWORD)
    helpers.call_action("organization_member_create", id=org["id"], username=officer["name"], role="editor")
    dataset = _dataset(name="baeume", owner_org=org["id"])
    helpers.call_action("jena_explainer_generate", id=dataset["id"])
    browser = log_in(app, officer)
    forged = browser.post("/api/3/action/jena_explainer_update",
                      json={"id": dataset["id"], "lang": "de", "sections": {"about": "Gefälscht."}})
    assert forged.status_code == 400
    assert _explainer_about(dataset["id"]) != "Gefälscht."


def test_a_cross_site_post_to_ckanext_harvest_is_refused(app):
    """ckanext-harvest's own blueprint (re-harvest, clear) was exempt from CSRF checks."""
    admin = factories.Sysadmin(password=PASSWORD)
    org = factories.Organization(org_type="fachdienst")
    source = helpers.call_action("harvest_source_create", name="quelle", title="Quelle",
                                 url="http://93.184.215.14/catalog.ttl", source_type="jena_dcat",
                                 owner_org=org["id"])
    browser = log_in(app, admin)
    assert browser.post(f"/harvest/refresh/{source['id']}").status_code == 400
    assert helpers.call_action("harvest_job_list", source_id=source["id"]) == []
    # the page's confirm button sends the token (CKAN's confirm-action module): that works
    token = TOKEN.search(browser.get(f"/harvest/admin/{source['name']}").get_data(as_text=True)
                         .replace('name="_csrf_token" content=', 'name="_csrf_token" value=')).group(1)
    assert browser.post(f"/harvest/refresh/{source['id']}", data={"_csrf_token": token},
                        follow_redirects=False).status_code == 302
    assert len(helpers.call_action("harvest_job_list", source_id=source["id"])) == 1


def test_a_link_on_another_site_cannot_clear_or_delete_a_harvest_source(app):
    """ckanext-harvest clears, deletes and re-harvests on a plain GET; a link another site shows
    a logged-in sysadmin (SameSite=Lax cookies go along with a followed link) must change nothing."""
    admin = factories.Sysadmin(password=PASSWORD)
    org = factories.Organization(org_type="fachdienst")
    source = helpers.call_action("harvest_source_create", name="quelle", title="Quelle",
                                 url="http://93.184.215.14/catalog.ttl", source_type="jena_dcat",
                                 owner_org=org["id"])
    browser = log_in(app, admin)
    for path in (f"/harvest/delete/{source['id']}?clear=True", f"/harvest/clear/{source['id']}",
                 f"/harvest/refresh/{source['id']}"):
        response = browser.get(path, follow_redirects=False)
        assert response.status_code == 405, path
        assert "Knopf" in response.get_data(as_text=True)
    assert helpers.call_action("harvest_source_show", id=source["id"])["state"] == "active"
    assert helpers.call_action("harvest_job_list", source_id=source["id"]) == []
    # the edit page's confirm button posts with the token: the source is deleted
    assert browser.post(f"/harvest/delete/{source['id']}", follow_redirects=False).status_code == 400
    token = TOKEN.search(browser.get(f"/harvest/admin/{source['name']}").get_data(as_text=True)
                         .replace('name="_csrf_token" content=', 'name="_csrf_token" value=')).group(1)
    deleted = browser.post(f"/harvest/delete/{source['id']}", data={"_csrf_token": token}, follow_redirects=False)
    assert deleted.status_code == 302
    assert helpers.call_action("harvest_source_show", id=source["id"])["state"] == "deleted"


def test_every_form_of_the_project_that_posts_carries_the_token():
    """Templates under ckanext/jena: a form with method=post has the token field in it."""
    import pathlib
    root = pathlib.Path(urls.__file__).parent
    missing = []
    for template in root.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for form in re.finditer(r"<form\b[^>]*>.*?</form>", text, re.S | re.I):
            if re.search(r'method="post"', form.group(0), re.I) and "csrf_input()" not in form.group(0):
                missing.append(str(template.relative_to(root)))
    assert missing == []


# -- headers and the policy ----------------------------------------------------------------------

def test_every_answer_carries_the_security_headers(app):
    for path in ("/", "/dataset/", "/api/3/action/status_show", "/user/login", "/nicht-da"):
        headers = app.get(path, status=None).headers
        policy = headers["Content-Security-Policy"]
        directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
        assert directives["script-src"][0] == "'self'" and "'unsafe-inline'" not in directives["script-src"]
        assert directives["frame-ancestors"] == ["'self'"] and directives["object-src"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"] and directives["form-action"] == ["'self'"]
        assert directives["default-src"] == ["'self'"]
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert headers["X-Frame-Options"] == "SAMEORIGIN", path


def test_the_policy_allows_ckans_resource_form_buttons_and_nothing_else_inline(app):
    """The only inline script the policy admits: the onclick handlers CKAN core renders on the
    resource form, by hash. The hashes match what the form really holds."""
    from ckanext.jena.security import policy
    admin = factories.Sysadmin(password=PASSWORD)
    dataset = _dataset(name="baeume")
    browser = log_in(app, admin)
    response = browser.get(f"/dataset/{dataset['name']}/resource/new")
    form = response.get_data(as_text=True)
    script_src = next(d for d in response.headers["Content-Security-Policy"].split("; ")
                      if d.startswith("script-src")).split()[1:]
    on_page = policy.handler_hashes(form)
    assert on_page and set(on_page) <= set(script_src)
    assert set(script_src) - set(on_page) - {"'self'", "'unsafe-hashes'"} <= set(policy.core_handler_hashes())


@pytest.mark.ckan_config("ckanext.jena.security.content_security_policy",
                         "default-src 'self'; img-src 'self' https://tiles.example.org")
def test_a_city_can_widen_the_policy_for_a_tile_server(app):
    assert "img-src 'self' https://tiles.example.org" in app.get("/").headers["Content-Security-Policy"]


def test_the_projects_templates_have_no_inline_script_or_handler():
    import pathlib
    root = pathlib.Path(urls.__file__).parent
    inline = []
    for template in root.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>", text, re.I):
            if "src=" not in match.group(1) and "application/ld+json" not in match.group(1):
                inline.append((str(template.relative_to(root)), match.group(0)))
        inline += [(str(template.relative_to(root)), m.group(0))
                   for m in re.finditer(r"\son[a-z]+\s*=", text, re.I)]
    assert inline == []


# -- finding 9: NUL bytes ------------------------------------------------------------------------

NUL_MESSAGE = "NUL-Zeichen"


def test_a_nul_byte_in_the_query_string_is_a_clear_400(app):
    response = app.get("/dataset/?q=B%C3%A4ume%00", status=None)
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)


def test_a_nul_byte_in_a_json_body_is_a_clear_400(app):
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization(org_type="fachdienst")
    response = app.post("/api/3/action/package_create", headers={"Authorization": sysadmin["token"]},
                        json={"name": "nul", "title": "Bäume\x00", "owner_org": org["id"]}, status=None)
    assert response.status_code == 400
    assert "NUL" in response.json["error"]["message"] and response.json["success"] is False
    assert helpers.call_action("package_search", q="name:nul", include_private=True)["count"] == 0


def test_a_nul_byte_in_json_posted_as_a_form_is_a_clear_400(app):
    """curl -d '{...}' sends JSON as the only key of a form; CKAN's API reads it as JSON."""
    import json
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization(org_type="fachdienst")
    body = json.dumps({"name": "nul", "title": "Bäume\x00", "owner_org": org["id"]})
    response = app.post("/api/3/action/package_create", headers={"Authorization": sysadmin["token"]},
                        data=body, content_type="application/x-www-form-urlencoded", status=None)
    assert response.status_code == 400 and "NUL" in response.json["error"]["message"]


def test_a_nul_byte_in_an_explainer_section_is_a_clear_400(app):
    org = factories.Organization(org_type="fachdienst")
    officer = factories.User(password=PASSWORD)
    helpers.call_action("organization_member_create", id=org["id"], username=officer["name"], role="editor")
    dataset = _dataset(name="baeume", owner_org=org["id"])
    helpers.call_action("jena_explainer_generate", id=dataset["id"])
    browser = log_in(app, officer)
    url = "/dataset/baeume/explainer/edit"
    token = TOKEN.search(browser.get(url).get_data(as_text=True)).group(1)
    response = browser.post(url, data={"lang": "de", "action": "save", "section-about": "Bäume\x00 und mehr",
                                   "_csrf_token": token})
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)
    assert "\x00" not in _explainer_about(dataset["id"])


@pytest.mark.usefixtures("csrf_as_in_a_fresh_process")
def test_a_visit_without_a_session_does_not_switch_off_the_forms_csrf_check(app):
    """CKAN 2.11 and 2.12 exempt a view from the CSRF check for good (flask-wtf's csrf.exempt)
    once a request it takes for API-token-authenticated reached it, and its request loader marks
    every request without a session that way, a visitor's or a script's with a token. One such
    visit must not open the officers' form to cross-site posts."""
    org = factories.Organization(org_type="fachdienst")
    officer = factories.User(password=PASSWORD)
    helpers.call_action("organization_member_create", id=org["id"], username=officer["name"], role="editor")
    dataset = _dataset(name="baeume", owner_org=org["id"])
    helpers.call_action("jena_explainer_generate", id=dataset["id"])
    before = _explainer_about(dataset["id"])
    url = "/dataset/baeume/explainer/edit"
    app.get(url, status=403)  # a visitor without a session
    token = factories.APIToken(user=officer["name"])["token"]
    assert app.get(url, headers={"Authorization": token}).status_code == 200  # a script with a token
    browser = log_in(app, officer)
    forged = browser.post(url, data={"lang": "de", "action": "save", "section-about": "Gefälscht."},
                          headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"})
    assert forged.status_code == 400
    assert _explainer_about(dataset["id"]) == before
