"""Template helpers of the Jena schema: choices, labels, suggestions, the offline map."""
from __future__ import annotations

import json

from ckanext.jena.lang import current as _lang

from ckanext.jena.taxonomy import store as taxonomy_store
from ckanext.jena.taxonomy import suggest as taxonomy_suggest

from . import places, vocabularies


def action_field_choices(field=None) -> list[dict]:
    taxonomy = taxonomy_store.current()
    out = []
    for f in taxonomy.fields():
        out.append({"value": f.notation, "label": dict(f.labels)})
        for m in taxonomy.measures(f.notation):
            out.append({"value": m.notation, "label": dict(m.labels)})
    return out


def action_field_tree() -> list[dict]:
    """Fields with their measures, labels and definitions in the request's language."""
    taxonomy = taxonomy_store.current()
    lang = _lang()
    return [{"id": f.notation, "label": f.label(lang), "definition": f.definition(lang),
             "measures": [{"id": m.notation, "label": m.label(lang), "definition": m.definition(lang),
                           "field": f.notation} for m in taxonomy.measures(f.notation)]}
            for f in taxonomy.fields()]


def action_field_label(notation: str) -> str:
    return taxonomy_store.current().label(notation, _lang())


def action_field_facet_tree(items: list) -> list[dict]:
    """Facet items of `action_fields` arranged as field -> measures, in taxonomy order."""
    taxonomy = taxonomy_store.current()
    by_name = {item["name"]: item for item in items}
    tree = []
    for f in taxonomy.fields(include_deprecated=True):
        measures = [by_name[m.notation] for m in taxonomy.measures(f.notation, include_deprecated=True)
                    if m.notation in by_name]
        if f.notation in by_name or measures:
            tree.append({"item": by_name.get(f.notation), "measures": measures, "id": f.notation,
                         "label": f.label(_lang())})
    return tree


def action_field_suggestions(pkg_dict: dict) -> list[dict]:
    if not pkg_dict:
        return []
    return taxonomy_suggest.suggest(taxonomy_store.current(), pkg_dict, _lang())


def district_choices(field=None) -> list[dict]:
    return [{"value": c["value"], "label": {"de": c["label"], "en": places.label(c["value"], "en")}}
            for c in places.choices("de")]


def district_label(key: str) -> str:
    return places.label(key, _lang())


def _vocab_choices(name):
    def helper(field=None):
        return vocabularies.choices(name)
    return helper


def vocabulary_label(name: str, uri: str) -> str:
    for choice in vocabularies.choices(name):
        if choice["value"] == uri:
            return choice["label"].get(_lang()) or choice["label"]["de"]
    return uri


def sensor_category_choices(field=None) -> list[dict]:
    table = taxonomy_store.current().mappings.get("sensor_categories") or {}
    return [{"value": key, "label": dict(row.get("label") or {"de": key})}
            for key, row in (table.get("categories") or {}).items()]


def license_title(license_id: str) -> str:
    lic = vocabularies.licenses().get(license_id)
    if not lic:
        return license_id
    return lic.get(f"title_{_lang()}") or lic["title"]


def map_layers_json() -> str:
    return json.dumps(places.map_layers(), separators=(",", ":"))


def map_attribution() -> str:
    return places.ATTRIBUTION


def as_list(value) -> list:
    from .validators import as_list as _as_list
    return _as_list(value)


def has_value(value) -> bool:
    """False for empty values, also lists of repeating subfields whose entries are all empty."""
    if value in (None, "", [], {}):
        return False
    if isinstance(value, list):
        return any(has_value(v) for v in value)
    if isinstance(value, dict):
        return any(has_value(v) for v in value.values())
    return True


def get_helpers() -> dict:
    return {
        "jena_has_value": has_value,
        "jena_as_list": as_list,
        "jena_action_field_choices": action_field_choices,
        "jena_action_field_tree": action_field_tree,
        "jena_action_field_label": action_field_label,
        "jena_action_field_facet_tree": action_field_facet_tree,
        "jena_action_field_suggestions": action_field_suggestions,
        "jena_district_choices": district_choices,
        "jena_district_label": district_label,
        "jena_eu_theme_choices": _vocab_choices("eu_themes"),
        "jena_frequency_choices": _vocab_choices("frequency"),
        "jena_access_rights_choices": _vocab_choices("access_rights"),
        "jena_language_choices": _vocab_choices("language"),
        "jena_vocabulary_label": vocabulary_label,
        "jena_sensor_category_choices": sensor_category_choices,
        "jena_license_title": license_title,
        "jena_map_layers_json": map_layers_json,
        "jena_map_attribution": map_attribution,
    }
