"""Run one harvest source synchronously, in this process: the gather, fetch and import stages
of ckanext-harvest without its queues (`ckan jena harvest run`, the demo, the benchmark). The
queues' consumers (`ckan harvester gather-consumer` / `fetch-consumer`) run the same stages
when a job is started from the web UI."""
from __future__ import annotations

import logging
import os
from typing import Callable, Optional

from ckan.plugins import toolkit

from ckanext.jena.lang import BilingualError

from . import fetch, indexing, store
from .base import SavedDocument

log = logging.getLogger(__name__)
# a synchronous run indexes the datasets it wrote every this many records
INDEX_BATCH = 100
Progress = Callable[[str, int, Optional[int]], None]
# a saved document's kind, from its file name (the DCAT harvester sniffs the rest)
SAVED_TYPES = {".ttl": "text/turtle", ".rdf": "application/rdf+xml", ".owl": "application/rdf+xml",
               ".xml": "application/xml", ".jsonld": "application/ld+json", ".json": "application/json",
               ".nt": "application/n-triples", ".n3": "text/n3"}


class RunError(BilingualError):
    """A harvest run from the command line could not start, in English and German."""


def _context() -> dict:
    user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": user["name"], "ignore_auth": True}


def saved_document(path: str) -> SavedDocument:
    """The file at ``path`` as a source's answer; RunError if it is missing, unreadable or larger
    than a source's answer may be (ckanext.jena.harvest.max_bytes)."""
    if not os.path.isfile(path):
        raise RunError(f"There is no file {path!r}.", f"Es gibt keine Datei {path!r}.")
    limit = fetch.max_bytes()
    try:
        size = os.path.getsize(path)
        if size > limit:
            raise RunError(
                f"The file {path!r} has {size / 1048576:.1f} MB, more than a source's answer may have "
                f"({limit / 1048576:.1f} MB, ckanext.jena.harvest.max_bytes); nothing was imported.",
                f"Die Datei {path!r} hat {size / 1048576:.1f} MB, mehr als die Antwort einer Quelle haben darf "
                f"({limit / 1048576:.1f} MB, ckanext.jena.harvest.max_bytes); nichts wurde übernommen.")
        with open(path, "rb") as f:
            body = f.read(limit + 1)
    except OSError as exc:
        raise RunError(f"The file {path!r} cannot be read ({exc.strerror}).",
                       f"Die Datei {path!r} ist nicht lesbar ({exc.strerror}).")
    if len(body) > limit:  # grew while being read
        raise RunError(f"The file {path!r} is larger than ckanext.jena.harvest.max_bytes; nothing was imported.",
                       f"Die Datei {path!r} ist größer als ckanext.jena.harvest.max_bytes; nichts wurde übernommen.")
    suffix = os.path.splitext(path)[1].lower()
    return SavedDocument(path=path, body=body, content_type=SAVED_TYPES.get(suffix, ""))


def run_source(source: str, progress: Optional[Progress] = None, force: bool = False,
               allow_mass_withdrawal: bool = False, document: Optional[str] = None) -> dict:
    """Harvest ``source`` (id or name) once and return the job's summary: created, updated,
    unchanged, withdrawn, errors (records), gather_errors (the source as a whole), incomplete
    (the reason, bilingual, when the source was read only in part), job_id and the report's
    messages.

    ``document``: the path of a saved answer of the source (`ckan jena harvest import`), read
    instead of the source's address and mapped exactly like a live answer; it withdraws only
    when it is a complete catalog. Records are not completed from the network (a CKAN
    ``package_search`` saved with ``fl`` lists no whole datasets)."""
    from ckanext.harvest import queue
    from ckanext.harvest.logic import HarvestJobExists

    context = _context()
    try:
        source_dict = toolkit.get_action("harvest_source_show")(dict(context), {"id": source})
    except toolkit.ObjectNotFound:
        raise RunError(f"There is no harvest source {source!r}.", f"Es gibt keine Harvest-Quelle {source!r}.")
    saved = saved_document(document) if document is not None else None
    harvester = queue.get_harvester(source_dict["source_type"])
    if harvester is None:
        raise RunError(f"No harvester of type {source_dict['source_type']!r} is enabled (ckan.plugins).",
                       f"Kein Harvester vom Typ {source_dict['source_type']!r} ist aktiviert (ckan.plugins).")
    # jobs stuck beyond ckan.harvest.timeout are finished (with an error in their report) first
    toolkit.get_action("harvest_jobs_run")(dict(context), {"source_id": source_dict["id"]})
    try:
        job_dict = toolkit.get_action("harvest_job_create")(dict(context), {"source_id": source_dict["id"],
                                                                              "run": False})
    except HarvestJobExists:
        waiting = toolkit.get_action("harvest_job_list")(dict(context), {"source_id": source_dict["id"],
                                                                           "status": "New"})
        if not waiting:
            raise RunError(
                "A job of this source is running. Wait for it, or end it with `ckan harvester job-abort "
                f"{source_dict['name']}`; jobs idle longer than ckan.harvest.timeout are ended automatically.",
                "Für diese Quelle läuft schon ein Job. Bitte warten oder ihn mit `ckan harvester job-abort "
                f"{source_dict['name']}` beenden; Jobs, die länger als ckan.harvest.timeout ruhen, werden "
                "automatisch beendet.")
        job_dict = waiting[0]
    job = store.job(job_dict["id"])
    job.status = "Running"
    store.save()
    job.jena_progress = progress
    job.jena_force = force
    job.jena_allow_withdrawal = allow_mass_withdrawal
    job.jena_document = saved
    object_ids = queue.gather_stage(harvester, job)
    if not isinstance(object_ids, list):
        object_ids = []
    store.claim(object_ids)
    # the datasets written are indexed once each, every INDEX_BATCH records: not in every creating
    # commit, nor in one transaction at the end of a large catalog
    for start in range(0, len(object_ids), INDEX_BATCH):
        with indexing.deferred() as pending:
            for number, object_id in enumerate(object_ids[start:start + INDEX_BATCH], start + 1):
                run_record(harvester, store.harvest_object(object_id), pending, offline=saved is not None)
                if progress:
                    progress("import", number, len(object_ids))
    toolkit.get_action("harvest_jobs_run")(dict(context), {"source_id": source_dict["id"]})
    summary = store.job_counts(job_dict["id"])
    incomplete = getattr(job, "jena_incomplete", None)
    summary.update(job_id=job_dict["id"], source_id=source_dict["id"], messages=store.job_messages(job_dict["id"]),
                   incomplete=incomplete.report() if incomplete is not None else None)
    return summary


