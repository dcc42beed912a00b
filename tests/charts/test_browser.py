"""The soil moisture curve in a real browser: the demo platform's Datastream is fetched into the
DataStore by the sensor task, its resource page opens on the chart, and the resource page and
the dataset page with its picture pass axe (WCAG 2.0/2.1 A and AA, 0 violations of any impact)
under the portal's Content-Security-Policy; the table alternative opens with the keyboard."""
import pytest

from ckan.tests import factories, helpers

from ckanext.jena.data import sensors
from ckanext.jena.demo import sources as demo_sources
from tests.jena_plugins import demo_marks
from tests.theme.test_browser import (  # noqa: F401 (fixtures)
    THEME_PLUGINS, axe_violations, browser, page, portal, screenshot, tab_until)

PLUGINS = THEME_PLUGINS + " jena_data datastore jena_chart datatables_view"
pytestmark = demo_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.ckan_config("ckan.views.default_views", "jena_chart datatables_view"),
    pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckanext.jena.data.sensor_history_days", "7"),
    # (no clean_datastore: its rebuild of the main database trips over the demo plugins' tables;
    # the table here is a new resource's)
    pytest.mark.usefixtures("clean_db", "harvest_tables", "explainer_tables", "clean_index"),
]


def test_the_soil_moisture_shows_a_curve_with_words_and_a_table(portal, page):
    with demo_sources.serving("http://portal.invalid") as base:
        organization = factories.Organization(org_type="fachdienst", title="Kommunalservice Jena", image_url="")
        dataset = helpers.call_action(
            "package_create", name="bodenfeuchte-jena-zentrum", title="Bodenfeuchte – Jena-Zentrum",
            owner_org=organization["id"], license_id="dl-by-de/2.0", tags=[{"name": "Sensordaten"}],
            notes="Messwerte der Urbanen Datenplattform Jena: Bodenfeuchte in Jena-Zentrum.",
            resources=[{"url": f"{base}/sensorthings/v1.1/Datastreams(11)/Observations"
                               "?$resultFormat=CSV&$select=phenomenonTime,result",
                        "name": "Bodenfeuchte Paradiespark 10 cm – CSV-Export", "format": "CSV"}])
        assert "0 Datastreams failed" in sensors.load_all_datastreams()
    resource = dataset["resources"][0]

    page.goto(f"{portal}/dataset/{dataset['name']}/resource/{resource['id']}")
    chart = page.locator("figure.jena-chart svg[role=img]")
    assert chart.count() == 1 and page.locator("figure.jena-chart polyline").count() == 1
    caption = page.locator("figure.jena-chart figcaption").inner_text()
    assert caption.startswith("Liniendiagramm: Messwert nach Zeitpunkt") and "20.11.2026 23:00" in caption
    screenshot(page, "sensor-chart")
    assert axe_violations(page) == []
    # the values as a table, opened with the keyboard
    assert tab_until(page, "figure.jena-chart summary")
    page.keyboard.press("Enter")
    assert page.locator("figure.jena-chart table tbody tr").count() == 7 * 24 + 1

    page.goto(f"{portal}/dataset/{dataset['name']}")
    assert page.locator(".jena-explainer-picture svg polyline").count() == 1
    assert "Liniendiagramm" in page.locator(".jena-explainer-picture figcaption").inner_text()
    assert axe_violations(page) == []
