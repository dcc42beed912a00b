"""What the harvester remembers, and its writes to ckanext-harvest's objects.

Why not only the toolkit: ckanext-harvest's stages hand over and expect its model objects
(HarvestJob, HarvestObject and their errors), and the per-record memory below (content hash,
identifiers, the values last harvested) needs a table of its own. All of that SQL and model use
lives here; written against CKAN 2.11 and ckanext-harvest 1.6.3.

Table ``jena_harvest_record``: one row per record a source ever delivered.
- ``content_hash``: the hash of the record as the source sent it; an equal hash on the next run
  means nothing to do.
- ``identifiers``: the record's URI, dct:identifier, source id and landing page; the same
  dataset arriving from a second source is found by them.
- ``harvested``: ``{"input": ..., "output": ...}``, the values the harvester wrote last time and
  how the portal stored them. A field whose stored value differs from ``output`` was edited by
  a data officer, and a re-harvest leaves it alone.
- ``state``: ``active`` or ``withdrawn`` (gone from the source; the dataset is deleted softly).

The table comes from the plugin's migrations (ckanext/jena/migration/jena_harvest/).
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import uuid
from typing import Iterable, Optional

import sqlalchemy as sa
from ckan import model

from ckanext.harvest.model import (HarvestGatherError, HarvestJob, HarvestObject, HarvestObjectError,
                                   HarvestObjectExtra, HarvestSource)



@dataclasses.dataclass
class Remembered:
    guid: str
    package_id: Optional[str]
    content_hash: Optional[str]
    state: str
    harvested: dict
    package_state: Optional[str] = None
    identifiers: list = dataclasses.field(default_factory=list)


def remembered(source_id: str) -> dict[str, Remembered]:
    """The source's records with the state of their datasets (``package_state``) in one query."""
    rows = model.Session.execute(sa.text(
        "SELECT r.guid, r.package_id, r.content_hash, r.state, p.state, r.identifiers FROM jena_harvest_record r "
        "LEFT JOIN package p ON p.id = r.package_id WHERE r.source_id = :s"), {"s": source_id})
    return {r[0]: Remembered(r[0], r[1], r[2], r[3], {}, r[4], list(r[5] or [])) for r in rows}


def remembered_one(source_id: str, guid: str) -> Optional[Remembered]:
    row = model.Session.execute(sa.text(
        "SELECT guid, package_id, content_hash, state, harvested FROM jena_harvest_record "
        "WHERE source_id = :s AND guid = :g"), {"s": source_id, "g": guid}).first()
    return Remembered(row[0], row[1], row[2], row[3], dict(row[4] or {})) if row else None


def remember(source_id: str, guid: str, package_id: str, content_hash: str, identifiers: Iterable[str],
             harvested: dict, state: str = "active") -> None:
    model.Session.execute(sa.text("""
        INSERT INTO jena_harvest_record (source_id, guid, package_id, content_hash, identifiers, harvested,
                                         state, updated)
        VALUES (:s, :g, :p, :h, :i, CAST(:hv AS jsonb), :st, now())
        ON CONFLICT (source_id, guid) DO UPDATE SET package_id = :p, content_hash = :h, identifiers = :i,
            harvested = CAST(:hv AS jsonb), state = :st, updated = now()"""),
        {"s": source_id, "g": guid, "p": package_id, "h": content_hash, "i": sorted(set(identifiers)),
         "hv": json.dumps(harvested, default=str), "st": state})


def record_of_package(package_id: str) -> Optional[tuple[str, list]]:
    """The guid and identifiers of the live record a dataset was harvested from."""
    row = model.Session.execute(sa.text(
        "SELECT guid, identifiers FROM jena_harvest_record WHERE package_id = :p AND state = 'active' "
        "ORDER BY updated DESC LIMIT 1"), {"p": package_id}).first()
    return (row[0], list(row[1] or [])) if row else None


def mark_withdrawn(source_id: str, guid: str) -> None:
    model.Session.execute(sa.text(
        "UPDATE jena_harvest_record SET state = 'withdrawn', content_hash = NULL, updated = now() "
        "WHERE source_id = :s AND guid = :g"), {"s": source_id, "g": guid})


def claimed_elsewhere(identifiers: Iterable[str], source_id: str) -> Optional[dict]:
    """The active record of another source with one of these identifiers, with its dataset."""
    identifiers = sorted({i for i in identifiers if i})
    if not identifiers:
        return None
    row = model.Session.execute(sa.text("""
        SELECT r.source_id, r.package_id, p.name, s.title, s.url
        FROM jena_harvest_record r JOIN package p ON p.id = r.package_id AND p.state = 'active'
        JOIN harvest_source s ON s.id = r.source_id
        WHERE r.state = 'active' AND r.source_id <> :s AND r.identifiers && CAST(:i AS text[])
        LIMIT 1"""), {"s": source_id, "i": identifiers}).first()
    if row is None:
        return None
    return {"source_id": row[0], "package_id": row[1], "package_name": row[2],
            "source_title": row[3] or row[4]}


