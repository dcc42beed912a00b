"""Issue 21, with the activity stream as the portal runs it: the activity that records a
harvested dataset's creation keeps the dataset as CKAN reads it, though on CKAN 2.12 a harvest
answers that read from the form package_create computed (harvest/indexing.py package_show)."""
import pytest

import ckan.lib.search as ckan_search
from ckan import model
from ckan.tests import helpers
from ckanext.activity.model import Activity

from tests.harvest import catalog
from tests.harvest.helpers import counting_dictizations, make_source, marks, run
from tests.jena_plugins import HARVEST_PLUGINS

pytestmark = marks(HARVEST_PLUGINS + " activity") + [pytest.mark.skipif(
    hasattr(ckan_search, "SynchronousSearchPlugin"),
    reason="CKAN 2.11 indexes through its search plugin and computes no indexable form in "
           "package_create; the kept form is a CKAN 2.12 seam")]


@pytest.fixture(autouse=True)
def activity_tables(with_plugins, clean_db, migrate_db_for):
    # after the plugins are loaded: CKAN's reset migrates the loaded plugins' tables
    migrate_db_for("activity")


def test_the_activity_of_a_new_dataset_keeps_it_as_ckan_reads_it_with_one_read(source_server, monkeypatch):
    counts = counting_dictizations(monkeypatch)
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 4)])
    assert run(make_source(url))["created"] == 3
    monkeypatch.undo()
    created = [p.id for p in model.Session.query(model.Package).filter_by(type="dataset")]
    # read once (package_create's answer), then kept for the activity and the index
    assert [counts.get(package_id) for package_id in created] == [1] * 3
    for package_id in created:
        # by the site user, whose activities CKAN leaves out of its lists (ckan.hide_activity_from_users)
        (activity,) = [{"activity_type": a.activity_type, "data": a.data}
                       for a in model.Session.query(Activity).filter_by(object_id=package_id)]
        assert activity["activity_type"] == "new package"
        shown = helpers.call_action("package_show", context={"ignore_auth": True, "use_cache": False},
                                    id=package_id)
        assert activity["data"]["package"] == shown
