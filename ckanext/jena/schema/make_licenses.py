"""Builds data/licenses.json (CKAN's licence-register format) from the dcat-ap.de licence list.

Source: GovData's list of licences allowed in dct:license for GovData
(shared/dcat-ap-de/shapes/dashboard-live_shapes_dcat-ap-de-licenses-open.rdf, see its
SOURCES.md). Run:  python -m ckanext.jena.schema.make_licenses PATH_TO_RDF
Licence ids are the dcat-ap.de identifiers (dl-by-de/2.0 ...); the licence URI is
http://dcat-ap.de/def/licenses/<id>.
"""
import json
import os
import sys

from rdflib import Graph
from rdflib.namespace import FOAF, SKOS

BASE = "http://dcat-ap.de/def/licenses/"
OPEN = {"cc-by", "cc-by/4.0", "cc-by-de/3.0", "cc-by-sa", "cc-by-sa/4.0", "cc-by-sa-de/3.0",
        "cc-zero", "ccpdm/1.0", "dl-by-de/1.0", "dl-by-de/2.0", "dl-zero-de/2.0", "odbl", "odby",
        "odcpddl", "officialWork", "other-open", "other-opensource", "apache", "bsd", "gpl/3.0",
        "mozilla", "gfdl"}
ENGLISH = {
    "dl-by-de/2.0": "Data licence Germany – attribution – version 2.0",
    "dl-zero-de/2.0": "Data licence Germany – zero – version 2.0",
    "dl-by-de/1.0": "Data licence Germany – attribution – version 1.0",
    "dl-by-nc-de/1.0": "Data licence Germany – attribution – non-commercial – version 1.0",
    "cc-by/4.0": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "cc-by-sa/4.0": "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
    "cc-zero": "Creative Commons Zero (CC0 1.0)",
    "cc-by": "Creative Commons Attribution (CC BY)",
    "cc-by-sa": "Creative Commons Attribution-ShareAlike (CC BY-SA)",
    "odbl": "Open Data Commons Open Database License (ODbL)",
    "odby": "Open Data Commons Attribution License (ODC-By)",
    "odcpddl": "Open Data Commons Public Domain Dedication and License (PDDL)",
    "officialWork": "Official work (§ 5 UrhG), free of copyright",
    "other-closed": "Other licence, not open",
    "other-open": "Other open licence",
    "other-commercial": "Other commercial licence",
    "other-freeware": "Other freeware licence",
    "other-opensource": "Other open source licence",
}
# Other spellings of the same licences: data/licence-spellings.yaml (read by inbound.py).


def build(rdf_path: str) -> list:
    graph = Graph()
    graph.parse(rdf_path, format="xml")
    out = {}
    for concept in graph.subjects(SKOS.inScheme, None):
        uri = str(concept)
        if not uri.startswith(BASE):
            continue
        ident = uri[len(BASE):]
        title_de = str(graph.value(concept, SKOS.prefLabel) or ident)
        homepage = graph.value(concept, FOAF.homepage)
        out[ident] = {
            "id": ident, "title": title_de, "title_de": title_de,
            "title_en": ENGLISH.get(ident, title_de), "url": str(homepage or uri),
            "uri": uri, "od_conformance": "approved" if ident in OPEN else "not reviewed",
            "osd_conformance": "not reviewed", "status": "active",
            "is_okd_compliant": ident in OPEN, "family": "",
        }
    return sorted(out.values(), key=lambda lic: (not lic["id"].startswith("dl-"), lic["id"]))


if __name__ == "__main__":
    licenses = build(sys.argv[1])
    target = os.path.join(os.path.dirname(__file__), "data")
    with open(os.path.join(target, "licenses.json"), "w", encoding="utf-8") as f:
        json.dump(licenses, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(licenses)} licences")
