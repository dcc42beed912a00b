"""The page cache (ckanext/jena/cache/): anonymous answers of public pages are kept until the
database changes; nothing private, nothing per user, bounded memory."""
from __future__ import annotations

import re

import sqlalchemy as sa
import pytest

from ckan import model
from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.cache import generation, pages

from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks, with_explainer

PLUGINS = "jena_theme " + with_explainer(SCHEMA_PLUGINS + " jena_dcat")

pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckanext.jena.cache.enabled", "true"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de"),
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables", "empty_cache"),
]


@pytest.fixture
def empty_cache():
    pages.store.clear()
    yield
    pages.store.clear()


def _dataset(**kw):
    org = kw.pop("org", None) or factories.Organization(org_type="fachdienst")
    return factories.Dataset(owner_org=org["id"], action_fields=["stadtentwicklung-umwelt-verkehr"],
                             license_id="dl-by-de/2.0", tags=[{"name": "Bäume"}], **kw)


PASSWORD = "Baumkataster-2026!"


def log_in(app, user: dict):
    """A client that logged in through CKAN's form and holds the session cookie, as a browser
    does (CKAN 2.12 no longer takes the user from REMOTE_USER)."""
    client = app.test_client()
    form = client.get("/user/login").get_data(as_text=True)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/user/login", data={"login": user["name"], "password": PASSWORD,
                                                 "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def get(app, url, **kw):
    """One request of a new visitor: a new client, without cookies (CKAN 2.12's app.get keeps
    one client and its cookies for the whole test; 2.11's made a new one), or the signed-in
    client given instead of the app."""
    client = app.test_client() if hasattr(app, "test_client") else app
    response = client.get(url, **kw)
    return response, response.headers.get(pages.HEADER), response.get_data(as_text=True)


def without_token(html: str) -> str:
    return re.sub(r'(content|value)="I[\w-]+\.[\w-]+\.[\w-]+"', "", html)


def test_a_second_anonymous_visitor_gets_the_kept_page_and_an_edit_shows_at_once(app):
    dataset = _dataset(title="Baumkataster 2024")
    for url in (f"/dataset/{dataset['name']}", "/dataset/?q=Baumkataster",
                f"/api/3/action/package_show?id={dataset['name']}", "/catalog.ttl"):
        _, first, body = get(app, url)
        assert first == "miss" and "Baumkataster 2024" in body, url
        _, second, again = get(app, url)
        assert second == "hit" and without_token(again) == without_token(body), url
    helpers.call_action("package_patch", id=dataset["id"], title="Baumkataster 2025")
    for url in (f"/dataset/{dataset['name']}", "/dataset/?q=Baumkataster",
                f"/api/3/action/package_show?id={dataset['name']}", "/catalog.ttl"):
        _, state, body = get(app, url)
        assert state == "miss" and "Baumkataster 2025" in body and "Baumkataster 2024" not in body, url


def test_a_dataset_made_private_by_a_bulk_action_leaves_every_kept_page_at_once(app):
    # bulk_update_private does not call IPackageController's after_dataset_update: the cache
    # notices the database write itself
    org = factories.Organization(org_type="fachdienst")
    dataset = _dataset(org=org, title="Geheime Baumliste")
    urls = (f"/dataset/{dataset['name']}", "/dataset/?q=Baumliste", "/api/3/action/package_search?q=Baumliste",
            f"/api/3/action/package_show?id={dataset['name']}", "/catalog.ttl", "/")
    for url in urls:
        get(app, url)
        assert get(app, url)[1] == "hit", url
    helpers.call_action("bulk_update_private", {"ignore_auth": True, "user": factories.Sysadmin()["name"]},
                        datasets=[dataset["id"]], org_id=org["id"])
    app.get(f"/dataset/{dataset['name']}", status=404)
    app.get(f"/api/3/action/package_show?id={dataset['name']}", status=403)
    for url in urls[1:]:
        if "package_show" in url:
            continue
        _, state, body = get(app, url)
        assert state == "miss" and "Geheime Baumliste" not in body, url


