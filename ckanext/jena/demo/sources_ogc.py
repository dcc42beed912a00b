"""The geodata catalogue's map services in the demo: a small WFS and WMS under
``/geoserver/<workspace>/wfs`` and ``/wms`` of the demo sources (sources.answer), so the
services the CSW records link to answer as the city's GeoServer would.

- WFS 2.0 GetCapabilities and GetFeature (GeoJSON, EPSG:4326) from the demo's GeoJSON files;
- WMS 1.3.0 GetCapabilities and GetMap (PNG, EPSG:3857), drawn here with the standard library
  only (zlib): a coarse raster of made-up contents, enough to show a map service's picture.

Demo data for developing the portal, not the city's real services."""
from __future__ import annotations

import functools
import json
import math
import os
import struct
import zlib
from html import escape

FILES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "files")
# workspace -> feature type name -> (title, GeoJSON file of the demo)
FEATURE_TYPES = {
    "umwelt": {"umwelt:baumkataster": ("Baumkataster", "baumkataster.geojson")},
    "verwaltung": {"verwaltung:ortsteile": ("Ortsteile der Stadt Jena", "ortsteile-jena.geojson")},
    "mobilitaet": {"mobilitaet:ladestationen": ("Ladestationen für Elektrofahrzeuge", "ladestationen.geojson")},
}
# workspace -> layer name -> title
MAP_LAYERS = {
    "bauleitplanung": {"bauleitplanung:bebauungsplaene": "Bebauungspläne – Geltungsbereiche"},
    "luftbild": {"luftbild:dop20": "Digitale Orthophotos 20 cm (Demo-Raster)"},
    "denkmal": {"denkmal:denkmale": "Kulturdenkmale"},
}
CELL = 6  # pixels per raster cell of the demo pictures
MAX_SIZE = 2048


def _xml(body: str) -> tuple[int, str, bytes]:
    return 200, "application/xml; charset=utf-8", ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def _exception(text: str) -> tuple[int, str, bytes]:
    return 400, "application/xml; charset=utf-8", (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" '
        f'version="2.0.0"><ows:Exception exceptionCode="InvalidParameterValue"><ows:ExceptionText>{escape(text)}'
        '</ows:ExceptionText></ows:Exception></ows:ExceptionReport>').encode("utf-8")


def answer(path: str, params: list[tuple], base: str) -> tuple[int, str, bytes] | None:
    """The answer to /geoserver/<workspace>/(wfs|wms), or None for another path."""
    parts = path.strip("/").split("/")
    if len(parts) != 3 or parts[0] != "geoserver" or parts[2] not in ("wfs", "wms"):
        return None
    workspace, service = parts[1], parts[2]
    args = {k.lower(): v for k, v in params}
    request = args.get("request", "").lower()
    url = f"{base}/geoserver/{workspace}/{service}"
    if service == "wfs" and workspace in FEATURE_TYPES:
        if request == "getcapabilities":
            return _wfs_capabilities(workspace, url)
        if request == "getfeature":
            names = args.get("typenames") or args.get("typename") or ""
            found = FEATURE_TYPES[workspace].get(names)
            if found is None:
                return _exception(f"Unknown feature type {names}")
            with open(os.path.join(FILES_DIR, found[1]), "rb") as f:
                data = json.load(f)
            count = args.get("count") or args.get("maxfeatures")
            if count and count.isdigit():
                data["features"] = data["features"][:int(count)]
            return 200, "application/json", json.dumps(data, ensure_ascii=False).encode("utf-8")
    if service == "wms" and workspace in MAP_LAYERS:
        if request == "getcapabilities":
            return _wms_capabilities(workspace, url)
        if request == "getmap":
            return _wms_map(workspace, args)
    if service in ("wfs", "wms") and (workspace in FEATURE_TYPES or workspace in MAP_LAYERS):
        return _exception(f"Unsupported request {request or '(none)'}")
    return 404, "text/plain", b"not found"


def _wfs_capabilities(workspace: str, url: str) -> tuple[int, str, bytes]:
    types = "".join(
        f"<FeatureType><Name>{escape(name)}</Name><Title>{escape(title)}</Title>"
        "<DefaultCRS>urn:ogc:def:crs:EPSG::4326</DefaultCRS><OutputFormats><Format>application/json</Format>"
        "</OutputFormats></FeatureType>"
        for name, (title, _file) in FEATURE_TYPES[workspace].items())
    return _xml(
        '<wfs:WFS_Capabilities version="2.0.0" xmlns="http://www.opengis.net/wfs/2.0" '
        'xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:ows="http://www.opengis.net/ows/1.1">'
        f"<ows:ServiceIdentification><ows:Title>Geodienste Jena – {escape(workspace)} (Demo)</ows:Title>"
        "<ows:ServiceType>WFS</ows:ServiceType><ows:ServiceTypeVersion>2.0.0</ows:ServiceTypeVersion>"
        f"</ows:ServiceIdentification><FeatureTypeList>{types}</FeatureTypeList></wfs:WFS_Capabilities>")


