"""Reader of JSON: a list of records (or the longest list of records among an object's members)
becomes a table, one level of nested objects as dotted columns; a GeoJSON Feature or
FeatureCollection, whatever the resource's format says, goes to geojson.py."""
from __future__ import annotations

import json
from typing import Optional

from . import geojson
from .table import ProfileError, _Table, _empty, _file, _late

KINDS = ("JSON", "GeoJSON")


def read(data: bytes, kind: str, name: str, max_rows: int, deadline: Optional[float]) -> dict:
    return _profile_json(data, name, max_rows, deadline)


def _profile_json(data: bytes, name: str, max_rows: int, deadline: Optional[float]) -> dict:
    en, de = _file(name)
    if not data.strip():
        raise _empty(name)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ProfileError(f"{en} is not UTF-8 text, as JSON must be.",
                           f"{de} ist kein UTF-8-Text, wie es JSON sein muss.")
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        wo = f" (Zeile {exc.lineno}, Spalte {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ProfileError(f"{en} is not valid JSON{where}: check the resource's link or file.",
                           f"{de} ist kein gültiges JSON{wo}: bitte Link oder Datei der Ressource prüfen.")
    if isinstance(document, dict) and document.get("type") in ("FeatureCollection", "Feature"):
        return geojson.profile_document(document, name, max_rows, deadline)
    records = _records(document)
    if records is None:
        raise ProfileError(f"{en} holds no list of records that could be read as a table.",
                           f"{de} enthält keine Liste von Einträgen, die sich als Tabelle lesen ließe.")
    table, truncated = _Table(), False
    for record in records:
        if not isinstance(record, dict):
            continue
        if table.rows >= max_rows or _late(deadline, table.rows):
            truncated = True
            break
        table.add_record(record)
    return table.finish("table", "JSON", truncated)


def _records(document) -> Optional[list]:
    """A list of objects, or the longest list of objects among an object's members
    ({"data": [...]}, SensorThings' {"value": [...]})."""
    def objects(value) -> bool:
        return isinstance(value, list) and any(isinstance(item, dict) for item in value)
    if objects(document):
        return document
    if isinstance(document, dict):
        lists = [value for value in document.values() if objects(value)]
        if lists:
            return max(lists, key=len)
    return None
