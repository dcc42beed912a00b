"""Suggest action fields for a dataset from the taxonomy's mapping tables.

Signals, strongest first: the sensor category, the old portal's topic groups, EU data themes,
keywords and words of the title. A suggestion is only a proposal: it is shown to data officers
(form, dataset page, harvest report) and counts nowhere until they confirm it.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from .model import EU_THEME_BASE, Taxonomy

WEIGHTS = {"sensor_category": 5, "group": 3, "theme": 2, "keyword": 2, "title": 1}
FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(text: str) -> str:
    return (text or "").casefold().translate(FOLD)


def _strings(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        if value.startswith("["):
            import json
            try:
                return _strings(json.loads(value))
            except ValueError:
                pass
        return [value]
    if isinstance(value, dict):
        return [str(value.get("name") or value.get("display_name") or value.get("title") or "")]
    if isinstance(value, Iterable):
        out = []
        for item in value:
            out.extend(_strings(item))
        return out
    return [str(value)]


def _keyword_hits(words: dict, text: str) -> list[tuple[str, str]]:
    """(concept, keyword) for each keyword found in text: at a word start, or anywhere in a
    compound for keywords of five letters or more ("Straßenbäume" contains "baeume")."""
    folded = fold(text)
    hits = []
    for concept, keywords in words.items():
        for keyword in keywords or []:
            kw = fold(str(keyword))
            pattern = re.escape(kw) if len(kw) >= 5 else r"(?<![a-z0-9])" + re.escape(kw)
            if re.search(pattern, folded):
                hits.append((concept, str(keyword)))
    return hits


def suggest(taxonomy: Taxonomy, data: dict, lang: str = "de", limit: int = 5) -> list[dict]:
    """Action fields and measures for `data` (a dataset dict, or parts of one), best first,
    without those already confirmed in data["action_fields"]."""
    valid = set(taxonomy.valid_values())
    scores: dict[str, int] = {}
    reasons: dict[str, list] = {}

    def add(concept: str, source: str, value: str) -> None:
        if concept not in valid:
            return
        scores[concept] = scores.get(concept, 0) + WEIGHTS[source]
        reasons.setdefault(concept, []).append({"source": source, "value": value})

    tables = taxonomy.mappings
    categories = (tables.get("sensor_categories") or {}).get("categories") or {}
    for category in _strings(data.get("sensor_category")):
        for concept in (categories.get(category) or {}).get("action_fields") or []:
            add(concept, "sensor_category", category)

    groups = (tables.get("opendata_groups") or {}).get("groups") or {}
    by_title = {fold(row.get("title", "")): name for name, row in groups.items() if row}
    for group in _strings(data.get("groups")):
        name = group if group in groups else by_title.get(fold(group))
        for concept in (groups.get(name) or {}).get("action_fields") or []:
            add(concept, "group", group)

    themes = (tables.get("eu_themes") or {}).get("themes") or {}
    for theme in _strings(data.get("theme")):
        code = theme.rsplit("/", 1)[-1].upper() if theme.startswith(EU_THEME_BASE) or "/" not in theme else None
        for concept in (themes.get(code) or [])[:1]:
            add(concept, "theme", theme)

    words = (tables.get("keywords") or {}).get("keywords") or {}
    tags = _strings(data.get("tags")) + [t.strip() for t in _strings(data.get("tag_string"))
                                         for t in t.split(",") if t.strip()]
    for tag in tags:
        for concept, _kw in _keyword_hits(words, tag):
            add(concept, "keyword", tag)
    for concept, keyword in _keyword_hits(words, data.get("title") or ""):
        add(concept, "title", keyword)

    # A measure's evidence also speaks for its field.
    for concept in list(scores):
        field = taxonomy.field_of(concept)
        if field and field != concept:
            scores[field] = scores.get(field, 0) + scores[concept]
            reasons.setdefault(field, []).append({"source": "measure", "value": concept})

    confirmed = set(_strings(data.get("action_fields")))
    ranked = sorted((c for c in scores if c not in confirmed),
                    key=lambda c: (-scores[c], taxonomy.get(c).is_field, taxonomy.order.index(c)))
    out = []
    for concept in ranked[:limit]:
        c = taxonomy.get(concept)
        out.append({"id": concept, "label": c.label(lang), "field": taxonomy.field_of(concept),
                    "is_field": c.is_field, "score": scores[concept], "reasons": reasons[concept],
                    "suggested": True})
    return out
