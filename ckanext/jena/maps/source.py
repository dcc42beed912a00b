"""Where a map's features come from: an upload in the file store, or a link (GeoJSON, KML, WFS,
WMS) fetched by the portal through its guarded client (ckanext/jena/net.py, allow-list
``ckanext.jena.maps.allowed_hosts``), within ``ckanext.jena.maps.max_bytes`` and
``download_seconds``. The browser never asks a third party: the portal draws the features
itself and serves a WMS picture from its own address.

A link is fetched only by a background job (``prepare_job``: when the resource is created or
changed, and when a page finds nothing kept): a page never waits on another server, and the
page shows "the map is being prepared" until the job has read it. Uploads are read from the
file store during the page. The portal's own addresses (ckan.site_url's host, the host a page
was asked on) are never fetched as a map source.

What was read (or the reason it could not be) is kept in Redis for
``ckanext.jena.maps.cache_seconds``, per resource, its address and its last change. Callers
check that the user may see the resource before asking: the cache has no permissions of its own."""
from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import os
from typing import Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ckan.lib import redis as ckan_redis
from ckan.plugins import toolkit

from ckanext.jena import net
from ckanext.jena.cache import drawings

from . import geo

log = logging.getLogger(__name__)

ALLOWED_HOSTS_KEY = "ckanext.jena.maps.allowed_hosts"
OWN_PATHS_KEY = "ckanext.jena.maps.own_source_paths"
KINDS = ("geojson", "kml", "wfs", "wms")
# query parameters of an OGC service address that the portal sets itself
OGC_PARAMETERS = {"service", "request", "version", "typename", "typenames", "outputformat", "srsname",
                  "count", "maxfeatures", "layers", "styles", "crs", "srs", "bbox", "width", "height",
                  "format", "transparent"}
PNG, JPEG = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"
ERROR_SECONDS = 300  # a failure is kept shorter than an answer: the server may come back
PENDING_SECONDS = 300  # one job per resource and change at a time; asked again after this
# the portal's own "host:port" while a background job reads links; None: no network (a page)
_own_hosts: contextvars.ContextVar = contextvars.ContextVar("jena_maps_own_hosts", default=None)


class Preparing(geo.MapError):
    """Nothing is kept yet for a linked source; a background job has been asked to read it."""

    def __init__(self):
        super().__init__("The map is being prepared: the portal is reading its source. Please reload the page "
                         "in a moment.",
                         "Die Karte wird vorbereitet: Das Portal liest gerade ihre Quelle. Bitte laden Sie die "
                         "Seite gleich noch einmal.")


def resource_kind(resource: dict) -> Optional[str]:
    """geojson, kml, wfs, wms or None, from the resource's format (and its address for OGC services)."""
    fmt = (resource.get("format") or "").strip().lower().replace("ogc ", "").replace("ogc:", "")
    url = (resource.get("url") or "").lower()
    if fmt in ("geojson", "application/geo+json", "application/vnd.geo+json"):
        return "geojson"
    if fmt in ("kml", "application/vnd.google-earth.kml+xml"):
        return "kml"
    if fmt in ("wfs", "wms"):
        return fmt
    if fmt in ("", "api", "xml") and ("service=wfs" in url or "service=wms" in url):
        return "wfs" if "service=wfs" in url else "wms"
    if fmt in ("json", "") and url.split("?", 1)[0].endswith(".geojson"):
        return "geojson"
    return None


def _config_int(key: str) -> int:
    return int(toolkit.config.get(key))


def limits() -> geo.Limits:
    return geo.Limits(_config_int("ckanext.jena.maps.max_features"), _config_int("ckanext.jena.maps.max_vertices"))


def _fetch(url: str, params: Optional[dict] = None, accept: Optional[str] = None) -> net.Answer:
    own = _own_hosts.get()
    if own is None:  # only a background job fetches (see prepare_job)
        raise Preparing()
    return net.get(url, allowed_hosts_key=ALLOWED_HOSTS_KEY, params=params, accept=accept,
                   seconds=_config_int("ckanext.jena.maps.download_seconds"),
                   limit=_config_int("ckanext.jena.maps.max_bytes"), limit_key="ckanext.jena.maps.max_bytes",
                   own_hosts=own, own_paths=tuple(toolkit.aslist(toolkit.config.get(OWN_PATHS_KEY))))


def _too_large(size: int) -> geo.MapError:
    limit = _config_int("ckanext.jena.maps.max_bytes")
    return geo.MapError(
        f"The file is larger than {limit} bytes (ckanext.jena.maps.max_bytes): too large for a map on this page.",
        f"Die Datei ist größer als {limit} Byte (ckanext.jena.maps.max_bytes): zu groß für eine Karte auf "
        "dieser Seite.")


