"""Pages that take seconds to make (the DCAT catalog, a dataset's RDF) against anonymous load
(seventh attack review, F1): made-up query parameters no longer make them anew (the cache key holds
only the parameters the page reads), and while they are made, each client may make one at a time
and all clients together two (429 with Retry-After beyond); the places are given back however the
request ends."""
from __future__ import annotations

import pytest

from ckan.tests import factories

from ckanext.jena.cache import pages
from tests.cache.test_pages import PLUGINS, _dataset, empty_cache, get  # noqa: F401
from tests.jena_plugins import schema_marks

pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckanext.jena.cache.enabled", "true"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de"),
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables", "empty_cache", "no_heavy_counts"),
]


@pytest.fixture
def no_heavy_counts():
    redis = pages.store._redis()
    for key in redis.scan_iter(match=pages.Store._key(pages._HEAVY, "*")):
        redis.delete(key)
    yield


def _counts() -> dict:
    redis = pages.store._redis()
    return {key.decode().rsplit(":", 1)[-1]: int(redis.get(key) or 0)
            for key in redis.scan_iter(match=pages.Store._key(pages._HEAVY, "*"))}


def test_made_up_parameters_get_the_kept_page(app):
    dataset = _dataset(title="Baumkataster")
    for path, made_up in (("/catalog.ttl", "?bust=1"), (f"/dataset/{dataset['name']}.ttl", "?x=1&y=2")):
        _, first, body = get(app, path)
        assert first == "miss" and "Baumkataster" in body, path
        for variant in (made_up, made_up.replace("1", "2"), "?" + "a" * 500 + "=1"):
            _, state, again = get(app, path + variant)
            assert state == "hit" and again == body, path + variant
    # the parameters a page reads still choose their own answer
    _, state, _ = get(app, "/catalog.ttl?page=1&bust=3")
    assert state == "miss"
    _, state, _ = get(app, "/catalog.ttl?bust=4&page=1")
    assert state == "hit"
    _, state, _ = get(app, "/catalog.ttl?q=Baum")
    assert state == "miss"


def test_one_client_makes_one_heavy_page_at_a_time_and_all_together_two(app):
    dataset = _dataset(title="Baumkataster")
    addresses = ("203.0.113.7", "203.0.113.8", "203.0.113.9")

    def ask(path, address):
        return get(app, path, environ_base={"REMOTE_ADDR": address})[0]

    # a client whose one place is taken (a page of it being made) gets a 429 at once
    keys = {}
    with app.flask_app.test_request_context("/catalog.ttl", environ_base={"REMOTE_ADDR": addresses[0]}):
        keys[addresses[0]] = pages._take_heavy()
    assert keys[addresses[0]]
    refused = ask("/catalog.ttl?page=2", addresses[0])
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
    assert "zu viele davon" in refused.get_data(as_text=True)
    # another client still gets its page; a page from the cache costs no place
    assert ask("/catalog.ttl?page=2", addresses[1]).status_code == 200
    assert ask("/catalog.ttl?page=2", addresses[0]).status_code == 200  # now kept: served from the cache
    # all together: a second client's place taken too, a third is refused
    with app.flask_app.test_request_context("/", environ_base={"REMOTE_ADDR": addresses[1]}):
        keys[addresses[1]] = pages._take_heavy()
    assert ask(f"/dataset/{dataset['name']}.ttl", addresses[2]).status_code == 429
    for taken in keys.values():
        pages._decrement(taken)
    assert ask(f"/dataset/{dataset['name']}.ttl", addresses[2]).status_code == 200
    # every place is given back: after answers, after refusals, after a page that failed
    assert ask("/catalog.ttl?page=abc", addresses[2]).status_code == 400
    assert set(_counts().values()) == {0}, _counts()


