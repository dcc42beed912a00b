"""The dataset's map picture for the explainer and the dataset page (maps.picture.dataset_picture,
the contract in docs/maps.md): an inline SVG with a text alternative, drawn without going to the
network, kept in Redis; None where no map fits."""
import json

from ckan.tests import factories

from ckanext.jena.maps import picture
from tests.data_api.conftest import run_jobs
from tests.maps.conftest import a_dataset, maps_marks
from tests.maps.test_choropleth import TABLE
from tests.maps.test_map_view import TREES, markers, view_page

pytestmark = maps_marks()


def shown(dataset_id: str) -> dict:
    from ckan.tests import helpers
    return helpers.call_action("package_show", id=dataset_id)


def test_an_uploaded_geojson_is_the_datasets_picture_in_german_and_english(create_with_upload):
    dataset = a_dataset()
    create_with_upload(json.dumps(TREES).encode(), "baeume.geojson", url="baeume.geojson",
                       package_id=dataset["id"], name="Bäume", format="GeoJSON")
    found = picture.dataset_picture(shown(dataset["id"]), "de")
    assert found["kind"] == "features" and markers(str(found["svg"])) == 2
    assert str(found["svg"]).startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "<script" not in str(found["svg"])
    assert found["alt"].startswith("Karte von Jena mit 2 Punkten und 1 Linie aus „Bäume“")
    assert found["attribution"] == "© OpenStreetMap contributors (ODbL)"
    english = picture.dataset_picture(shown(dataset["id"]), "en")
    assert english["alt"].startswith("Map of Jena with 2 points and 1 line from “Bäume”")


def test_a_linked_map_is_drawn_only_once_the_map_view_fetched_it(app, geo_server):
    url = geo_server.add("/bild.geojson", json.dumps(TREES))
    dataset = a_dataset()
    resource = factories.Resource(package_id=dataset["id"], url=url, format="GeoJSON")
    assert picture.dataset_picture(shown(dataset["id"])) is None
    assert geo_server.asked("/bild.geojson") == []  # the dataset page never waits for a third party
    view_page(app, dataset, resource)
    assert picture.dataset_picture(shown(dataset["id"]))["kind"] == "features"
    assert len(geo_server.asked("/bild.geojson")) == 1


def test_a_table_per_ortsteil_is_pictured_as_the_ortsteil_map(files):
    files.add("/bild.csv", TABLE, content_type="text/csv")
    dataset = a_dataset()
    factories.Resource(package_id=dataset["id"], url=files.url("/bild.csv"), format="CSV")
    run_jobs()
    found = picture.dataset_picture(shown(dataset["id"]))
    assert found["kind"] == "choropleth" and str(found["svg"]).count("data-district=") == 30
    assert "Am meisten in Neulobeda (22.189)" in found["alt"]


def test_no_picture_where_no_map_fits():
    dataset = a_dataset()
    factories.Resource(package_id=dataset["id"], url="https://example.org/bericht.pdf", format="PDF")
    assert picture.dataset_picture(shown(dataset["id"])) is None
    assert picture.dataset_picture({"id": "kaputt", "resources": [{"format": "GeoJSON"}]}) is None  # never raises

