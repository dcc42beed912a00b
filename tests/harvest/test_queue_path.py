"""The stages as ckanext-harvest's gather and fetch consumers run them (web UI "Reharvest")."""
import pytest
from ckan.tests import helpers

from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks

pytestmark = marks()


def _consume(source: dict) -> dict:
    """What the consumers do with a job taken from the Redis queues, without the queues."""
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestJob, HarvestObject
    job_dict = helpers.call_action("harvest_job_create", source_id=source["id"], run=False)
    job = HarvestJob.get(job_dict["id"])
    job.status = "Running"
    job.save()
    harvester = queue.get_harvester(source["source_type"])
    for object_id in queue.gather_stage(harvester, job) or []:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
    helpers.call_action("harvest_jobs_run", source_id=source["id"])
    return helpers.call_action("harvest_job_show", id=job_dict["id"])


def test_the_consumers_run_the_same_stages_with_the_same_report(source_server):
    datasets = [catalog.dataset(n) for n in range(1, 4)]
    url = catalog.serve(source_server, datasets)
    source = make_source(url)
    job = _consume(source)
    assert job["status"] == "Finished"
    assert job["stats"]["added"] == 3
    assert len(harvested()) == 3
    datasets[0] = catalog.dataset(1, notes="Neu.")
    catalog.serve(source_server, datasets)
    job = _consume(source)
    assert (job["stats"]["updated"], job["stats"]["not modified"]) == (1, 2)
    source_server.routes.clear()
    job = _consume(source)
    assert job["status"] == "Finished" and len(harvested()) == 3
    report = helpers.call_action("harvest_job_report", id=job["id"])
    assert any("HTTP error 404" in e["message"] for e in report["gather_errors"])


class _Commits:
    """Commits of CKAN's session while counting (not the index's own short transactions that add
    new words and facet values: SQLAlchemy 1.4 reports each autocommit statement as a commit)."""

    def __init__(self):
        self.count = 0

    def __enter__(self):
        import sqlalchemy as sa
        from ckan import model
        sa.event.listen(model.meta.Session, "after_commit", self._one)
        return self

    def __exit__(self, *exc):
        import sqlalchemy as sa
        from ckan import model
        sa.event.remove(model.meta.Session, "after_commit", self._one)

    def _one(self, session):
        self.count += 1


def _gathered(source: dict):
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestJob
    job_dict = helpers.call_action("harvest_job_create", source_id=source["id"], run=False)
    job = HarvestJob.get(job_dict["id"])
    job.status = "Running"
    job.save()
    harvester = queue.get_harvester(source["source_type"])
    return job_dict, harvester, queue.gather_stage(harvester, job) or []


def test_a_fetch_consumer_imports_a_record_of_ours_in_one_commit_and_indexes_it_after(source_server):
    """ckanext-harvest's own stages commit five times per record and index inside the import; for
    jena's harvesters the consumer commits the record once, then its index entry once
    (redis_queue._one_commit_for_ours)."""
    from ckan import model
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject
    source = make_source(catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 4)]))
    job_dict, harvester, object_ids = _gathered(source)
    assert len(object_ids) == 3
    for object_id in object_ids:
        with _Commits() as commits:
            queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
        # the record with its report status; CKAN's rebuild of the index ends in a commit, and the
        # index documents (written together after it) are committed by the search's commit
        assert commits.count == 3, commits.count
        model.Session.remove()
        obj = HarvestObject.get(object_id)
        assert (obj.state, obj.report_status, obj.current) == ("COMPLETE", "added", True)
        assert obj.fetch_started and obj.fetch_finished and obj.import_started and obj.import_finished
        found = helpers.call_action("package_search", q=f'id:"{obj.package_id}"')
        assert found["count"] == 1 and found["results"][0]["title"].startswith("Messreihe Nummer")
    helpers.call_action("harvest_jobs_run", source_id=source["id"])
    job = helpers.call_action("harvest_job_show", id=job_dict["id"])
    assert job["status"] == "Finished" and job["stats"]["added"] == 3


def test_a_record_failing_in_a_fetch_consumer_is_an_error_and_leaves_no_dataset(source_server, monkeypatch):
    from ckan import model
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject
    from ckanext.jena.harvest import base
    source = make_source(catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 3)]))
    job_dict, harvester, object_ids = _gathered(source)
    original = base.JenaHarvester._import

    def failing_after_writing(self, harvest_object):
        result = original(self, harvest_object)  # the dataset is written, not yet committed
        if "Nummer 2" in (harvest_object.content or ""):
            raise RuntimeError("broken after the write")
        return result

    monkeypatch.setattr(base.JenaHarvester, "_import", failing_after_writing)
    for object_id in object_ids:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
        model.Session.remove()
    states = {HarvestObject.get(i).report_status for i in object_ids}
    assert states == {"added", "errored"}
    assert [d["title"] for d in harvested()] == ["Messreihe Nummer 1"]
    helpers.call_action("harvest_jobs_run", source_id=source["id"])
    report = helpers.call_action("harvest_job_report", id=job_dict["id"])
    assert any("Unexpected error while importing" in e["message"]
               for errors in report["object_errors"].values() for e in errors["errors"]), report
    assert helpers.call_action("package_search", q="Messreihe")["count"] == 1


