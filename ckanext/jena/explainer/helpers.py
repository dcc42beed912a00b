"""Template helpers of the explainers."""
from __future__ import annotations

import logging
from typing import Optional

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module

from . import glossary

log = logging.getLogger(__name__)


def explainer(pkg_dict: dict, lang: Optional[str] = None) -> Optional[dict]:
    """The explainer for the person looking at the page (editors get offered drafts too), or
    None when it cannot be shown; a failure here must never break the dataset page."""
    try:
        return toolkit.get_action("jena_explainer_show")(
            {"user": toolkit.g.user}, {"id": pkg_dict["id"], "lang": lang or lang_module.current()})
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return None
    except Exception:
        log.exception("explainer of dataset %s could not be shown", pkg_dict.get("id"))
        return None


def glossary_entries() -> list[dict]:
    return glossary.entries(lang_module.current())


def on_dataset_page() -> bool:
    return toolkit.asbool(toolkit.config.get("ckanext.jena.explainer.dataset_page_section", True))


def get_helpers() -> dict:
    return {"jena_explainer": explainer, "jena_glossary_entries": glossary_entries,
            "jena_explainer_on_dataset_page": on_dataset_page}
