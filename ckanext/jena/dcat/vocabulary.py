"""The EU vocabulary concepts the dcat_ap_de profile emits, as an RDF graph.

DCAT-AP.de's controlled-vocabulary shapes check `<value> skos:inScheme <scheme>`, which a
validator can only see when the concepts are in the data graph. GovData's validator imports
the EU tables; offline tests and anyone checking our output can merge this graph instead.
Built from the same data files the form and the profile use, so it covers exactly what can be
emitted: data themes, frequencies, access rights, languages (schema/data/vocabularies.yaml),
file types (schema/data/formats.yaml) and ADMS publisher types.
"""
from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from ckanext.jena import lang as lang_module
from ckanext.jena.schema import vocabularies

from . import mapping


def vocabulary_graph() -> Graph:
    graph = Graph()
    graph.bind("skos", SKOS)

    titles = {}

    def add(scheme: str, uri: str, labels: dict) -> None:
        if scheme not in titles:
            titles[scheme] = scheme.rstrip("/").rsplit("/", 2)[-2 if scheme.endswith("/1.0") else -1]
            graph.add((URIRef(scheme), DCTERMS.title, Literal(titles[scheme])))
        node = URIRef(uri)
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.inScheme, URIRef(scheme)))
        graph.add((URIRef(scheme), RDF.type, SKOS.ConceptScheme))
        for lang, text in labels.items():
            graph.add((node, SKOS.prefLabel, Literal(text, lang=lang)))

    for name in ("eu_themes", "frequency", "access_rights", "language"):
        vocab = vocabularies.vocabulary(name)
        scheme = vocab["base"].rstrip("/")
        for code, labels in vocab["choices"].items():
            add(scheme, vocab["base"] + code, labels)
    for code in mapping.file_types():
        add(mapping.FILE_TYPE.rstrip("/"), mapping.FILE_TYPE + code, {"en": code})
    for kind in sorted(set(mapping.PUBLISHER_TYPES.values())):
        add(mapping.PUBLISHER_TYPE.rstrip("/") + "/1.0", mapping.PUBLISHER_TYPE + kind, {"en": kind})
    add(mapping.GEOCODING + "Level", mapping.MUNICIPALITY_LEVEL, lang_module.gettext_both("municipality"))
    return graph
