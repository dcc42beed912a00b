"""The table view (CKAN's datatables_view) of a loaded DataStore table in a real browser (headless
Chromium, as tests/theme/test_browser.py): the resource page, which shows the view in an
iframe, and the view's own page pass axe (WCAG 2.0/2.1 A and AA, 0 violations of any impact)
in German under the portal's Content-Security-Policy; the table's rows arrive, and Tab reaches
its search field and its sorting buttons."""
import json

import pytest

from ckan.tests import factories, helpers

from tests.jena_plugins import demo_marks
from tests.theme.test_browser import (  # noqa: F401 (fixtures)
    THEME_PLUGINS, axe_violations, browser, page, portal, tab_until)

PLUGINS = THEME_PLUGINS + " jena_data datastore datatables_view"
pytestmark = demo_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.ckan_config("ckan.views.default_views", "datatables_view"),
    # (no clean_datastore: its rebuild of the main database trips over the demo plugins' tables;
    # the table here is a new resource's)
    pytest.mark.usefixtures("clean_db", "harvest_tables", "explainer_tables", "clean_index"),
]

# a hostile column name: it reaches the page in an attribute quoted with ' and as header text
HOSTILE = "Notiz '<b>fett</b>"
ROWS = [{"Ortsteil": name, "Einwohner": people, HOSTILE: "x"} for name, people in (
    ("Zentrum", 12000), ("Lobeda-West", 9000), ("Neulobeda", 11000), ("Winzerla", 8000), ("Wenigenjena", 7000))]


@pytest.fixture
def table():
    organization = factories.Organization(org_type="fachdienst", title="Statistik Jena", image_url="")
    dataset = helpers.call_action(
        "package_create", name="einwohner-tabelle", title="Einwohner je Ortsteil",
        owner_org=organization["id"], license_id="dl-by-de/2.0", notes="Einwohner je Ortsteil.", tags=[{"name": "Bevölkerung"}],
        resources=[{"url": "http://127.0.0.1/einwohner.csv", "name": "Einwohner je Ortsteil – CSV", "format": "CSV"}])
    resource = dataset["resources"][0]
    helpers.call_action("datastore_create", resource_id=resource["id"], force=True, records=ROWS,
                        fields=[{"id": "Ortsteil", "type": "text"}, {"id": "Einwohner", "type": "int"},
                                                {"id": HOSTILE, "type": "text"}])
    views = helpers.call_action("resource_view_list", id=resource["id"])
    view = next((v for v in views if v["view_type"] == "datatables_view"), None) or helpers.call_action(
        "resource_view_create", resource_id=resource["id"], view_type="datatables_view", title="Tabelle")
    return dataset, resource, view


def rows_shown(frame) -> None:
    frame.locator("#dtprv tbody tr td", has_text="Neulobeda").first.wait_for()


def test_the_table_view_passes_axe_and_its_search_and_sorting_are_reached_with_the_keyboard(portal, page, table):
    dataset, resource, view = table
    found = {}

    page.goto(f"{portal}/dataset/{dataset['name']}/resource/{resource['id']}")
    assert page.evaluate("document.documentElement.lang") == "de"
    iframe = page.locator("iframe[src*='/view/']")
    assert iframe.count() == 1
    rows_shown(page.frame_locator("iframe[src*='/view/']"))
    found["resource page"] = axe_violations(page)

    page.goto(f"{portal}/dataset/{dataset['name']}/resource/{resource['id']}/view/{view['id']}")
    assert page.evaluate("document.documentElement.lang") == "de"
    rows_shown(page)
    assert page.locator("#dtprv tbody tr").count() == len(ROWS)
    found["view page"] = axe_violations(page)
    # the column filters say in German which column they filter
    assert page.locator("input.fhead[aria-label='Spalte filtern: Ortsteil']").count() >= 1
    assert page.evaluate("(name) => [...document.querySelectorAll('input.fhead')]"
                         ".some(input => input.getAttribute('aria-label') === 'Spalte filtern: ' + name)", HOSTILE)
    assert page.locator("#resize_wrapper b", has_text="fett").count() == 0   # the name stays text

    # keyboard only: Tab reaches the search field, then a column's sorting button, and Enter sorts
    assert tab_until(page, "input[type=search]"), "the table's search field is not reachable with Tab"
    page.keyboard.type("Winzerla")
    page.keyboard.press("Enter")   # datatables_view searches on Enter
    page.locator("#dtprv tbody tr").filter(has_text="Zentrum").first.wait_for(state="detached")
    assert page.locator("#dtprv tbody tr").count() == 1
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    rows_shown(page)
    # (the visible header is DataTables' copy above the scrolling body, hence no #dtprv)
    assert tab_until(page, "th.sorting[aria-controls=dtprv]"), "no sorting button of the table is reachable with Tab"
    before = page.locator("#dtprv tbody tr").first.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_function("(before) => document.querySelector('#dtprv tbody tr').innerText !== before", arg=before)
    assert found == {label: [] for label in found}, json.dumps(found, indent=1, ensure_ascii=False)
