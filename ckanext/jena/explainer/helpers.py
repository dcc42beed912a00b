"""Template helpers of the explainers."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module, settings

from . import glossary, profile as profile_module
from .readers.labels import label_column

log = logging.getLogger(__name__)


def explainer(pkg_dict: dict, lang: Optional[str] = None) -> Optional[dict]:
    """The explainer for the person looking at the dataset page (editors get offered drafts
    too), or None when it cannot be shown; a failure here must never break the page.

    ``pkg_dict`` is the dataset the page already read with package_show for this user; the
    access check is repeated, the dataset is not read again."""
    from . import core, store
    if pkg_dict.get("type", "dataset") != "dataset":
        return None
    context = {"user": getattr(toolkit.g, "user", "")}
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


PREVIEW_ROWS = 5


def _datastore_preview(resource: dict, lang: str) -> Optional[dict]:
    """The first rows of a table loaded into the DataStore, read as the visitor."""
    try:
        answer = toolkit.get_action("datastore_search")({"user": getattr(toolkit.g, "user", "")}, {
            "resource_id": resource["id"], "limit": PREVIEW_ROWS, "sort": "_id"})
    except Exception:  # not readable for this visitor, dropped, DataStore down: no preview from it
        log.info("preview of resource %s: DataStore table not read", resource.get("id"), exc_info=True)
        return None
    types = {f["id"]: f.get("type") for f in answer["fields"] if f["id"] != "_id"}
    fields = list(types)
    if not answer["records"] or not fields:
        return None
    labels = [(label_column(name)[0] or {}).get(lang) or name for name in fields]
    # a date column shows times when any of its shown values has one
    timed = {name for name in fields if types[name] in ("timestamp", "date") and any(
        isinstance(r.get(name), str) and not r[name].endswith("T00:00:00") for r in answer["records"])}
    rows = [[_cell(record.get(name), types[name], lang, name in timed) for name in fields]
            for record in answer["records"]]
    return {"resource": resource, "columns": labels, "rows": rows, "total": answer.get("total"),
            "truncated": False, "source": "datastore"}


def _cell(value, field_type: str, lang: str, with_time: bool = False) -> str:
    """A DataStore cell as the reader expects it: German dates and decimal commas in German."""
    if value is None:
        return ""
    if field_type in ("timestamp", "date") and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value[:80]
        if lang == "de":
            return moment.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")
        return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and lang == "de":
        from ckanext.jena.charts.chart import german_number
        return german_number(value)
    return str(value)[:80]


def preview(pkg_dict: dict) -> Optional[dict]:
    """The first rows of the dataset's first table: read from the DataStore where the table is
    loaded, else from the stored profile (the page never reads the file):
    {"resource": {...}, "columns": [labels], "rows": [[cells]], "total"}."""
    from . import store
    lang = lang_module.current()
    try:
        with store.savepoint():
            profiles = store.profiles(pkg_dict["id"])
    except Exception:
        log.warning("profiles of %s unavailable", pkg_dict.get("id"), exc_info=True)
        profiles = {}
    for resource in pkg_dict.get("resources") or []:
        if toolkit.asbool(resource.get("datastore_active")):
            found = _datastore_preview(resource, lang)
            if found:
                return found
        stored = profiles.get(resource["id"]) or {}
        if stored.get("fingerprint") != profile_module.fingerprint(resource):
            continue  # the file changed since it was profiled: no outdated rows on the page
        profile = stored.get("profile") or {}
        if profile.get("kind") in ("table", "geo") and profile.get("sample"):
            labels = [(c.get("label") or {}).get(lang) or c.get("name") for c in profile.get("columns") or []]
            return {"resource": resource, "columns": labels, "rows": profile["sample"],
                    "total": profile.get("rows"), "truncated": profile.get("truncated")}
    return None


PICTURE_TABLES = 3  # DataStore tables looked at for a chart, at most, per page


def picture(pkg_dict: dict, lang: Optional[str] = None) -> Optional[dict]:
    """One picture of the dataset where one fits, for its page and the printable explainer: the
    map (ckanext.jena.maps, where that capability is installed), else a chart of its first
    DataStore table that fits one (charts/chart.py, read as the visitor). A dict with ``svg``,
    ``alt`` (what the picture shows, in plain words), ``kind``, ``resource_id``,
    ``resource_name``, optional ``attribution``/``attribution_url`` and ``rows`` (a chart's
    values, the table alternative); None when nothing fits. Never raises."""
    lang = lang or lang_module.current()
    try:
        from ckanext.jena.maps import picture as map_picture
    except ImportError:
        map_picture = None
    if map_picture is not None:
        try:
            found = map_picture.dataset_picture(pkg_dict, lang=lang)
        except Exception:
            log.exception("map picture of dataset %s failed", pkg_dict.get("id"))
            found = None
        if found:
            return dict(found)
    from ckanext.jena.charts import chart
    tables = [r for r in pkg_dict.get("resources") or [] if toolkit.asbool(r.get("datastore_active"))]
    for resource in tables[:PICTURE_TABLES]:
        try:
            drawn = chart.resource_chart(resource, {"user": getattr(toolkit.g, "user", "")})
        except Exception:
            log.exception("chart of resource %s of dataset %s failed", resource.get("id"), pkg_dict.get("id"))
            continue
        if drawn:
            return drawn
    return None


def glossary_entries() -> list[dict]:
    return glossary.entries(lang_module.current())


def on_dataset_page() -> bool:
    return toolkit.asbool(settings.get("ckanext.jena.explainer.dataset_page_section"))


def picture_on_dataset_page() -> bool:
    return toolkit.asbool(settings.get("ckanext.jena.explainer.dataset_page_picture"))


def get_helpers() -> dict:
    return {"jena_explainer": explainer, "jena_glossary_entries": glossary_entries,
            "jena_explainer_on_dataset_page": on_dataset_page, "jena_explainer_preview": preview,
            "jena_explainer_picture": picture, "jena_explainer_picture_on_dataset_page": picture_on_dataset_page}
