"""Jena's 30 Ortsteile and the city boundary: from districts to a geometry and back.

The polygons (OSM, ODbL) are shipped in data/places/. A dataset's `districts` are keys of this
list (or `jena` for the whole city); its `spatial` GeoJSON is what ckanext-spatial and the
search index read. Derived geometries are simplified to about 20 m, which is plenty for
finding datasets on a map and keeps each dataset's `spatial` small.
"""
from __future__ import annotations

import functools
import json
import os
import re
from typing import Iterable, Optional

from shapely import geometry as shapely_geometry
from shapely.ops import unary_union

from ckanext.jena import lang as lang_module

PLACES_DIR = os.path.join(os.path.dirname(__file__), "data", "places")
WHOLE_CITY = "jena"
# an area more than this many times the city's is about a larger region (the city's bounding box
# is about 2 times its area)
LARGER_AREA_FACTOR = 4
SIMPLIFY_DEGREES = 0.0002
ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
ATTRIBUTION_URL = "https://www.openstreetmap.org/copyright"
FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def district_key(name: str) -> str:
    folded = name.casefold().translate(FOLD)
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def district_label(name: str) -> str:
    """OSM writes "Kunitz / Laasan"; the city writes "Kunitz/Laasan"."""
    return re.sub(r"\s*/\s*", "/", name)


@functools.lru_cache(maxsize=1)
def _load() -> tuple[dict, dict, object]:
    with open(os.path.join(PLACES_DIR, "ortsteile.geojson"), encoding="utf-8") as f:
        features = json.load(f)["features"]
    labels, shapes = {}, {}
    for feature in sorted(features, key=lambda f: district_key(f["properties"]["name"])):
        key = district_key(feature["properties"]["name"])
        labels[key] = district_label(feature["properties"]["name"])
        shapes[key] = shapely_geometry.shape(feature["geometry"]).buffer(0)
    with open(os.path.join(PLACES_DIR, "stadtgrenze.geojson"), encoding="utf-8") as f:
        city = shapely_geometry.shape(json.load(f)["features"][0]["geometry"]).buffer(0)
    return labels, shapes, city


def districts() -> dict:
    """key -> label of the 30 Ortsteile, sorted by key."""
    return dict(_load()[0])


WHOLE_CITY_LABEL = "Whole city of Jena"  # msgid, German in the catalogue


def _whole_city(lang: str) -> str:
    # any language but German reads the English label (the district names are German in both)
    return lang_module.gettext_for(WHOLE_CITY_LABEL, "de" if lang == "de" else "en")


def choices(lang: str = "de") -> list[dict]:
    return [{"value": WHOLE_CITY, "label": _whole_city(lang)}] + [
        {"value": key, "label": label} for key, label in districts().items()]


def label(key: str, lang: str = "de") -> str:
    if key == WHOLE_CITY:
        return _whole_city(lang)
    return districts().get(key, key)


def valid_keys() -> list[str]:
    return [WHOLE_CITY] + list(districts())


def _to_geojson(shape) -> str:
    simplified = shape.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    mapping = shapely_geometry.mapping(simplified)

    def rounded(coords):
        if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
            return [round(c, 5) for c in coords]
        return [rounded(c) for c in coords]

    return json.dumps({"type": mapping["type"], "coordinates": rounded(mapping["coordinates"])},
                      separators=(",", ":"))


@functools.lru_cache(maxsize=256)
def _geometry_for(keys: tuple) -> Optional[str]:
    labels, shapes, city = _load()
    if WHOLE_CITY in keys:
        return _to_geojson(city)
    parts = [shapes[k] for k in keys if k in shapes]
    if not parts:
        return None
    return _to_geojson(unary_union(parts))


def geometry_for(keys: Iterable[str]) -> Optional[str]:
    """GeoJSON text of the union of the districts (the city boundary for `jena`)."""
    return _geometry_for(tuple(sorted(set(keys))))


def parse_geometry(text: str):
    """A shapely geometry from GeoJSON text (a geometry, a Feature or a FeatureCollection)."""
    data = json.loads(text) if isinstance(text, str) else text
    if not isinstance(data, dict):
        raise ValueError("not a GeoJSON object")
    kind = data.get("type")
    if kind == "Feature":
        return shapely_geometry.shape(data["geometry"])
    if kind == "FeatureCollection":
        return unary_union([shapely_geometry.shape(f["geometry"]) for f in data.get("features", [])])
    return shapely_geometry.shape(data)


def districts_covering(shape) -> list[str]:
    """Keys of the districts a geometry covers; [`jena`] when it covers (nearly) the whole city.

    An area much larger than the city (a region, a Land, Germany) covers no district: it is not
    about Jena. A district counts when the geometry reaches into it noticeably: at least 5 % of the
    district's area, or at least a quarter of the geometry's own area. Points and lines count
    wherever they touch a district.
    """
    labels, shapes, city = _load()
    if shape.is_empty:
        return []
    if shape.area > LARGER_AREA_FACTOR * city.area:
        # a Land, a region, all of Germany: about somewhere Jena is part of, not about Jena or
        # its districts (the facet must not say "Gesamte Stadt Jena" for it)
        return []
    if shape.area > 0 and city.area > 0 and shape.intersection(city).area >= 0.9 * city.area:
        return [WHOLE_CITY]
    out = []
    for key, district in shapes.items():
        if not shape.intersects(district):
            continue
        if shape.area == 0:
            out.append(key)
            continue
        overlap = shape.intersection(district).area
        if overlap >= 0.05 * district.area or overlap >= 0.25 * shape.area:
            out.append(key)
    return out


def map_layers() -> dict:
    """The district outlines as one small GeoJSON FeatureCollection for offline base maps."""
    return json.loads(_map_layers())


@functools.lru_cache(maxsize=1)
def _map_layers() -> str:
    labels, shapes, city = _load()
    features = [{"type": "Feature", "properties": {"key": key, "name": labels[key]},
                 "geometry": json.loads(_to_geojson(shape))} for key, shape in shapes.items()]
    return json.dumps({"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features},
                      separators=(",", ":"))
