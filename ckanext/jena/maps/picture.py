"""One picture per dataset where a map fits, for the explainer and the dataset page:
:func:`dataset_picture` (the contract with the explainer: /tmp/briefs3/M-api.md, docs/maps.md).

It never goes to the network by itself: it draws uploaded files, DataStore tables, and linked
features or WMS layers only once a map view has fetched them into the cache, so a dataset page
stays fast. The picture is kept in Redis per resource, its last change and the language."""
from __future__ import annotations

import json
import logging
from typing import Optional

from markupsafe import Markup

import ckan.plugins as plugins
from ckan.plugins import toolkit

from ckanext.jena.schema import places

from . import render, source

log = logging.getLogger(__name__)

ATTRIBUTION = places.ATTRIBUTION
ATTRIBUTION_URL = places.ATTRIBUTION_URL


def _picture_of(resource: dict, kind: str, lang: str) -> Optional[dict]:
    prefix = "jena-picture-" + resource["id"][:8]
    if kind in ("geojson", "kml", "wfs"):
        # uploads are read from the file store (no network); links only from the cache
        shown = render.features_map(resource, lang, fetch=resource.get("url_type") == "upload",
                                    tiles=False, prefix=prefix)
        return None if not shown or shown.get("error") or not shown.get("count") else {**shown, "kind": "features"}
    if kind == "choropleth":
        shown = render.choropleth_map(resource, {"ignore_auth": True}, lang, prefix=prefix)
        return None if not shown or not shown.get("table") else {**shown, "kind": "choropleth"}
    return None


def dataset_picture(package: dict, lang: str = "de") -> Optional[dict]:
    """The dataset's map as an inline SVG with a text alternative, or None (see M-api.md).

    The caller has checked that the user may see the dataset; the function reads only this
    dataset's resources and never raises."""
    lang = lang if lang in ("de", "en") else "de"
    if not plugins.plugin_loaded("jena_maps"):  # its limits and cache settings are declared there
        return None
    try:
        candidates = [(r, source.resource_kind(r)) for r in package.get("resources") or []]
        ordered = ([(r, k) for r, k in candidates if k in ("geojson", "kml", "wfs")]
                   + [(r, "choropleth") for r in package.get("resources") or [] if r.get("datastore_active")])
        for resource, kind in ordered:
            key = source.cache_key(resource, f"picture-{kind}-{lang}")
            kept = _kept(key)
            if kept is not None:
                if kept:
                    return _finish(kept, resource)
                continue
            shown = _picture_of(resource, kind, lang)
            if shown is None and kind in ("geojson", "kml", "wfs") and resource.get("url_type") != "upload":
                continue  # not fetched yet: the next page after the map view was seen draws it
            entry = {"svg": str(shown["svg"]), "alt": shown["alt"], "kind": shown["kind"]} if shown else {}
            _keep(key, entry)
            if shown:
                return _finish(entry, resource)
    except Exception:
        log.exception("maps: no picture for dataset %s", package.get("id"))
    return None


def _finish(entry: dict, resource: dict) -> dict:
    return {"svg": Markup(entry["svg"]), "alt": entry["alt"], "kind": entry["kind"],
            "resource_id": resource["id"], "resource_name": resource.get("name") or "",
            "attribution": ATTRIBUTION, "attribution_url": ATTRIBUTION_URL}


def _kept(key: str) -> Optional[dict]:
    try:
        found = source.redis_connection().get(key)
    except Exception:
        return None
    return json.loads(found) if found is not None else None


def _keep(key: str, entry: dict) -> None:
    seconds = int(toolkit.config.get("ckanext.jena.maps.cache_seconds"))
    if seconds <= 0:
        return
    try:
        source.redis_connection().setex(key, seconds, json.dumps(entry))
    except Exception:
        log.warning("maps: could not keep a picture in the cache", exc_info=True)
