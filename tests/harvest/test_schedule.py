"""Scheduled harvests as `make run` runs them (issue 16): `ckan jena scheduler` starts a source
whose frequency is due by itself, ckanext-harvest's gather and fetch consumers take the job from
the Redis queues, and the scheduler marks it finished. All three are real processes over this
test run's database and Redis; the clock is shortened (the scheduler looks every second)."""
from __future__ import annotations

import time

from ckan.tests import factories, helpers

from tests import processes
from tests.harvest import catalog
from tests.harvest.helpers import harvested, marks
from tests.jena_plugins import HARVEST_PLUGINS

pytestmark = marks()
START_TIMEOUT = 180  # seconds: each process loads CKAN with the harvest plugins on a busy machine


def scheduler_ini(path):
    return processes.harvest_ini(path, HARVEST_PLUGINS, {"ckanext.jena.harvest.schedule_interval": "1"})


def _source(url: str, name: str, frequency: str) -> dict:
    org = factories.Organization(org_type="fachdienst")
    sysadmin = factories.Sysadmin()
    return helpers.call_action("harvest_source_create", context={"user": sysadmin["name"]}, name=name,
                               title=f"Quelle {name}", url=url, source_type="jena_dcat", owner_org=org["id"],
                               frequency=frequency)


def _jobs(source: dict) -> list[dict]:
    from ckan import model
    model.Session.remove()  # what the other processes committed
    return helpers.call_action("harvest_job_list", source_id=source["id"])


def test_a_due_source_is_started_by_the_scheduler_and_its_job_finishes(source_server, tmp_path):
    from ckanext.harvest.queue import purge_queues
    purge_queues()
    daily = _source(catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 4)]), "taeglich", "DAILY")
    manual = _source(catalog.serve(source_server, [catalog.dataset(9)], path="/manual.ttl"), "manuell", "MANUAL")
    ini = scheduler_ini(tmp_path / "scheduler.ini")
    log = tmp_path / "processes.log"
    running = [processes.start(ini, ["harvester", "gather-consumer"], log),
               processes.start(ini, ["harvester", "fetch-consumer"], log),
               processes.start(ini, ["jena", "scheduler"], log)]
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert all(p.poll() is None for p in running), log.read_text(errors="replace")[-3000:]
            jobs = _jobs(daily)
            if jobs and jobs[0]["status"] == "Finished":
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"no finished job:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(3)  # three more looks of the scheduler: the source is not due again before tomorrow
        jobs = _jobs(daily)
    finally:
        processes.stop(running)
    assert len(jobs) == 1 and jobs[0]["stats"]["added"] == 3
    assert [d["title"] for d in harvested()] == [catalog.dataset(n)["title"] for n in range(1, 4)]
    assert _jobs(manual) == []  # a MANUAL source runs only when someone starts it
    source = helpers.call_action("harvest_source_show", id=daily["id"])
    assert source["frequency"] == "DAILY"
    text = log.read_text(errors="replace")
    assert "scheduler started: harvest every 1 s" in text and "scheduler stopped" in text
    assert ": started taeglich" in text and ": finished taeglich" in text  # what a newcomer reads in scheduler.log