def test_logged_in_users_get_their_own_page_and_never_leave_it_for_others(app):
    org = factories.Organization(org_type="fachdienst")
    public = _dataset(org=org, title="Öffentliche Baumliste")
    private = _dataset(org=org, title="Interne Baumliste", private=True)
    sysadmin = factories.SysadminWithToken(password=PASSWORD)
    by_token = {"headers": {"Authorization": sysadmin["token"]}}
    by_cookie = log_in(app, sysadmin)  # before the page is kept: signing in writes to the database
    # the anonymous page is kept ...
    get(app, "/dataset/?q=Baumliste")
    assert get(app, "/dataset/?q=Baumliste")[1] == "hit"
    # ... and a user with a token or logged in by cookie gets a page made for them, with the
    # private dataset, which is not kept
    for client, kw in ((app, by_token), (by_cookie, {})):
        response, state, body = get(client, "/dataset/?q=Baumliste", **kw)
        assert state is None and "Interne Baumliste" in body, kw
        response, state, body = get(client, f"/api/3/action/package_show?id={private['name']}", **kw)
        assert state is None and response.status_code == 200
    # the next anonymous visitor still gets the kept public page only (their requests were
    # bookkeeping only: when the token and the user were last seen)
    response, state, body = get(app, "/dataset/?q=Baumliste")
    assert state == "hit" and "Öffentliche Baumliste" in body and "Interne Baumliste" not in body
    app.get(f"/api/3/action/package_show?id={private['name']}", status=403)
    app.get(f"/dataset/{private['name']}", status=404)


def test_a_visitor_with_a_message_waiting_gets_a_page_made_for_them(app):
    dataset = _dataset(title="Baumkataster")
    get(app, f"/dataset/{dataset['name']}")
    assert get(app, f"/dataset/{dataset['name']}")[1] == "hit"
    flask_app = app.flask_app
    cookie = flask_app.session_interface.get_signing_serializer(flask_app).dumps(
        {"_flashes": [("alert-success", "Gespeichert.")]})
    client = app.test_client()
    client.set_cookie(flask_app.config["SESSION_COOKIE_NAME"], cookie,
                      domain=toolkit.config["ckan.site_url"].split("//", 1)[1])
    response = client.get(f"/dataset/{dataset['name']}")
    assert response.headers.get(pages.HEADER) is None
    assert "Gespeichert." in response.get_data(as_text=True)


def test_a_served_page_still_counts_a_view_of_its_dataset(app):
    dataset = _dataset()
    app.get(f"/dataset/{dataset['name']}", extra_environ={"REMOTE_ADDR": "192.0.2.1"})
    response = app.get(f"/dataset/{dataset['name']}", extra_environ={"REMOTE_ADDR": "192.0.2.2"})
    assert response.headers.get(pages.HEADER) == "hit"
    rows = model.Session.execute(sa.text("SELECT sum(views) FROM jena_dataset_view WHERE dataset_id = :id"),
                                 {"id": dataset["id"]}).scalar()
    model.Session.commit()
    assert rows == 2


def test_writes_renew_the_generation_after_their_commit_only(app):
    get(app, "/")  # the watcher is installed with the app
    before = generation.current()
    with model.meta.engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(sa.text("UPDATE system_info SET value = value WHERE key = 'none'"))
        transaction.rollback()
    assert generation.current() == before  # rolled back: nothing changed
    with generation.unwatched(), model.meta.engine.begin() as connection:
        connection.execute(sa.text("UPDATE system_info SET value = value WHERE key = 'none'"))
    assert generation.current() == before
    with model.meta.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    assert generation.current() == before  # reading changes nothing
    # bookkeeping tables (ckanext.jena.cache.bookkeeping_tables): the view counts
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO jena_dataset_view (dataset_id, day, views) VALUES ('x', now(), 1)"))
        connection.execute(sa.text("DELETE FROM jena_dataset_view WHERE dataset_id = 'x'"))
    assert generation.current() == before
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text("UPDATE system_info SET value = value WHERE key = 'none'"))
    assert generation.current() != before


def kept_bytes() -> int:
    from ckan.lib.redis import connect_to_redis
    redis = connect_to_redis()
    return sum(redis.strlen(key) for key in redis.scan_iter(match="jena:*:cache:page:*", count=1000))


