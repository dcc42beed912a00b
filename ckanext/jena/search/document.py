"""From the index document CKAN builds to the row the PostgreSQL index stores."""
from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any, Iterable, Optional

from . import fields

SEPARATOR = "\x1f"  # between field and value in `terms` (never part of a field name)
MAX_TERM_BYTES = 2000  # a GIN entry must stay well below PostgreSQL's ~2.7 kB limit
# a tsvector holds at most 1 MB: very long texts are indexed from their beginning
MAX_TEXT_CHARS = 100_000


def term(field: str, value: Any) -> str:
    return f"{field}{SEPARATOR}{scalar_text(value)}"


def term_hash(entry: str) -> int:
    """A signed 64-bit hash of a term (collisions are negligible at portal scale)."""
    return int.from_bytes(hashlib.blake2b(entry.encode("utf-8"), digest_size=8).digest(),
                          "big", signed=True)


def scalar_text(value: Any) -> str:
    """A value as Solr's string field would hold it (pysolr's conversions)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        text = value.isoformat()
        return text if value.tzinfo else text + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def values_of(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [v for v in value if v is not None and not isinstance(v, dict)]
    if isinstance(value, dict):
        return []
    return [value]


def parse_date(value: Any) -> Optional[datetime.datetime]:
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    try:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def _coordinates(node: Any) -> Iterable[tuple[float, float]]:
    if isinstance(node, (list, tuple)):
        if len(node) >= 2 and all(isinstance(c, (int, float)) for c in node[:2]):
            yield float(node[0]), float(node[1])
        else:
            for child in node:
                yield from _coordinates(child)


def geojson_bbox(geojson: Any) -> Optional[tuple[float, float, float, float]]:
    """(minx, miny, maxx, maxy) of a GeoJSON geometry, feature or collection; None if none."""
    if isinstance(geojson, str):
        try:
            geojson = json.loads(geojson)
        except ValueError:
            return None
    if not isinstance(geojson, dict):
        return None
    points: list[tuple[float, float]] = []
    stack = [geojson]
    while stack:
        obj = stack.pop()
        if not isinstance(obj, dict):
            continue
        if "coordinates" in obj:
            points.extend(_coordinates(obj["coordinates"]))
        for key in ("geometry", "geometries", "features"):
            child = obj.get(key)
            if isinstance(child, dict):
                stack.append(child)
            elif isinstance(child, list):
                stack.extend(child)
    if not points:
        return None
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def document_bbox(doc: dict) -> Optional[tuple[float, float, float, float]]:
    for key in ("spatial", "extras_spatial"):
        if doc.get(key):
            box = geojson_bbox(doc[key])
            if box:
                return box
    try:
        return tuple(float(doc[k]) for k in ("minx", "miny", "maxx", "maxy"))  # type: ignore
    except (KeyError, TypeError, ValueError):
        return None


def solr_date_text(value: Any) -> Any:
    """Dates as Solr stores them: UTC, millisecond precision, trailing Z."""
    parsed = parse_date(value)
    if parsed is None:
        return value
    parsed = parsed.astimezone(datetime.timezone.utc)
    text = parsed.strftime("%Y-%m-%dT%H:%M:%S")
    millis = parsed.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def build_row(doc: dict, facet_fields: set) -> dict:
    """The values of one jena_search_document row for a CKAN index document."""
    stored = {k: v for k, v in doc.items() if k not in fields.STORED_ONLY}
    for key, value in stored.items():
        if fields.is_date(key) and isinstance(value, (str, datetime.datetime)):
            stored[key] = solr_date_text(value)
    terms: list[str] = []
    facet_entries: dict[int, tuple[str, str]] = {}
    weighted: dict[str, list[str]] = {"A": [], "B": [], "C": [], "D": []}
    plain_text: list[str] = []
    for key, value in stored.items():
        items = values_of(value)
        weight = fields.text_weight(key)
        if weight:
            texts = [scalar_text(v) for v in items]
            weighted[weight].extend(texts)
            if key not in fields.URL_FIELDS:
                plain_text.extend(texts)
        if fields.is_text(key):
            continue
        for item in items:
            entry = term(key, item)
            if len(entry.encode("utf-8")) > MAX_TERM_BYTES:
                continue
            terms.append(entry)
            if key in facet_fields or key.startswith("vocab_"):
                facet_entries[term_hash(entry)] = (key, scalar_text(item))
    box = document_bbox(doc)
    columns = {}
    for key in fields.COLUMN_FIELDS + fields.TEXT_COLUMN_FIELDS:
        value = stored.get(key)
        columns[key] = scalar_text(value) if value not in (None, "") and not isinstance(
            value, (list, dict)) else None
    return {
        "index_id": doc["index_id"],
        "id": doc["id"],
        **columns,
        "site_id": columns["site_id"] or "",
        "permission_labels": [scalar_text(v) for v in values_of(stored.get("permission_labels"))],
        "doc": json.dumps(stored, default=str),
        "data_dict": doc.get("data_dict"),
        "validated_data_dict": doc.get("validated_data_dict"),
        "terms": sorted(set(terms)),
        "facet_hashes": sorted(facet_entries),
        "facet_fields": [facet_entries[h][0] for h in sorted(facet_entries)],
        "facet_values": [facet_entries[h][1] for h in sorted(facet_entries)],
        "text_a": " ".join(weighted["A"])[:MAX_TEXT_CHARS],
        "text_b": " ".join(weighted["B"])[:MAX_TEXT_CHARS],
        "text_c": " ".join(weighted["C"])[:MAX_TEXT_CHARS],
        "text_d": " ".join(weighted["D"])[:MAX_TEXT_CHARS],
        "search_text": " ".join(plain_text)[:2 * MAX_TEXT_CHARS],
        "title_string": doc.get("title_string"),
        "metadata_created": parse_date(doc.get("metadata_created")),
        "metadata_modified": parse_date(doc.get("metadata_modified")),
        "bbox": "(({0},{1}),({2},{3}))".format(*box) if box else None,
    }
