"""The gather hands records over as it reads them (issue 21, bounded memory): every GATHER_BATCH
records become committed harvest objects while later pages are still being read. These tests
set the batch to two records, so a small catalog crosses several commits."""
import pytest

from ckan import model

from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks, run

pytestmark = marks()


@pytest.fixture
def small_batches(monkeypatch):
    from ckanext.jena.harvest import base
    monkeypatch.setattr(base, "GATHER_BATCH", 2)


def _objects_of(source_id: str) -> int:
    from ckanext.harvest.model import HarvestObject
    model.Session.remove()
    return model.Session.query(HarvestObject).filter(HarvestObject.harvest_source_id == source_id).count()


@pytest.mark.usefixtures("small_batches")
def test_a_run_stopped_after_committed_batches_leaves_no_harvest_object_and_no_dataset(source_server):
    # five pages of two: the gather has committed objects of pages 1 and 2 when max_pages stops it
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 10)], per_page=2)
    source = make_source(url, config={"max_pages": 3})
    summary = run(source)
    assert (summary["created"], summary["errors"]) == (0, 0), summary["messages"]
    assert any("More than 3 pages (max_pages)" in m for m in summary["messages"]), summary["messages"]
    assert harvested() == []
    assert _objects_of(source["id"]) == 0


@pytest.mark.usefixtures("small_batches")
def test_streamed_batches_create_each_dataset_once_and_still_withdraw_what_is_gone(source_server):
    datasets = [catalog.dataset(n) for n in range(1, 8)]
    url = catalog.serve(source_server, datasets, per_page=3)
    source = make_source(url, config={"max_withdrawal_share": 0.5})
    summary = run(source)
    assert (summary["created"], summary["errors"], summary["gather_errors"]) == (7, 0, 0), summary["messages"]
    assert [d["title"] for d in harvested()] == sorted(f"Messreihe Nummer {n}" for n in range(1, 8))

    # record 4 is gone and record 6 changed: the rest is unchanged, across several batches
    changed = [d for d in datasets if d is not datasets[3]]
    changed[4] = catalog.dataset(6, notes="Neue Beschreibung der Messreihe sechs.")
    for path in list(source_server.routes):
        source_server.routes.pop(path)
    catalog.serve(source_server, changed, per_page=3)
    summary = run(source)
    assert (summary["created"], summary["updated"], summary["unchanged"], summary["withdrawn"]) == (0, 1, 5, 1), \
        summary["messages"]
    assert [d["title"] for d in harvested(state="deleted")] == ["Messreihe Nummer 4"]
    assert len(harvested()) == 6


@pytest.mark.usefixtures("small_batches")
def test_a_later_page_failing_keeps_the_committed_records_and_withdraws_nothing(source_server):
    datasets = [catalog.dataset(n) for n in range(1, 8)]
    url = catalog.serve(source_server, datasets, per_page=2)
    source = make_source(url)
    run(source)
    # page 3 of 4 now answers 503: pages 1-2 are read (two committed batches), nothing is withdrawn
    source_server.add("/catalog.ttl?page=3", b"kaputt", status=503)
    summary = run(source)
    assert summary["withdrawn"] == 0 and summary["incomplete"], summary["messages"]
    assert summary["unchanged"] == 4
    assert len(harvested()) == 7 and harvested(state="deleted") == []


def test_a_synchronous_run_indexes_every_dataset_it_wrote_batch_by_batch(source_server, monkeypatch):
    from ckan.tests import helpers
    from ckanext.jena.harvest import runner
    monkeypatch.setattr(runner, "INDEX_BATCH", 2)
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 6)], per_page=3)
    source = make_source(url)
    summary = run(source)
    assert (summary["created"], summary["errors"]) == (5, 0), summary["messages"]
    # indexed once the record was done: the index knows the harvest source of each
    found = helpers.call_action("package_search", fq=f'harvest_source_id:"{source["id"]}"', rows=10)
    assert sorted(r["title"] for r in found["results"]) == [f"Messreihe Nummer {n}" for n in range(1, 6)]