def _uploaded_bytes(resource: dict) -> bytes:
    from ckan.lib import uploader
    path = uploader.get_resource_uploader(resource).get_path(resource["id"])
    if not os.path.isfile(path):
        raise geo.MapError("The uploaded file is missing from the file store.",
                           "Die hochgeladene Datei fehlt im Dateispeicher.")
    if os.path.getsize(path) > _config_int("ckanext.jena.maps.max_bytes"):
        raise _too_large(os.path.getsize(path))
    with open(path, "rb") as f:
        return f.read()


def _service_base(url: str) -> tuple[str, dict]:
    """The address without the OGC parameters the portal sets, and those it had (lower-case keys)."""
    parts = urlsplit(url)
    given = parse_qsl(parts.query, keep_blank_values=True)
    keep = [(k, v) for k, v in given if k.lower() not in OGC_PARAMETERS]
    ogc = {k.lower(): v for k, v in given if k.lower() in OGC_PARAMETERS}
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(keep), "")), ogc


def _capabilities(base: str, service: str):
    answer = _fetch(base, params={"service": service, "request": "GetCapabilities"}, accept="application/xml")
    return geo.parse_xml(answer.body, f"{service} GetCapabilities")


def _named_layers(root, element: str) -> list[dict]:
    """[{name, title}] of the FeatureTypes (WFS) or Layers (WMS) that have a name."""
    out = []
    for node in root.iter():
        if geo.local_name(node.tag) != element:
            continue
        fields = {geo.local_name(c.tag): (c.text or "").strip() for c in node}
        if fields.get("Name"):
            out.append({"name": fields["Name"][:200], "title": (fields.get("Title") or fields["Name"])[:200]})
    return out


def _no_layer(service: str) -> geo.MapError:
    return geo.MapError(f"The {service} names no layer the portal could draw.",
                        f"Der {service} nennt keine Ebene, die das Portal zeichnen könnte.")


def read_wfs(url: str) -> dict:
    base, given = _service_base(url)
    type_names = given.get("typenames") or given.get("typename")
    if not type_names:
        layers = _named_layers(_capabilities(base, "WFS"), "FeatureType")
        if not layers:
            raise _no_layer("WFS")
        type_names = layers[0]["name"]
    check = limits()
    answer = _fetch(base, accept="application/geo+json, application/json", params={
        "service": "WFS", "version": "2.0.0", "request": "GetFeature", "typeNames": type_names,
        "outputFormat": "application/json", "srsName": "EPSG:4326", "count": str(check.max_features + 1)})
    if answer.body.lstrip()[:1] == b"<":
        raise geo.MapError("The WFS answered with an error or with GML instead of GeoJSON; the portal reads "
                           "WFS answers as GeoJSON (outputFormat=application/json).",
                           "Der WFS antwortete mit einem Fehler oder mit GML statt GeoJSON; das Portal liest "
                           "WFS-Antworten als GeoJSON (outputFormat=application/json).")
    return geo.read_geojson(answer.body, check, what="WFS-GeoJSON")


def read_features(resource: dict, kind: str) -> dict:
    """{"features": [...], "truncated": bool} of a GeoJSON, KML or WFS resource (MapError if not)."""
    if kind == "wfs":
        found = read_wfs(resource["url"])
    else:
        body = _uploaded_bytes(resource) if resource.get("url_type") == "upload" else _fetch(resource["url"]).body
        found = geo.read_kml(body, limits()) if kind == "kml" else geo.read_geojson(body, limits())
    geo.annotate_districts(found["features"])
    return found


def read_wms_layers(url: str) -> dict:
    """{"layers": [{name, title}], "chosen": name} of a WMS (the address's LAYERS, else the first)."""
    base, given = _service_base(url)
    try:
        layers = _named_layers(_capabilities(base, "WMS"), "Layer")
    except (geo.MapError, net.NetError):
        if not given.get("layers"):
            raise
        layers = []
    chosen = given.get("layers") or (layers[0]["name"] if layers else "")
    if not chosen:
        raise _no_layer("WMS")
    if not any(layer["name"] == chosen for layer in layers):
        layers.insert(0, {"name": chosen, "title": chosen})
    return {"layers": layers[:50], "chosen": chosen}


def read_wms_image(url: str, layer: str, bbox: tuple, width: int, height: int) -> bytes:
    base, given = _service_base(url)
    answer = _fetch(base, accept="image/png", params={
        "service": "WMS", "version": "1.3.0", "request": "GetMap", "layers": layer, "styles": given.get("styles", ""),
        "crs": "EPSG:3857", "bbox": ",".join(f"{v:.2f}" for v in bbox), "width": str(width), "height": str(height),
        "format": "image/png", "transparent": "TRUE"})
    if not (answer.body.startswith(PNG) or answer.body.startswith(JPEG)):
        raise geo.MapError("The WMS did not answer with a picture (PNG or JPEG) but with something else, "
                           "often an error message of the service.",
                           "Der WMS antwortete nicht mit einem Bild (PNG oder JPEG), sondern mit etwas anderem, "
                           "meist einer Fehlermeldung des Dienstes.")
    return answer.body


