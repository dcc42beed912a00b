"""Attack review 3, F4: a map of many features is drawn once and kept per resource, its last
change and the language; a change draws it anew; a private dataset's kept map is never shown to
those who may not see it. The kept maps and features share one Redis budget."""
import json

import pytest

from ckan.tests import factories, helpers

from ckan.plugins import toolkit

from ckanext.jena.maps import render, svg
from tests.data_api.conftest import run_jobs
from tests.maps.conftest import a_dataset, maps_marks
from tests.maps.test_map_view import TREES, markers, view_page

pytestmark = maps_marks()


@pytest.fixture
def draws(monkeypatch):
    """How often the map was really drawn (the drawing itself runs)."""
    calls = []
    real = svg.features_svg

    def counted(*args, **kwargs):
        calls.append(kwargs.get("prefix"))
        return real(*args, **kwargs)
    monkeypatch.setattr(svg, "features_svg", counted)
    return calls


def test_the_second_visitor_gets_the_kept_map_and_a_change_draws_it_anew(app, create_with_upload, draws):
    dataset = a_dataset()
    resource = create_with_upload(json.dumps(TREES).encode(), "baeume.geojson", url="baeume.geojson",
                                  package_id=dataset["id"], name="Bäume", format="GeoJSON")
    first = view_page(app, dataset, resource)
    second = view_page(app, dataset, resource)
    assert markers(first) == markers(second) == 2
    assert len(draws) == 1
    features = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/karte.geojson").json
    assert len(features["features"]) == 3
    helpers.call_action("resource_patch", id=resource["id"], name="Bäume 2026")
    assert "Bäume 2026" in view_page(app, dataset, resource)
    assert len(draws) == 2


def test_a_private_datasets_kept_map_is_not_shown_to_an_anonymous_visitor(app, geo_server, draws):
    url = geo_server.add("/geheim-karte.geojson", json.dumps(TREES))
    org = factories.Organization(org_type="fachdienst")
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="editor")
    dataset = a_dataset(owner_org=org["id"], private=True)
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON", name="Geheim")
    run_jobs()
    headers = {"Authorization": factories.APIToken(user=member["name"])["token"]}
    assert markers(view_page(app, dataset, resource, headers=headers)) == 2  # drawn and kept
    app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/karte.geojson", headers=headers)
    for path in ("", "/karte.geojson"):
        answer = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}{path}", expect_errors=True)
        assert answer.status_code in (403, 404)
        assert "jena-map-marker" not in answer.get_data(as_text=True) and "B-1" not in answer.get_data(as_text=True)
    assert len(draws) == 1


@pytest.mark.ckan_config("ckanext.jena.cache.drawings_megabytes", "1")
@pytest.mark.ckan_config("ckanext.jena.cache.drawing_max_kilobytes", "600")
def test_kept_drawings_stay_within_their_budget():
    from ckanext.jena.cache import drawings
    connection = drawings._redis()
    for key in connection.scan_iter("jena_drawings:*"):
        connection.delete(key)
    assert not drawings.keep("jena_maps:test:zu-gross", b"x" * 700 * 1024, 60)  # over the entry cap
    for number in range(6):
        assert drawings.keep(f"jena_maps:test:{number}", b"x" * 300 * 1024, 60)
    kept = [n for n in range(6) if drawings.get(f"jena_maps:test:{n}") is not None]
    assert kept == [3, 4, 5]  # the oldest went first, within 1 MB
    for number in range(6):
        connection.delete(f"jena_maps:test:{number}")


def test_the_budget_forgets_drawings_that_expired_by_themselves():
    from ckanext.jena.cache import drawings
    connection = drawings._redis()
    for key in connection.scan_iter("jena_drawings:*"):
        connection.delete(key)
    drawings.keep("jena_maps:test:kurz", b"x" * 1000, 60)
    connection.delete("jena_maps:test:kurz")  # as if its time ran out
    drawings.keep("jena_maps:test:lang", b"y" * 1000, 60)
    assert connection.hkeys(drawings.SIZES) == [b"jena_maps:test:lang"]
    connection.delete("jena_maps:test:lang")


def test_an_ortsteil_map_is_drawn_once_and_not_shown_to_an_outsider(app, files, monkeypatch):
    from ckanext.jena.maps import choropleth
    from tests.maps.test_choropleth import TABLE, loaded_table
    reads = []
    real = choropleth.values

    def counted(*args, **kwargs):
        reads.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(choropleth, "values", counted)
    org = factories.Organization(org_type="fachdienst")
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="editor")
    dataset, resource = loaded_table(files, TABLE, name="kept.csv", owner_org=org["id"], private=True)
    resource = helpers.call_action("resource_show", id=resource["id"])
    headers = {"Authorization": factories.APIToken(user=member["name"])["token"]}
    for _ in range(2):
        page = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}", headers=headers).get_data(as_text=True)
        assert "Neulobeda" in page
    assert len(reads) == 1
    outsider = {"user": factories.User()["name"]}
    with pytest.raises(toolkit.NotAuthorized):
        render.choropleth_map(resource, outsider, "de")
    with pytest.raises(toolkit.NotAuthorized):
        render.choropleth_map(resource, {"user": ""}, "de")
