"""CKAN's own pages that query the index work unchanged on PostgreSQL."""
import pytest

from ckan.tests import factories

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


def test_home_and_dataset_search_with_facets(app):
    org = factories.Organization(name="kommunalservice-jena", title="Kommunalservice Jena")
    factories.Dataset(name="baumkataster", title="Baumkataster", owner_org=org["id"],
                      tags=[{"name": "Bäume"}])
    factories.Dataset(name="haushalt", title="Haushaltsplan", owner_org=org["id"])
    assert app.get("/").status_code == 200
    page = app.get("/dataset/", query_string={"q": "Baum", "organization": "kommunalservice-jena"})
    assert "1 dataset found" in page.body
    assert "Baumkataster" in page.body and "Haushaltsplan" not in page.body
    assert "Kommunalservice Jena" in page.body  # the organisation facet with its title


def test_organization_page_counts_only_visible_datasets(app):
    org = factories.Organization(name="fachdienst-statistik")
    factories.Dataset(owner_org=org["id"])
    factories.Dataset(owner_org=org["id"])
    factories.Dataset(owner_org=org["id"], private=True)
    page = app.get("/organization/fachdienst-statistik")
    assert "2 datasets found" in page.body
    listing = app.get("/organization/")
    assert listing.status_code == 200


def test_dashboard_and_trash(app):
    user = factories.UserWithToken()
    sysadmin = factories.SysadminWithToken()
    factories.Dataset(title="Mein Datensatz", user=user)
    deleted = factories.Dataset(title="Gelöscht")
    from ckan.tests import helpers
    helpers.call_action("package_delete", id=deleted["id"])
    dashboard = app.get("/dashboard/datasets", headers={"Authorization": user["token"]})
    assert "Mein Datensatz" in dashboard.body
    trash = app.get("/ckan-admin/trash", headers={"Authorization": sysadmin["token"]})
    assert trash.status_code == 200


@pytest.mark.ckan_config("ckan.plugins", "jena_search harvest")
@pytest.mark.usefixtures("with_plugins")
def test_harvest_admin_page(app, migrate_db_for):
    migrate_db_for("harvest")
    sysadmin = factories.SysadminWithToken()
    page = app.get("/harvest", headers={"Authorization": sysadmin["token"]})
    assert page.status_code == 200
