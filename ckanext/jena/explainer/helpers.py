"""Template helpers of the explainers."""
from __future__ import annotations

import logging
from typing import Optional

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module, settings

from . import glossary, profile as profile_module

log = logging.getLogger(__name__)


def explainer(pkg_dict: dict, lang: Optional[str] = None) -> Optional[dict]:
    """The explainer for the person looking at the dataset page (editors get offered drafts
    too), or None when it cannot be shown; a failure here must never break the page.

    ``pkg_dict`` is the dataset the page already read with package_show for this user; the
    access check is repeated, the dataset is not read again."""
    from . import core, store
    if pkg_dict.get("type", "dataset") != "dataset":
        return None
    context = {"user": toolkit.g.user}
    try:
        toolkit.check_access("jena_explainer_show", dict(context), {"id": pkg_dict["id"]})
        try:
            toolkit.check_access("jena_explainer_update", dict(context), {"id": pkg_dict["id"]})
            editor = True
        except toolkit.NotAuthorized:
            editor = False
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return None
    try:
        # a savepoint: a failing query (tables missing) must not abort the page's transaction
        with store.savepoint():
            return core.view(pkg_dict, lang or lang_module.current(), editor=editor, with_readability=False)
    except Exception:
        log.exception("explainer of dataset %s could not be shown", pkg_dict.get("id"))
        return None


def preview(pkg_dict: dict) -> Optional[dict]:
    """The first rows of the dataset's first profiled table, from the stored profile (the page
    never reads the file): {"resource": {...}, "columns": [labels], "rows": [[cells]]}."""
    from . import store
    lang = lang_module.current()
    try:
        with store.savepoint():
            profiles = store.profiles(pkg_dict["id"])
    except Exception:
        log.warning("profiles of %s unavailable", pkg_dict.get("id"), exc_info=True)
        return None
    for resource in pkg_dict.get("resources") or []:
        stored = profiles.get(resource["id"]) or {}
        if stored.get("fingerprint") != profile_module.fingerprint(resource):
            continue  # the file changed since it was profiled: no outdated rows on the page
        profile = stored.get("profile") or {}
        if profile.get("kind") in ("table", "geo") and profile.get("sample"):
            labels = [(c.get("label") or {}).get(lang) or c.get("name") for c in profile.get("columns") or []]
            return {"resource": resource, "columns": labels, "rows": profile["sample"],
                    "total": profile.get("rows"), "truncated": profile.get("truncated")}
    return None


def glossary_entries() -> list[dict]:
    return glossary.entries(lang_module.current())


def on_dataset_page() -> bool:
    return toolkit.asbool(settings.get("ckanext.jena.explainer.dataset_page_section"))


def get_helpers() -> dict:
    return {"jena_explainer": explainer, "jena_glossary_entries": glossary_entries,
            "jena_explainer_on_dataset_page": on_dataset_page, "jena_explainer_preview": preview}
