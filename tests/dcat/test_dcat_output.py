"""DCAT-AP.de output: zero SHACL violations for the demo catalog and generated datasets,
endpoints, privacy, and the streaming export."""
import io

import pytest
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS as DCT, RDF

from ckan.tests import factories, helpers

from ckanext.dcat.processors import RDFSerializer
from ckanext.jena.dcat import export
from ckanext.jena.demo.loader import load_demo
from tests.dcat import shacl
from tests.jena_plugins import DEMO_PLUGINS, demo_marks

DCAT = Namespace("http://www.w3.org/ns/dcat#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
# GovData has not assigned Jena a contributor ID yet. The tests stand in with one from GovData's
# list to show that everything else passes the dashboard; test_without_a_contributor_id... shows
# what GovData reports until the city configures its own.
STAND_IN_CONTRIBUTOR = "berlinOpenData"

pytestmark = demo_marks() + [
    pytest.mark.ckan_config("ckanext.dcat.enable_content_negotiation", "true"),
    pytest.mark.ckan_config("ckanext.jena.dcat.contributor_id", STAND_IN_CONTRIBUTOR),
    pytest.mark.usefixtures("clean_db", "harvest_tables", "clean_index"),
]


def dataset_graph(dataset: dict) -> Graph:
    serializer = RDFSerializer()
    serializer.graph_from_dataset(dataset)
    return serializer.g


def full_dataset(org, **extra):
    data = dict(
        name="voll", title="Alle Felder", notes="Ein Datensatz mit allen Feldern.", owner_org=org["id"],
        tags=[{"name": "Bäume"}, {"name": "Umwelt"}], license_id="dl-by-de/2.0",
        action_fields=["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"], theme=["ENVI", "AGRI"],
        contact=[{"name": "KSJ", "email": "ksj@jena.de", "url": "https://www.jena.de/ksj"}],
        access_rights="PUBLIC", frequency="MONTHLY", language=["DEU", "ENG"],
        temporal_coverage=[{"start": "2020-01-01", "end": "2024-12-31"}, {"start": "2025-01-01"}],
        districts=["winzerla", "neulobeda"], sensor_category="soil_moisture",
        url="https://www.jena.de/baeume", provenance="Gemessen von Sensoren.",
        source="https://opendata.jena.de/dataset/baeume", issued="2020-02-01", modified="2025-06-30",
        version="2.1",
        resources=[
            {"url": "https://example.org/a.csv", "name": "A", "description": "CSV", "format": "CSV",
             "mimetype": "text/csv", "size": 1234, "license": "cc-by/4.0",
             "access_url": "https://example.org/a", "download_url": "https://example.org/a.csv"},
            {"url": "https://example.org/sta/v1.1/Things", "name": "Live", "format": "API"},
            {"url": "https://example.org/plan.pdf", "name": "Plan", "format": "PDF"},
        ])
    data.update(extra)
    return helpers.call_action("package_create", **data)


def test_every_demo_dataset_and_the_whole_catalog_have_zero_violations(app):
    load_demo(factories.Sysadmin()["name"], echo=lambda *a, **k: None)
    result = helpers.call_action("package_search", rows=100)
    assert result["count"] >= 40
    for dataset in result["results"]:
        graph = dataset_graph(dataset)
        assert shacl.problems(graph, "german") == [], dataset["name"]
        assert shacl.problems(graph, "dashboard") == [], dataset["name"]
    catalog = Graph().parse(data=app.get("/catalog.ttl").body, format="turtle")
    # all but the partner catalogue's records, which reach GovData from their origin
    partner = helpers.call_action("harvest_source_show", id="thueringer-partnerkatalog")
    from_partner = helpers.call_action("package_search", fq=f"+harvested_from:{partner['id']}")["count"]
    assert from_partner > 0
    assert len(list(catalog.subjects(RDF.type, DCAT.Dataset))) == result["count"] - from_partner
    assert shacl.problems(catalog, "german") == []
    assert shacl.problems(catalog, "dashboard") == []
    catalog_ref = next(catalog.subjects(RDF.type, DCAT.Catalog))
    themes = set(catalog.objects(catalog_ref, DCAT.themeTaxonomy))
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme") in themes
    assert any(str(t).endswith("/taxonomy/handlungsfelder") for t in themes)


def test_a_dataset_with_every_field_and_one_with_only_the_required_ones_conform():
    org = factories.Organization(org_type="stadtwerke", email="info@stadtwerke-jena.de")
    for dataset in (full_dataset(org),
                    helpers.call_action("package_create", name="knapp", title="Knapp", notes="Nur Pflicht.",
                                        owner_org=org["id"], license_id="dl-zero-de/2.0",
                                        tags=[{"name": "Pflicht"}])):
        graph = dataset_graph(dataset)
        assert shacl.problems(graph, "german", ("Violation", "Warning")) == [], dataset["name"]
        assert shacl.problems(graph, "dashboard") == [], dataset["name"]


def test_the_profile_maps_the_jena_schema_to_dcat_ap_de():
    org = factories.Organization(org_type="stadtwerke", title="Stadtwerke Jena")
    graph = dataset_graph(full_dataset(org))
    ds = next(graph.subjects(RDF.type, DCAT.Dataset))
    subjects = {str(s).rsplit("/", 1)[-1] for s in graph.objects(ds, DCT.subject)}
    assert subjects == {"stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"}
    assert {str(t).rsplit("/", 1)[-1] for t in graph.objects(ds, DCAT.theme)} == {"ENVI", "AGRI"}
    spatial = {str(s) for s in graph.objects(ds, DCT.spatial)}
    assert "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/16053000" in spatial
    publisher = graph.value(ds, DCT.publisher)
    assert str(graph.value(publisher, DCT.type)) == "http://purl.org/adms/publishertype/Company"
    licences = {str(o) for o in graph.objects(None, DCT.license)}
    assert licences == {"http://dcat-ap.de/def/licenses/cc-by/4.0", "http://dcat-ap.de/def/licenses/dl-by-de/2.0"}
    assert str(graph.value(ds, URIRef("http://dcat-ap.de/def/dcatde/contributorID"))).endswith(STAND_IN_CONTRIBUTOR)


def test_without_a_contributor_id_govdata_reports_only_that(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.dcat.contributor_id", "")
    org = factories.Organization(org_type="fachdienst")
    problems = shacl.problems(dataset_graph(full_dataset(org)), "dashboard")
    assert {p["path"] for p in problems} == {"http://dcat-ap.de/def/dcatde/contributorID"}


def test_private_and_draft_datasets_never_appear(app):
    org = factories.Organization(org_type="fachdienst")
    full_dataset(org)
    full_dataset(org, name="geheim", title="Geheim", private=True)
    full_dataset(org, name="entwurf", title="Entwurf", state="draft")
    body = app.get("/catalog.ttl").body
    assert "Alle Felder" in body and "Geheim" not in body and "Entwurf" not in body
    private_id = helpers.call_action("package_show", id="geheim")["id"]
    assert app.get(f"/dataset/{private_id}.ttl", status=403)
    out = io.BytesIO()
    assert export.export_catalog(out) == 1
    assert b"Geheim" not in out.getvalue() and b"Entwurf" not in out.getvalue()


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2")
def test_catalog_pages_hydra_links_modified_since_and_content_negotiation(app):
    org = factories.Organization(org_type="fachdienst")
    for index in range(5):
        full_dataset(org, name=f"d{index}", title=f"Datensatz {index}")
    graph = Graph().parse(data=app.get("/catalog.ttl?page=2").body, format="turtle")
    assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 2
    assert any(graph.objects(None, HYDRA.nextPage)) and any(graph.objects(None, HYDRA.previousPage))
    later = app.get("/catalog.ttl?modified_since=2999-01-01").body
    assert "Datensatz" not in later
    negotiated = app.get("/dataset/d1", headers={"Accept": "text/turtle"})
    assert negotiated.headers["Content-Type"].startswith("text/turtle")
    assert "dcat:Dataset" in negotiated.body
    for fmt, parser in (("rdf", "xml"), ("jsonld", "json-ld")):
        parsed = Graph().parse(data=app.get(f"/dataset/d1.{fmt}").body, format=parser)
        assert any(parsed.subjects(RDF.type, DCAT.Dataset))


def test_the_export_streams_the_catalog_page_by_page():
    org = factories.Organization(org_type="fachdienst")
    for index in range(7):
        full_dataset(org, name=f"e{index}", title=f"Export {index}")
    pages = []
    out = io.BytesIO()
    assert export.export_catalog(out, "ttl", page_size=3, progress=lambda d, t: pages.append((d, t))) == 7
    assert pages == [(3, 7), (6, 7), (7, 7)]
    graph = Graph().parse(data=out.getvalue(), format="turtle")
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert len(list(graph.objects(catalog, DCAT.dataset))) == 7
    assert shacl.problems(graph, "german") == []
    nt = io.BytesIO()
    export.export_catalog(nt, "nt", page_size=4)
    assert len(list(Graph().parse(data=nt.getvalue(), format="nt").subjects(RDF.type, DCAT.Dataset))) == 7


def test_plain_dcat_ap_3_as_data_europa_eu_checks_it_has_no_violations_either():
    from ckanext.jena.quality.checks import dcat_ap_violations
    org = factories.Organization(org_type="fachdienst")
    assert dcat_ap_violations(dataset_graph(full_dataset(org))) == []


def test_addresses_with_spaces_do_not_break_the_output():
    org = factories.Organization(org_type="fachdienst", url="https://www.jena.de/fach dienst")
    pkg = full_dataset(org, source="https://opendata.jena.de/alte daten",
                       contact=[{"name": "KSJ", "email": "ksj@jena.de"}])
    graph = dataset_graph(pkg)
    for fmt in ("turtle", "nt", "xml"):
        assert Graph().parse(data=graph.serialize(format=fmt), format=fmt)
    out = io.BytesIO()
    assert export.export_catalog(out, "nt") == 1


def test_the_export_pages_in_the_lean_store_say_what_the_default_store_says():
    """export.py keeps dcat_ap_de pages in rdflib's SimpleMemory store (it refuses changes to a
    graph during an iteration over it) and the stock profile's pages in the default store; a
    dcat_ap_de page says exactly what its datasets say one by one through ckanext-dcat's
    serializer, also where two of them name the same distribution."""
    from rdflib.compare import isomorphic
    org = factories.Organization(org_type="fachdienst")
    datasets = [full_dataset(org, name=f"s{index}", title=f"Speicher {index}") for index in range(5)]
    datasets.append(full_dataset(org, name="schlank", title="Nur Pflicht", resources=[
        {"url": "https://example.org/b.csv", "format": "CSV", "size": 12}]))
    # two datasets naming one distribution (a harvested distribution keeps its own address):
    # each says what it would say alone, the page says both (helper review of 418956a)
    for name, fmt, licence in (("geteilt-a", "CSV", "cc-by/4.0"), ("geteilt-b", "PDF", "dl-zero-de/2.0")):
        datasets.append(full_dataset(org, name=name, title=name, resources=[
            {"url": f"https://example.org/{name}", "format": fmt, "license": licence, "size": len(name),
             "uri": "https://example.org/distribution/geteilt"}]))
    assert export._serializer(None, page=True).g.store.__class__.__name__ == "SimpleMemory"
    assert export._serializer("euro_dcat_ap_3", page=True).g.store.__class__.__name__ == "Memory"
    # the stock profile in its store runs through the same export (it builds in the page's
    # graph, so two datasets naming one distribution do interfere there: ckanext-dcat's own
    # behaviour, as on its catalog endpoint)
    stock = io.BytesIO()
    assert export.export_catalog(stock, "ttl", page_size=4, profile="euro_dcat_ap_3") == 8
    assert len(list(Graph().parse(data=stock.getvalue(), format="turtle").subjects(RDF.type, DCAT.Dataset))) == 8
    profile = None  # the portal's profiles (dcat_ap_de jena_explainer)
    out = io.BytesIO()
    assert export.export_catalog(out, "ttl", page_size=4, profile=profile) == 8
    streamed = Graph().parse(data=out.getvalue(), format="turtle")
    expected = Graph()
    for dataset in helpers.call_action("package_search", rows=20)["results"]:
        serializer = RDFSerializer(profiles=profile.split() if profile else None)
        serializer.graph_from_dataset(dataset)
        expected += serializer.g
    # the catalog's own statements (the export's header) aside, both say the same
    header = export._serializer(profile)
    catalog = header.graph_from_catalog({})
    catalog_triples = {t for t in header.g if not any(isinstance(n, BNode) for n in t)}
    for graph in (streamed, expected):
        for triple in list(graph.triples((catalog, None, None))) + [t for t in graph if t in catalog_triples]:
            graph.remove(triple)
    assert not any(streamed.subjects(RDF.type, DCAT.Catalog))
    assert len(streamed) > 100 and len(streamed) == len(expected) and isomorphic(streamed, expected), profile
