"""Vocabulary lookups shared by the DCAT profile and the quality score (data/formats.yaml,
the schema's vocabularies, the licence list)."""
from __future__ import annotations

import functools
import os
from typing import Optional

import yaml

from ckanext.jena.schema import vocabularies

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
EU = "http://publications.europa.eu/resource/authority/"
FILE_TYPE = EU + "file-type/"
IANA = "https://www.iana.org/assignments/media-types/"
LICENSES = "http://dcat-ap.de/def/licenses/"
CONTRIBUTORS = "http://dcat-ap.de/def/contributors/"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"
MUNICIPALITY_LEVEL = GEOCODING + "Level/municipality"
JENA_MUNICIPALITY_KEY = "16053000"
PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
# organisation schema's org_type -> ADMS publisher type
PUBLISHER_TYPES = {
    "fachdienst": "LocalAuthority", "eigenbetrieb": "LocalAuthority", "projekt": "LocalAuthority",
    "stadtwerke": "Company", "forschungspartner": "Academia-ScientificOrganisation",
    "sonstige": "NonProfitOrganisation",
}


@functools.lru_cache(maxsize=1)
def _formats() -> dict:
    with open(os.path.join(DATA_DIR, "formats.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def format_info(value: Optional[str]) -> Optional[dict]:
    """The formats.yaml row for a CKAN format string, a file-type URI or a media type."""
    if not value:
        return None
    text = str(value).strip()
    table = _formats()
    if text.startswith(FILE_TYPE):
        code = text[len(FILE_TYPE):]
        for key, row in table["formats"].items():
            if row["file_type"] == code:
                return dict(row, name=key)
        return {"file_type": code, "name": code}
    if text.startswith(IANA):
        text = text[len(IANA):]
    key = text.upper()
    key = table["aliases"].get(key, key)
    if key in table["formats"]:
        return dict(table["formats"][key], name=key)
    for name, row in table["formats"].items():
        if row["media_type"] == text.lower():
            return dict(row, name=name)
    return None


def file_types() -> list[str]:
    return sorted({row["file_type"] for row in _formats()["formats"].values()})


def license_uri(license_id: Optional[str]) -> Optional[str]:
    normalised = vocabularies.normalise_license(license_id) if license_id else None
    return LICENSES + normalised if normalised else None


def license_id_from_uri(uri: Optional[str]) -> Optional[str]:
    return vocabularies.normalise_license(uri) if uri else None


def municipality_uri() -> str:
    return f"{GEOCODING}municipalityKey/{JENA_MUNICIPALITY_KEY}"
