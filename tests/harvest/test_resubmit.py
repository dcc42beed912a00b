"""The scheduler's harvest_jobs_run sends a WAITING record to the fetch queue again only when it
is lost (ckanext/jena/harvest/redis_queue.py): not while its gather is under way, not while a
fetch consumer holds it, not when it is queued already. ckanext-harvest 1.6.3's own
resubmit_objects sent the first two again, and the second copy, arriving after the job had
finished, turned an imported record into an error."""
import datetime
import json

import pytest

from ckan import model
from ckan.tests import helpers

from tests.harvest.helpers import make_source, marks

pytestmark = marks() + [pytest.mark.ckan_config("ckan.harvest.mq.type", "redis")]


@pytest.fixture
def fetch_queue():
    from ckanext.harvest import queue
    queue.purge_queues()
    redis = queue.get_connection()
    key = queue.get_fetch_routing_key()

    def queued() -> list:
        return [json.loads(m)["harvest_object_id"] for m in redis.lrange(key, 0, -1)]
    yield redis, key, queued
    queue.purge_queues()
    for held in redis.scan_iter(match=key + ":*"):
        redis.delete(held)


def job_with_waiting_records(gather_finished, count=3, gather_started_minutes_ago=30):
    from ckanext.harvest.model import HarvestJob, HarvestObject
    source = make_source("http://127.0.0.1:9/catalog.ttl")
    job = HarvestJob(source_id=source["id"], status="Running",
                     gather_started=datetime.datetime.utcnow() - datetime.timedelta(minutes=gather_started_minutes_ago),
                     gather_finished=gather_finished)
    job.save()
    ids = []
    for number in range(count):
        obj = HarvestObject(guid=f"record-{number}", job=job, source=job.source, state="WAITING")
        obj.save()
        ids.append(obj.id)
    model.Session.commit()
    return source, ids


def jobs_run(source):
    helpers.call_action("harvest_jobs_run", source_id=source["id"])
    model.Session.commit()


def test_records_of_a_gather_under_way_are_not_sent_before_the_gather_sends_them(fetch_queue):
    _redis, _key, queued = fetch_queue
    source, _ids = job_with_waiting_records(gather_finished=None)
    jobs_run(source)
    assert queued() == []


def test_records_a_consumer_holds_or_the_queue_holds_are_not_sent_again(fetch_queue):
    redis, key, queued = fetch_queue
    long_ago = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    source, ids = job_with_waiting_records(gather_finished=long_ago)
    held, in_queue, lost = ids
    redis.set(f"{key}:{held}", str(datetime.datetime.now()))  # as the fetch consumer marks it
    redis.rpush(key, json.dumps({"harvest_object_id": in_queue}))
    jobs_run(source)
    assert sorted(queued()) == sorted([in_queue, lost])
    jobs_run(source)  # the lost record is in the queue now: not sent a second time
    assert sorted(queued()) == sorted([in_queue, lost])


def test_the_records_a_dead_gather_saved_are_sent_again(fetch_queue):
    _redis, _key, queued = fetch_queue
    source, ids = job_with_waiting_records(gather_finished=None, gather_started_minutes_ago=180)
    jobs_run(source)
    assert sorted(queued()) == sorted(ids)


def test_a_record_held_by_a_consumer_that_died_long_ago_is_sent_again_once(fetch_queue):
    # ckanext-harvest's resubmit_jobs puts it back (a hold older than three minutes) and
    # deletes the hold; the check after it must not send it a second time
    redis, key, queued = fetch_queue
    long_ago = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    source, ids = job_with_waiting_records(gather_finished=long_ago, count=1)
    redis.set(f"{key}:{ids[0]}", str(datetime.datetime.now() - datetime.timedelta(minutes=20)))
    jobs_run(source)
    assert queued() == ids
