"""GeoJSON Features: their properties become a table, their geometries say which of Jena's
Ortsteile the data covers (read by the JSON reader, json.py, once the document is parsed)."""
from __future__ import annotations

import logging
import math
import time
from typing import Optional

from ckanext.jena.schema import places

from .table import ProfileError, _Table, _file, _late

log = logging.getLogger(__name__)
MAX_GEOMETRIES = 500       # geometries sampled to find the Ortsteile a GeoJSON file covers


def profile_document(document: dict, name: str, max_rows: int, deadline: Optional[float]) -> dict:
    en, de = _file(name)
    features = [document] if document.get("type") == "Feature" else document.get("features")
    if not isinstance(features, list):
        raise ProfileError(f"{en} is a GeoJSON FeatureCollection without a list of features.",
                           f"{de} ist eine GeoJSON-FeatureCollection ohne Liste von Features.")
    table, truncated = _Table(), False
    types, geometries = set(), []
    for feature in features:
        if not isinstance(feature, dict):
            continue
        if table.rows >= max_rows or _late(deadline, table.rows):
            truncated = True
            break
        properties = feature.get("properties")
        table.add_record(properties if isinstance(properties, dict) else {})
        geometry = feature.get("geometry")
        if isinstance(geometry, dict) and isinstance(geometry.get("type"), str):
            types.add(geometry["type"])
            geometries.append(geometry)
    profile = table.finish("geo", "GeoJSON", truncated)
    profile["geometry_types"] = sorted(types)
    if deadline is None or time.monotonic() < deadline:
        profile["districts"] = sorted(set(profile["districts"]) | set(_districts_covered(geometries)))
    return profile


def _districts_covered(geometries: list) -> list[str]:
    """The Ortsteile (or ``jena`` for the whole city) an evenly spread sample of the geometries
    covers; nothing when the coordinates are not longitude/latitude or do not parse."""
    if not geometries:
        return []
    from shapely.geometry import shape
    from shapely.ops import unary_union
    step = max(1, math.ceil(len(geometries) / MAX_GEOMETRIES))
    try:
        shapes = [shape(g) for g in geometries[::step]]
        shapes = [s if s.is_valid else s.buffer(0) for s in shapes if not s.is_empty]
        if not shapes:
            return []
        west, south, east, north = unary_union(shapes).envelope.bounds
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            return []  # projected coordinates (e.g. ETRS89/UTM): no match against the districts
        # points and lines count wherever they touch a district, areas by how much they cover:
        # matched apart, or a single area would make the points beside it count for nothing
        covered = set()
        for group in ([s for s in shapes if s.area == 0], [s for s in shapes if s.area > 0]):
            if group:
                covered.update(places.districts_covering(unary_union(group)))
        return sorted(covered)
    except Exception as exc:  # shapely's errors for broken geometries vary; districts are a bonus
        log.debug("Geometries not matched against the districts: %s", exc)
        return []
