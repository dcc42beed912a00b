"""Plugin jena_search: dataset search on PostgreSQL, no Solr needed."""
from __future__ import annotations

import logging
import re
from typing import Any

import ckan.plugins as plugins
from ckan.lib.search.common import SearchQueryError
from ckan.plugins import toolkit

from . import ckan_seam, guards
from .sql import BBOX_FIELD

log = logging.getLogger(__name__)
_ = toolkit._

# Lucene's operators and range keyword: they join terms, they are not terms themselves
_OPERATORS = {"AND", "OR", "NOT", "TO", "&&", "||", "+", "-", "!"}
_TOKEN_RE = re.compile(r"[^\s()]+")


def count_terms(text: str) -> int:
    """The words and values of a query string, as someone reading it would count them."""
    return sum(1 for token in _TOKEN_RE.findall(text) if token not in _OPERATORS)


def check_limits(search_params: dict) -> None:
    """Refuse a search whose text or filters are longer than the configured limits.

    Checked on what the visitor or API client sent, before CKAN adds its own filters
    (permission labels, state, site id), so a user in many organisations is never refused."""
    max_length = toolkit.config.get("ckanext.jena.search.max_query_length")
    max_terms = toolkit.config.get("ckanext.jena.search.max_query_terms")
    q = str(search_params.get("q") or "")
    fq_list = search_params.get("fq_list") or []
    if isinstance(fq_list, str):
        fq_list = [fq_list]
    filters = " ".join(str(f) for f in [search_params.get("fq") or "", *fq_list])
    if len(q) > max_length:
        raise SearchQueryError(_(
            "The search text has {count} characters; at most {limit} are allowed. "
            "Please search with fewer words.").format(count=len(q), limit=max_length))
    if len(filters) > max_length:
        raise SearchQueryError(_(
            "The search filter (fq) has {count} characters; at most {limit} are allowed. "
            "Please filter by fewer values at a time.").format(count=len(filters), limit=max_length))
    words = count_terms(q)
    if words > max_terms:
        raise SearchQueryError(_(
            "The search text has {count} words; at most {limit} are allowed. "
            "Please search with fewer words.").format(count=words, limit=max_terms))
    terms = count_terms(filters)
    if terms > max_terms:
        raise SearchQueryError(_(
            "The search filter (fq) has {count} terms; at most {limit} are allowed. "
            "Please filter by fewer values at a time.").format(count=terms, limit=max_terms))


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
    plugins.implements(plugins.IActions)

    # IConfigurer: runs before CKAN checks the Solr schema at start-up
    def update_config(self, config: Any) -> None:
        ckan_seam.install()

    # IConfigurable
    def configure(self, config: Any) -> None:
        ckan_seam.install()  # again: plugins loaded after this one (harvest) may import more users
        if ckan_seam.uses_postgres():
            from .backend import require_schema
            try:
                require_schema()
            except Exception as error:  # before `ckan db init` / `ckan db upgrade -p jena_search`
                log.warning("jena_search: index not ready yet: %s", error)

    # IPackageController
    def before_dataset_search(self, search_params: dict) -> dict:
        check_limits(search_params)  # for Solr too: it spends the same time on such a query
        if not ckan_seam.uses_postgres():
            return search_params
        extras = search_params.get("extras") or {}
        bbox = extras.get("ext_bbox")
        if bbox:
            minx, miny, maxx, maxy = parse_bbox(bbox)
            clause = f'+{BBOX_FIELD}:"{minx},{miny},{maxx},{maxy}"'
            search_params["fq"] = f"{search_params.get('fq') or ''} {clause}".strip()
        return search_params

    # IActions
    def get_actions(self) -> dict:
        return {"package_search": toolkit.side_effect_free(guards.package_search)}

    # IClick
    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import search
        return with_subgroup(search)
