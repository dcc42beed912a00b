"""Freshness is a dimension of the metadata quality score where jena_freshness is loaded."""
import pytest

from ckan.tests import factories, helpers

from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

pytestmark = schema_marks(SCHEMA_PLUGINS + " jena_dcat jena_quality jena_freshness") + [
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de"),
    pytest.mark.ckan_config("ckanext.jena.quality.background_checks", "false"),
    pytest.mark.usefixtures("clean_db", "clean_index"),
]


def test_an_overdue_dataset_loses_its_freshness_points_and_is_told_what_to_do(ckan_config, monkeypatch):
    org = factories.Organization(org_type="fachdienst")
    pkg = helpers.call_action(
        "package_create", name="baustellen", title="Baustellen", notes="Aktuelle Baustellen.", owner_org=org["id"],
        private=True, license_id="dl-by-de/2.0", tags=[{"name": "Baustelle"}], theme=["TRAN"], districts=["jena"],
        access_rights="PUBLIC", contact=[{"name": "FD", "email": "fd@jena.de"}], frequency="WEEKLY",
        modified="2026-03-02", resources=[{"url": "https://example.org/b.csv", "format": "CSV"}])
    monkeypatch.setitem(ckan_config, "ckanext.jena.freshness.now", "2026-03-05T00:00:00")
    fresh = helpers.call_action("jena_quality_show", id=pkg["id"])
    assert fresh["dimensions"]["freshness"] == {"points": 20, "max": 20}
    assert fresh["max"] == 425
    monkeypatch.setitem(ckan_config, "ckanext.jena.freshness.now", "2026-04-05T00:00:00")
    stale = helpers.call_action("jena_quality_show", id=pkg["id"])
    assert stale["dimensions"]["freshness"] == {"points": 0, "max": 20}
    assert stale["points"] == fresh["points"] - 20
    assert any("expected 27 day(s) ago is missing" in fix for fix in stale["fixes"])
    helpers.call_action("package_patch", id=pkg["id"], frequency="")
    unstated = helpers.call_action("jena_quality_show", id=pkg["id"])
    assert "Say how often the data is updated." in unstated["fixes"]
