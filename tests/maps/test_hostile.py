"""Hostile map input, each refused with a clear sentence (German first) or drawn harmlessly:
KML with XXE or "billion laughs", files that are not GeoJSON, huge files and services answering
500 MB, too many features or coordinates, HTML in names, a javascript: tile address, and an
internal address nobody allowed."""
import html
import json
import time

import pytest

from ckan.tests import factories

from ckanext.jena.maps import geo
from tests.maps.conftest import a_dataset as _dataset
from tests.maps.conftest import maps_marks
from tests.maps.test_map_view import TREES, map_part, markers, view_page

pytestmark = maps_marks()

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY geheim SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&geheim;</name>
<Point><coordinates>11.58,50.92</coordinates></Point></Placemark></kml>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&lol9;</name>
<Point><coordinates>11.58,50.92</coordinates></Point></Placemark></kml>"""
NOT_GEOJSON = [
    b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    b'{"rows": [{"Ortsteil": "Winzerla"}]}',
    b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", '
    b'"coordinates": [511586, 5642000]}, "properties": {}}]}',  # UTM metres, not WGS 84
    b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", '
    b'"coordinates": ["11.5", "50.9"]}, "properties": {}}]}',
    b'{"type": "Point", "coordinates": [NaN, 50.9]}',
    b"[" * 100000,
    b"\xff\xfe\x00garbage",
]


def page_error(page: str) -> str:
    return html.unescape(page.split('class="alert alert-warning jena-map-error"', 1)[1].split("</div>", 1)[0])


@pytest.mark.parametrize("body", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_a_kml_with_a_dtd_is_refused_before_any_entity_is_read(body):
    started = time.monotonic()
    with pytest.raises(geo.MapError) as caught:
        geo.read_kml(body, geo.Limits(100, 1000))
    assert "DTD" in caught.value.german and "DTD" in caught.value.english
    assert time.monotonic() - started < 2


def test_an_uploaded_kml_with_xxe_shows_the_reason_not_the_file(app, create_with_upload):
    dataset = _dataset()
    resource = create_with_upload(XXE, "boese.kml", url="boese.kml", package_id=dataset["id"], format="KML")
    page = view_page(app, dataset, resource)
    assert "Das Portal kann keine Karte dieser Ressource zeichnen." in html.unescape(page)
    assert "DTD" in page_error(page) and "root:" not in page


@pytest.mark.parametrize("body", NOT_GEOJSON)
def test_a_file_labelled_geojson_that_is_not_is_refused(body):
    with pytest.raises(geo.MapError) as caught:
        geo.read_geojson(body, geo.Limits(100, 1000))
    assert "kein gültiges GeoJSON" in caught.value.german


def test_a_non_geo_file_labelled_geojson_says_so_on_the_page(app, geo_server):
    url = geo_server.add("/seite.geojson", NOT_GEOJSON[0], "text/html")
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON")
    page = view_page(app, dataset, resource)
    assert "kein gültiges GeoJSON" in page_error(page)
    assert "<script>alert(1)</script>" not in page


@pytest.mark.ckan_config("ckanext.jena.maps.max_bytes", "300000")
def test_a_wfs_answering_500_mb_is_cut_off_at_the_limit(app, geo_server):
    geo_server.add("/riesig/wfs", b"", "application/json", request="GetFeature", behaviour="endless")
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], format="WFS",
                                  url=geo_server.url("/riesig/wfs?service=WFS&typeNames=a:b"))
    started = time.monotonic()
    page = view_page(app, dataset, resource)
    assert time.monotonic() - started < 60
    error = page_error(page)
    assert "größer als die Grenze von 0.3 MB (ckanext.jena.maps.max_bytes)" in error


@pytest.mark.ckan_config("ckanext.jena.maps.max_bytes", "300000")
def test_a_huge_uploaded_geojson_is_refused_by_its_size(app, create_with_upload):
    big = {"type": "FeatureCollection", "features": [TREES["features"][0]] * 4000}
    dataset = _dataset()
    resource = create_with_upload(json.dumps(big).encode(), "gross.geojson", url="gross.geojson",
                                  package_id=dataset["id"], format="GeoJSON")
    assert "größer als 300000 Byte" in page_error(view_page(app, dataset, resource))


@pytest.mark.ckan_config("ckanext.jena.maps.max_features", "50")
@pytest.mark.ckan_config("ckanext.jena.maps.table_rows", "10")
def test_more_features_than_the_limit_draws_the_first_and_says_so(app, geo_server):
    many = {"type": "FeatureCollection", "features": [TREES["features"][0]] * 400}
    url = geo_server.add("/viele.geojson", json.dumps(many))
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON")
    page = view_page(app, dataset, resource)
    assert markers(page) == 50
    text = html.unescape(page)
    assert "Die Karte zeigt nur die ersten 50 Objekte." in text
    assert "die ersten 10 von 50" in text and map_part(page).count('<th scope="row">') == 10


def test_too_many_coordinates_are_refused(app):
    line = {"type": "LineString", "coordinates": [[11.5 + i * 1e-6, 50.9] for i in range(3000)]}
    with pytest.raises(geo.MapError) as caught:
        geo.read_geojson(json.dumps(line).encode(), geo.Limits(100, 2000))
    assert "mehr als 2000 Koordinaten" in caught.value.german


def test_html_in_names_and_properties_is_text_in_the_picture_and_the_table(app, geo_server):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": evil, evil: evil},
         "geometry": {"type": "Point", "coordinates": [11.5886, 50.9286]}}]}
    url = geo_server.add("/boese.geojson", json.dumps(data))
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON", name=evil)
    page = view_page(app, dataset, resource)
    assert markers(page) == 1
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page or "&lt;script&gt;alert(&quot;x&quot;)" in page


def test_an_internal_address_nobody_allowed_is_not_fetched(app, geo_server, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.maps.allowed_hosts", "")
    url = geo_server.add("/intern.geojson", json.dumps(TREES))
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON")
    page = view_page(app, dataset, resource)
    assert "ckanext.jena.maps.allowed_hosts" in page_error(page)
    assert geo_server.asked("/intern.geojson") == []


@pytest.mark.parametrize("tile_url", [
    "javascript:alert(1)//{z}/{x}/{y}", " JaVaScRiPt:alert(1)", "data:image/png;base64,AAAA{z}{x}{y}",
    "https://kacheln.jena.de/tiles.png", 'https://kacheln.jena.de/{z}/{x}/{y}.png"><script>alert(1)</script>',
])
def test_a_tile_address_that_is_not_an_http_template_is_never_used(app, geo_server, ckan_config, monkeypatch, tile_url):
    monkeypatch.setitem(ckan_config, "ckanext.jena.maps.tile_url", tile_url)
    url = geo_server.add("/kacheln.geojson", json.dumps(TREES))
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON")
    page = view_page(app, dataset, resource)
    assert markers(page) == 2
    assert 'class="jena-map-tiles"' not in page and "javascript:" not in page.lower() and "<script>alert" not in page


def test_the_citys_tile_server_is_drawn_below_the_outlines_with_its_attribution(app, geo_server, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.maps.tile_url", "https://kacheln.jena.de/{z}/{x}/{y}.png")
    monkeypatch.setitem(ckan_config, "ckanext.jena.maps.tile_attribution", "© Stadt Jena")
    url = geo_server.add("/mit-kacheln.geojson", json.dumps(TREES))
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON")
    page = view_page(app, dataset, resource)
    assert 'class="jena-map-tiles"' in page and '<image href="https://kacheln.jena.de/12/' in page
    assert "© OpenStreetMap contributors (ODbL) · © Stadt Jena" in html.unescape(page)


def test_broken_geometries_are_drawn_as_they_are_not_a_server_error(app, geo_server):
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Zu kurz"},
         "geometry": {"type": "Polygon", "coordinates": [[[11.58, 50.92], [11.59, 50.93]]]}},
        {"type": "Feature", "properties": {"name": "Acht"},
         "geometry": {"type": "Polygon", "coordinates": [[[11.58, 50.92], [11.60, 50.94], [11.60, 50.92],
                                                          [11.58, 50.94], [11.58, 50.92]]]}},
        {"type": "Feature", "properties": {"name": "Ohne Geometrie"}, "geometry": None}]}
    url = geo_server.add("/kaputt.geojson", json.dumps(data))
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON")
    page = view_page(app, dataset, resource)
    assert map_part(page).count("<path d=") >= 2 and '<th scope="row">Zu kurz</th>' in page
