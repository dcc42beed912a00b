"""Template helpers of the Jena theme: what the home page shows."""
from __future__ import annotations

import json
import logging

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module

log = logging.getLogger(__name__)


def _search(**params) -> dict:
    # the home page lists public datasets only: package_search leaves private ones out unless
    # asked with include_private, which it is not here
    return toolkit.get_action("package_search")({"user": toolkit.g.user}, params)


def home_fields() -> list[dict]:
    """The five Handlungsfelder with the number of datasets each has."""
    from ckanext.jena.taxonomy import store as taxonomy_store
    taxonomy = taxonomy_store.current()
    lang = lang_module.current()
    result = _search(rows=0, **{"facet.field": json.dumps(["action_fields"]), "facet.limit": -1})
    counts = result.get("facets", {}).get("action_fields", {})
    return [{"notation": field.notation, "label": field.label(lang), "definition": field.definition(lang),
             "count": counts.get(field.notation, 0)} for field in taxonomy.fields()]


def newest(limit: int = 4) -> list[dict]:
    return _search(rows=limit, sort="metadata_created desc")["results"]


def most_viewed(limit: int = 4) -> list[dict]:
    """The public datasets whose pages were opened most in the last 30 days (only public,
    active datasets are counted; the search below drops any that became private or deleted)."""
    from ckan import model
    from . import store
    try:
        with model.Session.begin_nested():
            ids = store.most_viewed()
    except Exception:
        log.warning("page views unavailable", exc_info=True)
        return []
    if not ids:
        return []
    found = {d["id"]: d for d in _search(rows=len(ids), fq="id:(" + " OR ".join(f'"{i}"' for i in ids) + ")")["results"]}
    return [found[i] for i in ids if i in found][:limit]


def total_datasets() -> int:
    return _search(rows=0)["count"]


def language_links() -> list[dict]:
    """Both languages for the switch in the header: the same page (query included) in each;
    the default language without a prefix, others under /<code>, below ckan.root_path if set."""
    current = lang_module.current()
    names = {"de": "Deutsch", "en": "English"}
    default = toolkit.config.get("ckan.locale_default", "de")
    try:
        here = toolkit.h.current_url()
    except (KeyError, RuntimeError, TypeError):  # outside a request, or before CKAN's routing
        here = "/"
    if not here.startswith("/") or here.startswith("//"):
        here = "/"  # "//host" would be a link to another site (a path like /en//host can reach here)
    return [{"code": code, "name": name, "current": code == current,
             "href": toolkit.h.url_for(here, locale="default" if code == default else code)}
            for code, name in names.items()]


def get_helpers() -> dict:
    return {"jena_home_fields": home_fields, "jena_newest": newest, "jena_most_viewed": most_viewed,
            "jena_total_datasets": total_datasets, "jena_language_links": language_links}
