"""ckanext-harvest's Redis queue: consumers that wait for work without a time limit on CKAN 2.12,
records sent to the fetch queue once, not twice, and a record of jena's harvesters imported in
one commit by a fetch consumer.

Why this reaches into ckanext-harvest: its consumers (``ckan harvester gather-consumer`` /
``fetch-consumer``) wait on ``BLPOP`` with no timeout, over a client from
``ckanext.harvest.queue.get_connection_redis``. redis-py 8 (pinned by CKAN 2.12.0; 2.11.6 pins
5.0.7) reads with a 5-second socket timeout by default, so a queue idle for five seconds raised
``redis.exceptions.TimeoutError`` and ended the consumer process. ``install()`` wraps that
function so its clients read without a socket timeout, as redis-py 5 did (their connections are
made later, from these keyword arguments). A no-op on 2.11. Written against ckanext-harvest 1.6.3
with redis-py 5.0.7 and 8.0.1; tests/harvest/test_redis_queue.py fails if it no longer holds.

Why this also replaces ``resubmit_objects`` inside ckanext-harvest's ``harvest_jobs_run`` (the
action the scheduler calls every few seconds; nothing else can change what it does inside): it
sends every WAITING record that is not in the Redis list of the fetch queue to that queue again.
Two kinds of record are WAITING and not in that list without being lost: those of a job whose
gather is still under way (the gather consumer commits them as it reads the catalog and sends
them when the gather ends) and those a fetch consumer has just taken. Both were sent twice; the
second copy reached a fetch consumer after the job had finished, and ckanext-harvest then marked
the record, already imported, as an error ("Job ... was aborted or timed out"): 538 of 2,000
records of a correct harvest with four fetch consumers showed as errors (make bench-harvest, 6
December). ``resubmit_waiting_objects`` sends again only the records that are really lost: WAITING
records of jobs whose gather ended more than RESUBMIT_GRACE ago (or started more than
GATHER_GRACE ago and never ended: a dead gather), neither in the queue's list nor held by a
consumer (its in-flight key). Redis is read before the database, so a record taken in between is
in the list read. tests/harvest/test_resubmit.py.

Why this also replaces ``fetch_and_import_stages`` for the records of jena's harvesters (the
fetch consumer's ``fetch_callback`` calls it by its module-level name; no interface reaches
inside): it commits five times per record (the state before and after the fetch, before the
import, the import, the report status), each commit running CKAN's before-commit observers, and
its import indexes each dataset inside the record's transaction. For jena's harvesters it runs
the synchronous runner's ``run_record`` instead: one commit for the dataset, its harvest record
and the report status, then the dataset indexed once (make bench-harvest, 6 December: the saves
were 11 % of a fetch consumer's busy time). What another process sees differs in one point: a
record stays WAITING until its commit instead of passing through FETCH and IMPORT, so a record in
the hands of a killed consumer is WAITING (put back on the queue by ckanext-harvest's
``resubmit_jobs`` after three minutes, as before). Other harvesters keep ckanext-harvest's.
tests/harvest/test_queue_path.py.

And ``fetch_callback`` itself, for a record of jena's harvesters that arrives already imported
(a consumer died between its commit and its index write): its dataset is indexed and the
message acknowledged, instead of ckanext-harvest marking the record an error once its job has
finished (``_imported_records_indexed``)."""
from __future__ import annotations

import datetime
import functools
import json
import logging

log = logging.getLogger(__name__)
# how long after its job's gather ended a WAITING record may be missing from the queue before
# it is sent again
RESUBMIT_GRACE = datetime.timedelta(minutes=2)
# a gather still without an end this long after its start is taken for dead (ckanext-harvest's
# resubmit_jobs gives a gather two hours too)
GATHER_GRACE = datetime.timedelta(hours=2)


def install() -> None:
    from ckanext.harvest import queue
    original = queue.get_connection_redis
    if getattr(original, "jena_untimed", False):
        return

    @functools.wraps(original)
    def get_connection_redis():
        client = original()
        client.connection_pool.connection_kwargs["socket_timeout"] = None
        return client

    get_connection_redis.jena_untimed = True
    queue.get_connection_redis = get_connection_redis
    from ckanext.harvest.logic.action import update
    update.resubmit_objects = resubmit_waiting_objects
    queue.fetch_and_import_stages = _one_commit_for_ours(queue.fetch_and_import_stages)
    queue.fetch_callback = _imported_records_indexed(queue.fetch_callback)


