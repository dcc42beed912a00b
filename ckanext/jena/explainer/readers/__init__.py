"""One reader per file format behind one interface.

A reader is a module with ``KINDS`` (the kinds of file it reads: "CSV", "XLSX", ...) and
``read(data, kind, name, max_rows, deadline) -> profile``: it streams the bytes into the shared
table (table.py) and returns ``table.finish(...)`` with what only its format knows (the CSV
dialect, the sheet, the geometry types). It raises table.ProfileError, in English and German,
for content it cannot read. ``READERS`` below is the registry; a new format is a new module
listed there and its CKAN format names in ``FORMATS``.

SensorThings Datastreams are an API, not bytes: sensorthings.py reads them for the job.
"""
from __future__ import annotations

from typing import Callable, Optional

from . import delimited, json, xlsx

READERS = (delimited, xlsx, json)
# the kind of file a resource is, by its CKAN format (upper case; media types too)
FORMATS = {
    "CSV": "CSV", "TEXT/CSV": "CSV",
    "TSV": "TSV", "TEXT/TAB-SEPARATED-VALUES": "TSV",
    "TXT": "TXT", "TEXT": "TXT", "TEXT/PLAIN": "TXT",
    "XLSX": "XLSX", "APPLICATION/VND.OPENXMLFORMATS-OFFICEDOCUMENT.SPREADSHEETML.SHEET": "XLSX",
    "JSON": "JSON", "APPLICATION/JSON": "JSON",
    "GEOJSON": "GeoJSON", "APPLICATION/GEO+JSON": "GeoJSON", "APPLICATION/VND.GEO+JSON": "GeoJSON",
}


def kind_of(fmt: str, name: str) -> Optional[str]:
    """The kind of file, from the resource's format or else its file name's extension."""
    key = (fmt or "").strip().upper().lstrip(".")
    if not key and name and "." in name:
        key = name.rsplit(".", 1)[1].upper()
    return FORMATS.get(key)


def reader_for(kind: Optional[str]) -> Optional[Callable]:
    """The ``read`` function of the reader of ``kind``; None when no reader reads it."""
    for reader in READERS:
        if kind in reader.KINDS:
            return reader.read
    return None