# -- the cache -----------------------------------------------------------------------------------

# what a source's content depends on; not metadata_modified, which CKAN renews for every resource
# of a dataset whenever the dataset is saved (a quality check, xloader loading the CSV beside the
# map): a read source would be forgotten and read again by the next visit's job
SOURCE_FIELDS = ("url", "url_type", "last_modified", "format")
# a drawing also shows the resource's name and description: drawn anew after any change
DRAWING_FIELDS = ("url", "last_modified", "metadata_modified", "format")


def cache_key(resource: dict, what: str, fields: tuple = DRAWING_FIELDS) -> str:
    stamp = "|".join(str(resource.get(k) or "") for k in fields)
    digest = hashlib.sha256(stamp.encode("utf-8")).hexdigest()[:24]
    return f"jena_maps:{what}:{resource['id']}:{digest}"


def redis_connection():
    return ckan_redis.connect_to_redis()


def cached(resource: dict, what: str, make, fetch: bool = True, local: bool = False):
    """``make()``'s JSON-able result (or its MapError/NetError again) from the cache; made and
    kept when missing and ``fetch``; None when missing and not ``fetch``. Unless ``make`` is
    ``local`` (reads no network) or a background job runs it, a miss asks for the job and
    raises Preparing. Kept within the drawings' budget (ckanext/jena/cache/drawings.py)."""
    key = cache_key(resource, what, SOURCE_FIELDS)
    kept = drawings.get(key)
    if kept is not None:
        value = json.loads(kept)
        if "error" in value:
            raise geo.MapError(value["error"]["en"], value["error"]["de"])
        return value["value"]
    if not fetch:
        return None
    if not local and _own_hosts.get() is None:
        schedule(resource)
        raise Preparing()
    keep = _config_int("ckanext.jena.maps.cache_seconds")
    try:
        value = make()
        entry, error = {"value": value}, None
    except (geo.MapError, net.NetError) as exc:
        log.info("maps: resource %s (%s): %s", resource.get("id"), resource.get("url"), exc.english)
        entry, error, keep = {"error": {"en": exc.english, "de": exc.german}}, exc, min(keep, ERROR_SECONDS)
    body = json.dumps(entry, separators=(",", ":")).encode("utf-8")
    if not drawings.keep(key, body, keep) and error is None and not local and keep > 0:
        # a job's result that cannot be kept would be asked for again and again: say why instead
        error = geo.MapError("The map's features are too large for the portal to keep "
                             "(ckanext.jena.cache.drawing_max_kilobytes).",
                             "Die Objekte der Karte sind zu groß, als dass das Portal sie aufbewahren könnte "
                             "(ckanext.jena.cache.drawing_max_kilobytes).")
        drawings.keep(key, json.dumps({"error": error.as_dict()}).encode("utf-8"), min(keep, ERROR_SECONDS))
    if error is not None:
        raise geo.MapError(error.english, error.german)
    return value


def features(resource: dict, fetch: bool = True) -> Optional[dict]:
    """The resource's features (see read_features), from the cache or read now."""
    kind = resource_kind(resource)
    if kind not in ("geojson", "kml", "wfs"):
        return None
    local = kind != "wfs" and resource.get("url_type") == "upload"
    return cached(resource, "features", lambda: read_features(resource, kind), fetch=fetch, local=local)


# -- the background job ---------------------------------------------------------------------------

def _request_host() -> str:
    from flask import has_request_context, request
    return request.host if has_request_context() else ""


def schedule(resource: dict) -> None:
    """Ask the job queue to read a linked source (once per resource and change at a time)."""
    kind = resource_kind(resource)
    if kind is None or (kind != "wfs" and resource.get("url_type") == "upload"):
        return
    try:
        if not redis_connection().set(cache_key(resource, "pending", SOURCE_FIELDS), "1", nx=True,
                                      ex=PENDING_SECONDS):
            return
        toolkit.enqueue_job(prepare_job, [resource["id"], _request_host()], title="jena maps: read the map source")
    except Exception:
        log.warning("maps: could not ask for resource %s to be read", resource.get("id"), exc_info=True)


def prepare_job(resource_id: str, request_host: str = "") -> None:
    """Read a linked map source into the cache (its features, or a WMS's layers and picture),
    refusing the portal's own addresses. A failure is kept with its reason, as a page shows it."""
    from . import render  # render draws with this module's cache
    try:
        resource = toolkit.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
    except toolkit.ObjectNotFound:
        return
    token = _own_hosts.set(net.own_hosts(request_host))
    try:
        kind = resource_kind(resource)
        if kind == "wms":
            render.wms_layers(resource)
            render.wms_image(resource)
        elif kind is not None:
            features(resource)
    except (geo.MapError, net.NetError):
        pass  # kept in the cache by cached(), shown on the page
    finally:
        _own_hosts.reset(token)