def forget_source(source_id: str) -> None:
    model.Session.execute(sa.text("DELETE FROM jena_harvest_record WHERE source_id = :s"), {"s": source_id})


def package_state(package_id: Optional[str]) -> Optional[str]:
    if not package_id:
        return None
    return model.Session.execute(sa.text("SELECT state FROM package WHERE id = :id"), {"id": package_id}).scalar()


def group_id(name: str, organization: bool) -> Optional[str]:
    """The id of the active organisation (or group) called ``name``, in one query."""
    return model.Session.execute(sa.text(
        "SELECT id FROM \"group\" WHERE name = :n AND state = 'active' AND is_organization = :o"),
        {"n": name, "o": organization}).scalar()


def package_owner_org(package_id: str) -> Optional[str]:
    """The organisation of a dataset, or of a harvest source (which is a dataset of type harvest)."""
    return model.Session.execute(sa.text("SELECT owner_org FROM package WHERE id = :id"), {"id": package_id}).scalar()


def package_type(id_or_name: str) -> Optional[str]:
    return model.Session.execute(sa.text("SELECT type FROM package WHERE id = :v OR name = :v"),
                                 {"v": id_or_name}).scalar()


def name_taken(name: str) -> bool:
    return model.Session.execute(sa.text("SELECT 1 FROM package WHERE name = :n"), {"n": name}).first() is not None


# --- ckanext-harvest's objects -------------------------------------------------------------

def current_source_of(package_id: str) -> Optional[HarvestSource]:
    """The harvest source a dataset currently comes from: the source of its current harvest
    object, the latest import first (the query ckanext-harvest runs when it indexes a dataset)."""
    obj = (model.Session.query(HarvestObject)
           .filter(HarvestObject.package_id == package_id, HarvestObject.current.is_(True))
           .order_by(HarvestObject.import_finished.desc().nullslast()).first())
    return obj.source if obj is not None else None


def source(source_id: str) -> Optional[HarvestSource]:
    return HarvestSource.get(source_id)


def job(job_id: str) -> Optional[HarvestJob]:
    return HarvestJob.get(job_id)


def harvest_object(object_id: str) -> Optional[HarvestObject]:
    """The object with its extras and source, in one query (the import reads both)."""
    from sqlalchemy.orm import joinedload
    return (model.Session.query(HarvestObject)
            .options(joinedload(HarvestObject.extras), joinedload(HarvestObject.source))
            .filter(HarvestObject.id == object_id).first())


def new_object(job: HarvestJob, guid: str, content: Optional[str] = None, package_id: Optional[str] = None,
               extras: Optional[dict] = None, **columns) -> HarvestObject:
    # the id is given here, not at the flush: the gather keeps only ids, and reading the id of an
    # object after its commit would cost a query each
    obj = HarvestObject(id=str(uuid.uuid4()), guid=guid, job=job, source=job.source, content=content,
                        package_id=package_id,
                        extras=[HarvestObjectExtra(key=k, value=v) for k, v in (extras or {}).items()],
                        **columns)
    model.Session.add(obj)
    return obj


def discard_objects(job_id: str) -> None:
    """The harvest objects a gather committed before the run failed as a whole, with their extras
    and errors (as ckanext-harvest's gather_stage does when a harvester raises)."""
    params = {"j": job_id}
    objects = "SELECT id FROM harvest_object WHERE harvest_job_id = :j"
    model.Session.execute(sa.text(f"DELETE FROM harvest_object_extra WHERE harvest_object_id IN ({objects})"), params)
    model.Session.execute(sa.text(f"DELETE FROM harvest_object_error WHERE harvest_object_id IN ({objects})"), params)
    model.Session.execute(sa.text("DELETE FROM harvest_object WHERE harvest_job_id = :j"), params)
    model.Session.commit()


def unchanged_objects(job: HarvestJob, rows: list[tuple[str, str]]) -> None:
    """One report row ("not modified") per unchanged record, (guid, package_id), in one statement."""
    if not rows:
        return
    model.Session.execute(sa.text("""
        INSERT INTO harvest_object (id, guid, current, gathered, import_finished, state, report_status,
                                    harvest_job_id, harvest_source_id, package_id, retry_times)
        SELECT u.id, u.guid, false, now() at time zone 'utc', now() at time zone 'utc', 'COMPLETE',
               'not modified', :job, :source, u.package_id, 0
        FROM unnest(CAST(:ids AS text[]), CAST(:guids AS text[]), CAST(:packages AS text[]))
             AS u(id, guid, package_id)"""),
        {"job": job.id, "source": job.source_id, "ids": [str(uuid.uuid4()) for _ in rows],
         "guids": [r[0] for r in rows], "packages": [r[1] for r in rows]})


def object_extra(obj: HarvestObject, key: str) -> Optional[str]:
    for extra in obj.extras:
        if extra.key == key:
            return extra.value
    return None


def add_object_extra(obj: HarvestObject, key: str, value: str) -> None:
    obj.extras.append(HarvestObjectExtra(key=key, value=value))


