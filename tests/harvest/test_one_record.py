"""One record fails alone, whatever it holds (a second review of the four harvesters, 7 December,
session 14): text PostgreSQL cannot store (a NUL, a lone surrogate), an identity of kilobytes, an
id that is a number or a list, extras that are no list, a CSW record with a relative namespace or
its identifier written as gmx:Anchor, a SensorThings Thing whose Datastreams are no list, an
identifier written as a blank node. Before, each of these ended the whole source's run (or the
gather consumer itself), or gave a dataset a new identity on every run. Every source here is a
real HTTP server on 127.0.0.1, and every run is repeated: the second changes nothing."""
from __future__ import annotations

import json

from tests.harvest import fixtures
from tests.harvest.helpers import harvested, make_source, marks, run
from tests.harvest.test_ckan_harvest import package, serve_portal

pytestmark = marks()

CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
           "foaf": "http://xmlns.com/foaf/0.1/", "adms": "http://www.w3.org/ns/adms#",
           "skos": "http://www.w3.org/2004/02/skos/core#"}


def _dataset(title, **extra):
    return {"@type": "dcat:Dataset", "dct:title": title, "dct:description": "Beschreibung.", "dcat:keyword": "k",
            **extra}


def test_dcat_records_the_database_cannot_store_as_read_fail_no_source(source_server):
    graph = [
        _dataset("Gut", **{"@id": "https://portal.example/dataset/gut"}),
        _dataset("Mit \u0000 NUL", **{"@id": "https://portal.example/dataset/nul"}),
        _dataset("Surrogat", **{"@id": "https://portal.example/dataset/s\ud800"}),
        _dataset("Lang", **{"@id": "https://portal.example/dataset/" + "x" * 3000}),
        # a blank node whose identifier and landing page are nodes: the same identity on every run
        _dataset("Knoten", **{"dct:identifier": {"@type": "adms:Identifier", "skos:notation": "baum-1"},
                              "dcat:landingPage": {"@type": "foaf:Document"}}),
    ]
    body = json.dumps({"@context": CONTEXT, "@graph": graph}, ensure_ascii=True)
    source_server.add("/catalog.jsonld", body, content_type="application/ld+json")
    source = make_source(source_server.url("/catalog.jsonld"))
    first = run(source)
    assert first["gather_errors"] == 0, first["messages"]
    assert first["created"] + first["errors"] == 5 and first["created"] >= 3, first["messages"]
    titles = {d["title"] for d in harvested()}
    assert {"Gut", "Lang", "Knoten"} <= titles
    again = run(source)
    assert (again["created"], again["withdrawn"], again["gather_errors"]) == (0, 0, 0), again["messages"]
    assert {d["title"] for d in harvested()} == titles


def test_ckan_records_with_ids_that_are_no_text_fail_alone(source_server):
    good = [package(n) for n in range(1, 4)]
    numbered = dict(package(4), id=12345)
    listed = dict(package(5), id=["a"])
    odd_extras = dict(package(6), extras=5)
    url = serve_portal(source_server, good + [numbered, listed, odd_extras], rows=10, full=True)
    source = make_source(url, "jena_ckan", {"page_size": 10})
    first = run(source)
    assert first["gather_errors"] == 0, first["messages"]
    # the number is read as its text; the list is no identity; the extras fail their record at import
    assert (first["created"], first["errors"]) == (4, 2), first["messages"]
    assert "Altdatensatz 4" in {d["title"] for d in harvested()}
    assert any("its id is no text (list)" in m for m in first["messages"]), first["messages"]
    again = run(source)
    assert (again["created"], again["withdrawn"], again["gather_errors"]) == (0, 0, 0), again["messages"]


def test_a_csw_record_with_an_anchor_identifier_or_a_relative_namespace_arrives(source_server):
    fixtures.serve(source_server, "csw")
    source = make_source(source_server.url("/csw"), "jena_csw", {"page_size": 3})
    before = run(source)
    assert before["errors"] == 0 and before["created"] > 2, before["messages"]
    page = fixtures.read("csw", "page-1.xml").decode("utf-8")
    page = page.replace(
        "<gco:CharacterString>3f6c2a1e-8b4d-4c7a-9e21-5d0b7f4a6c11</gco:CharacterString>",
        '<gmx:Anchor xlink:href="https://geodaten.example/3f6c2a1e">3f6c2a1e-8b4d-4c7a-9e21-5d0b7f4a6c11</gmx:Anchor>', 1)
    second = page.index("<gmd:MD_Metadata>", page.index("<gmd:MD_Metadata>") + 1)
    page = page[:second] + '<gmd:MD_Metadata xmlns:rel="relativ/uri">' + page[second + len("<gmd:MD_Metadata>"):]
    request = ("/csw?service=CSW&version=2.0.2&request=GetRecords&typeNames=gmd:MD_Metadata&resultType=results"
               "&elementSetName=full&outputSchema=http://www.isotc211.org/2005/gmd&startPosition=1&maxRecords=3")
    source_server.add(request, page, content_type="application/xml")
    after = run(source)
    assert (after["withdrawn"], after["gather_errors"], after["created"]) == (0, 0, 0), after["messages"]
    assert len(harvested()) == before["created"]


def test_a_sensorthings_thing_that_cannot_be_read_fails_alone(source_server):
    things = {"value": [
        {"@iot.id": 1, "name": "Kaputt", "Datastreams": 3, "Locations": 1},
        {"@iot.id": 2, "name": "B", "properties": {"category": "noise"},
         "Locations": [{"location": {"type": "Point", "coordinates": [11.59, 50.93]}}],
         "Datastreams": [{"@iot.id": 2, "name": "Pegel \ud800", "ObservedProperty": {"name": "Lärm"},
                          "unitOfMeasurement": {"symbol": "dB(A)"},
                          "phenomenonTime": "2024-01-01T00:00:00Z/2026-01-01T00:00:00Z"}]}]}
    source_server.add("/v1.1/Things?$expand=Locations,Datastreams($expand=ObservedProperty,Sensor)&$top=100",
                      json.dumps(things), "application/json")
    source = make_source(source_server.url("/v1.1"), "jena_sensorthings", {"license_id": "dl-by-de/2.0"})
    summary = run(source)
    assert summary["gather_errors"] == 0, summary["messages"]
    assert summary["created"] + summary["errors"] >= 1, summary["messages"]


def test_an_rdf_xml_locale_as_language_tag_fails_neither_page_nor_record(source_server):
    """xml:lang="de_DE" is common in real catalogs; rdflib refused the whole page for it (a
    re-attack of the running portal, 7 December)."""
    body = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
         xmlns:dct="http://purl.org/dc/terms/">
  <dcat:Dataset rdf:about="https://portal.example/dataset/a">
    <dct:title xml:lang="de_DE">Schulen</dct:title><dct:description xml:lang="de">Alle.</dct:description>
    <dcat:keyword>Bildung</dcat:keyword>
  </dcat:Dataset>
  <dcat:Dataset rdf:about="https://portal.example/dataset/b">
    <dct:title xml:lang="de">Parkplätze</dct:title><dct:description>Alle.</dct:description>
    <dcat:keyword>Verkehr</dcat:keyword>
  </dcat:Dataset>
</rdf:RDF>"""
    source_server.add("/catalog.rdf", body, content_type="application/rdf+xml")
    summary = run(make_source(source_server.url("/catalog.rdf")))
    assert (summary["created"], summary["errors"], summary["gather_errors"]) == (2, 0, 0), summary["messages"]
    assert {d["title"] for d in harvested()} == {"Schulen", "Parkplätze"}
