"""Validate DCAT output offline with pySHACL against the DCAT-AP.de 3.0 shapes (the set
GovData's validator uses for "DCAT-AP 3.0.de – Deutsche Spezifikation") and GovData's
dashboard shapes. Shapes and vocabulary lists are copies in tests/dcat/shapes/ (SOURCES.md)."""
from __future__ import annotations

import functools
import os

from pyshacl import validate
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from ckanext.jena.dcat.vocabulary import vocabulary_graph

SHAPES = os.path.join(os.path.dirname(__file__), "shapes")
GERMAN_SET = (
    "v3.0_shapes_dcat-ap-de-imports.ttl", "v3.0_shapes_dcat-ap-SHACL-DE.ttl",
    "v3.0_shapes_dcat-ap-de-deprecated.ttl", "v3.0_shapes_dcat-ap-spec-german-additions.ttl",
    "v3.0_shapes_dcat-ap-de-controlledvocabularies.ttl", "semic_3.0.0_dcat-ap-SHACL.ttl",
)
DASHBOARD = ("dashboard-live_shapes_db-shapes.ttl",)
LISTS = ("dashboard-live_shapes_dcat-ap-de-contributors.rdf", "dashboard-live_shapes_dcat-ap-de-licenses-open.rdf")
ONTOLOGIES = ("mirror_foaf_0_1.rdf", "mirror_vcard.ttl", "mirror_org.ttl")
SH = Namespace("http://www.w3.org/ns/shacl#")
# dashboard shapes that fire for every distribution and licence on purpose: they count, they
# do not judge (db-shapes.ttl, count_Distributions and count_Distributions_Licenses)
COUNTING_PATH = "http://govdata.de/mqa/#failnow"


def _parse(names) -> Graph:
    graph = Graph()
    for name in names:
        path = os.path.join(SHAPES, name)
        graph.parse(path, format="xml" if name.endswith(".rdf") else "turtle")
    return graph


@functools.lru_cache(maxsize=None)
def _cached(names: tuple) -> Graph:
    return _parse(names)


def problems(data: Graph, shapes: str = "german", severities=("Violation",)) -> list[dict]:
    """SHACL results of the given severities (local names: Violation, Warning, Info; the
    dashboard's own severities count as violations) as dicts."""
    merged = Graph()
    for triple in data:
        merged.add(triple)
    for triple in vocabulary_graph():
        merged.add(triple)
    for triple in _cached(LISTS):
        merged.add(triple)
    shape_graph = _cached(GERMAN_SET if shapes == "german" else DASHBOARD)
    _conforms, report, _text = validate(merged, shacl_graph=shape_graph, ont_graph=_cached(ONTOLOGIES),
                                        inference="none", allow_warnings=True, abort_on_first=False)
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity))
        local = severity.rsplit("#", 1)[-1]
        shape = str(report.value(result, SH.sourceShape) or "")
        if str(report.value(result, SH.resultPath)) == COUNTING_PATH:
            continue
        dashboard_severity = shapes == "dashboard" and not severity.startswith(str(SH))
        if local in severities or dashboard_severity:
            out.append({"severity": local, "focus": str(report.value(result, SH.focusNode)),
                        "path": str(report.value(result, SH.resultPath)),
                        "value": str(report.value(result, SH.value)),
                        "message": str(report.value(result, SH.resultMessage)), "shape": shape})
    return out
