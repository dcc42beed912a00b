"""A GeoJSON, KML, WFS or WMS resource gets a map by itself (the default view jena_map_view),
drawn by the portal on the Ortsteil outlines, with a text alternative and a table of its
features; the browser never asks the map's server, and a private dataset's map stays private."""
import html
import json
import re

import pytest

from ckan.tests import factories, helpers

from tests.data_api.conftest import run_jobs
from tests.maps.conftest import a_dataset as _dataset
from tests.maps.conftest import maps_marks

pytestmark = maps_marks()

TREES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"baumnummer": "B-1", "art": "Winter-Linde", "pflanzjahr": 1990},
     "geometry": {"type": "Point", "coordinates": [11.5886, 50.9286]}},
    {"type": "Feature", "properties": {"baumnummer": "B-2", "art": "Spitz-Ahorn", "pflanzjahr": 2001},
     "geometry": {"type": "Point", "coordinates": [11.6110, 50.8850]}},
    {"type": "Feature", "properties": {"name": "Saaleweg", "art": "Weg"},
     "geometry": {"type": "LineString", "coordinates": [[11.58, 50.92], [11.59, 50.93]]}},
]}
KML = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Markt</name><description><![CDATA[<b>Rathaus</b> am Markt]]></description>
<Point><coordinates>11.5886,50.9286</coordinates></Point></Placemark>
<Placemark><name>Paradies</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
11.5885,50.9228 11.5925,50.9232 11.5935,50.9190 11.5885,50.9228</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>"""
WFS_CAPABILITIES = b"""<?xml version="1.0"?><wfs:WFS_Capabilities xmlns:wfs="http://www.opengis.net/wfs/2.0"
xmlns="http://www.opengis.net/wfs/2.0"><FeatureTypeList><FeatureType><Name>umwelt:baeume</Name>
<Title>B\xc3\xa4ume</Title></FeatureType></FeatureTypeList></wfs:WFS_Capabilities>"""
WMS_CAPABILITIES = b"""<?xml version="1.0"?><WMS_Capabilities xmlns="http://www.opengis.net/wms" version="1.3.0">
<Capability><Layer><Title>Alle</Title><Layer><Name>laerm:lden</Name><Title>L\xc3\xa4rm (Lden)</Title></Layer>
</Layer></Capability></WMS_Capabilities>"""
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def view_page(app, dataset, resource, **kwargs) -> str:
    """The resource page once the background job has read a linked source (source.prepare_job)."""
    run_jobs()
    return app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}", **kwargs).get_data(as_text=True)


def map_part(page: str) -> str:
    return page.split('class="jena-map-view"', 1)[1].split("</details>", 1)[0]


def markers(page: str) -> int:
    return page.count('class="jena-map-marker"')


def test_a_linked_geojson_gets_a_map_of_its_features_with_a_table(app, geo_server):
    url = geo_server.add("/baeume.geojson", json.dumps(TREES))
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON", name="Bäume")
    views = helpers.call_action("resource_view_list", id=resource["id"])
    assert [v["view_type"] for v in views] == ["jena_map_view"]
    page = view_page(app, dataset, resource)
    assert markers(page) == 2 and 'class="jena-map-lines"' in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'role="img"' in page
    text = html.unescape(page)
    # the text alternative in plain words, German first
    assert "Karte von Jena mit 2 Punkten und 1 Linie aus „Bäume“ auf den Umrissen der 30 Ortsteile." in text
    assert "Die meisten liegen in" in text and "Jena-Zentrum (2)" in text
    # the table: name, kind, Ortsteil and the properties
    assert re.search(r'<th scope="row">B-1</th><td>Punkt</td><td>Jena-Zentrum</td>', page), page
    assert "<td>Winter-Linde</td>" in page and "<td>1990</td>" in page
    # the outlines' attribution (ODbL)
    assert "© OpenStreetMap contributors" in text
    # nothing in the map points the browser at the map's server
    assert geo_server.url("/") not in map_part(page)


def test_the_map_is_read_once_and_kept(app, geo_server):
    url = geo_server.add("/einmal.geojson", json.dumps(TREES))
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON")
    for _ in range(3):
        assert markers(view_page(app, dataset, resource)) == 2
    assert len(geo_server.asked("/einmal.geojson")) == 1


def test_an_uploaded_kml_gets_a_map(app, create_with_upload):
    dataset = _dataset()
    resource = create_with_upload(KML, "rundgang.kml", url="rundgang.kml", package_id=dataset["id"],
                                  name="Rundgang", format="KML")
    views = helpers.call_action("resource_view_list", id=resource["id"])
    assert [v["view_type"] for v in views] == ["jena_map_view"]
    page = view_page(app, dataset, resource)
    assert markers(page) == 1 and 'class="jena-map-areas"' in page
    assert '<th scope="row">Markt</th><td>Punkt</td><td>Jena-Zentrum</td><td>Rathaus  am Markt</td>' in page
    assert "<b>" not in map_part(page)


def test_a_wfs_is_asked_by_the_portal_for_geojson(app, geo_server):
    geo_server.add("/geoserver/wfs", WFS_CAPABILITIES, "application/xml", request="GetCapabilities")
    geo_server.add("/geoserver/wfs", json.dumps(TREES), "application/json", request="GetFeature")
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], format="WFS", name="Bäume (WFS)",
                                  url=geo_server.url("/geoserver/wfs?SERVICE=WFS&REQUEST=GetCapabilities&map=baeume"))
    page = view_page(app, dataset, resource)
    assert markers(page) == 2
    feature_request = [q for q in geo_server.asked("/geoserver/wfs") if q.get("request") == "GetFeature"][-1]
    assert feature_request["typenames"] == "umwelt:baeume" and feature_request["outputformat"] == "application/json"
    assert feature_request["srsname"] == "EPSG:4326" and feature_request["map"] == "baeume"
    # the features, as the portal serves them to apps
    served = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/karte.geojson")
    assert served.headers["Content-Type"].startswith("application/geo+json")
    assert [f["properties"].get("ortsteil") for f in served.json["features"]][:2] == ["Jena-Zentrum", "Lobeda-Altstadt"] \
        or served.json["features"][0]["properties"]["ortsteil"] == "Jena-Zentrum"


def test_a_wms_picture_comes_from_the_portal_under_the_outlines(app, geo_server):
    geo_server.add("/ows", WMS_CAPABILITIES, "application/xml", request="GetCapabilities")
    geo_server.add("/ows", PNG, "image/png", request="GetMap")
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], format="WMS", name="Lärmkarte",
                                  url=geo_server.url("/ows?service=WMS&request=GetCapabilities"))
    assert [v["view_type"] for v in helpers.call_action("resource_view_list", id=resource["id"])] == ["jena_map_view"]
    page = view_page(app, dataset, resource)
    image = f"/dataset/{dataset['name']}/resource/{resource['id']}/karte-wms.png"
    assert f'<image href="{image}"' in page
    assert "„Lärm (Lden)“" in html.unescape(page)  # the layer, in the text alternative and the table
    answer = app.get(image)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png" and answer.data == PNG
    get_map = [q for q in geo_server.asked("/ows") if q.get("request") == "GetMap"][-1]
    assert get_map["crs"] == "EPSG:3857" and get_map["layers"] == "laerm:lden"


def test_a_csv_gets_no_map_view(app):
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url="http://127.0.0.1:9/x.csv", format="CSV")
    assert "jena_map_view" not in [v["view_type"] for v in helpers.call_action("resource_view_list", id=resource["id"])]


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_a_private_datasets_map_and_features_are_refused_to_those_who_may_not_see_it(app, geo_server, who):
    url = geo_server.add("/privat.geojson", json.dumps(TREES))
    org = factories.Organization(org_type="fachdienst")
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="editor")
    dataset = _dataset(owner_org=org["id"], private=True)
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON")
    features = f"/dataset/{dataset['id']}/resource/{resource['id']}/karte.geojson"
    run_jobs()  # the job reads the source into the cache
    # the member sees it
    member_headers = {"Authorization": factories.APIToken(user=member["name"])["token"]}
    assert len(app.get(features, headers=member_headers).json["features"]) == 3
    headers = {} if who == "anonymous" else {"Authorization": factories.APIToken(user=factories.User()["name"])["token"]}
    for path in (features, f"/dataset/{dataset['id']}/resource/{resource['id']}"):
        answer = app.get(path, headers=headers, expect_errors=True)
        assert answer.status_code in (403, 404), (path, answer.status_code)
        assert "B-1" not in answer.get_data(as_text=True)
