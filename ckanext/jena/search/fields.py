"""How each index field behaves, mirroring the field types of CKAN's Solr schema.

CKAN 2.11's ``ckan/config/solr/schema.xml`` decides whether ``tags:Baum`` is an exact,
case-sensitive match (string fields), a tokenised full-text match (text fields), a date or a
number. Queries that CKAN and extensions send rely on those semantics, so the PostgreSQL
backend keeps them. The German analyser replaces Solr's English one for text fields.
"""
from __future__ import annotations

import fnmatch

# Solr type "text" / "text_general": tokenised, stemmed
TEXT_FIELDS = {
    "title", "notes", "author", "author_email", "maintainer", "maintainer_email",
    "res_name", "res_description", "text", "urls",
    "depends_on", "dependency_of", "derives_from", "has_derivation",
    "links_to", "linked_from", "child_of", "parent_of",
}
TEXT_PATTERNS = ("extras_*", "res_extras_*")

# Solr type "text_ngram": substring matches on name and title, used by package_autocomplete
NGRAM_FIELDS = {"name_ngram": "name", "title_ngram": "title"}

DATE_FIELDS = {"metadata_created", "metadata_modified", "indexed_ts"}
DATE_PATTERNS = ("*_date",)

NUMERIC_FIELDS = {
    "views_total", "views_recent", "resources_accessed_total", "resources_accessed_recent",
    "num_resources", "num_tags", "bbox_area", "minx", "miny", "maxx", "maxy",
}

# Not searchable at all in Solr (indexed="false"): kept out of terms
STORED_ONLY = {"data_dict", "validated_data_dict"}

# Weighted copy into the `text` field (Solr's copyField rules): weight A ranks highest.
# Weight A holds the title and nothing else, so `title:` queries are answered by the index.
TEXT_WEIGHTS = {
    "title": "A", "name": "B",
    "tags": "B", "groups": "B", "organization": "B",
    "notes": "C", "res_name": "C", "res_description": "C",
    "text": "D", "license": "D", "maintainer": "D", "author": "D",
    "url": "D", "ckan_url": "D", "download_url": "D", "res_url": "D",
}
TEXT_WEIGHT_PATTERNS = (("vocab_*", "B"), ("extras_*", "C"), ("res_extras_*", "C"))
URL_FIELDS = {"url", "ckan_url", "download_url", "res_url"}

# Facets CKAN and the project ask for; their values also go to `facet_hashes`, a narrow
# array that makes facet counting over the whole hit set cheap.
DEFAULT_FACET_FIELDS = {
    "organization", "groups", "tags", "res_format", "license_id", "owner_org",
}


def _matches(field: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(field, p) for p in patterns)


def is_text(field: str) -> bool:
    return field in TEXT_FIELDS or _matches(field, TEXT_PATTERNS)


def is_date(field: str) -> bool:
    return field in DATE_FIELDS or _matches(field, DATE_PATTERNS)


def is_numeric(field: str) -> bool:
    return field in NUMERIC_FIELDS


def text_weight(field: str):
    if field in TEXT_WEIGHTS:
        return TEXT_WEIGHTS[field]
    for pattern, weight in TEXT_WEIGHT_PATTERNS:
        if fnmatch.fnmatchcase(field, pattern):
            return weight
    return None

# Single-valued string fields kept as their own columns (see schema.sql), and the one
# multi-valued field kept as an array column: tested on every query, so never detoasted.
COLUMN_FIELDS = ("site_id", "state", "capacity", "dataset_type", "owner_org", "organization", "name")
# text fields with a column of their own: matched without reading the whole document
TEXT_COLUMN_FIELDS = ("title",)
ARRAY_COLUMN_FIELDS = ("permission_labels",)

# text fields whose words are also in the combined `text` field (Solr copyField): a match in
# them implies a match in search_vector / search_text, which have indexes
COPIED_TO_TEXT = {"title", "notes", "res_name", "res_description", "maintainer", "author"}
COPIED_TO_TEXT_PATTERNS = ("extras_*", "res_extras_*")


def is_copied_to_text(field: str) -> bool:
    return field in COPIED_TO_TEXT or _matches(field, COPIED_TO_TEXT_PATTERNS)
