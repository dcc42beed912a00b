"""Maps drawn on the server as SVG: the Ortsteil outlines as the base map, features or a
choropleth on top.

Why SVG from the server (docs/maps.md): no script (the portal's Content-Security-Policy admits
none inline), no third-party tiles or CDN, the same picture for the resource page, the explainer
and print, and every text in it escaped here. Coordinates are Web Mercator (as tile servers and
WMS EPSG:3857 use), scaled to a frame 800 units wide.

Colours are presentation attributes, not CSS, so the picture needs no stylesheet."""
from __future__ import annotations

import functools
import math
from typing import Iterable, Optional

from markupsafe import Markup, escape
from shapely import geometry as shapely_geometry

from ckanext.jena.schema import places

WIDTH = 800
MIN_HEIGHT, MAX_HEIGHT = 320, 680
PAD = 0.04
OUTLINE = {"fill": "#eef2f5", "stroke": "#5a6b7b"}
FEATURE = {"fill": "#c8102e", "stroke": "#ffffff", "line": "#c8102e"}
# sequential, colour-blind safe (ColorBrewer Blues), light to dark; text on the legend, not colour
CLASS_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#cccccc"


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator as fractions of the world (0..1, y downwards)."""
    lat = max(-85.0, min(85.0, lat))
    x = (lon + 180.0) / 360.0
    rad = math.radians(lat)
    y = (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2
    return x, y


def inverse_mercator(x: float, y: float) -> tuple[float, float]:
    lon = x * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))
    return lon, lat


class Frame:
    """The part of the world shown: a bounding box in Mercator fractions, and its scale."""

    def __init__(self, min_x: float, min_y: float, max_x: float, max_y: float):
        span_x, span_y = max(max_x - min_x, 1e-9), max(max_y - min_y, 1e-9)
        min_x, max_x = min_x - span_x * PAD, max_x + span_x * PAD
        min_y, max_y = min_y - span_y * PAD, max_y + span_y * PAD
        span_x, span_y = max_x - min_x, max_y - min_y
        height = WIDTH * span_y / span_x
        if height < MIN_HEIGHT or height > MAX_HEIGHT:
            height = min(MAX_HEIGHT, max(MIN_HEIGHT, height))
            # widen the narrower side around the centre so the picture keeps its proportions
            if span_y / span_x < height / WIDTH:
                grow = span_x * height / WIDTH - span_y
                min_y, max_y = min_y - grow / 2, max_y + grow / 2
            else:
                grow = span_y * WIDTH / height - span_x
                min_x, max_x = min_x - grow / 2, max_x + grow / 2
        self.min_x, self.min_y, self.max_x, self.max_y = min_x, min_y, max_x, max_y
        self.scale = WIDTH / (max_x - min_x)
        self.height = round((max_y - min_y) * self.scale)

    def key(self) -> tuple:
        return tuple(round(v, 9) for v in (self.min_x, self.min_y, self.max_x, self.max_y))

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = mercator(lon, lat)
        return round((x - self.min_x) * self.scale, 1), round((y - self.min_y) * self.scale, 1)

    def tolerance_degrees(self) -> float:
        """About half a picture unit, in degrees (for simplifying before drawing)."""
        return 0.5 / self.scale * 360.0

    def epsg3857_bbox(self) -> tuple[float, float, float, float]:
        """minx, miny, maxx, maxy in metres (WMS GetMap with CRS=EPSG:3857)."""
        half = 20037508.342789244
        return (self.min_x * 2 * half - half, half - self.max_y * 2 * half,
                self.max_x * 2 * half - half, half - self.min_y * 2 * half)


@functools.lru_cache(maxsize=1)
def _city_bounds() -> tuple:
    layers = places.map_layers()
    shape = shapely_geometry.shape({"type": "GeometryCollection",
                                    "geometries": [f["geometry"] for f in layers["features"]]})
    return shape.bounds


def frame_for(geometries: Iterable[dict] = ()) -> Frame:
    """The city, widened to take in every geometry (a feature outside Jena stays on the map)."""
    min_lon, min_lat, max_lon, max_lat = _city_bounds()
    for geometry in geometries:
        for lon, lat in _all_positions(geometry):
            min_lon, max_lon = min(min_lon, lon), max(max_lon, lon)
            min_lat, max_lat = min(min_lat, lat), max(max_lat, lat)
    x1, y2 = mercator(min_lon, min_lat)
    x2, y1 = mercator(max_lon, max_lat)
    return Frame(x1, y1, x2, y2)


def _all_positions(geometry: dict):
    if geometry["type"] == "GeometryCollection":
        for part in geometry["geometries"]:
            yield from _all_positions(part)
        return
    coords = geometry["coordinates"]

    def walk(value):
        if value and isinstance(value[0], (int, float)):
            yield value[0], value[1]
        else:
            for item in value:
                yield from walk(item)
    yield from walk(coords)


def _ring_path(frame: Frame, ring, close: bool) -> str:
    points = [frame.point(lon, lat) for lon, lat in ring]
    text = "M" + "L".join(f"{x:g} {y:g}" for x, y in points)
    return text + ("Z" if close else "")


def path_data(frame: Frame, geometry: dict) -> str:
    """SVG path data of a line or area geometry (points are drawn as circles)."""
    try:
        simple = shapely_geometry.shape(geometry).simplify(frame.tolerance_degrees(), preserve_topology=True)
        mapping = shapely_geometry.mapping(simple) if not simple.is_empty else geometry
    except Exception:  # a ring too short for Shapely: drawn as it is
        mapping = geometry
    kind, coords = mapping["type"], mapping["coordinates"]
    if kind == "LineString":
        return _ring_path(frame, coords, False)
    if kind == "MultiLineString":
        return "".join(_ring_path(frame, part, False) for part in coords)
    if kind == "Polygon":
        return "".join(_ring_path(frame, ring, True) for ring in coords)
    if kind == "MultiPolygon":
        return "".join(_ring_path(frame, ring, True) for polygon in coords for ring in polygon)
    return ""


@functools.lru_cache(maxsize=16)
def _district_paths(frame_key: tuple) -> tuple:
    frame = Frame.__new__(Frame)
    frame.min_x, frame.min_y, frame.max_x, frame.max_y = frame_key
    frame.scale = WIDTH / (frame.max_x - frame.min_x)
    frame.height = round((frame.max_y - frame.min_y) * frame.scale)
    return tuple((f["properties"]["key"], f["properties"]["name"], path_data(frame, f["geometry"]))
                 for f in places.map_layers()["features"])


def district_paths(frame: Frame) -> tuple:
    """(key, label, path data) of the 30 Ortsteile in this frame."""
    return _district_paths(frame.key())


def _open(frame: Frame, prefix: str, title: str, description: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {frame.height}" '
        f'class="jena-map {css_class}" role="img" aria-labelledby="{prefix}-title {prefix}-desc" '
        f'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{prefix}-title">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(description)}</desc>',
        f'<rect width="{WIDTH}" height="{frame.height}" fill="#f8fafb"/>',
    ]


def _image(href: str, x: float, y: float, width: float, height: float) -> str:
    return (f'<image href="{escape(href)}" x="{x:g}" y="{y:g}" width="{width:g}" height="{height:g}" '
            f'preserveAspectRatio="none"/>')


def tile_images(frame: Frame, template: str) -> list[str]:
    """<image> elements of the XYZ tiles covering the frame at about their own size."""
    zoom = max(0, min(19, round(math.log2(frame.scale / 256))))
    tiles = 2 ** zoom
    size = frame.scale / tiles
    out = []
    for tx in range(int(frame.min_x * tiles), int(frame.max_x * tiles) + 1):
        for ty in range(int(frame.min_y * tiles), int(frame.max_y * tiles) + 1):
            href = template.replace("{z}", str(zoom)).replace("{x}", str(tx)).replace("{y}", str(ty))
            out.append(_image(href, round((tx / tiles - frame.min_x) * frame.scale, 1),
                              round((ty / tiles - frame.min_y) * frame.scale, 1), round(size, 1) + 0.5,
                              round(size, 1) + 0.5))
    return out


def _districts(frame: Frame, fills: Optional[dict] = None, titles: Optional[dict] = None,
               outline_only: bool = False) -> list[str]:
    stroke = '#1f2d3a" stroke-width="1.5' if outline_only else OUTLINE["stroke"] + '" stroke-width="1'
    out = [f'<g class="jena-map-districts" stroke="{stroke}">']
    for key, label, data in district_paths(frame):
        fill = (fills or {}).get(key, OUTLINE["fill"] if fills is None else NO_DATA)
        if outline_only:
            fill = "none"
        title = (titles or {}).get(key, label)
        opacity = ' fill-opacity="0.55"' if fills is None and not outline_only else ""
        out.append(f'<path d="{data}" fill="{fill}"{opacity} data-district="{escape(key)}">'
                   f'<title>{escape(title)}</title></path>')
    out.append("</g>")
    return out


def _attribution(frame: Frame, extra: str = "") -> str:
    text = places.ATTRIBUTION + (f" · {extra}" if extra else "")
    return (f'<text x="{WIDTH - 6}" y="{frame.height - 6}" text-anchor="end" font-size="12" '
            f'font-family="sans-serif" fill="#333333" stroke="#ffffff" stroke-width="3" paint-order="stroke" '
            f'class="jena-map-attribution">{escape(text)}</text>')


def features_svg(features: list[dict], *, prefix: str, title: str, description: str,
                 tiles: str = "", image: str = "", attribution: str = "") -> Markup:
    """The features on the Ortsteil outlines. ``tiles``: an XYZ template of the city's tile
    server (drawn below the outlines); ``image``: the URL of a picture of exactly this frame
    (a WMS GetMap answer served by the portal)."""
    frame = frame_for(f["geometry"] for f in features)
    return features_in_frame(frame, features, prefix=prefix, title=title, description=description,
                             tiles=tiles, image=image, attribution=attribution)


def features_in_frame(frame: Frame, features: list[dict], *, prefix: str, title: str, description: str,
                      tiles: str = "", image: str = "", attribution: str = "") -> Markup:
    out = _open(frame, prefix, title, description, "jena-map-features")
    if tiles:
        out.append('<g class="jena-map-tiles">' + "".join(tile_images(frame, tiles)) + "</g>")
    if image:
        # the service's picture, the outlines drawn over it (a photo would hide them otherwise)
        out.append(_image(image, 0, 0, WIDTH, frame.height))
        out += _districts(frame, outline_only=True)
    else:
        out += _districts(frame)
    areas, lines, points = [], [], []
    for feature in features:
        _draw(frame, feature["geometry"], escape(feature["name"]), areas, lines, points)
    if areas:
        out.append(f'<g class="jena-map-areas" fill="{FEATURE["fill"]}" fill-opacity="0.35" '
                   f'stroke="{FEATURE["line"]}" stroke-width="1.5">' + "".join(areas) + "</g>")
    if lines:
        out.append(f'<g class="jena-map-lines" fill="none" stroke="{FEATURE["line"]}" stroke-width="2.5">'
                   + "".join(lines) + "</g>")
    if points:
        out.append(f'<g class="jena-map-points" fill="{FEATURE["fill"]}" stroke="{FEATURE["stroke"]}" '
                   f'stroke-width="1.5">' + "".join(points) + "</g>")
    out.append(_attribution(frame, attribution))
    out.append("</svg>")
    return Markup("".join(out))


def _draw(frame: Frame, geometry: dict, name: str, areas: list, lines: list, points: list) -> None:
    kind = geometry["type"]
    if kind == "GeometryCollection":
        for part in geometry["geometries"]:
            _draw(frame, part, name, areas, lines, points)
    elif kind in ("Point", "MultiPoint"):
        coords = [geometry["coordinates"]] if kind == "Point" else geometry["coordinates"]
        for lon, lat in coords:
            x, y = frame.point(lon, lat)
            points.append(f'<circle class="jena-map-marker" cx="{x:g}" cy="{y:g}" r="5"><title>{name}</title></circle>')
    elif kind in ("LineString", "MultiLineString"):
        lines.append(f'<path d="{path_data(frame, geometry)}"><title>{name}</title></path>')
    else:
        areas.append(f'<path d="{path_data(frame, geometry)}"><title>{name}</title></path>')


def choropleth_svg(fills: dict, titles: dict, *, prefix: str, title: str, description: str) -> Markup:
    """The 30 Ortsteile filled by class (``fills``: key -> colour; missing ones: no data)."""
    frame = frame_for()
    out = _open(frame, prefix, title, description, "jena-map-choropleth")
    out += _districts(frame, fills, titles)
    out.append(_attribution(frame))
    out.append("</svg>")
    return Markup("".join(out))