def test_sysadmins_and_cheap_pages_are_not_counted(app):
    dataset = _dataset(title="Baumkataster")
    with app.flask_app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        taken = pages._take_heavy()
    with app.flask_app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.8"}):
        other = pages._take_heavy()
    sysadmin = factories.SysadminWithToken()
    answer = app.test_client().get("/catalog.ttl", headers={"Authorization": sysadmin["token"]},
                                   environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert answer.status_code == 200
    # the dataset page is ckanext-dcat's endpoint too (content negotiation): its HTML is no heavy
    # page, and keeps every parameter in its key (CKAN's templates read their own, activity_id)
    assert get(app, f"/dataset/{dataset['name']}", environ_base={"REMOTE_ADDR": "203.0.113.9"})[0].status_code == 200
    _, state, _ = get(app, f"/dataset/{dataset['name']}?activity_id=x", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert state == "miss"
    # its RDF asked by Accept header is one
    rdf = get(app, f"/dataset/{dataset['name']}", headers={"Accept": "text/turtle"},
              environ_base={"REMOTE_ADDR": "203.0.113.9"})[0]
    assert rdf.status_code == 429
    pages._decrement(taken)
    pages._decrement(other)


def test_the_client_of_an_address_is_its_ipv4_address_or_its_ipv6_64_network():
    from ckanext.jena import net
    assert net.client("203.0.113.7") == "203.0.113.7"
    assert net.client("::ffff:203.0.113.7") == "203.0.113.7"
    assert net.client("2001:db8:1:2::1") == net.client("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert net.client("2001:db8:1:3::1") != net.client("2001:db8:1:2::1")
    assert net.client("fe80::1%eth0") == "fe80::/64"
    assert net.client(None) == "" and net.client("unbekannt") == "unbekannt"


def test_an_ipv6_visitor_has_one_place_for_its_whole_64_network(app):
    with app.flask_app.test_request_context("/", environ_base={"REMOTE_ADDR": "2001:db8:1:2::1"}):
        taken = pages._take_heavy()
    assert taken
    same = get(app, "/catalog.ttl", environ_base={"REMOTE_ADDR": "2001:db8:1:2:aaaa::7"})[0]
    assert same.status_code == 429
    other = get(app, "/catalog.ttl", environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"})[0]
    assert other.status_code == 200
    pages._decrement(taken)


def test_head_requests_and_the_dcat_actions_need_a_place_and_the_home_page_none(app):
    """A re-attack (7 December) found HEAD and ckanext-dcat's actions through the API unlimited,
    and the home page ("/": ckanext-dcat's catalog endpoint under content negotiation) limited."""
    _dataset(title="Baumkataster")
    address = "203.0.113.7"
    with app.flask_app.test_request_context("/", environ_base={"REMOTE_ADDR": address}):
        taken = pages._take_heavy()
    head = app.test_client().head("/catalog.ttl?page=3", environ_base={"REMOTE_ADDR": address})
    assert head.status_code == 429
    api = app.test_client().get("/api/3/action/dcat_catalog_show", query_string={"format": "ttl"},
                                environ_base={"REMOTE_ADDR": address})
    assert api.status_code == 429
    for other in ("203.0.113.8", "203.0.113.9"):  # both places of all clients taken: still the home page
        with app.flask_app.test_request_context("/", environ_base={"REMOTE_ADDR": other}):
            pages._take_heavy()
    for accept in ("text/html,application/xhtml+xml", "*/*"):
        home = app.test_client().get("/", headers={"Accept": accept}, environ_base={"REMOTE_ADDR": address})
        assert home.status_code == 200, accept
    pages._decrement(taken)


def test_a_request_names_at_most_three_different_profiles(app):
    dataset = _dataset(title="Baumkataster")
    for profiles in ("dcat_ap_de,dcat_ap_de", "a,b,c,d"):
        assert get(app, f"/catalog.ttl?profiles={profiles}")[0].status_code == 400
        assert get(app, f"/dataset/{dataset['name']}.ttl?profiles={profiles}")[0].status_code in (400, 409)
        api = app.test_client().post("/api/3/action/dcat_catalog_show",
                                     json={"format": "ttl", "profiles": profiles.split(",")})
        assert api.status_code == 409 and "profiles" in api.json["error"]
    assert get(app, "/catalog.ttl?profiles=dcat_ap_de")[0].status_code == 200
