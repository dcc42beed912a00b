"""The Jena theme without a browser: the language switch, the page-view counter behind "most
viewed" and the home page's lists."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.explainer import jobs

from tests.jena_plugins import EXPLAINER_PLUGINS, schema_marks

THEME_PLUGINS = "jena_theme " + EXPLAINER_PLUGINS

pytestmark = schema_marks(THEME_PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables", "view_table"),
]


@pytest.fixture
def view_table():
    from ckanext.jena.theme import store
    model.Session.execute(sa.text("TRUNCATE jena_dataset_view"))
    model.Session.commit()


def views() -> dict:
    rows = model.Session.execute(sa.text("SELECT dataset_id, sum(views) FROM jena_dataset_view GROUP BY dataset_id"))
    result = {row[0]: int(row[1]) for row in rows}
    model.Session.commit()
    return result


def language_links(html: str) -> dict:
    group = re.search(r'<div class="jena-language".*?</div>', html, re.S).group(0)
    links = {code: href.replace("&amp;", "&") for href, code in re.findall(r'<a href="([^"]*)" lang="(\w+)"', group)}
    current = re.findall(r'class="jena-language-current" lang="(\w+)"', group)
    return {"links": links, "current": current}


def _dataset(**kw):
    org = factories.Organization(org_type="fachdienst")
    return factories.Dataset(owner_org=org["id"], action_fields=["stadtentwicklung-umwelt-verkehr"],
                             license_id="dl-by-de/2.0", tags=[{"name": "Bäume"}], **kw)


def test_the_language_switch_keeps_the_page_and_its_query(app):
    html = app.get("/dataset/?q=B%C3%A4ume&page=2").get_data(as_text=True)
    assert re.search(r'<html[^>]* lang="de"', html)
    assert language_links(html) == {"links": {"en": "/en/dataset/?q=B%C3%A4ume&page=2"}, "current": ["de"]}
    html = app.get("/en/dataset/?q=noise&districts=lobeda-west").get_data(as_text=True)
    assert language_links(html) == {"links": {"de": "/dataset/?q=noise&districts=lobeda-west"}, "current": ["en"]}
    html = app.get("/en/").get_data(as_text=True)
    assert language_links(html)["links"] == {"de": "/"}
    # a path that starts with two slashes must not become a link to another site
    html = app.get("/en//elsewhere.example/x", status=404).get_data(as_text=True)
    assert language_links(html)["links"] == {"de": "/"}


def test_only_shown_pages_of_public_active_datasets_are_counted(app):
    public = _dataset()
    private = _dataset(private=True)
    auth = {"Authorization": factories.SysadminWithToken()["token"]}
    for _ in range(3):
        assert app.get(f"/dataset/{public['name']}").status_code == 200
    assert app.get(f"/dataset/{private['name']}", headers=auth).status_code == 200  # seen, not counted
    app.get("/dataset/no-such-dataset", status=404)
    app.test_client().head(f"/dataset/{public['name']}")  # not a page someone read
    app.get(f"/dataset/{public['name']}", headers={"Accept": "text/turtle"})  # RDF, not a page
    assert views() == {public["id"]: 1}  # one visitor: once a day (tests/security/test_privacy.py)
    # the home page lists it as most viewed; a dataset made private drops out at once
    home = app.get("/").get_data(as_text=True)
    most_viewed = home.split('id="viewed-heading"', 1)[1]
    assert public["title"] in most_viewed
    helpers.call_action("package_patch", id=public["id"], private=True)
    home = app.get("/").get_data(as_text=True)
    assert public["title"] not in home.split('id="viewed-heading"', 1)[1]


def test_counts_older_than_thirty_days_are_deleted(app):
    import datetime
    dataset = _dataset()
    old = datetime.date.today() - datetime.timedelta(days=30)
    model.Session.execute(sa.text("INSERT INTO jena_dataset_view VALUES (:id, :day, 7), (:id, :day2, 2)"),
                          {"id": dataset["id"], "day": old, "day2": old + datetime.timedelta(days=1)})
    model.Session.commit()
    app.get(f"/dataset/{dataset['name']}")
    assert views() == {dataset["id"]: 3}  # the 30-day-old count went, yesterday's 29th day stays


@pytest.fixture
def files():
    from tests.harvest.server import FixtureServer
    server = FixtureServer()
    yield server
    server.stop()


def make_with_files(org, resources):
    return helpers.call_action("package_create", name="baeume", title="Bäume je Ortsteil", owner_org=org["id"],
                               license_id="dl-by-de/2.0", notes="Straßenbäume je Ortsteil.",
                               tags=[{"name": "Bäume"}], resources=resources)


CSV = "Ortsteil;Jahr;Bäume\nWinzerla;2021;120\nLobeda-Altstadt;2022;80\nZwätzen;2023;95\n".encode("utf-8")


def test_the_dataset_page_previews_the_profiled_rows_until_the_file_changes(app, files, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.explainer.allowed_hosts", "127.0.0.1")
    files.add("/baeume.csv", CSV, content_type="text/csv")
    org = factories.Organization(org_type="fachdienst")
    pkg = make_with_files(org, [{"name": "Bäume", "url": files.url("/baeume.csv"), "format": "CSV"}])
    jobs.explain(pkg["id"])
    page = app.get(f"/dataset/{pkg['name']}").get_data(as_text=True)
    preview = page.split('class="jena-preview"', 1)[1].split("</section>", 1)[0]
    assert "<td>Lobeda-Altstadt</td>" in preview and "<td>Zwätzen</td>" in preview
    # a new file at another address: its old rows are not shown until the job has looked at it
    files.add("/baeume-2024.csv", "Ortsteil;Jahr;Bäume\nNord;2024;7\n".encode(), content_type="text/csv")
    helpers.call_action("resource_patch", id=pkg["resources"][0]["id"], url=files.url("/baeume-2024.csv"))
    assert 'class="jena-preview"' not in app.get(f"/dataset/{pkg['name']}").get_data(as_text=True)
    jobs.explain(pkg["id"])
    preview = app.get(f"/dataset/{pkg['name']}").get_data(as_text=True).split('class="jena-preview"', 1)[1]
    assert "<td>Nord</td>" in preview and "Zwätzen" not in preview.split("</section>", 1)[0]


def test_numbers_and_dates_are_written_the_german_way_in_german(app):
    from ckanext.jena.explainer import profile as profile_module, store
    dataset = _dataset(resources=[{"name": "Bäume", "url": "https://example.org/b.csv", "format": "CSV"}])
    resource = dataset["resources"][0]
    store.save_profile(resource["id"], dataset["id"], profile_module.fingerprint(resource),
                       {"kind": "table", "rows": 12345, "columns": [{"name": "Art"}], "sample": [["Linde"]]}, None)
    model.Session.commit()
    helpers.call_action("jena_explainer_update", context={"user": factories.Sysadmin()["name"]},
                        id=dataset["id"], lang="de", sections={"about": "Alle Bäume der Stadt."}, reviewed=True)
    german = app.get(f"/dataset/{dataset['name']}").get_data(as_text=True)
    english = app.get(f"/en/dataset/{dataset['name']}").get_data(as_text=True)
    assert "12.345 Zeilen insgesamt" in german and "12,345 rows in all" in english
    months_de = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                 "Oktober", "November", "Dezember")
    assert re.search(r"\(\d{1,2}\. (%s) \d{4}" % "|".join(months_de), german), "no German date"


def test_home_page_lists_sit_below_their_headings(app):
    dataset = _dataset(title="Baumkataster Winzerla")
    html = app.get("/").get_data(as_text=True)
    newest = html.split('id="newest-heading"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<h3 class="dataset-heading">\s*<a href="/dataset/' + dataset["name"], newest), newest
    # search results keep CKAN's h2 (the page's h1 is the search)
    results = app.get("/dataset/").get_data(as_text=True)
    assert re.search(r'<h2 class="dataset-heading">\s*<a href="/dataset/' + dataset["name"], results)


def test_the_theme_refuses_to_run_without_the_plugins_its_pages_need():
    from ckan import plugins
    from ckanext.jena.theme.plugin import JenaThemePlugin
    JenaThemePlugin().configure(toolkit.config)  # all there
    try:
        # unloading makes CKAN configure the remaining plugins again
        with pytest.raises(RuntimeError, match="jena_theme needs these plugins in ckan.plugins: jena_explainer"):
            plugins.unload("jena_explainer")
    finally:
        plugins.load("jena_explainer")
