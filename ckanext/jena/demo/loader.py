"""Load the demo content of the WISSENsAllmende Jena portal into CKAN.

``load_demo(user_name)`` creates or updates the organisations and groups of
``data/*.yaml`` and harvests the demo sources (sources.py): the datasets of
``data/datasets.yaml`` arrive through the old portal's API, their files are
served from ``data/files/``.  Organisations and groups go through the action
API of ``ckan.plugins.toolkit``; datasets through the harvester, which needs
``ckanext.jena.harvest.allowed_hosts`` to include 127.0.0.1.

Idempotent: organisations and groups are patched only when title,
description or image differ from the YAML; the harvester skips records whose
content is unchanged (an entry's fingerprint, sha256 over the YAML entry and
its files, shows in the old portal's metadata_modified), so a second run
changes nothing and creates no duplicates.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
import os
from typing import Any, Callable

import yaml
from werkzeug.datastructures import FileStorage

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

FINGERPRINT_KEY = "demo_fingerprint"
MIMETYPES = {"CSV": "text/csv", "JSON": "application/json", "GEOJSON": "application/geo+json"}
# Bump when the way the demo maps YAML onto the old portal's datasets changes, so that every
# dataset is harvested once more.
LOADER_VERSION = "3"

def data_path() -> str:
    """Folder holding organizations.yaml, groups.yaml, datasets.yaml, files/."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def files_path() -> str:
    return os.path.join(data_path(), "files")


def read_yaml(name: str) -> list[dict[str, Any]]:
    with open(os.path.join(data_path(), name), encoding="utf-8") as fh:
        content = yaml.safe_load(fh) or []
    if not isinstance(content, list):
        raise ValueError(f"{name}: expected a list of entries")
    return content


# Fields of the Jena dataset schema passed through as they are written in datasets.yaml.
SCHEMA_FIELDS = ("action_fields", "districts", "theme", "frequency", "temporal_coverage",
                 "sensor_category", "access_rights", "language", "provenance", "source")


def _context(user_name: str) -> dict[str, Any]:
    return {"user": user_name, "ignore_auth": True}


def _resource_file(res: dict[str, Any]) -> str:
    path = os.path.normpath(os.path.join(files_path(), res["file"]))
    if not path.startswith(files_path() + os.sep):
        raise ValueError(f"resource file outside data/files: {res['file']}")
    return path


