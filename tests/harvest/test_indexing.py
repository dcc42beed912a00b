"""A synchronous run indexes each dataset it wrote once, at the end (harvest/indexing.py)."""
import json

import ckan.lib.search as ckan_search
from ckan.tests import helpers

from ckanext.jena.harvest import indexing
from tests.harvest import catalog
from tests.harvest.helpers import make_source, marks, run

pytestmark = marks()


def test_ckan_still_indexes_through_the_hook_the_harvester_defers():
    assert indexing.hook_matches()


def test_a_changed_indexing_hook_is_reported(monkeypatch):
    if hasattr(ckan_search, "SynchronousSearchPlugin"):  # CKAN 2.11
        monkeypatch.setattr(ckan_search.SynchronousSearchPlugin, "notify", lambda self, entity, operation: None)
    else:  # CKAN 2.12
        import ckan.logic
        monkeypatch.setattr(ckan.logic, "index_update_package_dicts", lambda package_dicts: None)
    assert not indexing.hook_matches()


def test_a_run_indexes_every_dataset_once_and_they_are_found(source_server, monkeypatch):
    calls = []
    original = ckan_search.PackageSearchIndex.index_package

    def counting(self, pkg_dict, defer_commit=False):
        calls.append(pkg_dict["id"])
        return original(self, pkg_dict, defer_commit)

    monkeypatch.setattr(ckan_search.PackageSearchIndex, "index_package", counting)
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 5)])
    assert run(make_source(url))["created"] == 4
    datasets = [d for d in helpers.call_action("package_search", q="Messreihe")["results"]]
    assert len(datasets) == 4
    ids = {d["id"] for d in datasets}
    assert sorted(c for c in calls if c in ids) == sorted(ids)  # once each, not twice


def test_a_harvest_source_reindexed_after_a_run_still_shows_its_type_and_settings(source_server):
    # ckanext-harvest re-indexes the source after a job (harvest_source_reindex); the next run and
    # the source's page read it back from the index (package_show answers from its cache)
    url = catalog.serve(source_server, [catalog.dataset(1)])
    source = make_source(url, config={"max_pages": 3})
    run(source)
    helpers.call_action("harvest_source_reindex", id=source["id"])
    shown = helpers.call_action("harvest_source_show", id=source["id"])
    assert (shown["source_type"], shown["url"], json.loads(shown["config"])) == ("jena_dcat", url, {"max_pages": 3})
    assert "extras" not in shown
    assert run(source)["unchanged"] == 1
