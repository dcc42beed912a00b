"""Several fetch consumers (JENA_FETCH_CONSUMERS, issue 16 item 4): a harvest taken from the Redis
queues by 1, 2 or 4 fetch consumer processes creates each dataset exactly once and loses none,
and the search index agrees with the database afterwards."""
from __future__ import annotations

import time
from collections import Counter

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import helpers

from tests import processes
from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks
from tests.jena_plugins import HARVEST_PLUGINS

pytestmark = marks()
RECORDS = 60
TIMEOUT = 400  # seconds: up to six processes load CKAN on a busy 2-core machine


@pytest.mark.parametrize("consumers", [1, 2, 4])
def test_each_record_becomes_exactly_one_dataset_with_several_fetch_consumers(consumers, source_server, tmp_path):
    from ckanext.harvest.queue import get_connection, get_fetch_routing_key, purge_queues
    from ckanext.jena.search import consistency
    purge_queues()
    redis, fetch_key = get_connection(), get_fetch_routing_key()
    source = make_source(catalog.serve(source_server, [catalog.dataset(n) for n in range(1, RECORDS + 1)],
                                       per_page=20))
    ini = processes.harvest_ini(tmp_path / "consumers.ini", HARVEST_PLUGINS,
                                {"ckanext.jena.harvest.schedule_interval": "1"})
    log = tmp_path / "processes.log"
    running = [processes.start(ini, ["harvester", "gather-consumer"], log),
               processes.start(ini, ["jena", "scheduler"], log)]
    running += [processes.start(ini, ["harvester", "fetch-consumer"], log) for _ in range(consumers)]
    try:
        # what the web UI's "Reharvest" does: a job sent to the gather queue
        job = helpers.call_action("harvest_job_create", source_id=source["id"], run=True)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            assert all(p.poll() is None for p in running), log.read_text(errors="replace")[-3000:]
            model.Session.remove()
            job = helpers.call_action("harvest_job_show", id=job["id"])
            if job["status"] == "Finished":
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"the job did not finish:\n{log.read_text(errors='replace')[-3000:]}")
        # the consumers go on until the fetch queue is empty: a record sent twice would reach
        # one after the job had finished, and ckanext-harvest would mark it an error
        drained = time.monotonic() + 60
        while time.monotonic() < drained and (redis.llen(fetch_key) or list(redis.scan_iter(match=fetch_key + ":*"))):
            time.sleep(0.2)
        time.sleep(1)
    finally:
        processes.stop(running)
    model.Session.remove()
    assert job["stats"].get("added") == RECORDS and not job["stats"].get("errored"), job["stats"]
    states = Counter(state for state, in model.Session.execute(sa.text(
        "SELECT coalesce(report_status, state) FROM harvest_object WHERE harvest_job_id = :j"), {"j": job["id"]}))
    assert states == Counter({"added": RECORDS}), states
    titles = Counter(d["title"] for d in harvested())
    assert titles == Counter(catalog.dataset(n)["title"] for n in range(1, RECORDS + 1))
    assert not any(consistency.compare().values())