def fingerprint(entry: dict[str, Any]) -> str:
    """sha256 over the YAML entry (canonical JSON) and all its files' bytes."""
    h = hashlib.sha256()
    h.update(f"loader-v{LOADER_VERSION}\n".encode())
    h.update(json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
    for res in entry.get("resources") or []:
        if res.get("file"):
            h.update(b"\nfile:" + res["file"].encode("utf-8") + b"\n")
            with open(_resource_file(res), "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


# ---------------------------------------------------------------------------
# Organisations and groups
# ---------------------------------------------------------------------------
def _sync_group(kind: str, entry: dict[str, Any], user_name: str, echo: Callable) -> str:
    """Create or patch an organization (kind='organization') or group.
    Returns 'created', 'updated' or 'unchanged'."""
    wanted = {
        "name": entry["name"],
        "title": entry.get("title") or entry["name"],
        "description": (entry.get("description") or "").strip(),
        "image_url": entry.get("image_url") or "",
    }
    if kind == "organization" and entry.get("org_type"):
        wanted["org_type"] = entry["org_type"]
    try:
        current = toolkit.get_action(f"{kind}_show")(
            _context(user_name), {"id": entry["name"], "include_datasets": False,
                                  "include_users": False, "include_extras": False,
                                  "include_groups": False, "include_tags": False,
                                  "include_followers": False})
    except toolkit.ObjectNotFound:
        current = None

    try:
        if current is None:
            toolkit.get_action(f"{kind}_create")(_context(user_name), dict(wanted))
            state = "created"
        else:
            changes = {k: v for k, v in wanted.items() if (current.get(k) or "") != v}
            if current.get("state") != "active":
                changes["state"] = "active"
            if changes:
                changes["id"] = current["id"]
                toolkit.get_action(f"{kind}_patch")(_context(user_name), changes)
                state = "updated"
            else:
                state = "unchanged"
    except toolkit.ValidationError as e:
        echo(f"  {kind} {entry['name']}: validation failed: {e.error_dict}")
        raise
    echo(f"  {kind:<12} {entry['name']:<45} {state}")
    return state


# ---------------------------------------------------------------------------
# Datasets
# ---------------------------------------------------------------------------
def _package_dict(entry: dict[str, Any], fp: str | None) -> dict[str, Any]:
    """YAML entry -> package dict without resources."""
    extras = [{"key": str(e["key"]), "value": str(e["value"])}
              for e in entry.get("extras") or []]
    extras = [e for e in extras if e["key"] != FINGERPRINT_KEY]
    if fp:
        extras.append({"key": FINGERPRINT_KEY, "value": fp})
    pkg = {
        "name": entry["name"],
        "title": entry["title"],
        "notes": (entry.get("notes") or "").strip(),
        "owner_org": entry["owner_org"],
        "private": bool(entry.get("private", False)),
        "license_id": entry.get("license_id") or "",
        "author": entry.get("author") or "",
        "author_email": entry.get("author_email") or "",
        "maintainer": entry.get("maintainer") or "",
        "maintainer_email": entry.get("maintainer_email") or "",
        "version": str(entry["version"]) if entry.get("version") is not None else "",
        "url": entry.get("url") or "",
        "state": "active",
        "tags": [{"name": t} for t in entry.get("tags") or []],
        "groups": [{"name": g} for g in entry.get("groups") or []],
        "extras": extras,
    }
    for key in SCHEMA_FIELDS:
        if entry.get(key) not in (None, "", []):
            pkg[key] = entry[key]
    pkg.setdefault("access_rights", "PUBLIC")
    pkg.setdefault("language", ["DEU"])
    if entry.get("maintainer_email"):
        pkg["contact"] = [{"name": entry.get("maintainer") or "", "email": entry["maintainer_email"]}]
    return pkg


def _resource_dicts(entry: dict[str, Any], existing: list[dict[str, Any]],
                    stack: contextlib.ExitStack) -> list[dict[str, Any]]:
    """Resource dicts for package_update.  Existing resources are matched by
    name so their ids (and download URLs) stay stable; files are attached as
    FileStorage uploads, links are plain urls."""
    by_name: dict[str, dict[str, Any]] = {}
    for r in existing:
        by_name.setdefault(r.get("name") or "", r)
    out = []
    for res in entry.get("resources") or []:
        fmt = res.get("format") or ""
        d: dict[str, Any] = {
            "name": res["name"],
            "description": (res.get("description") or "").strip(),
            "format": fmt,
        }
        old = by_name.pop(res["name"], None)
        if old is not None:
            d["id"] = old["id"]
        if res.get("file"):
            path = _resource_file(res)
            basename = os.path.basename(path)
            mimetype = MIMETYPES.get(fmt.upper()) or mimetypes.guess_type(basename)[0] \
                or "application/octet-stream"
            stream = stack.enter_context(open(path, "rb"))
            d["url"] = basename
            d["mimetype"] = mimetype
            d["upload"] = FileStorage(stream=stream, filename=basename, content_type=mimetype)
        elif res.get("url"):
            d["url"] = res["url"]
            d["url_type"] = ""
            if fmt.upper() in MIMETYPES:
                d["mimetype"] = MIMETYPES[fmt.upper()]
        else:
            raise ValueError(f"resource {res['name']!r} needs 'file' or 'url'")
        out.append(d)
    return out


def _sync_dataset(entry: dict[str, Any], user_name: str, echo: Callable) -> str:
    name = entry["name"]
    fp = fingerprint(entry)
    ctx = _context
    try:
        current = toolkit.get_action("package_show")(ctx(user_name), {"id": name})
    except toolkit.ObjectNotFound:
        current = None

    if current is not None:
        # stock CKAN returns extras as a list; schema plugins (scheming) may
        # lift them to top-level keys
        old_fp = current.get(FINGERPRINT_KEY) or next(
            (e["value"] for e in current.get("extras") or []
             if e.get("key") == FINGERPRINT_KEY), None)
        if old_fp == fp and current.get("state") == "active":
            echo(f"  dataset      {name:<45} unchanged")
            return "unchanged"

    try:
        if current is None:
            # bare dataset first: package_create does not handle uploads;
            # the fingerprint is written only once everything succeeded
            current = toolkit.get_action("package_create")(
                ctx(user_name), _package_dict(entry, None))
            state = "created"
        else:
            state = "updated"
        pkg = _package_dict(entry, fp)
        pkg["id"] = current["id"]
        with contextlib.ExitStack() as stack:
            pkg["resources"] = _resource_dicts(entry, current.get("resources") or [], stack)
            toolkit.get_action("package_update")(ctx(user_name), pkg)
    except toolkit.ValidationError as e:
        echo(f"  dataset      {name:<45} FAILED: {e.error_dict}")
        if hasattr(e, "add_note"):
            e.add_note(f"demo dataset: {name}")
        raise
    echo(f"  dataset      {name:<45} {state} ({len(entry.get('resources') or [])} resources)")
    return state


def _check_references(orgs, groups, datasets) -> None:
    org_names = {o["name"] for o in orgs}
    group_names = {g["name"] for g in groups}
    seen = set()
    for d in datasets:
        if d["name"] in seen:
            raise ValueError(f"dataset {d['name']}: duplicate name")
        seen.add(d["name"])
        if d.get("owner_org") not in org_names:
            raise ValueError(f"dataset {d['name']}: unknown owner_org {d.get('owner_org')!r}")
        for g in d.get("groups") or []:
            if g not in group_names:
                raise ValueError(f"dataset {d['name']}: unknown group {g!r}")
        for r in d.get("resources") or []:
            if r.get("file") and not os.path.isfile(_resource_file(r)):
                raise ValueError(f"dataset {d['name']}: missing file {r['file']}")


def _ensure_source(spec: dict[str, Any], base: str, user_name: str) -> dict[str, Any]:
    """Create the demo harvest source, or point it at this run's address."""
    context = _context(user_name)
    wanted = {"url": base + spec["path"], "config": json.dumps(spec["config"], sort_keys=True),
              "title": spec["title"], "frequency": spec.get("frequency", "MANUAL")}
    try:
        current = toolkit.get_action("harvest_source_show")(dict(context), {"id": spec["name"]})
    except toolkit.ObjectNotFound:
        org = toolkit.get_action("organization_show")(dict(context), {"id": spec["org"]})
        return toolkit.get_action("harvest_source_create")(dict(context), dict(
            wanted, name=spec["name"], source_type=spec["source_type"], owner_org=org["id"]))
    if any((current.get(k) or "") != v for k, v in wanted.items()):
        current = toolkit.get_action("harvest_source_patch")(dict(context), dict(wanted, id=current["id"]))
    return current


def _remove_directly_loaded(datasets: list[dict[str, Any]], user_name: str, echo: Callable) -> None:
    """Demo datasets that an earlier version of this loader created directly (they carry the
    extra demo_fingerprint) make way for the harvested ones, which take their names."""
    for entry in datasets:
        try:
            current = toolkit.get_action("package_show")(_context(user_name), {"id": entry["name"]})
        except toolkit.ObjectNotFound:
            continue
        extras = {e.get("key") for e in current.get("extras") or []}
        if FINGERPRINT_KEY in current or FINGERPRINT_KEY in extras:
            toolkit.get_action("dataset_purge")(_context(user_name), {"id": current["id"]})
            echo(f"  dataset      {entry['name']:<45} loaded directly by an earlier demo: removed")


def _explain_all(echo: Callable[[str], Any]) -> int:
    if not plugins.plugin_loaded("jena_explainer"):
        return 0
    from ckanext.jena.explainer import cli as explainer_cli, jobs
    totals = jobs.explain_all(explainer_cli.all_dataset_ids())
    echo(f"  explainers   {totals['datasets']} renewed, {totals['profiled']} files profiled, "
         f"{totals['failed']} could not be read")
    return totals["datasets"]


def _prepare_maps(user_name: str, echo: Callable[[str], Any]) -> int:
    """Read every demo map source (GeoJSON, KML, WFS, WMS links) into the maps' cache now, while
    the demo sources answer: else the first visitor of each map meets "Die Karte wird
    vorbereitet" until the job worker, busy with the fresh portal's quality checks and tables,
    gets to it (the cache keeps them ckanext.jena.maps.cache_seconds; later visits queue the job)."""
    if not plugins.plugin_loaded("jena_maps"):
        return 0
    from ckanext.jena.maps import source as map_source
    found = toolkit.get_action("package_search")(
        _context(user_name), {"rows": 1000, "include_private": True})["results"]
    prepared = 0
    for dataset in found:
        for resource in dataset.get("resources") or []:
            if map_source.resource_kind(resource) is not None:
                map_source.prepare_job(resource["id"])
                prepared += 1
    echo(f"  maps         {prepared} map sources read")
    return prepared


def load_demo(user_name: str, echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Create or update the demo organisations and groups, then harvest the demo sources
    (see sources.py): the old portal (CKAN API, the public datasets of data/datasets.yaml), a
    DCAT partner catalog, the geodata catalogue (CSW) and the sensor platform (SensorThings).
    The private entries of datasets.yaml are internal data that officers keep in the portal
    itself: they are created directly, with their files in CKAN's filestore.

    ``user_name`` becomes the creator of organisations and groups (use a sysadmin).
    Returns {'organizations', 'groups', 'datasets_created', 'datasets_updated',
    'datasets_unchanged', 'datasets_withdrawn', 'errors', 'sources'}.
    """
    from ckanext.jena.harvest.runner import run_source
    from . import sources

    orgs = read_yaml("organizations.yaml")
    groups = read_yaml("groups.yaml")
    datasets = read_yaml("datasets.yaml")
    _check_references(orgs, groups, datasets)

    echo(f"Demo content from {data_path()}")
    for o in orgs:
        _sync_group("organization", o, user_name, echo)
    for g in groups:
        _sync_group("group", g, user_name, echo)

    public = [d for d in datasets if not d.get("private")]
    _remove_directly_loaded(public, user_name, echo)
    summary: dict[str, Any] = {"organizations": len(orgs), "groups": len(groups), "datasets_created": 0,
                               "datasets_updated": 0, "datasets_unchanged": 0, "datasets_withdrawn": 0,
                               "errors": 0, "sources": {}}
    with sources.serving(toolkit.config.get("ckan.site_url") or "http://127.0.0.1:5000") as base:
        echo(f"Harvesting the demo sources served at {base}")
        for spec in sources.SOURCES:
            source = _ensure_source(spec, base, user_name)
            result = run_source(source["id"])
            for key in ("created", "updated", "unchanged", "withdrawn"):
                summary[f"datasets_{key}"] += result[key]
            summary["errors"] += result["errors"] + result["gather_errors"]
            summary["sources"][spec["name"]] = result
            echo(f"  harvest      {spec['name']:<45} created {result['created']}, updated {result['updated']}, "
                 f"unchanged {result['unchanged']}, withdrawn {result['withdrawn']}, "
                 f"errors {result['errors'] + result['gather_errors']}")
            for message in result["messages"]:
                echo(f"    {message}")
        # internal datasets (private) are no old-portal records: data officers keep them in the
        # portal itself, with their files in CKAN's filestore (downloads checked against the dataset)
        for entry in datasets:
            if entry.get("private"):
                state = _sync_dataset(json.loads(json.dumps(entry)), user_name, echo)
                summary[f"datasets_{state}"] += 1
        # explainers: profiled while the demo sources answer (the files live there)
        summary["explainers"] = _explain_all(echo)
        summary["maps"] = _prepare_maps(user_name, echo)
    echo("Done: " + ", ".join(f"{k}={v}" for k, v in summary.items() if k != "sources"))
    return summary