def test_other_harvesters_keep_ckanext_harvests_stages(source_server):
    """A harvester that is not one of jena's goes through ckanext-harvest's own stages."""
    from ckan import model
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject
    source = make_source(catalog.serve(source_server, [catalog.dataset(1)]))
    _job, _harvester, (object_id,) = _gathered(source)
    seen = []

    class Other:
        def fetch_stage(self, obj):
            seen.append(obj.state)  # ckanext-harvest commits FETCH before asking
            return False

    with _Commits() as commits:
        queue.fetch_and_import_stages(Other(), HarvestObject.get(object_id))
    model.Session.remove()
    assert seen == ["FETCH"]
    assert HarvestObject.get(object_id).state == "ERROR"
    assert commits.count >= 4  # ckanext-harvest's: FETCH, the fetch's end, ERROR, the report status


def test_a_record_sent_again_after_its_consumer_died_before_the_index_write_is_indexed(source_server, monkeypatch):
    """A fetch consumer killed between the record's commit and the index write leaves the
    dataset saved but not searchable, and its record COMPLETE; ckanext-harvest sends the record
    again (resubmit_jobs, after three minutes). The second delivery keeps the first import and
    indexes its dataset."""
    from ckan import model
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject
    from ckanext.jena.harvest import indexing
    source = make_source(catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 3)]))
    job_dict, harvester, object_ids = _gathered(source)
    original = indexing.index

    def killed(package_ids):  # the process ends here, as a SIGKILL would end it
        raise KeyboardInterrupt("killed before the index write")

    monkeypatch.setattr(indexing, "index", killed)
    with pytest.raises(KeyboardInterrupt):
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_ids[0]))
    monkeypatch.setattr(indexing, "index", original)
    model.Session.remove()
    first = HarvestObject.get(object_ids[0])
    assert (first.state, first.current) == ("COMPLETE", True)
    assert helpers.call_action("package_show", id=first.package_id)["title"] == "Messreihe Nummer 1"
    assert helpers.call_action("package_search", q="Messreihe")["count"] == 0  # saved, not searchable
    for object_id in object_ids:  # the record again, then the next one
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
        model.Session.remove()
    found = helpers.call_action("package_search", q="Messreihe", sort="title_string asc")
    assert [d["title"] for d in found["results"]] == ["Messreihe Nummer 1", "Messreihe Nummer 2"]
    assert found["results"][0]["id"] == first.package_id
    assert len(harvested()) == 2


@pytest.mark.ckan_config("ckan.harvest.mq.type", "redis")
def test_a_record_sent_again_after_its_job_finished_is_indexed_not_marked_as_an_error(source_server, monkeypatch):
    """The same death, but the job finishes before the record arrives again (its record counts as
    done): ckanext-harvest's fetch_callback would mark the imported record as an error ("Job ...
    was aborted or timed out") and leave the dataset out of the search."""
    import json
    from ckan import model
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject
    from ckanext.jena.harvest import indexing
    source = make_source(catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 3)]))
    job_dict, harvester, object_ids = _gathered(source)
    original = indexing.index
    monkeypatch.setattr(indexing, "index", lambda package_ids: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_ids[0]))
    monkeypatch.setattr(indexing, "index", original)
    model.Session.remove()
    queue.fetch_and_import_stages(harvester, HarvestObject.get(object_ids[1]))
    model.Session.remove()
    helpers.call_action("harvest_jobs_run", source_id=source["id"])
    assert helpers.call_action("harvest_job_show", id=job_dict["id"])["status"] == "Finished"
    assert helpers.call_action("package_search", q="Messreihe")["count"] == 1
    # ckanext-harvest's resubmit_jobs puts the dead consumer's record back; a consumer takes it
    consumer = queue.get_fetch_consumer()
    body = json.dumps({"harvest_object_id": object_ids[0]})
    consumer.redis.set(consumer.persistance_key(body), "2026-12-07 04:00:00")
    try:
        queue.fetch_callback(consumer, queue.FakeMethod(body), None, body)
        assert consumer.redis.get(consumer.persistance_key(body)) is None  # acknowledged
    finally:
        consumer.redis.delete(consumer.persistance_key(body))
    model.Session.remove()
    obj = HarvestObject.get(object_ids[0])
    assert (obj.state, obj.report_status, obj.current) == ("COMPLETE", "added", True)
    found = helpers.call_action("package_search", q="Messreihe", sort="title_string asc")
    assert [d["title"] for d in found["results"]] == ["Messreihe Nummer 1", "Messreihe Nummer 2"]
    job = helpers.call_action("harvest_job_show", id=job_dict["id"])
    assert job["stats"].get("errored", 0) == 0 and job["stats"]["added"] == 2
