"""Where the effective taxonomy lives: the newest version loaded into the database.

`ckan jena taxonomy load` stores a checked copy of the Turtle file and mapping tables in the
table jena_taxonomy (made by the plugin's migrations, ckanext/jena/migration/jena_taxonomy/), one row per load, so every web worker and background job uses the same
version and the history of versions is kept. Before the first load the packaged files are used.

This module reaches for ckan.model's session because the table is the project's own (plain
SQL, not part of CKAN's metadata); everything else goes through ckan.plugins.toolkit.
"""
from __future__ import annotations

import json
import threading
import time
from typing import Optional

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit

from ckanext.jena import extras

from . import model as taxonomy_model

_lock = threading.Lock()
_cache: dict = {}
# current() answers from memory for this long before asking the database again: a catalog
# export or an index rebuild calls it for every dataset. A load in this process takes effect
# at once; in other processes within this many seconds.
CURRENT_SECONDS = 2.0
_current: dict = {"at": -1e9, "value": None, "base": None}


def base_uri() -> str:
    configured = toolkit.config.get("ckanext.jena.taxonomy.base_uri")
    if configured:
        return configured if configured.endswith("/") else configured + "/"
    return (toolkit.config.get("ckan.site_url") or "").rstrip("/") + "/taxonomy/"


def _build(turtle: str, mappings: dict) -> taxonomy_model.Taxonomy:
    key = (base_uri(), taxonomy_model.checksum(turtle, mappings))
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = taxonomy_model.Taxonomy(turtle, mappings, key[0])
            if len(_cache) > 8:
                _cache.clear()
            _cache[key] = found
        return found


def table_exists() -> bool:
    return bool(model.Session.execute(sa.text("SELECT to_regclass('public.jena_taxonomy') IS NOT NULL")).scalar())


def packaged() -> taxonomy_model.Taxonomy:
    return _build(*taxonomy_model.packaged_sources())


def current() -> taxonomy_model.Taxonomy:
    """The taxonomy in effect: the newest loaded version, else the packaged files."""
    now = time.monotonic()
    if _current["value"] is not None and _current["base"] == base_uri() and now - _current["at"] < CURRENT_SECONDS:
        return _current["value"]
    value = _current_from_database()
    _current.update(at=now, value=value, base=base_uri())
    return value


def forget_current() -> None:
    _current.update(at=-1e9, value=None)


def _current_from_database() -> taxonomy_model.Taxonomy:
    if not table_exists():
        return packaged()
    row = model.Session.execute(sa.text(
        "SELECT checksum FROM jena_taxonomy ORDER BY id DESC LIMIT 1")).first()
    if row is None:
        return packaged()
    with _lock:
        for (base, checksum), found in _cache.items():
            if checksum == row[0] and base == base_uri():
                return found
    full = model.Session.execute(sa.text(
        "SELECT turtle, mappings FROM jena_taxonomy ORDER BY id DESC LIMIT 1")).first()
    return _build(full[0], dict(full[1]))


def loaded_current() -> Optional[taxonomy_model.Taxonomy]:
    """The newest loaded version, or None when nothing was loaded yet."""
    if not table_exists():
        return None
    row = model.Session.execute(sa.text(
        "SELECT turtle, mappings FROM jena_taxonomy ORDER BY id DESC LIMIT 1")).first()
    return _build(row[0], dict(row[1])) if row else None


def store(taxonomy: taxonomy_model.Taxonomy, changes: list, loaded_by: Optional[str]) -> int:
    new_id = model.Session.execute(sa.text(
        "INSERT INTO jena_taxonomy (version, checksum, turtle, mappings, changes, loaded_by) "
        "VALUES (:version, :checksum, :turtle, CAST(:mappings AS jsonb), CAST(:changes AS jsonb), :by) "
        "RETURNING id"),
        {"version": taxonomy.version, "checksum": taxonomy.checksum, "turtle": taxonomy.turtle,
         "mappings": json.dumps(taxonomy.mapping_texts, ensure_ascii=False),
         "changes": json.dumps(changes, ensure_ascii=False), "by": loaded_by}).scalar()
    model.Session.commit()
    forget_current()
    return int(new_id)


def history() -> list[dict]:
    if not table_exists():
        return []
    rows = model.Session.execute(sa.text(
        "SELECT id, version, checksum, changes, loaded_at, loaded_by FROM jena_taxonomy ORDER BY id"))
    return [{"id": r[0], "version": r[1], "checksum": r[2], "changes": r[3],
             "loaded_at": r[4].isoformat(), "loaded_by": r[5]} for r in rows]


def datasets_with_values(keys=("action_fields",)) -> list[tuple[str, str, str, list]]:
    """(id, name, key, values) of every non-deleted dataset that stores one of `keys`."""
    rows = model.Session.execute(sa.text(
        f"SELECT p.id, p.name, e.key, e.value FROM package p JOIN {extras.rows_sql()} e ON e.package_id = p.id "
        "WHERE e.key = ANY(:keys) AND p.state <> 'deleted' ORDER BY p.name"),
        {"keys": list(keys)})
    out = []
    for pid, name, key, value in rows:
        try:
            values = json.loads(value) if value and value.startswith("[") else [value] if value else []
        except ValueError:
            values = [value]
        out.append((pid, name, key, [str(v) for v in values]))
    return out
