"""A table view's stored title is in the portal's language also where CKAN evaluated
ckanext-datatablesview's default title in English (a fresh make run showed "Table" beside
"Diagramm" and "Karte": xloader makes the default views outside a German request)."""
import pytest

from ckan.tests import factories, helpers

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "jena_data datastore jena_chart datatables_view"),
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "with_request_context"),
]


def new_view(title: str, view_type: str = "datatables_view") -> dict:
    dataset = factories.Dataset()
    resource = factories.Resource(package_id=dataset["id"], url_type="datastore", url="", format="CSV")
    return helpers.call_action("resource_view_create", resource_id=resource["id"], view_type=view_type,
                               title=title)


def test_the_english_default_title_is_stored_in_the_portals_language():
    assert new_view("Table")["title"] == "Tabelle"


def test_a_title_an_officer_chose_and_other_views_are_kept():
    assert new_view("Bäume je Ortsteil")["title"] == "Bäume je Ortsteil"
    assert new_view("Table", view_type="jena_chart")["title"] == "Table"