def gather_error(job: HarvestJob, message: str) -> None:
    model.Session.add(HarvestGatherError(message=message, job=job))
    model.Session.commit()


def object_error(obj: HarvestObject, message: str, stage: str = "Import") -> None:
    model.Session.add(HarvestObjectError(message=message, object=obj, stage=stage))


def make_current(obj: HarvestObject) -> None:
    """``obj`` becomes the current object of its guid in its source (ckanext-harvest's link from a
    dataset to the source it came from)."""
    model.Session.execute(sa.text(
        "UPDATE harvest_object SET current = false WHERE harvest_source_id = :s AND guid = :g AND id <> :id "
        "AND current"), {"s": obj.harvest_source_id, "g": obj.guid, "id": obj.id})
    obj.current = True


def imported_already(obj: HarvestObject) -> bool:
    """Whether another process has already imported this very harvest object; from here to the
    end of the caller's transaction no other process imports it.

    ckanext-harvest's harvest_jobs_run (the scheduler calls it) resubmits every WAITING object
    that is not in the Redis fetch queue, and an object a fetch consumer has just taken from the
    queue, or a gather has committed but not yet sent, is both: so one object can reach two
    fetch consumers. Imports of one object are serialised by a transaction-scoped advisory lock;
    the second finds the object current (the first committed its dataset with it) and leaves the
    dataset alone. tests/harvest/test_consumers.py failed without (the second import changed the
    dataset after the first had indexed it)."""
    model.Session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('jena_harvest_object:' || :id))"),
                          {"id": obj.id})
    row = model.Session.execute(sa.text("SELECT current, package_id FROM harvest_object WHERE id = :id"),
                                {"id": obj.id}).first()
    if row is not None and row.current and row.package_id:
        model.Session.refresh(obj)  # what the first import wrote, for ckanext-harvest's report
        return True
    return False


def imported_record(object_id: str) -> bool:
    """Whether this harvest object is imported: COMPLETE and current, with its dataset."""
    return model.Session.execute(sa.text(
        "SELECT EXISTS (SELECT 1 FROM harvest_object WHERE id = :id AND state = 'COMPLETE' AND current "
        "AND package_id IS NOT NULL)"), {"id": object_id}).scalar()


def claim(object_ids: list[str]) -> None:
    """Objects a synchronous run is about to process are no longer WAITING, so ckanext-harvest's
    `harvester run` does not resubmit them to the fetch queue meanwhile."""
    if object_ids:
        model.Session.execute(sa.text("UPDATE harvest_object SET state = 'FETCH' WHERE id = ANY(:ids)"),
                              {"ids": list(object_ids)})
        model.Session.commit()


def save() -> None:
    model.Session.commit()


def rollback() -> None:
    model.Session.rollback()


def now() -> datetime.datetime:
    return datetime.datetime.utcnow()


def job_counts(job_id: str) -> dict:
    rows = model.Session.execute(sa.text(
        "SELECT coalesce(report_status, state), count(*) FROM harvest_object WHERE harvest_job_id = :j "
        "GROUP BY 1"), {"j": job_id})
    counts = {r[0]: r[1] for r in rows}
    gather_errors = model.Session.execute(sa.text(
        "SELECT count(*) FROM harvest_gather_error WHERE harvest_job_id = :j"), {"j": job_id}).scalar()
    # records created or updated with gaps (curation work; see schema/inbound.py)
    with_gaps = model.Session.execute(sa.text(
        "SELECT count(*) FROM harvest_object o JOIN harvest_object_extra x ON x.harvest_object_id = o.id "
        "WHERE o.harvest_job_id = :j AND x.key = 'jena_gaps' AND o.report_status IN ('added', 'updated')"),
        {"j": job_id}).scalar()
    return {"created": counts.get("added", 0), "updated": counts.get("updated", 0),
            "unchanged": counts.get("not modified", 0), "withdrawn": counts.get("deleted", 0),
            "errors": counts.get("errored", 0) + counts.get("ERROR", 0), "gather_errors": gather_errors,
            "with_gaps": with_gaps}


def job_messages(job_id: str) -> list[str]:
    gather = [r[0] for r in model.Session.execute(sa.text(
        "SELECT message FROM harvest_gather_error WHERE harvest_job_id = :j ORDER BY created"), {"j": job_id})]
    objects = [f"{r[0]}: {r[1]}" for r in model.Session.execute(sa.text(
        "SELECT o.guid, e.message FROM harvest_object_error e JOIN harvest_object o ON o.id = e.harvest_object_id "
        "WHERE o.harvest_job_id = :j ORDER BY e.created"), {"j": job_id})]
    return gather + objects


def forget_package(package_id: str) -> None:
    """A purged dataset's harvest records go: they hold the record as it was harvested (a purge is
    how mistakenly published data is removed for good). If the source still offers the record,
    the next harvest creates the dataset anew, as it would without the record."""
    if model.Session.execute(sa.text("SELECT to_regclass('public.jena_harvest_record') IS NOT NULL")).scalar():
        model.Session.execute(sa.text("DELETE FROM jena_harvest_record WHERE package_id = :p"), {"p": package_id})
