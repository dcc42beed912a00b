"""API actions and auth functions of the taxonomy."""
from __future__ import annotations

from ckan.plugins import toolkit

from ckanext.jena import lang

from . import store, suggest as suggest_module

_ = toolkit._


def _lang(data_dict: dict):
    lang = data_dict.get("lang")
    if lang in (None, "", "all"):
        return None
    if lang not in ("de", "en"):
        raise toolkit.ValidationError({"lang": [_("Use de, en or all.")]})
    return lang


@toolkit.side_effect_free
def jena_taxonomy_show(context, data_dict):
    """The action-field taxonomy: schemes, concepts, their labels, definitions and mappings.

    :param id: a concept (e.g. ``gruenstadtpflege``) or scheme (``handlungsfelder``) to show
        alone (optional; default: everything)
    :type id: string
    :param lang: ``de`` or ``en`` for labels in one language; ``all`` or empty for both
    :type lang: string
    :returns: ``{"version", "checksum", "base_uri", "schemes": [...]}``, or one concept or scheme
    :rtype: dictionary
    """
    toolkit.check_access("jena_taxonomy_show", context, data_dict)
    taxonomy = store.current()
    lang = _lang(data_dict)
    wanted = data_dict.get("id")
    if wanted is not None and not isinstance(wanted, str):
        raise toolkit.ValidationError({"id": [_("Give one concept or scheme id as text.")]})
    full = taxonomy.as_dict(lang)
    if not wanted:
        return full
    for scheme in full["schemes"]:
        if scheme["id"] == wanted:
            return scheme
    concept = taxonomy.get(wanted)
    if concept is None:
        raise toolkit.ObjectNotFound(_("No such concept or scheme: {id}").format(id=wanted))
    return taxonomy.concept_dict(concept, lang)


@toolkit.side_effect_free
def jena_action_field_suggest(context, data_dict):
    """Action fields and measures that fit a dataset, from the taxonomy's mapping tables.

    Suggestions are proposals for data officers; they are not stored and count nowhere until
    someone puts them into the dataset's ``action_fields``.

    :param id: an existing dataset (optional; its stored fields are used)
    :param title, tags, tag_string, groups, theme, sensor_category: dataset fields to use
        instead of, or in addition to, the stored ones
    :param lang: ``de`` or ``en`` (default: the request's language)
    :returns: list of ``{"id", "label", "field", "score", "reasons", "suggested": true}``
    :rtype: list
    """
    toolkit.check_access("jena_action_field_suggest", context, data_dict)
    data: dict = {}
    dataset_id = data_dict.get("id")
    if dataset_id is not None and not isinstance(dataset_id, str):
        raise toolkit.ValidationError({"id": [_("Give one dataset id or name as text.")]})
    if dataset_id:
        data = toolkit.get_action("package_show")(dict(context), {"id": dataset_id})
    for key in ("title", "tag_string", "sensor_category"):
        if data_dict.get(key) is not None and not isinstance(data_dict[key], str):
            raise toolkit.ValidationError({key: [_("Must be text.")]})
    for key in ("title", "tags", "tag_string", "groups", "theme", "sensor_category", "action_fields"):
        if data_dict.get(key) not in (None, ""):
            data[key] = data_dict[key]
    language = data_dict.get("lang") or lang.current()
    return suggest_module.suggest(store.current(), data, language if language in lang.SUPPORTED else "de")


@toolkit.auth_allow_anonymous_access
def jena_taxonomy_show_auth(context, data_dict):
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def jena_action_field_suggest_auth(context, data_dict):
    # Reading an existing dataset is checked by package_show inside the action.
    return {"success": True}


def get_actions() -> dict:
    return {"jena_taxonomy_show": jena_taxonomy_show,
            "jena_action_field_suggest": jena_action_field_suggest}


def get_auth_functions() -> dict:
    return {"jena_taxonomy_show": jena_taxonomy_show_auth,
            "jena_action_field_suggest": jena_action_field_suggest_auth}
