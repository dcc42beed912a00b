"""A harvested dataset that states no date of its own: the end of its source's last finished
harvest counts as its last change (asked through ckanext-harvest's action)."""
import datetime

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import factories, helpers

from ckanext.jena.freshness import logic
from tests.jena_plugins import HARVEST_PLUGINS, schema_marks

pytestmark = schema_marks(HARVEST_PLUGINS + " jena_freshness") + [
    pytest.mark.usefixtures("clean_db", "harvest_tables", "clean_index")]
WEEKLY = "http://publications.europa.eu/resource/authority/frequency/WEEKLY"


def test_the_last_finished_harvest_of_the_source_counts_where_the_dataset_states_no_date(ckan_config, monkeypatch):
    org = factories.Organization(org_type="fachdienst")
    source = helpers.call_action("harvest_source_create", name="partner", title="Partnerkatalog",
                                 url="http://93.184.215.14/catalog.ttl", source_type="jena_dcat", owner_org=org["id"])
    record = {"frequency": WEEKLY, "harvested_from": source["id"], "metadata_modified": "2026-01-01T00:00:00",
              "resources": [{"url": "https://example.org/a.csv"}]}
    monkeypatch.setitem(ckan_config, "ckanext.jena.freshness.now", "2026-03-01T00:00:00")
    assert logic.freshness_of(record, lang="en")["state"] == "overdue"  # no harvest finished yet
    job = helpers.call_action("harvest_job_create", source_id=source["id"])
    model.Session.execute(sa.text("UPDATE harvest_job SET status = 'Finished', finished = :at WHERE id = :id"),
                          {"at": datetime.datetime(2026, 2, 27, 6, 0), "id": job["id"]})
    model.Session.commit()
    result = logic.freshness_of(record, lang="en")
    assert result["state"] == "current" and result["last_change"] == "2026-02-27T06:00:00"
    # a date the source states wins: the harvest found the data unchanged since then
    stated = logic.freshness_of(dict(record, modified="2026-01-10"), lang="en")
    assert stated["state"] == "overdue" and stated["last_change"] == "2026-01-10T00:00:00"
    # an unknown or hostile source id is no harvest
    assert logic.last_harvest({"harvested_from": "x" * 5000}) is None
    assert logic.last_harvest({"harvested_from": ["list"]}) is None
