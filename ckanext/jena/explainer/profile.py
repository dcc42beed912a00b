"""Profiles of resources for the plain-language explainers: what a file holds, read from its bytes.

A profile says how many rows a table has, what each column is (a plain label, a type, a unit, the
smallest and largest value, a few examples), which time span the data covers and which of Jena's
Ortsteile its values name. The explainer job downloads a resource within size and time limits and
hands the bytes to ``profile_bytes``; a SensorThings Datastream is asked for its metadata and
latest observations instead (``profile_sensorthings``, through the ``get_json`` it is given).
Content is only parsed, never executed or evaluated. Rows are streamed: per column only
aggregates are kept (counts, smallest and largest value, a few examples, a capped set of distinct
short values for finding Ortsteile).

Column names become plain labels and units through data/columns.yaml. Each file format has its
reader in readers/ (one interface and a registry: readers/__init__.py); this module is what the
job and the pages call.
"""
from __future__ import annotations

import hashlib
from typing import Optional

from . import readers
from .readers.labels import label_column
from .readers.sensorthings import is_sensorthings_url, profile_sensorthings
from .readers.table import PROFILE_VERSION, ProfileError

__all__ = ["PROFILE_VERSION", "ProfileError", "fingerprint", "is_sensorthings_url", "label_column",
           "profile_bytes", "profile_sensorthings"]


def fingerprint(resource: dict) -> str:
    """What a stored profile was made from: when a resource's address, format, size or last
    change differs, its profile is stale (the job profiles it again; pages don't show it)."""
    url = str(resource.get("url") or "")
    if resource.get("url_type") == "upload":
        # CKAN builds an upload's address per request (site_url, language prefix): only the
        # file's name is the file's
        url = url.rstrip("/").rsplit("/", 1)[-1]
    parts = [str(PROFILE_VERSION), url] + [
        str(resource.get(key) or "") for key in ("format", "size", "last_modified", "url_type")]
    if str(resource.get("datastore_active")).lower() == "true":
        parts.append("datastore")  # loaded since: profiled again, from the DataStore
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32]


def profile_bytes(data: bytes, fmt: str, *, name: str = "", max_rows: int = 200_000,
                  deadline: Optional[float] = None) -> dict:
    """The profile of a resource's content (see the module docstring); ``fmt`` is its CKAN format.

    Reading stops after ``max_rows`` rows or once ``time.monotonic()`` passes ``deadline``; the
    profile then says ``truncated``. Raises ProfileError for formats that are not profiled and
    for content that cannot be read."""
    kind = readers.kind_of(fmt, name)
    read = readers.reader_for(kind)
    if read is not None:
        return read(data, kind, name, max_rows, deadline)
    shown = (fmt or "").strip() or "?"
    raise ProfileError(
        f"Format {shown} cannot be profiled: only CSV, TSV, TXT, XLSX, JSON and GeoJSON files are read.",
        f"Das Format {shown} kann nicht ausgewertet werden: gelesen werden nur CSV-, TSV-, TXT-, XLSX-, "
        "JSON- und GeoJSON-Dateien.")
