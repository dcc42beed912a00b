"""The stages as ckanext-harvest's gather and fetch consumers run them (web UI "Reharvest")."""
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
