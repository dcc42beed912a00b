"""Plugins jena_maps (a map of the features of GeoJSON, KML, WFS and WMS resources) and
jena_ortsteil_map (a map of the 30 Ortsteile for DataStore tables with an Ortsteil column).

Both draw on the server (svg.py): no script, no third-party tiles, a text alternative and a table
for every map. Add their view types to ``ckan.views.default_views`` so every suitable resource
gets them by itself (docs/maps.md)."""
from __future__ import annotations

import logging

import ckan.plugins as plugins
from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module

from . import choropleth, geo, picture, render, source, views

log = logging.getLogger(__name__)


def _portal_language(msgid: str) -> str:
    """A view's stored title in the portal's language (German first), whoever creates it: default
    views are made by jobs and harvests as often as in a visitor's request."""
    return lang_module.gettext_for(msgid, toolkit.config.get("ckan.locale_default") or "de")


def _view_url(resource: dict, package: dict, endpoint: str) -> str:
    return toolkit.url_for(endpoint, id=package.get("name") or package["id"], resource_id=resource["id"])


@toolkit.blanket.config_declarations
class JenaMapsPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.IResourceView, inherit=True)
    plugins.implements(plugins.IBlueprint)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(plugins.IResourceController, inherit=True)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")
        toolkit.add_resource("assets", "jena_maps")

    def get_blueprint(self):
        return views.maps_blueprint

    # a linked source is read by a job as soon as it is published or changed, not by a visitor's page
    def after_resource_create(self, context, resource: dict) -> None:
        source.schedule(resource)

    def after_resource_update(self, context, resource: dict) -> None:
        source.schedule(resource)

    def get_helpers(self) -> dict:
        return {"jena_maps_picture": lambda package: picture.dataset_picture(package, lang_module.current())}

    def info(self) -> dict:
        return {"name": "jena_map_view", "title": toolkit._("Map"), "default_title": _portal_language("Map"),
                "icon": "map-marker", "iframed": False, "always_available": False, "preview_enabled": False}

    def can_view(self, data_dict: dict) -> bool:
        return source.resource_kind(data_dict["resource"]) is not None

    def view_template(self, context, data_dict) -> str:
        return "jena_maps/map_view.html"

    def setup_template_variables(self, context, data_dict) -> dict:
        resource, package = data_dict["resource"], data_dict["package"]
        lang = lang_module.current()
        kind = source.resource_kind(resource)
        if kind == "wms":
            shown = render.wms_map(resource, lang, _view_url(resource, package, "jena_maps.wms_image"))
        else:
            shown = render.features_map(resource, lang)
        return {"map": shown or {}, "map_kind": kind,
                "features_url": _view_url(resource, package, "jena_maps.features") if kind != "wms" else "",
                "attribution_url": picture.ATTRIBUTION_URL}


class JenaOrtsteilMapPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.IResourceView, inherit=True)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")
        loaded = config.get("ckan.plugins") or []
        if "jena_maps" not in (loaded.split() if isinstance(loaded, str) else loaded):
            toolkit.add_resource("assets", "jena_maps")

    def info(self) -> dict:
        return {"name": "jena_ortsteil_map", "title": toolkit._("Ortsteil map"),
                "default_title": _portal_language("Ortsteil map"), "icon": "map", "iframed": False,
                "requires_datastore": True, "always_available": False, "preview_enabled": False,
                "schema": {"value_column": [toolkit.get_validator("ignore_missing"),
                                            toolkit.get_validator("unicode_safe")]}}

    def can_view(self, data_dict: dict) -> bool:
        resource = data_dict["resource"]
        if not resource.get("datastore_active"):
            return False
        try:
            return choropleth.table_columns({"ignore_auth": True}, resource["id"]) is not None
        except Exception:  # a table the DataStore cannot read: no Ortsteil map
            log.debug("maps: resource %s has no readable table", resource.get("id"), exc_info=True)
            return False

    def view_template(self, context, data_dict) -> str:
        return "jena_maps/ortsteil_view.html"

    def form_template(self, context, data_dict) -> str:
        return "jena_maps/ortsteil_form.html"

    def setup_template_variables(self, context, data_dict) -> dict:
        resource = data_dict["resource"]
        value_column = (data_dict.get("resource_view") or {}).get("value_column") or ""
        lang = lang_module.current()
        user_context = {"user": toolkit.g.user, "auth_user_obj": toolkit.g.userobj}
        try:
            shown = render.choropleth_map(resource, user_context, lang, value_column)
        except toolkit.NotAuthorized:
            shown = None
        except (toolkit.ObjectNotFound, toolkit.ValidationError, geo.MapError) as exc:
            log.info("maps: no Ortsteil map for resource %s: %s", resource.get("id"), exc)
            shown = None
        if shown is None:
            shown = {"error": lang_module.gettext_for(
                "This table has no column naming Jena's Ortsteile together with a column of numbers.", lang)}
        return {"map": shown, "attribution_url": picture.ATTRIBUTION_URL}
