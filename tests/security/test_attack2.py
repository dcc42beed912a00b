"""What the second attack review of the running portal found (issue 15, part 2): uploaded files are
inert downloads; views count once per address, whatever browser name it sends; private and purged
datasets stay out of the activity API."""
from __future__ import annotations

import pytest

from ckan.tests import factories

from tests.jena_plugins import schema_marks
from tests.theme.test_theme import THEME_PLUGINS, _dataset, view_table, views  # noqa: F401 (fixture)

PLUGINS = "jena_security " + THEME_PLUGINS

pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables", "view_table"),
]

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
    dataset = _dataset()
    for name, content, mimetype in ACTIVE_UPLOADS:
        resource = create_with_upload(content, name, url=name, package_id=dataset["id"], name=name,
                                      mimetype=mimetype)
        response = _download(app, dataset, resource, name)
        _is_safe_download(response, name)
        assert response.headers["Content-Type"] == "application/octet-stream", name
        assert response.data == content  # the file itself, unchanged


def test_csv_json_and_pdf_uploads_keep_their_type(create_with_upload, app):
    dataset = _dataset()
    for name, content, mimetype in PASSIVE_UPLOADS:
        resource = create_with_upload(content, name, url=name, package_id=dataset["id"], name=name,
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
    org = create_with_upload(svg, "logo.svg", context={"user": admin["name"]}, action="organization_create",
                             upload_field_name="image_upload", name="fachdienst-bild", org_type="fachdienst")
    image = org["image_url"]
    assert not image.startswith("http"), image
    response = app.get(f"/uploads/group/{image}")
    _is_safe_download(response, image)
    assert response.headers["Content-Type"] == "application/octet-stream"
    # the portal's other static files are untouched
    css = app.get("/base/css/main.css")
    assert css.headers.get("Content-Security-Policy") != SANDBOX
    assert "attachment" not in css.headers.get("Content-Disposition", "")
