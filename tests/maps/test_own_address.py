"""Attack review 3, F1: a map source is read by a background job, never while a page is served,
and never from the portal's own address. An editor who points a map at the portal's own
karte.geojson once took every web worker (each page fetched the next) until none was left."""
import json
import time

import pytest

from ckan.tests import factories, helpers

from tests.data_api.conftest import run_jobs
from tests.maps.conftest import a_dataset, maps_marks
from tests.maps.test_hostile import page_error
from tests.maps.test_map_view import TREES
from tests.theme.test_browser import portal  # noqa: F401 (fixture: the portal served over HTTP)

pytestmark = maps_marks()


def _resource_page(app, dataset, resource) -> str:
    return app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}").get_data(as_text=True)


def test_a_map_pointing_at_the_portal_itself_answers_at_once_and_the_job_refuses_it(
        app, geo_server, ckan_config, monkeypatch):
    # the fixture server plays the portal: ckan.site_url is its address, and it would answer
    monkeypatch.setitem(ckan_config, "ckan.site_url", geo_server.url("").rstrip("/"))
    dataset = a_dataset()
    resource = factories.Resource(package_id=dataset["id"], url=geo_server.url("/platzhalter.geojson"),
                                  format="GeoJSON")
    own = f"/dataset/{dataset['id']}/resource/{resource['id']}/karte.geojson"
    geo_server.add(own, json.dumps(TREES))
    resource = helpers.call_action("resource_patch", id=resource["id"], url=geo_server.url(own))

    app.get(f"/dataset/{dataset['id']}")  # templates compiled before the clock starts
    started = time.monotonic()
    page = _resource_page(app, dataset, resource)
    assert time.monotonic() - started < 2
    assert "Die Karte wird vorbereitet" in page.split('class="alert alert-info jena-map-preparing"', 1)[1]
    assert geo_server.asked(own) == []  # the page fetched nothing

    run_jobs()
    page = _resource_page(app, dataset, resource)
    assert "ist eine Adresse dieses Portals selbst" in page_error(page), page_error(page)
    assert geo_server.asked(own) == []  # nor did the job


def test_the_features_of_a_source_not_read_yet_answer_503_with_retry_after(app, geo_server):
    dataset = a_dataset()
    resource = factories.Resource(package_id=dataset["id"], url=geo_server.url("/spaeter.geojson"), format="GeoJSON")
    geo_server.add("/spaeter.geojson", json.dumps(TREES))
    answer = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/karte.geojson", expect_errors=True)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert "being prepared" in answer.get_data(as_text=True) or "vorbereitet" in answer.get_data(as_text=True)
    assert geo_server.asked("/spaeter.geojson") == []
    run_jobs()
    answer = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/karte.geojson")
    assert len(answer.json["features"]) == 3


def test_the_portal_is_recognised_by_its_bare_address(app, geo_server):
    from ckanext.jena import net
    port = geo_server.httpd.server_address[1]
    geo_server.add("/anders.geojson", json.dumps(TREES))
    own = net.own_hosts(f"localhost:{port}")  # the Host a page was asked on
    with pytest.raises(net.Refused) as refused:
        net.get(geo_server.url("/anders.geojson"), allowed_hosts_key="ckanext.jena.maps.allowed_hosts",
                seconds=5, limit=100000, own_hosts=own)
    assert refused.value.code == "own"
    assert geo_server.asked("/anders.geojson") == []
    # another port of the same machine is another server
    assert net.get(geo_server.url("/anders.geojson"), allowed_hosts_key="ckanext.jena.maps.allowed_hosts",
                   seconds=5, limit=100000, own_hosts=net.own_hosts(f"localhost:{port + 1}")).body


@pytest.mark.ckan_config("ckanext.jena.maps.own_source_paths", "/demo-quellen/")
def test_only_static_paths_named_in_the_config_are_read_from_the_portal_itself(app, geo_server):
    from ckanext.jena import net
    from ckanext.jena.maps import source
    geo_server.add("/demo-quellen/ortsteile.geojson", json.dumps(TREES))
    own = net.own_hosts(geo_server.url(""))
    token = source._own_hosts.set(own)
    try:
        assert source._fetch(geo_server.url("/demo-quellen/ortsteile.geojson")).body
        for sneaky in ("/demo-quellen/../dataset/x/resource/y/karte.geojson",
                       "/demo-quellen/%2e%2e/dataset/x/resource/y/karte.geojson", "/demo-quellen"):
            with pytest.raises(net.Refused):
                source._fetch(geo_server.url(sneaky))
    finally:
        source._own_hosts.reset(token)


def test_a_served_portal_whose_map_links_its_own_features_answers_at_once(portal):
    """The attack as it was: the portal served over HTTP, a map linked to its own karte.geojson."""
    import urllib.error
    import urllib.request
    dataset = a_dataset()
    resource = factories.Resource(package_id=dataset["id"], url=f"{portal}/platzhalter.geojson", format="GeoJSON")
    own = f"{portal}/dataset/{dataset['id']}/resource/{resource['id']}/karte.geojson"
    helpers.call_action("resource_patch", id=resource["id"], url=own)

    def status(url: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    status(f"{portal}/api/3/action/status_show")  # the served app is warm
    started = time.monotonic()
    code, _body = status(own)
    assert code == 503 and time.monotonic() - started < 2
    run_jobs()  # the job refuses the portal's own address and keeps the reason
    code, body = status(own)
    assert code == 502 and "ist eine Adresse dieses Portals selbst" in json.loads(body)["error"]


@pytest.mark.parametrize("spelling", ["localhost", "[::ffff:127.0.0.1]", "2130706433", "127.1"])
def test_the_portal_is_recognised_in_every_spelling_of_its_loopback_address(app, geo_server, spelling):
    """Fifth attack review (6 December, L2): `localhost:5000`, `2130706433:5000` and
    `[::ffff:127.0.0.1]:5000` fetched the portal's own pages where `127.0.0.1:5000` was refused."""
    from ckanext.jena import net
    port = geo_server.httpd.server_address[1]
    geo_server.add("/selbst.geojson", json.dumps(TREES))
    own = net.own_hosts(geo_server.url(""))  # 127.0.0.1:<port>
    try:
        net.get(f"http://{spelling}:{port}/selbst.geojson", allowed_hosts_key="ckanext.jena.maps.allowed_hosts",
                seconds=5, limit=100000, own_hosts=own)
    except net.Refused as refused:
        assert refused.code == "own", refused.code
        assert geo_server.asked("/selbst.geojson") == []
    else:
        raise AssertionError(f"{spelling} fetched the portal's own page")
