"""The explainer in the DCAT-AP.de output, as its own RDF profile ``jena_explainer`` (entry point
in setup.py), chained after ``dcat_ap_de`` through ``ckanext.dcat.rdf.profiles`` the way
ckanext-dcat chains profiles, so the DCAT capability never imports the explainer.

Each dataset gets a ``foaf:page`` (DCAT-AP's "documentation") that is the printable explainer
page, typed ``foaf:Document``, with the explainer as its German and English
``dct:description`` (first line: whether the editors reviewed it or it was written
automatically). The dataset's own ``dct:description`` stays the publisher's text, so
GovData and data.europa.eu show both without one replacing the other.

Only stored explainers are published (the export never generates text), and only for datasets
the export already shows: the catalog lists public datasets, a dataset's own endpoint applies
package_show's rules. Without the jena_explainer plugin the profile adds nothing."""
from __future__ import annotations

import logging

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS as DCT, FOAF, RDF

from ckan import plugins
from ckan.plugins import toolkit

from ckanext.dcat.profiles.base import RDFProfile
from ckanext.jena import lang as lang_module

from . import core, readability, store

log = logging.getLogger(__name__)
TITLE = "Explained simply: {title}"  # msgid, German in the catalogue


class JenaExplainerProfile(RDFProfile):
    """Adds the stored explainer of each dataset (entry point ``jena_explainer``); parsing
    leaves the dataset as the profiles before it read it."""

    # only adds triples: the streamed export may build its pages in rdflib's SimpleMemory
    # store (ckanext/jena/dcat/export.py)
    jena_page_store_safe = True

    def graph_from_dataset(self, dataset_dict, dataset_ref):
        if plugins.plugin_loaded("jena_explainer"):
            add_to_graph(self.g, dataset_ref, dataset_dict)


def add_to_graph(graph, dataset_ref, dataset_dict: dict) -> None:
    if not dataset_dict.get("id"):
        return
    try:
        with store.savepoint():
            rows = store.explainers(dataset_dict["id"])
    except Exception:  # tables not created yet: export without explainers
        log.warning("explainers unavailable for the DCAT output of %s", dataset_dict["id"], exc_info=True)
        return
    if not rows:
        return
    site = (toolkit.config.get("ckan.site_url") or "").rstrip("/")
    page = URIRef(f"{site}/dataset/{dataset_dict.get('name') or dataset_dict['id']}/explainer")
    graph.add((dataset_ref, FOAF.page, page))
    graph.add((page, RDF.type, FOAF.Document))
    title = dataset_dict.get("title") or dataset_dict.get("name")
    for lang, row in sorted(rows.items()):
        status = core.status_label(core.status(row), lang)
        text = status + ".\n\n" + "\n\n".join(
            (readability.plain_text(row["sections"][key]) if key == "summary"
             else f"{core.heading(key, lang)}\n{readability.plain_text(row['sections'][key])}")
            for key in core.SECTIONS if row["sections"].get(key))
        if not text:
            continue
        graph.add((page, DCT.title, Literal(lang_module.gettext_for(TITLE, lang, title=title), lang=lang)))
        graph.add((page, DCT.description, Literal(text, lang=lang)))
