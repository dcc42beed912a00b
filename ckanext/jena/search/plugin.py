"""Plugin jena_search: dataset search on PostgreSQL, no Solr needed."""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins as plugins
from ckan.lib.search.common import SearchQueryError
from ckan.plugins import toolkit

from . import ckan_seam
from .sql import BBOX_FIELD

log = logging.getLogger(__name__)


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """``ext_bbox`` as CKAN's spatial widget sends it: "minx,miny,maxx,maxy" in WGS84."""
    try:
        minx, miny, maxx, maxy = (float(v) for v in str(value).split(","))
    except ValueError:
        raise SearchQueryError(
            "ext_bbox muss vier Zahlen enthalten: minx,miny,maxx,maxy (Längen- und "
            "Breitengrade). / ext_bbox needs four numbers: minx,miny,maxx,maxy (degrees).")
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise SearchQueryError(
            "ext_bbox liegt außerhalb von -180..180 / -90..90 oder min > max. / "
            "ext_bbox is outside -180..180 / -90..90, or a minimum exceeds its maximum.")
    return minx, miny, maxx, maxy


@toolkit.blanket.config_declarations
class JenaSearchPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IConfigurable, inherit=True)
    plugins.implements(plugins.IPackageController, inherit=True)
    plugins.implements(plugins.IClick)

    # IConfigurer: runs before CKAN checks the Solr schema at start-up
    def update_config(self, config: Any) -> None:
        ckan_seam.install()

    # IConfigurable
    def configure(self, config: Any) -> None:
        ckan_seam.install()  # again: plugins loaded after this one (harvest) may import more users
        if ckan_seam.uses_postgres():
            from .backend import ensure_schema
            try:
                ensure_schema()
            except Exception as error:  # the database may not exist yet (`ckan db init`)
                log.warning("jena_search: index table not ready yet: %s", error)

    # IPackageController
    def before_dataset_search(self, search_params: dict) -> dict:
        if not ckan_seam.uses_postgres():
            return search_params
        extras = search_params.get("extras") or {}
        bbox = extras.get("ext_bbox")
        if bbox:
            minx, miny, maxx, maxy = parse_bbox(bbox)
            clause = f'+{BBOX_FIELD}:"{minx},{miny},{maxx},{maxy}"'
            search_params["fq"] = f"{search_params.get('fq') or ''} {clause}".strip()
        return search_params

    # IClick
    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import search
        return with_subgroup(search)
