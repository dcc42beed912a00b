"""Local curation survives a re-harvest.

The harvester remembers, per record, the values it wrote (``input``) and how the portal stored
them (``output``, a comparable projection of package_show). On the next run a field whose
stored value no longer equals ``output`` was edited in the portal: it keeps the portal's value,
and if the source changed that field too, the job report lists a conflict."""
from __future__ import annotations

import json
from typing import Any, Optional

# never written by a harvest at all: data officers own them
OFFICER_FIELDS = ("explainer",)
# fields that the schema derives from one another: an edit of one protects both
COUPLED = ({"spatial", "districts"},)
# every field a harvest may write, tracked even while empty: a value a data officer adds to a
# field the source left empty is an edit like any other (action fields too: a harvest writes
# them only where a source of the Jena schema confirmed them)
TRACKED = ("title", "notes", "tags", "url", "version", "license_id", "contact", "theme", "frequency",
           "access_rights", "temporal_coverage", "districts", "spatial", "language", "sensor_category",
           "provenance", "source", "issued", "modified", "resources", "groups", "action_fields")
# never compared or overwritten: identity and bookkeeping
# (the origin and the gaps are the harvester's own bookkeeping, written on every import)
IGNORED = {"id", "name", "owner_org", "type", "state", "private", "harvested_from", "harvest_gaps"}


def _empty(value: Any) -> bool:
    return value in (None, "", [], {}, "[]")


def project(dataset: dict, field: str) -> Any:
    """A comparable form of one field of a package_show dict (or of an input dict)."""
    if field == "tags":
        return sorted({t.get("name") if isinstance(t, dict) else str(t) for t in dataset.get("tags") or []})
    if field == "groups":
        return sorted({g.get("name") for g in dataset.get("groups") or [] if isinstance(g, dict)})
    if field == "resources":
        return sorted(json.dumps({k: r.get(k) or None for k in ("url", "name", "description", "format")},
                                 sort_keys=True) for r in dataset.get("resources") or [])
    value = dataset.get(field)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            pass
    value = _without_empty(json.loads(json.dumps(value, sort_keys=True, default=str)))
    return None if _empty(value) else value


def _without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_empty(v) for k, v in value.items() if not _empty(v)}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def snapshot(stored: dict, harvested: dict) -> dict:
    fields = (set(harvested) | set(TRACKED)) - IGNORED - set(OFFICER_FIELDS)
    return {"input": {f: project(harvested, f) for f in fields},
            "output": {f: project(stored, f) for f in fields}}


def merge(current: dict, harvested: dict, previous: Optional[dict]) -> tuple[dict, list[str]]:
    """The dict for package_update and the fields in conflict.

    ``current`` is package_show's dict, ``harvested`` what the source says now, ``previous`` the
    snapshot of the last harvest (None when this source never wrote the dataset)."""
    previous = previous or {}
    before_in, before_out = previous.get("input") or {}, previous.get("output") or {}
    edited = {f for f, value in before_out.items() if project(current, f) != value}
    for group in COUPLED:
        if edited & group:
            edited |= group
    merged = dict(current)
    conflicts = []
    fields = (set(harvested) | set(before_in)) - IGNORED
    for field in sorted(fields):
        new = harvested.get(field)
        source_changed = project(harvested, field) != before_in.get(field)
        if field in OFFICER_FIELDS:
            continue
        if field in edited:
            if source_changed:
                conflicts.append(field)
            continue
        if field == "resources":
            earlier = {json.loads(r).get("url") for r in before_in.get("resources") or []}
            merged["resources"] = _keep_resource_ids(current.get("resources") or [], new or [], earlier)
        elif field in harvested:
            merged[field] = new
        elif before_in.get(field) is not None:  # the source had a value and dropped it
            merged[field] = [] if isinstance(current.get(field), list) else ""
    if "spatial" not in harvested and "spatial" not in edited and "districts" in harvested:
        merged.pop("spatial", None)  # districts from the source: the schema derives the geometry
    return merged, conflicts


def _keep_resource_ids(current: list[dict], harvested: list[dict], earlier: set) -> list[dict]:
    """Harvested resources keep the id (and with it, links and views) of the resource with the same
    URL; resources added in the portal (URLs the source never sent) stay."""
    by_url = {r.get("url"): r for r in current if r.get("url")}
    result, used = [], set()
    for resource in harvested:
        known = by_url.get(resource.get("url"))
        if known and known["id"] not in used:
            resource = dict(known, **resource, id=known["id"])
            used.add(known["id"])
        result.append(resource)
    harvested_urls = {r.get("url") for r in harvested}
    for resource in current:
        if resource["id"] not in used and resource.get("url") not in harvested_urls \
                and resource.get("url") not in earlier:
            result.append(resource)
    return result
