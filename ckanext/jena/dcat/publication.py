"""Which datasets the DCAT catalog publishes (issue 14, item 7).

The catalog (`/catalog.ttl|rdf|jsonld|xml`, `ckan jena dcat export`) goes to GovData. It
publishes the city's own datasets. A harvested dataset is published only when a plugin that
knows its origin says so: jena_harvest answers for its sources (the source setting
``"publish": true`` marks a city's own system; a partner portal's records reach GovData from
their origin and would be duplicates there). A published dataset that cannot be made conformant
(a gap DCAT-AP.de does not allow, e.g. no description) is withheld as well, with the reason.

The decision is taken when a dataset is indexed (field ``jena_dcat_withheld``) so the catalog's
search leaves withheld datasets out page by page; `dcat_withheld_reason` gives the reason.
"""
from __future__ import annotations

from typing import Optional

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS as DCT, RDF, SKOS

import ckan.plugins as plugins
from ckan.plugins.interfaces import Interface

from ckanext.jena import lang as lang_module
from ckanext.jena.schema import inbound

ADMS = Namespace("http://www.w3.org/ns/adms#")
PROV = Namespace("http://www.w3.org/ns/prov#")
INDEX_FIELD = "jena_dcat_withheld"
# what package_search's fq gets: CKAN core prefixes +capacity:public the same way
SEARCH_FILTER = f"-{INDEX_FIELD}:true"

# gaps that DCAT-AP.de's shapes would report as violations in the output: no dct:description;
# distributions without a licence from the dcat-ap.de list
# msgids, German in the catalogue; the reason is stored in both languages at once
_BLOCKING = {
    ("notes", "missing"): "it has no description (DCAT-AP.de requires dct:description)",
    ("license_id", "missing"): "its files have no licence from the dcat-ap.de list",
    ("license_id", "unknown"): "its licence is not on the dcat-ap.de list",
}
WITHHELD = "Cannot be published conformantly: {reasons}."


class IDcatPublication(Interface):
    """For capabilities that know where a dataset came from (e.g. jena_harvest)."""

    def dcat_withheld(self, dataset_dict: dict) -> Optional[str]:
        """A reason (a sentence in German and English) to leave the dataset out of the
        published catalog, or None when this plugin has no objection."""
        return None

    def dcat_origin(self, dataset_dict: dict) -> Optional[dict]:
        """Where a republished dataset came from: ``{"guid": its identity in the source (URI or
        identifier), "identifiers": [every identifier the source gave it]}``, or None."""
        return None


def origin(dataset_dict: dict) -> Optional[dict]:
    for plugin in plugins.PluginImplementations(IDcatPublication):
        found = plugin.dcat_origin(dataset_dict)
        if found:
            return found
    return None


def add_origin(graph, dataset_ref, dataset_dict: dict) -> None:
    """A harvested dataset's original identity, as DCAT-AP.de asks of records passed on between
    portals: dct:identifier the original identifier (its dct:identifier, else its URI), the others
    as adms:identifier, and prov:wasDerivedFrom the original dataset's URI."""
    found = origin(dataset_dict)
    if not found:
        return
    identifiers = list(dict.fromkeys(i for i in [found["guid"], *found.get("identifiers", [])] if i))
    plain = [i for i in identifiers if not i.startswith(("http://", "https://", "urn:"))]
    main = plain[0] if plain else identifiers[0]
    for value in list(graph.objects(dataset_ref, DCT.identifier)):
        graph.remove((dataset_ref, DCT.identifier, value))
    graph.add((dataset_ref, DCT.identifier, Literal(main)))
    for other in identifiers:
        if other == main:
            continue
        node = BNode()
        graph.add((dataset_ref, ADMS.identifier, node))
        graph.add((node, RDF.type, ADMS.Identifier))
        graph.add((node, SKOS.notation, Literal(other)))
        if other.startswith(("http://", "https://")):
            graph.add((dataset_ref, PROV.wasDerivedFrom, URIRef(other)))


def withheld_reason(dataset_dict: dict) -> Optional[str]:
    """Why the dataset is left out of the published catalog, or None when it is published."""
    for plugin in plugins.PluginImplementations(IDcatPublication):
        reason = plugin.dcat_withheld(dataset_dict)
        if reason:
            return reason
    reasons = []
    for gap in inbound.gaps_of(dataset_dict):
        key = (gap.get("field"), gap.get("problem"))
        if key[0] == "license_id" and not dataset_dict.get("resources"):
            continue  # a dataset without distributions needs no licence
        if key in _BLOCKING and _BLOCKING[key] not in reasons:
            reasons.append(_BLOCKING[key])
    if reasons:
        text = {lang: lang_module.gettext_for(WITHHELD, lang, reasons="; ".join(
            lang_module.gettext_for(reason, lang) for reason in reasons)) for lang in ("de", "en")}
        return f"{text['de']} / {text['en']}"
    return None


def index_fields(pkg_dict: dict, dataset_dict: dict) -> None:
    """Adds the decision to a search index document."""
    pkg_dict[INDEX_FIELD] = "true" if withheld_reason(dataset_dict) else "false"


def with_filter(fq: Optional[str]) -> str:
    """The catalog search's fq with withheld datasets left out."""
    return f"{SEARCH_FILTER} {fq}" if fq else SEARCH_FILTER