def run_record(harvester, obj, pending: set, offline: bool = False) -> None:
    """One record's fetch and import in one commit (``_fetch_and_import``), inside a
    ``indexing.deferred()`` block whose collected datasets are ``pending``. A record that fails
    unexpectedly is rolled back and marked as an error; it does not end the job."""
    object_id, guid, source_id = obj.id, obj.guid, obj.harvest_source_id
    before = set(pending)
    try:
        _fetch_and_import(harvester, obj, offline=offline)
    except Exception:  # one broken record must not end the job; the report says which
        log.exception("harvest source %s: record %s failed", source_id, guid)
        store.rollback()
        # a dataset written in the transaction just rolled back is not there to index
        for package_id in pending - before:
            if store.package_state(package_id) is None:
                pending.discard(package_id)
        obj = store.harvest_object(object_id)
        obj.state, obj.report_status = "ERROR", "errored"
        store.object_error(obj, "Unerwarteter Fehler beim Import, Details im Log / Unexpected error "
                                "during import, details in the log.")
        store.save()


def fetch_and_import_queued(harvester, obj) -> None:
    """What a fetch consumer runs for a record of a jena harvester, in place of ckanext-harvest's
    ``fetch_and_import_stages`` (installed by redis_queue.install, which says why): the record
    and its bookkeeping in one commit instead of five, its dataset indexed once after that commit
    (a failed index write never takes the dataset with it), and the same report statuses."""
    with indexing.deferred() as pending:
        run_record(harvester, obj, pending)


def index_if_imported(object_id: str) -> bool:
    """For a fetch consumer, before ckanext-harvest's checks of a record: if the record belongs to
    one of jena's harvesters and is already imported (COMPLETE and current, with its dataset), it
    was delivered again after a consumer died before writing the index (redis_queue says how): its
    dataset is indexed, and True tells the consumer to acknowledge it without importing it again."""
    from ckanext.harvest import queue
    from .base import JenaHarvester
    if not store.imported_record(object_id):  # one small look-up for every message
        return False
    obj = store.harvest_object(object_id)
    if obj is None or obj.state != "COMPLETE" or not obj.current or not obj.package_id:
        return False
    if not isinstance(queue.get_harvester(obj.source.type), JenaHarvester):
        return False
    log.info("harvest object %s arrived again after its import; its dataset is indexed", object_id)
    with indexing.deferred():
        indexing.index_with_the_others(obj.package_id)
    return True


def _fetch_and_import(harvester, obj, offline: bool = False) -> None:
    """ckanext-harvest's fetch_and_import_stages with one commit for the bookkeeping instead of
    five; the report statuses are the ones it gives. ``offline``: a saved document's records are
    imported as saved, the source is not asked to complete them."""
    obj.fetch_started = store.now()
    obj.state = "FETCH"
    fetched = True if offline else harvester.fetch_stage(obj)
    obj.fetch_finished = store.now()
    if fetched is True:
        obj.import_started = store.now()
        obj.state = "IMPORT"
        obj.jena_caller_commits = True  # the dataset is committed with the report status below
        imported = harvester.import_stage(obj)
        obj.import_finished = store.now()
        if imported == "unchanged":
            obj.state, obj.report_status = "COMPLETE", "not modified"
        elif imported:
            obj.state = "COMPLETE"
            if obj.current is False:
                obj.report_status = "deleted"
            else:
                obj.report_status = "updated" if store.object_extra(obj, "status") == "change" else "added"
        else:
            obj.state, obj.report_status = "ERROR", "errored"
    elif fetched == "unchanged":
        obj.state, obj.report_status = "COMPLETE", "not modified"
    else:
        obj.state, obj.report_status = "ERROR", "errored"
    store.save()
