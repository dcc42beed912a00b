"""The maps in a real browser (headless Chromium, as tests/theme/test_browser.py): the demo's
tree register shows its 300 trees as markers; every kind of map view (GeoJSON, KML, WFS, WMS,
the Ortsteil map of a table) passes axe with 0 violations of any impact, fetches nothing from
third parties, runs under the portal's Content-Security-Policy, and its table of the map's
contents opens with the keyboard. Screenshots map-trees.png and map-ortsteile.png."""
import json

import pytest

from ckan.tests import helpers

from tests.data_api.conftest import run_jobs
from tests.jena_plugins import demo_marks
from tests.theme.test_browser import (THEME_PLUGINS, axe_violations, browser, demo, page, portal,  # noqa: F401
                                      screenshot, tab_until)

MAPS_BROWSER_PLUGINS = THEME_PLUGINS + " jena_data datastore xloader datatables_view jena_maps jena_ortsteil_map"

pytestmark = demo_marks(MAPS_BROWSER_PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.ckan_config("ckan.views.default_views", "jena_map_view jena_ortsteil_map datatables_view"),
    pytest.mark.ckan_config("ckanext.jena.maps.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckan.harvest.mq.type", "redis"),
    pytest.mark.usefixtures("clean_db", "harvest_tables", "explainer_tables", "clean_index", "clean_datastore",
                            "empty_queue", "clear_map_cache"),
]


def resource_of(predicate) -> tuple[dict, dict]:
    for dataset in helpers.call_action("package_search", rows=1000, include_private=True)["results"]:
        for resource in dataset["resources"]:
            if predicate(dataset, resource):
                return dataset, resource
    raise AssertionError("no such demo resource")


def test_every_kind_of_map_draws_passes_axe_and_opens_its_table_with_the_keyboard(portal, demo, page):
    elsewhere = []
    page.on("request", lambda request: elsewhere.append(request.url)
            if not request.url.startswith((portal, "data:", "blob:", "about:")) else None)
    trees = demo["trees"]
    geojson = next(r for r in trees["resources"] if r["format"] == "GeoJSON")
    kml = resource_of(lambda d, r: r["format"] == "KML")
    wfs = resource_of(lambda d, r: r["format"] == "WFS" and "umwelt" in r["url"])
    wms = resource_of(lambda d, r: r["format"] == "WMS" and "bauleitplanung" in r["url"])
    table_dataset, table = resource_of(lambda d, r: d["name"].startswith("einwohner-ortsteile") and r["format"] == "CSV")
    helpers.call_action("xloader_submit", resource_id=table["id"], ignore_hash=True)
    for dataset, resource in ((trees, geojson), kml, wfs, wms):
        # harvested links are read by the background job once a first page asks for them
        page.goto(f"{portal}/dataset/{dataset['name']}/resource/{resource['id']}")
    run_jobs()
    pages = {
        "GeoJSON": (trees, geojson), "KML": kml, "WFS": wfs, "WMS": wms, "Ortsteil map": (table_dataset, table),
    }
    found = {}
    for label, (dataset, resource) in pages.items():
        page.goto(f"{portal}/dataset/{dataset['name']}/resource/{resource['id']}")
        map_view = page.locator(".jena-map-view svg.jena-map")
        assert map_view.count() == 1, f"{label}: no map ({page.locator('.jena-map-view').inner_text()[:300]})"
        assert page.evaluate("document.documentElement.lang") == "de"
        found[label] = axe_violations(page)
        if label == "GeoJSON":
            assert page.locator(".jena-map-view circle.jena-map-marker").count() == 300
            box = page.locator(".jena-map-view circle.jena-map-marker").first.bounding_box()
            assert box and box["width"] > 3  # drawn on the page, not just in the markup
            page.locator(".jena-map-figure").scroll_into_view_if_needed()
            screenshot(page, "map-trees")
        if label == "WFS":
            assert page.locator(".jena-map-view circle.jena-map-marker").count() == 300
        if label == "KML":
            assert page.locator(".jena-map-view circle.jena-map-marker").count() == 6
        if label == "WMS":
            href = page.locator(".jena-map-view svg image").get_attribute("href")
            answer = page.request.get(portal + href)
            assert answer.ok and answer.headers["content-type"] == "image/png"
        if label == "Ortsteil map":
            assert page.locator(".jena-map-view [data-district]").count() == 30
            assert "Neulobeda" in page.locator(".jena-map-alt").inner_text()
            page.locator(".jena-map-figure").scroll_into_view_if_needed()
            screenshot(page, "map-ortsteile")
        # the map's table opens with the keyboard
        assert tab_until(page, ".jena-map-table summary"), f"{label}: the map's table is not reachable with Tab"
        page.keyboard.press("Enter")
        assert page.locator(".jena-map-table table").is_visible(), label
    assert found == {label: [] for label in found}, json.dumps(found, indent=1, ensure_ascii=False)
    assert elsewhere == [], elsewhere
