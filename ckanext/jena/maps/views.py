"""The features of a map, served by the portal: /dataset/<id>/resource/<resource_id>/karte.geojson
(what the map view draws, for apps) and …/karte-wms.png (a WMS resource's picture of Jena). The
portal fetched them (source.py); the browser never asks the third party. Both answer only those
who may see the resource."""
from __future__ import annotations

import json

from flask import Blueprint, Response

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module
from ckanext.jena import net
from ckanext.jena.cache import drawings

from . import geo, render, source

maps_blueprint = Blueprint("jena_maps", __name__)


def _resource(package_id: str, resource_id: str) -> dict:
    """The resource, if the user may see it (403/404 otherwise, as CKAN's resource page)."""
    context = {"user": toolkit.g.user, "auth_user_obj": toolkit.g.userobj}
    try:
        resource = toolkit.get_action("resource_show")(context, {"id": resource_id})
        package = toolkit.get_action("package_show")(dict(context), {"id": package_id})
    except toolkit.NotAuthorized:
        toolkit.abort(403, toolkit._("You may not see this resource."))
    except toolkit.ObjectNotFound:
        toolkit.abort(404, toolkit._("Resource not found"))
    if resource["package_id"] != package["id"]:
        toolkit.abort(404, toolkit._("Resource not found"))
    return resource


def _failure(exc) -> Response:
    lang = lang_module.current()
    body = json.dumps({"error": exc.in_language(lang)}, ensure_ascii=False)
    headers = {"Cache-Control": "private, no-store"}
    if isinstance(exc, source.Preparing):  # a job is reading the source: ask again soon
        return Response(body, status=503, content_type="application/json; charset=utf-8",
                        headers=dict(headers, **{"Retry-After": "5"}))
    return Response(body, status=502, content_type="application/json; charset=utf-8", headers=headers)


@maps_blueprint.route("/dataset/<id>/resource/<resource_id>/karte.geojson")
def features(id: str, resource_id: str):
    resource = _resource(id, resource_id)  # the visitor may see it: only then the kept answer
    if source.resource_kind(resource) not in ("geojson", "kml", "wfs"):
        toolkit.abort(404, toolkit._("This resource has no features to draw."))
    key = source.cache_key(resource, "geojson-answer")
    body = drawings.get(key)
    if body is None:
        try:
            found = source.features(resource)
        except (geo.MapError, net.NetError) as exc:
            return _failure(exc)
        collection = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": f["geometry"],
             "properties": dict(f["properties"], ortsteil=f.get("district") or None)} for f in found["features"]]}
        if found["truncated"]:
            collection["truncated"] = True
        body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        drawings.keep(key, body, int(toolkit.config.get("ckanext.jena.maps.cache_seconds")))
    return Response(body, status=200, content_type="application/geo+json; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300"})


@maps_blueprint.route("/dataset/<id>/resource/<resource_id>/karte-wms.png")
def wms_image(id: str, resource_id: str):
    resource = _resource(id, resource_id)
    if source.resource_kind(resource) != "wms":
        toolkit.abort(404, toolkit._("This resource is not a map service (WMS)."))
    try:
        body = render.wms_image(resource)
    except (geo.MapError, net.NetError) as exc:
        return _failure(exc)
    kind = "image/png" if body.startswith(source.PNG) else "image/jpeg"
    return Response(body, status=200, content_type=kind,
                    headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"})
