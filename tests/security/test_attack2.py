"""What the second attack review of the running portal found (issue 15, part 2): uploaded files are
inert downloads; views count once per address, whatever browser name it sends; private and purged
datasets stay out of the activity API."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer
from tests.security.test_web import PASSWORD, TOKEN, log_in
from tests.theme.test_theme import _dataset, view_table, views  # noqa: F401 (fixture)

# the portal's plugins (ckan.ini.template) less the demo
PLUGINS = "jena_security jena_theme activity " + with_explainer(HARVEST_PLUGINS)

pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.usefixtures("clean_db", "activity_tables", "harvest_tables", "clean_index", "explainer_tables", "view_table"),
]



@pytest.fixture
def activity_tables(migrate_db_for):
    """CKAN's activity plugin's table (the portal loads the plugin), after clean_db."""
    migrate_db_for("activity")


SANDBOX = "sandbox; default-src 'none'"
ACTIVE_UPLOADS = [  # (file name, content, the type an editor's browser would send)
    ("evil.html", b"<html><script src='evil.js'></script></html>", "text/html"),
    ("evil.xhtml", b"<html xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></html>",
     "application/xhtml+xml"),
    ("evil.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/svg+xml"),
    ("evil.js", b"alert(document.domain)", "application/javascript"),
    ("evil.mjs", b"alert(document.domain)", "text/ecmascript"),
    ("evil.xml", b"<x:script xmlns:x='http://www.w3.org/1999/xhtml'>alert(1)</x:script>", "text/xml"),
    ("evil.xsl", b"<xsl:stylesheet/>", "application/xslt+xml"),
    ("evil.css", b"body{background:url(//evil.example/)}", "text/css"),
]
PASSIVE_UPLOADS = [
    ("baeume.csv", b"Ortsteil;Baeume\nLobeda;120\n", "text/csv"),
    ("baeume.json", b'{"Lobeda": 120}', "application/json"),
    ("bericht.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
]


def _download(app, dataset, resource, name):
    return app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/download/{name}")


def _is_safe_download(response, name):
    disposition = response.headers.get("Content-Disposition", "")
    assert response.status_code == 200
    assert disposition.startswith("attachment") and name in disposition, disposition
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Content-Security-Policy") == SANDBOX


def test_an_uploaded_page_or_script_is_a_download_that_never_runs_on_the_portal(create_with_upload, app):
    dataset, admin = _dataset(), factories.Sysadmin()
    for name, content, mimetype in ACTIVE_UPLOADS:
        resource = create_with_upload(content, name, {"user": admin["name"]}, url=name, package_id=dataset["id"], name=name,
                                      mimetype=mimetype)
        response = _download(app, dataset, resource, name)
        _is_safe_download(response, name)
        assert response.headers["Content-Type"] == "application/octet-stream", name
        assert response.data == content  # the file itself, unchanged


def test_csv_json_and_pdf_uploads_keep_their_type(create_with_upload, app):
    dataset, admin = _dataset(), factories.Sysadmin()
    for name, content, mimetype in PASSIVE_UPLOADS:
        resource = create_with_upload(content, name, {"user": admin["name"]}, url=name, package_id=dataset["id"], name=name,
                                      mimetype=mimetype)
        response = _download(app, dataset, resource, name)
        _is_safe_download(response, name)
        assert response.headers["Content-Type"].split(";")[0] == mimetype
        assert response.data == content


# a city may allow SVG logos (CKAN refuses them by default)
@pytest.mark.ckan_config("ckan.upload.group.mimetypes", "image/png image/svg+xml")
@pytest.mark.ckan_config("ckan.upload.group.types", "image")
def test_an_uploaded_organisation_image_in_svg_does_not_run_either(create_with_upload, app):
    svg = ACTIVE_UPLOADS[2][1]
    admin = factories.Sysadmin()
    try:
        org = create_with_upload(svg, "logo.svg", context={"user": admin["name"]}, action="organization_create",
                                 upload_field_name="image_upload", name="fachdienst-bild", org_type="fachdienst")
    except toolkit.ValidationError as refused:
        # CKAN 2.12's file storage checks the type: organisation images are PNG, GIF or JPEG only
        assert toolkit.check_ckan_version(min_version="2.12"), refused
        assert "Unsupported upload type" in str(refused.error_dict["image_upload"])
        return
    image = org["image_url"]
    assert not image.startswith("http"), image
    response = app.get(f"/uploads/group/{image}")
    _is_safe_download(response, image)
    assert response.headers["Content-Type"] == "application/octet-stream"
    # the portal's other static files are untouched
    css = app.get("/base/css/main.css")
    assert css.headers.get("Content-Security-Policy") != SANDBOX
    assert "attachment" not in css.headers.get("Content-Disposition", "")


def test_a_link_on_another_site_cannot_stop_a_running_harvest_and_the_stop_button_posts(app):
    admin = factories.Sysadmin(password=PASSWORD)
    org = factories.Organization(org_type="fachdienst")
    source = helpers.call_action("harvest_source_create", {"user": admin["name"]}, name="quelle", title="Quelle",
                                 url="http://93.184.215.14/catalog.ttl", source_type="jena_dcat",
                                 owner_org=org["id"])
    job = helpers.call_action("harvest_job_create", {"user": admin["name"]}, source_id=source["id"])
    model.Session.execute(sa.text("UPDATE harvest_job SET status = 'Running' WHERE id = :id"), {"id": job["id"]})
    model.Session.commit()
    browser = log_in(app, admin)
    abort = f"/harvest/{source['name']}/job/{job['id']}/abort"
    response = browser.get(abort, follow_redirects=False)
    assert response.status_code == 405 and "Knopf" in response.get_data(as_text=True)
    assert browser.post(abort, follow_redirects=False).status_code == 400  # no token: CSRF refused
    assert helpers.call_action("harvest_job_show", id=job["id"])["status"] == "Running"
    # the admin page's Stop button is a form that posts with the token
    page = browser.get(f"/harvest/admin/{source['name']}").get_data(as_text=True)
    form = re.search(r'<form method="post"[^>]*action="' + re.escape(abort) + r'".*?</form>', page, re.S)
    assert form, "no Stop form on the page"
    token = TOKEN.search(form.group(0)).group(1)
    assert browser.post(abort, data={"_csrf_token": token}, follow_redirects=False).status_code == 302
    assert helpers.call_action("harvest_job_show", id=job["id"])["status"] == "Finished"


def test_thirty_browser_names_from_one_address_count_one_view(app):
    dataset = _dataset()
    for number in range(30):
        agent = f"Mozilla/5.0 (X11; Linux) Zaehlschieber/{number}"
        assert app.get(f"/dataset/{dataset['name']}",
                       extra_environ={"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": agent}).status_code == 200
    assert views() == {dataset["id"]: 1}


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(app):
    """Without trusted proxies (the default) X-Forwarded-For is ignored: a visitor cannot count as
    thirty by sending thirty addresses."""
    dataset = _dataset()
    for number in range(30):
        app.get(f"/dataset/{dataset['name']}",
                extra_environ={"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": f"198.51.100.{number}"})
    assert views() == {dataset["id"]: 1}


@pytest.mark.ckan_config("ckanext.jena.security.trusted_proxies", "1")
def test_behind_one_trusted_proxy_each_forwarded_visitor_counts(app):
    dataset = _dataset()
    for visitor in ("198.51.100.1", "198.51.100.2", "198.51.100.2"):
        app.get(f"/dataset/{dataset['name']}",  # the proxy on 127.0.0.1 passes the visitor's address
                extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": visitor})
    assert views() == {dataset["id"]: 2}


def _api(app, action, **params):
    response = app.get(f"/api/3/action/{action}", query_string=params)
    return response.status_code, response.get_json()


def _dataset_ids(result) -> set:
    return {activity["object_id"] for activity in result["result"]}


def test_a_dataset_made_private_or_purged_leaves_no_trace_in_the_activity_stream(app):
    org = factories.Organization(org_type="fachdienst")
    editor = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    as_editor = {"user": editor["name"]}
    dataset = helpers.call_action(
        "package_create", as_editor, name="geheime-baeume", title="Geheime Bäume", owner_org=org["id"],
        action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0",
        tags=[{"name": "Bäume"}], notes="Standorte, die nicht öffentlich sein sollen")
    public = helpers.call_action(  # another dataset that stays public
        "package_create", as_editor, name="oeffentliche-baeume", title="Öffentliche Bäume", owner_org=org["id"],
        action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0", tags=[{"name": "Bäume"}],
        notes="Bäume an Straßen")
    helpers.call_action("package_patch", as_editor, id=dataset["id"], notes="noch mehr Standorte")
    status, result = _api(app, "recently_changed_packages_activity_list")
    assert dataset["id"] in _dataset_ids(result)  # public now: its activities are listed
    activity_id = next(a["id"] for a in result["result"] if a["object_id"] == dataset["id"])

    helpers.call_action("package_patch", as_editor, id=dataset["id"], private=True)
    status, result = _api(app, "recently_changed_packages_activity_list")
    assert status == 200 and dataset["id"] not in _dataset_ids(result)
    assert public["id"] in _dataset_ids(result)
    assert "Standorte" not in str(result)
    for action, params in (("organization_activity_list", {"id": org["id"]}),
                           ("user_activity_list", {"id": editor["name"]})):
        status, result = _api(app, action, **params)
        assert status == 200 and dataset["id"] not in _dataset_ids(result), action
    for action in ("activity_show", "activity_data_show", "package_activity_list"):
        status, result = _api(app, action, id=activity_id if action != "package_activity_list" else dataset["id"])
        assert status in (403, 404) and "Standorte" not in str(result), (action, status)
    # the editor, who may see the private dataset, still sees its history
    own = helpers.call_action("recently_changed_packages_activity_list", {"user": editor["name"]})
    assert dataset["id"] in {activity["object_id"] for activity in own}

    helpers.call_action("dataset_purge", {"user": factories.Sysadmin()["name"]}, id=dataset["id"])
    remaining = model.Session.execute(sa.text("SELECT count(*) FROM activity WHERE object_id = :id"),
                                      {"id": dataset["id"]}).scalar()
    model.Session.commit()
    assert remaining == 0
    status, result = _api(app, "recently_changed_packages_activity_list")
    assert dataset["id"] not in _dataset_ids(result) and public["id"] in _dataset_ids(result)


def test_the_api_answers_no_jsonp(app):
    """A JSONP answer is a script from the portal's own address, which the CSP admits: any HTML
    injection could run `/api/3/action/status_show?callback=alert(1)//` (attack review, 6 December)."""
    response = app.get("/api/3/action/status_show", query_string={"callback": "alert(1)//"})
    assert response.status_code == 400
    assert "javascript" not in response.headers["Content-Type"] and "alert(1)" not in response.body
    assert "JSONP" in response.body
    assert app.get("/api/3/action/status_show").status_code == 200


def test_counting_a_field_some_datasets_lack_answers_without_the_missing_value(app):
    """`facet.field=["res_description"]` answered 500 (None in the counts' sort) when a resource
    had no description (attack review, 6 December)."""
    org = factories.Organization(org_type="fachdienst")
    sysadmin = factories.Sysadmin()
    for name, description in (("mit-beschreibung", "Tabelle der Bäume"), ("ohne-beschreibung", None)):
        resource = {"url": "https://example.org/b.csv", "format": "CSV", "name": "Tabelle"}
        if description:
            resource["description"] = description
        helpers.call_action("package_create", {"user": sysadmin["name"]}, name=name, title=name, owner_org=org["id"],
                            action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0",
                            notes="Bäume", tags=[{"name": "Bäume"}], resources=[resource])
    response = app.get("/api/3/action/package_search", query_string={"facet.field": '["res_description"]'})
    assert response.status_code == 200, response.body[:500]
    facets = response.get_json()["result"]["facets"]["res_description"]
    assert facets == {"Tabelle der Bäume": 1}


@pytest.mark.ckan_config("ckan.auth.allow_dataset_collaborators", "true")
def test_an_anonymous_collaborator_list_is_refused_not_a_server_error(app):
    """CKAN core's auth function asserts that the asker is a user: every anonymous
    `package_collaborator_list` on an existing dataset answered 500 (attack review, 6 December, L4)."""
    org = factories.Organization(org_type="fachdienst")
    admin = factories.User()
    helpers.call_action("organization_member_create", {"ignore_auth": True}, id=org["id"],
                        username=admin["name"], role="admin")
    collaborator = factories.User()
    sysadmin = factories.Sysadmin()
    for private in (True, False):
        name = f"mitwirkende-{str(private).lower()}"
        helpers.call_action("package_create", {"user": sysadmin["name"]}, name=name, title=name, owner_org=org["id"],
                            private=private, action_fields=["stadtentwicklung-umwelt-verkehr"],
                            license_id="dl-by-de/2.0", notes="Bäume", tags=[{"name": "Bäume"}])
        helpers.call_action("package_collaborator_create", {"ignore_auth": True}, id=name,
                            user_id=collaborator["id"], capacity="editor")
        response = app.get("/api/3/action/package_collaborator_list", query_string={"id": name})
        assert response.status_code == 403, (name, response.status_code)
        assert collaborator["id"] not in response.body
        # the organisation's admin still gets the list
        token = factories.APIToken(user=admin["name"])["token"]
        listed = app.get("/api/3/action/package_collaborator_list", query_string={"id": name},
                         headers={"Authorization": token})
        assert listed.status_code == 200
        assert [c["user_id"] for c in listed.get_json()["result"]] == [collaborator["id"]]


def test_downloading_a_resource_whose_address_is_no_web_address_is_a_clear_404(app):
    """CKAN's download view hands a linked resource's address that is no URL to `url_for` as an
    endpoint name: `javascript:alert(1)` answered 500 (attack review, 6 December, L4)."""
    org = factories.Organization(org_type="fachdienst")
    sysadmin = factories.Sysadmin()
    # (CKAN itself makes "daten.csv" http://daten.csv)
    # (ftp: CKAN redirects only to ckan.valid_url_schemes, by default http and https)
    addresses = ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>", "mailto:amt@jena.de",
                 "ftp://ftp.example.org/baeume.csv", "https://example.org/baeume.csv", "http://example.org/a.csv"]
    dataset = helpers.call_action(
        "package_create", {"user": sysadmin["name"]}, name="adressen", title="Adressen", owner_org=org["id"],
        action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0", notes="Bäume",
        tags=[{"name": "Bäume"}], resources=[{"url": url, "format": "CSV", "name": f"r{i}"}
                                             for i, url in enumerate(addresses)])
    answers = {}
    for resource in dataset["resources"]:
        response = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/download", follow_redirects=False)
        answers[resource["url"]] = response.status_code
        if response.status_code == 404:
            assert "keine Webadresse" in response.body and "javascript" not in response.headers.get("Location", "")
    assert answers == {**{url.strip(): 404 for url in addresses[:5]},
                       "https://example.org/baeume.csv": 302, "http://example.org/a.csv": 302}, answers
    # a missing resource keeps CKAN's own answer
    assert app.get(f"/dataset/{dataset['id']}/resource/nicht-da/download").status_code == 404