def _imported_records_indexed(original):
    """ckanext-harvest's fetch_callback (the fetch consumer looks it up by name when it starts,
    after the plugins have loaded), except for a record of jena's harvesters that arrives already imported: its
    dataset is indexed and the message acknowledged. Such a record was held by a fetch consumer
    that died between the record's commit and the index write; ckanext-harvest's resubmit_jobs
    sends it again after three minutes, by when its job has often finished (the record counts as
    done), and fetch_callback would then mark the correct record as an error ("Job ... was
    aborted or timed out") and leave the dataset unsearchable until the next run. A helper's
    review found this. tests/harvest/test_queue_path.py."""
    if getattr(original, "jena_imported_indexed", False):
        return original

    @functools.wraps(original)
    def fetch_callback(channel, method, header, body):
        try:
            object_id = json.loads(body)["harvest_object_id"]
        except (ValueError, KeyError, TypeError):
            return original(channel, method, header, body)
        from ckan import model
        from .runner import index_if_imported
        try:
            indexed = index_if_imported(object_id)
        except Exception:  # ckanext-harvest's own handling (a lost connection is retried there)
            log.exception("harvest: could not look at record %s before its fetch", object_id)
            model.Session.remove()
            indexed = False
        if not indexed:
            return original(channel, method, header, body)
        model.Session.remove()
        channel.basic_ack(method.delivery_tag)
        return None

    fetch_callback.jena_imported_indexed = True
    return fetch_callback


def _one_commit_for_ours(original):
    """ckanext-harvest's fetch_and_import_stages, except for the records of jena's harvesters
    (see the module's docstring)."""
    if getattr(original, "jena_one_commit", False):
        return original

    @functools.wraps(original)
    def fetch_and_import_stages(harvester, obj):
        from .base import JenaHarvester
        if not isinstance(harvester, JenaHarvester):
            return original(harvester, obj)
        from .runner import fetch_and_import_queued
        return fetch_and_import_queued(harvester, obj)

    fetch_and_import_stages.jena_one_commit = True
    return fetch_and_import_stages


def _in_flight(redis, routing_key: str) -> set:
    """Ids of the records fetch consumers hold: ckanext-harvest's consumer sets the key
    ``<routing key>:<id>`` when it takes a record and deletes it when done. Every hold counts,
    whatever its age: ckanext-harvest's resubmit_jobs, which harvest_jobs_run calls just before,
    puts a record held for more than three minutes back on the queue and deletes its hold (and
    the hold's time is the consumer's local time, which need not be this process's)."""
    return {key[len(routing_key) + 1:] for key in redis.scan_iter(match=routing_key + ":*", count=1000)}


def resubmit_waiting_objects() -> int:
    """Send lost WAITING records to the fetch queue again (see the module's docstring); returns
    how many were sent."""
    import sqlalchemy as sa

    from ckan import model
    from ckan.plugins import toolkit
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestJob, HarvestObject
    if toolkit.config.get("ckan.harvest.mq.type") != "redis":
        return 0
    redis = queue.get_connection()
    routing_key = queue.get_fetch_routing_key()
    queued = {json.loads(message)["harvest_object_id"] for message in redis.lrange(routing_key, 0, -1)}
    held = _in_flight(redis, routing_key)
    now = datetime.datetime.utcnow()
    waiting = (model.Session.query(HarvestObject.id)
               .join(HarvestJob, HarvestObject.harvest_job_id == HarvestJob.id)
               .filter(HarvestObject.state == "WAITING")
               .filter(sa.or_(
                   # the gather ended a while ago: its records were sent when it ended
                   HarvestJob.gather_finished < now - RESUBMIT_GRACE,
                   # a gather that never ended and started long ago died (a killed consumer, a
                   # restarted Redis): the records it saved are sent, as ckanext-harvest did
                   sa.and_(HarvestJob.gather_finished.is_(None),
                           HarvestJob.gather_started < now - GATHER_GRACE))))
    lost = [object_id for object_id, in waiting if object_id not in queued and object_id not in held]
    if lost:
        publisher = queue.get_fetch_publisher()
        try:
            for object_id in lost:
                log.info("harvest: record %s was lost from the fetch queue, sent again", object_id)
                publisher.send({"harvest_object_id": object_id})
        finally:
            publisher.close()
    return len(lost)
