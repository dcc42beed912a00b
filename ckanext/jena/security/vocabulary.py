"""Tags and formats are listed only where the asker may see a dataset that has them.

CKAN core's ``tag_list``, ``tag_autocomplete``, ``tag_search``, ``tag_show`` and
``format_autocomplete`` read the tag and resource tables directly: the tag "kita-schliessung" or the
format "PERSONALDATEN-XLSX" of a private draft showed up for anonymous visitors (in the API and in the
dataset form's autocompletion). These chained actions keep each free tag and each format that at
least one dataset the asker may ``package_search`` has (public ones; for members also their
organisations' private ones; for sysadmins all), and answer "not found" for a tag of no such
dataset. They ask the search index for that set, as the asker, so search and these lists agree.

Tags of a vocabulary (``vocabulary_id``) are a sysadmin's fixed list, not data of datasets; they
pass through unchanged."""
from __future__ import annotations

from ckan.plugins import toolkit

# the facet of package_search that holds each kind of name
TAGS = "tags"
FORMATS = "res_format"


def visible_names(context, field: str) -> set[str]:
    """Every value of facet ``field`` over the datasets the asker of ``context`` may find."""
    search_context = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
    result = toolkit.get_action("package_search")(search_context, {
        "q": "*:*", "rows": 0, "facet": "true", "facet.field": [field], "facet.limit": -1,
        "facet.mincount": 1, "include_private": True})
    return set(result.get("facets", {}).get(field, {}))


def _tag_name(tag) -> str:
    return tag["name"] if isinstance(tag, dict) else tag


def _keep_visible_tags(context, tags: list) -> list:
    names = visible_names(context, TAGS)
    return [tag for tag in tags if _tag_name(tag) in names]


@toolkit.side_effect_free
@toolkit.chained_action
def tag_list(original_action, context, data_dict):
    """CKAN's tag_list, without free tags that only datasets hidden from the user have."""
    tags = original_action(context, data_dict)
    if data_dict.get("vocabulary_id"):
        return tags
    return _keep_visible_tags(context, tags)


@toolkit.side_effect_free
@toolkit.chained_action
def tag_search(original_action, context, data_dict):
    """CKAN's tag_search, without free tags that only datasets hidden from the user have.

    ``count`` is the number of tags kept (of the page CKAN found; a page may hold fewer than
    ``limit``)."""
    found = original_action(context, data_dict)
    if data_dict.get("vocabulary_id"):
        return found
    results = _keep_visible_tags(context, found.get("results", []))
    return {**found, "count": len(results), "results": results}


@toolkit.side_effect_free
@toolkit.chained_action
def tag_autocomplete(original_action, context, data_dict):
    """CKAN's tag_autocomplete, without free tags that only datasets hidden from the user have."""
    names = original_action(context, data_dict)
    if data_dict.get("vocabulary_id"):
        return names
    return _keep_visible_tags(context, names)


@toolkit.side_effect_free
@toolkit.chained_action
def tag_show(original_action, context, data_dict):
    """CKAN's tag_show; a free tag of no dataset the user may see is not found, in the very words
    CKAN answers for a tag that does not exist (no message of its own)."""
    tag = original_action(context, data_dict)
    if tag.get("vocabulary_id") is None and tag.get("name") not in visible_names(context, TAGS):
        raise toolkit.ObjectNotFound()
    return tag


@toolkit.side_effect_free
@toolkit.chained_action
def format_autocomplete(original_action, context, data_dict):
    """CKAN's format_autocomplete, without formats that only datasets hidden from the user have."""
    formats = original_action(context, data_dict)
    names = {name.lower() for name in visible_names(context, FORMATS)}
    return [name for name in formats if (name or "").lower() in names]


def actions() -> dict:
    return {"tag_list": tag_list, "tag_search": tag_search, "tag_autocomplete": tag_autocomplete,
            "tag_show": tag_show, "format_autocomplete": format_autocomplete}
