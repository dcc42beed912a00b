"""Features from GeoJSON, KML and WFS answers, read strictly and within limits.

Everything here reads bytes that came from outside (an upload, a link, a WFS): a file that is
not what its format says, a KML with a DTD (XXE, "billion laughs"), a file too large or with
too many features or vertices is refused with a sentence in German and English, never guessed
at. KML is parsed with defusedxml, which refuses any DTD and entity.

A feature here is a small dict: ``{"geometry": <GeoJSON geometry, WGS 84 lon/lat>, "name": str,
"properties": {str: str|number}}``."""
from __future__ import annotations

import json
import math
import re
from typing import Iterable, Optional

from defusedxml import ElementTree as safe_xml
from defusedxml.common import DefusedXmlException

from ckanext.jena.lang import BilingualError

GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
# property names that hold a feature's name, in the order they are tried (case-insensitive)
NAME_KEYS = ("name", "titel", "title", "bezeichnung", "bezeichner", "label", "baumnummer", "nummer", "id")
KML_NS = "{http://www.opengis.net/kml/2.2}"


class MapError(BilingualError):
    """Features could not be read or fetched; said in English and German (lang.BilingualError)."""


def _not_geo(what: str) -> MapError:
    return MapError(f"The file is not valid {what}: it holds no features a map can draw.",
                    f"Die Datei ist kein gültiges {what}: Sie enthält keine Objekte, die eine Karte zeigen kann.")


class Limits:
    """How much one resource may hold: features and vertices (coordinate pairs)."""

    def __init__(self, max_features: int, max_vertices: int):
        self.max_features = max_features
        self.max_vertices = max_vertices
        self.vertices = 0
        self.features = 0

    def full(self) -> bool:
        """True once max_features features are read: the map shows those and says so."""
        return self.features >= self.max_features

    def count_vertices(self, number: int) -> None:
        self.vertices += number
        if self.vertices > self.max_vertices:
            raise MapError(
                f"The file holds more than {self.max_vertices} coordinates: too many for a map on this page "
                "(ckanext.jena.maps.max_vertices). Download the file to see it in a GIS.",
                f"Die Datei enthält mehr als {self.max_vertices} Koordinaten: zu viele für eine Karte auf dieser "
                "Seite (ckanext.jena.maps.max_vertices). Laden Sie die Datei herunter, um sie in einem GIS zu "
                "öffnen.")


def _position(value, what: str) -> list:
    if (not isinstance(value, (list, tuple)) or len(value) < 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in value[:2])):
        raise _not_geo(what)
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise _not_geo(what)
    return [lon, lat]


def _positions(value, what: str, limits: Limits, minimum: int = 1) -> list:
    if not isinstance(value, list) or len(value) < minimum:
        raise _not_geo(what)
    limits.count_vertices(len(value))
    return [_position(v, what) for v in value]


def clean_geometry(geometry, what: str, limits: Limits) -> Optional[dict]:
    """The geometry with checked WGS 84 coordinates (2D), or None for a feature without one."""
    if geometry is None:
        return None
    if not isinstance(geometry, dict):
        raise _not_geo(what)
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "GeometryCollection":
        parts = [clean_geometry(g, what, limits) for g in (geometry.get("geometries") or [])]
        parts = [p for p in parts if p]
        return {"type": "GeometryCollection", "geometries": parts} if parts else None
    if kind not in GEOMETRY_TYPES:
        raise _not_geo(what)
    if kind == "Point":
        limits.count_vertices(1)
        clean = _position(coords, what)
    elif kind in ("MultiPoint", "LineString"):
        clean = _positions(coords, what, limits, 1 if kind == "MultiPoint" else 2)
    elif kind in ("MultiLineString", "Polygon"):
        if not isinstance(coords, list) or not coords:
            raise _not_geo(what)
        clean = [_positions(part, what, limits, 2) for part in coords]
    else:  # MultiPolygon
        if not isinstance(coords, list) or not coords:
            raise _not_geo(what)
        clean = []
        for polygon in coords:
            if not isinstance(polygon, list) or not polygon:
                raise _not_geo(what)
            clean.append([_positions(ring, what, limits, 2) for ring in polygon])
    return {"type": kind, "coordinates": clean}


def _scalar_properties(properties) -> dict:
    out = {}
    if not isinstance(properties, dict):
        return out
    for key, value in list(properties.items())[:50]:
        if isinstance(value, bool):
            value = "ja" if value else "nein"
        if isinstance(value, (int, float)) and not (isinstance(value, float) and not math.isfinite(value)):
            out[str(key)[:100]] = value
        elif isinstance(value, str):
            out[str(key)[:100]] = value[:500]
    return out


def feature_name(properties: dict, number: int) -> str:
    lowered = {k.casefold(): v for k, v in properties.items()}
    for key in NAME_KEYS:
        value = lowered.get(key)
        if value not in (None, ""):
            return str(value)[:200]
    for value in properties.values():
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return f"#{number}"


def _feature(geometry, properties, what: str, limits: Limits) -> Optional[dict]:
    limits.features += 1
    clean = clean_geometry(geometry, what, limits)
    if clean is None:
        return None
    props = _scalar_properties(properties)
    return {"geometry": clean, "name": feature_name(props, limits.features), "properties": props}