def _wms_capabilities(workspace: str, url: str) -> tuple[int, str, bytes]:
    layers = "".join(
        f'<Layer queryable="0"><Name>{escape(name)}</Name><Title>{escape(title)}</Title><CRS>EPSG:3857</CRS>'
        '<EX_GeographicBoundingBox><westBoundLongitude>11.49</westBoundLongitude><eastBoundLongitude>11.67'
        '</eastBoundLongitude><southBoundLatitude>50.85</southBoundLatitude><northBoundLatitude>50.98'
        '</northBoundLatitude></EX_GeographicBoundingBox></Layer>'
        for name, title in MAP_LAYERS[workspace].items())
    return _xml(
        '<WMS_Capabilities version="1.3.0" xmlns="http://www.opengis.net/wms" '
        'xmlns:xlink="http://www.w3.org/1999/xlink"><Service><Name>WMS</Name>'
        f"<Title>Geodienste Jena – {escape(workspace)} (Demo)</Title></Service><Capability><Request><GetMap>"
        "<Format>image/png</Format><DCPType><HTTP><Get>"
        f'<OnlineResource xlink:type="simple" xlink:href="{escape(url)}"/></Get></HTTP></DCPType></GetMap>'
        "</Request><Layer><Title>Geodienste Jena</Title><CRS>EPSG:3857</CRS>"
        f"{layers}</Layer></Capability></WMS_Capabilities>")


def _wms_map(workspace: str, args: dict) -> tuple[int, str, bytes]:
    layer = args.get("layers", "")
    if layer not in MAP_LAYERS[workspace]:
        return _exception(f"Unknown layer {layer}")
    if (args.get("crs") or args.get("srs") or "").upper() != "EPSG:3857":
        return _exception("This demo service draws in EPSG:3857 only")
    try:
        bbox = tuple(float(v) for v in args.get("bbox", "").split(","))
        width, height = int(args.get("width", "")), int(args.get("height", ""))
    except ValueError:
        return _exception("BBOX, WIDTH and HEIGHT must be numbers")
    if len(bbox) != 4 or not (0 < width <= MAX_SIZE and 0 < height <= MAX_SIZE) or bbox[0] >= bbox[2] or bbox[1] >= bbox[3]:
        return _exception("BBOX, WIDTH or HEIGHT out of range")
    return 200, "image/png", _picture(layer, bbox, width, height)


def _lon_lat(x: float, y: float) -> tuple[float, float]:
    half = 20037508.342789244
    lon = x / half * 180.0
    lat = math.degrees(2 * math.atan(math.exp(y / half * math.pi)) - math.pi / 2)
    return lon, lat


# made-up plan areas (lon, lat, half width, half height in degrees) for the Bebauungspläne layer
_PLANS = ((11.585, 50.928, 0.006, 0.003), (11.612, 50.882, 0.008, 0.004), (11.556, 50.941, 0.005, 0.004),
          (11.628, 50.950, 0.007, 0.003), (11.575, 50.905, 0.004, 0.005), (11.541, 50.918, 0.006, 0.003))
_MONUMENTS = ((11.5886, 50.9286), (11.5861, 50.9301), (11.5925, 50.9262), (11.5793, 50.9253),
              (11.6031, 50.9338), (11.5716, 50.9165), (11.6127, 50.8913), (11.5519, 50.9402))


def _colour(layer: str, lon: float, lat: float) -> tuple[int, int, int, int]:
    if layer.endswith("bebauungsplaene"):
        for x, y, w, h in _PLANS:
            if abs(lon - x) <= w and abs(lat - y) <= h:
                edge = abs(lon - x) > w * 0.9 or abs(lat - y) > h * 0.85
                return (180, 70, 0, 255) if edge else (245, 160, 60, 140)
        return (0, 0, 0, 0)
    if layer.endswith("denkmale"):
        for x, y in _MONUMENTS:
            if abs(lon - x) <= 0.0018 and abs(lat - y) <= 0.0011:
                return (110, 40, 140, 230)
        return (0, 0, 0, 0)
    # an orthophoto's look: fields, woods and the built-up valley, from a smooth pseudo-random field
    value = (math.sin(lon * 420) * math.cos(lat * 610) + math.sin((lon + lat) * 170) * 0.6
             + math.cos(lon * 1300 + lat * 900) * 0.25)
    valley = abs(lon - 11.59 + (lat - 50.92) * 0.15) < 0.012
    if valley:
        return (150, 140, 130, 255)
    if value > 0.5:
        return (60, 100, 55, 255)
    if value > -0.3:
        return (150, 170, 90, 255)
    return (190, 175, 120, 255)


@functools.lru_cache(maxsize=32)
def _picture(layer: str, bbox: tuple, width: int, height: int) -> bytes:
    columns, rows = math.ceil(width / CELL), math.ceil(height / CELL)
    lines = []
    for row in range(rows):
        y = bbox[3] - (row + 0.5) * CELL * (bbox[3] - bbox[1]) / height
        cells = []
        for column in range(columns):
            x = bbox[0] + (column + 0.5) * CELL * (bbox[2] - bbox[0]) / width
            cells.append(bytes(_colour(layer, *_lon_lat(x, y))) * CELL)
        line = b"\x00" + b"".join(cells)[: width * 4]
        lines.extend([line] * CELL)
    raw = b"".join(lines[:height])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
