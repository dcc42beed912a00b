"""Data requests under abuse (the attack review of issue 19): an anonymous visitor can neither
empty the page cache nor fill the moderation queue at will, nor keep a worker busy with a huge
text; anonymous requests come only through the form (with its hidden field), a few per hour
per address, and the address is never stored."""
import json
import time

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.cache import pages
from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks, with_explainer

pytestmark = schema_marks("jena_theme " + with_explainer(SCHEMA_PLUGINS) + " jena_datarequest") + [
    pytest.mark.ckan_config("ckanext.jena.cache.enabled", "true"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de"),
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables", "datarequest_tables", "empty_cache")]


@pytest.fixture
def datarequest_tables():
    model.Session.execute(sa.text("TRUNCATE jena_datarequest, jena_datarequest_support, jena_search_miss"))
    model.Session.commit()


@pytest.fixture
def empty_cache():
    pages.store.clear()
    yield
    pages.store.clear()


def pending_titles(officer) -> list:
    rows = helpers.call_action("jena_datarequest_list", context={"user": officer["name"], "ignore_auth": False},
                               state="pending", limit=100)["results"]
    return sorted(r["title"] for r in rows)


def test_an_anonymous_data_request_does_not_empty_the_page_cache(app):
    assert app.get("/dataset/").headers.get(pages.HEADER) == "miss"
    assert app.get("/dataset/").headers.get(pages.HEADER) == "hit"
    assert app.post("/datenwuensche/neu", data={"title": "Cache leeren", "description": "egal"}).status_code == 200
    assert app.get("/dataset/").headers.get(pages.HEADER) == "hit"  # no kept page shows data requests


@pytest.mark.ckan_config("ckanext.jena.datarequest.anonymous_per_hour", "2")
def test_anonymous_requests_are_limited_per_address_and_the_address_is_not_kept(app):
    officer = factories.Sysadmin()
    for i in (1, 2):
        assert app.post("/datenwuensche/neu", data={"title": f"Wunsch {i}", "description": "d"}).status_code == 200
    third = app.post("/datenwuensche/neu", data={"title": "Wunsch 3", "description": "d"})
    assert third.status_code == 429
    assert "Too many data requests from your address" in third.get_data(as_text=True)
    # another address may still ask; a signed-in user is not limited this way
    other = app.post("/datenwuensche/neu", data={"title": "Nachbar", "description": "d"},
                     environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200
    assert pending_titles(officer) == ["Nachbar", "Wunsch 1", "Wunsch 2"]
    from ckan.lib.redis import connect_to_redis
    redis = connect_to_redis()
    for key in redis.scan_iter(match="jena:*:datarequest:*", count=1000):
        assert b"127.0.0.1" not in key and b"192.0.2.7" not in key
        if redis.type(key) == b"string":
            assert b"127.0.0.1" not in redis.get(key) and b"192.0.2.7" not in redis.get(key)


def test_anonymous_api_creates_are_refused_only_the_form_takes_them(app):
    officer = factories.Sysadmin()
    answer = app.post("/api/3/action/jena_datarequest_create", data=json.dumps({"title": "Spam", "description": "s"}),
                      headers={"Content-Type": "application/json"})
    assert answer.status_code == 403
    assert "/datenwuensche/neu" in answer.get_data(as_text=True)
    with pytest.raises(toolkit.NotAuthorized):
        helpers.call_action("jena_datarequest_create", context={"user": "", "ignore_auth": False},
                            title="Spam", description="s")
    assert pending_titles(officer) == []


@pytest.mark.parametrize("field", ["title", "description"])
def test_a_30_mb_text_is_refused_before_it_is_read(field):
    citizen = factories.User()
    data = {"title": "t", "description": "d", field: "A\u0001" * 15_000_000}
    started = time.monotonic()
    with pytest.raises(toolkit.ValidationError) as refused:
        helpers.call_action("jena_datarequest_create", context={"user": citizen["name"], "ignore_auth": False}, **data)
    assert time.monotonic() - started < 1.0
    assert field in refused.value.error_dict and "At most" in refused.value.error_dict[field][0]
