"""A search as the search page's address says it: its words and its Jena facets, checked and
turned into package_search's q and fq. Used by the feeds and by followed searches."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

# the search page's facets a feed (or a followed search) can filter by
FACETS = ("action_fields", "districts", "theme", "organization", "groups", "tags", "res_format", "license_id")
MAX_VALUES = 20
MAX_LENGTH = 200
MAX_QUERY = 500
# what an XML document (the Atom feed) cannot hold: control characters, surrogates, U+FFFE/U+FFFF
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def check_query(q: str) -> str:
    """q itself; ValueError for what a feed cannot carry."""
    if len(q) > MAX_QUERY or NOT_XML.search(q):
        raise ValueError(q[:50])
    return q


def filters(getlist) -> list[tuple[str, str]]:
    """[(field, value)] from a multi-dict's getlist; ValueError for what cannot be quoted."""
    out = []
    for field in FACETS:
        values = [v for v in getlist(field) if v]
        if len(values) > MAX_VALUES:
            raise ValueError(field)
        for value in values:
            if len(value) > MAX_LENGTH or '"' in value or "\\" in value or NOT_XML.search(value):
                raise ValueError(field)
            out.append((field, value))
    return out


def label(field: str, value: str) -> str:
    """What a reader calls a facet value: the Handlungsfeld's, Ortsteil's or EU theme's name."""
    from ckanext.jena.schema import helpers as schema_helpers
    if field == "action_fields":
        return schema_helpers.action_field_label(value)
    if field == "districts":
        return schema_helpers.district_label(value)
    if field == "theme":
        return schema_helpers.vocabulary_label("eu_themes", value)
    return value


def title(q: str, pairs: list[tuple[str, str]], everything: str) -> str:
    parts = [label(field, value) for field, value in pairs]
    if q:
        parts.insert(0, f"„{q}“")
    return ", ".join(parts) or everything


def fq(pairs: list[tuple[str, str]]) -> str:
    return " ".join(f'{field}:"{value}"' for field, value in pairs)


def canonical(q: str, pairs: list[tuple[str, str]]) -> str:
    """One spelling of a search (for saving it): q first, then the facets in FACETS' order."""
    ordered = sorted(pairs, key=lambda p: (FACETS.index(p[0]), p[1]))
    return urlencode(([("q", q.strip())] if q and q.strip() else []) + ordered)


def parse(saved: str) -> tuple[str, list[tuple[str, str]]]:
    """(q, filters) of a canonical search; ValueError if it is not one."""
    pairs = parse_qsl(saved, keep_blank_values=False)
    q = next((v for k, v in pairs if k == "q"), "")
    if any(k != "q" and k not in FACETS for k, _v in pairs):
        raise ValueError(saved[:50])
    check_query(q)
    return q, filters(lambda field: [v for k, v in pairs if k == field])