def read_geojson(body: bytes, limits: Limits, what: str = "GeoJSON") -> dict:
    """{"features": [...], "truncated": bool}: the features of a GeoJSON FeatureCollection,
    Feature or geometry (the first max_features; truncated says there were more)."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _not_geo(what) from None
    if not isinstance(data, dict):
        raise _not_geo(what)
    kind = data.get("type")
    if kind == "FeatureCollection":
        items = data.get("features")
        if not isinstance(items, list):
            raise _not_geo(what)
    elif kind == "Feature":
        items = [data]
    elif kind in GEOMETRY_TYPES or kind == "GeometryCollection":
        items = [{"type": "Feature", "geometry": data, "properties": {}}]
    else:
        raise _not_geo(what)
    features, truncated = [], False
    for item in items:
        if not isinstance(item, dict) or item.get("type") != "Feature":
            raise _not_geo(what)
        if limits.full():
            truncated = True
            break
        feature = _feature(item.get("geometry"), item.get("properties"), what, limits)
        if feature:
            features.append(feature)
    if not features and items:
        raise _not_geo(what)
    return {"features": features, "truncated": truncated}


def parse_xml(body: bytes, what: str):
    """An ElementTree root; a DTD, entity or external reference is refused (defusedxml)."""
    try:
        return safe_xml.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise MapError(f"The {what} file declares a DTD or entities; the portal does not read such files.",
                       f"Die {what}-Datei enthält eine DTD oder Entitäten; solche Dateien liest das Portal nicht.") from None
    except (safe_xml.ParseError, ValueError):
        raise _not_geo(what) from None


def local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kml_coordinates(text: Optional[str], what: str, limits: Limits) -> list:
    tuples = (text or "").split()
    limits.count_vertices(len(tuples))
    out = []
    for item in tuples:
        parts = item.split(",")
        try:
            out.append(_position([float(parts[0]), float(parts[1])], what))
        except (ValueError, IndexError):
            raise _not_geo(what) from None
    if not out:
        raise _not_geo(what)
    return out


def _kml_geometries(element, what: str, limits: Limits) -> Iterable[dict]:
    for child in element:
        name = local_name(child.tag)
        if name == "Point":
            coords = _kml_coordinates(_child_text(child, "coordinates"), what, limits)
            yield {"type": "Point", "coordinates": coords[0]}
        elif name == "LineString":
            yield {"type": "LineString", "coordinates": _kml_coordinates(_child_text(child, "coordinates"), what, limits)}
        elif name == "Polygon":
            outer, inner = [], []
            for boundary in child:
                side = local_name(boundary.tag)
                if side not in ("outerBoundaryIs", "innerBoundaryIs"):
                    continue
                for ring in boundary:
                    if local_name(ring.tag) == "LinearRing":
                        coords = _kml_coordinates(_child_text(ring, "coordinates"), what, limits)
                        (outer if side == "outerBoundaryIs" else inner).append(coords)
            if outer:
                yield {"type": "Polygon", "coordinates": outer[:1] + inner}
        elif name == "MultiGeometry":
            yield from _kml_geometries(child, what, limits)


def _child_text(element, local: str) -> Optional[str]:
    for child in element:
        if local_name(child.tag) == local:
            return child.text
    return None


def read_kml(body: bytes, limits: Limits) -> dict:
    """The Placemarks of a KML document (Point, LineString, Polygon, MultiGeometry)."""
    what = "KML"
    root = parse_xml(body, what)
    if local_name(root.tag) != "kml":
        raise _not_geo(what)
    features, truncated = [], False
    for placemark in root.iter():
        if local_name(placemark.tag) != "Placemark":
            continue
        if limits.full():
            truncated = True
            break
        properties = {}
        for key in ("name", "description"):
            text = _child_text(placemark, key)
            if text and text.strip():
                # descriptions are often HTML: only its text is kept
                properties[key] = re.sub(r"<[^>]*>", " ", text).strip()[:500]
        for data in placemark.iter():
            if local_name(data.tag) in ("Data", "SimpleData") and data.get("name"):
                value = _child_text(data, "value") if local_name(data.tag) == "Data" else data.text
                if value:
                    properties[data.get("name")[:100]] = value.strip()[:500]
        geometries = list(_kml_geometries(placemark, what, limits))
        if not geometries:
            continue
        geometry = geometries[0] if len(geometries) == 1 else {"type": "GeometryCollection", "geometries": geometries}
        feature = _feature(geometry, properties, what, limits)
        if feature:
            features.append(feature)
    if not features:
        raise _not_geo(what)
    return {"features": features, "truncated": truncated}


def kind_of(geometry: dict) -> str:
    """point, line or area (of the geometry's first part)."""
    kind = geometry["type"]
    if kind == "GeometryCollection":
        return kind_of(geometry["geometries"][0])
    if kind.endswith("Point"):
        return "point"
    if kind.endswith("LineString"):
        return "line"
    return "area"


def annotate_districts(features: list[dict]) -> None:
    """Set each feature's "district": the label of the Ortsteil its first point (or, for a line or
    area, a point on it) lies in, "" outside Jena."""
    from shapely import geometry as shapely_geometry
    from shapely.prepared import prep

    from ckanext.jena.schema import places
    outlines = [(f["properties"]["name"], prep(shapely_geometry.shape(f["geometry"])))
                for f in places.map_layers()["features"]]
    for feature in features:
        try:
            point = shapely_geometry.shape(feature["geometry"]).representative_point()
        except Exception:  # an invalid ring: the feature is drawn, only its Ortsteil is unknown
            feature["district"] = ""
            continue
        feature["district"] = next((name for name, shape in outlines if shape.covers(point)), "")