def test_many_distinct_and_huge_queries_stay_within_the_memory_bound(app, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.cache.max_megabytes", "1")
    _dataset(title="Baumkataster")
    states = []
    for n in range(40):
        # each about 7 kB of query: the key is a hash, and the bodies kept per period are bounded
        response, state, body = get(app, f"/dataset/?q=Baum&x={n}{'z' * 7000}")
        states.append(state)
        assert kept_bytes() <= 1024 * 1024
    kept = states.count("miss")
    assert 0 < kept < 40 and states[kept:] == [None] * (40 - kept)  # the budget was spent: no more kept
    assert get(app, f"/dataset/?q=Baum&x=0{'z' * 7000}")[1] == "hit"  # the first ones stay
    assert get(app, f"/dataset/?q=Baum&x=39{'z' * 7000}")[1] is None


def test_an_answer_over_the_entry_limit_or_past_its_time_is_not_served(app, ckan_config, monkeypatch):
    dataset = _dataset()
    monkeypatch.setitem(ckan_config, "ckanext.jena.cache.max_entry_kilobytes", "1")
    get(app, f"/dataset/{dataset['name']}")
    assert get(app, f"/dataset/{dataset['name']}")[1] is None  # larger than 1 kB: not kept
    monkeypatch.setitem(ckan_config, "ckanext.jena.cache.max_entry_kilobytes", "2048")
    monkeypatch.setitem(ckan_config, "ckanext.jena.cache.seconds", "0")
    assert get(app, f"/dataset/{dataset['name']}")[1] is None  # no time to keep it
    assert get(app, f"/dataset/{dataset['name']}")[1] is None


def test_only_reading_api_actions_are_kept(app):
    get(app, "/api/3/action/status_show")
    assert get(app, "/api/3/action/status_show")[1] is None
    get(app, "/api/3/action/package_search?q=x")
    assert get(app, "/api/3/action/package_search?q=x")[1] == "hit"


def test_the_language_and_the_asked_format_are_part_of_the_key(app):
    dataset = _dataset(title="Baumkataster")
    get(app, f"/dataset/{dataset['name']}")
    response, state, body = get(app, f"/en/dataset/{dataset['name']}")
    assert state == "miss"
    response, state, body = get(app, f"/dataset/{dataset['name']}", headers={"Accept": "text/turtle"})
    assert state == "miss" and "@prefix" in body
    response, state, body = get(app, f"/dataset/{dataset['name']}")
    assert state == "hit" and "<html" in body
    # a page made for a forged Host header is never served to the portal's own name
    get(app, "/dataset/", headers={"Host": "evil.example"})
    assert get(app, "/dataset/", headers={"Host": "evil.example"})[1] == "hit"
    assert get(app, "/dataset/")[1] == "miss"


def test_an_htmx_partial_is_kept_apart_from_the_page(app):
    """Third attack review of 6 December (F2): CKAN 2.12 answers a search page asked with
    `HX-Request: true` (its facets and paging without reload) with a fragment; kept under the
    page's key, every visitor got that fragment, without styles, until it expired."""
    _dataset(title="Baumkataster")
    _, state, partial = get(app, "/dataset/", headers={"HX-Request": "true"})
    if toolkit.check_ckan_version(min_version="2.12"):
        assert "<html" not in partial  # the fragment (2.11 answers the whole page)
    _, state, page = get(app, "/dataset/")
    assert state == "miss" and "<html" in page and "Baumkataster" in page
    assert get(app, "/dataset/", headers={"HX-Request": "true"})[1] == "hit"


def test_a_request_with_a_body_is_neither_kept_nor_served_from_the_cache(app):
    """F2's sibling (F3): CKAN's API reads a JSON body of a GET request as its parameters, so one
    GET with a body and a plain URL answered every later visitor of that URL with its result."""
    _dataset(title="Baumkataster")
    hostile = {"data": '{"q": "zzznichtsda", "rows": 0}', "content_type": "application/json"}
    response, state, body = get(app, "/api/3/action/package_search", **hostile)
    assert state is None and '"count": 0' in body
    response, state, body = get(app, "/api/3/action/package_search")
    assert state == "miss" and '"count": 1' in body
    response, state, body = get(app, "/api/3/action/package_search", **hostile)
    assert state is None and '"count": 0' in body  # not the kept answer either
    assert get(app, "/api/3/action/package_search")[1] == "hit"


def test_compiled_assets_may_be_kept_for_a_year_and_pages_are_not(app):
    html = app.get("/dataset/").get_data(as_text=True)
    asset = re.search(r'src="(/webassets/[^"]+\.js)"', html).group(1)
    response = app.get(asset)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.public
    assert not response.cache_control.must_revalidate
    assert app.get("/dataset/").cache_control.max_age == 0  # ckan.cache_expires in test.ini
