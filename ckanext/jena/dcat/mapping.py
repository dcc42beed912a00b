"""Vocabulary URIs of the DCAT output, shared by the DCAT profile and the quality score. The
spellings (formats, licences) are the schema's: ckanext/jena/schema/inbound.py."""
from __future__ import annotations

from typing import Optional

from ckanext.jena.schema import inbound

EU, FILE_TYPE, IANA, LICENSES = inbound.EU, inbound.FILE_TYPE, inbound.IANA, inbound.LICENSES
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


# the inbound normaliser of the schema is the one home of these rules; the DCAT output and the
# quality score read them through here
format_info = inbound.format_info
file_types = inbound.file_types


def license_uri(license_id: Optional[str]) -> Optional[str]:
    """The dcat-ap.de URI of a licence of the list (any spelling); None for an unknown one."""
    return inbound.licence_uri(license_id)


def license_id_from_uri(uri: Optional[str]) -> Optional[str]:
    return inbound.licence(uri)


def municipality_uri() -> str:
    return f"{GEOCODING}municipalityKey/{JENA_MUNICIPALITY_KEY}"
