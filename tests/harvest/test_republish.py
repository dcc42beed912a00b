"""What the DCAT catalog publishes of harvested records (issue 14, item 7): the city's own
datasets and those of sources marked as the city's own systems ("publish": true), with their
original identifiers; a partner portal's records are left out (they reach GovData from their
origin), and so is a record DCAT-AP.de would refuse, listed with the reason on /ckan-admin/quality."""
import io
import json

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS as DCT, RDF, SKOS

from ckan.tests import factories, helpers

from ckanext.jena.dcat import export
from tests.dcat import shacl
from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks, run
from tests.jena_plugins import HARVEST_PLUGINS

DCAT = Namespace("http://www.w3.org/ns/dcat#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
PROV = Namespace("http://www.w3.org/ns/prov#")

pytestmark = marks(HARVEST_PLUGINS + " jena_quality") + [pytest.mark.ckan_config("ckanext.jena.dcat.contributor_id", "berlinOpenData")]


def _serve(server, path: str, datasets: list[dict], without_description: tuple = ()) -> str:
    body = catalog.turtle(datasets)
    for d in datasets:
        if d["number"] in without_description:
            body = body.replace(f'    dct:description "{d["notes"]}"@de ;\n', "")
    server.add(path, body)
    return server.url(path)


def _datasets(graph: Graph) -> set:
    return set(graph.subjects(RDF.type, DCAT.Dataset))


@pytest.fixture
def harvested_catalogs(source_server):
    org = factories.Organization(org_type="fachdienst")
    partner = make_source(_serve(source_server, "/partner.ttl", [catalog.dataset(1), catalog.dataset(2)]),
                          name="partnerportal", org=org)
    city = make_source(_serve(source_server, "/stadt.ttl", [catalog.dataset(11), catalog.dataset(12)],
                              without_description=(12,)),
                       name="stadtsystem", config={"publish": True}, org=org)
    assert run(partner)["created"] == 2
    assert run(city)["created"] == 2
    own = helpers.call_action("package_create", name="eigener", title="Eigener Datensatz der Stadt",
                              notes="Von der Stadt selbst.", owner_org=org["id"], license_id="dl-by-de/2.0",
                              tags=[{"name": "Umwelt"}],
                              resources=[{"url": "https://example.org/a.csv", "name": "A", "format": "CSV"}])
    return {"partner": partner, "city": city, "own": own}


def test_the_catalog_publishes_own_and_city_system_records_not_a_partners(app, harvested_catalogs):
    graph = Graph().parse(data=app.get("/catalog.ttl").body, format="turtle")
    subjects = {str(s) for s in _datasets(graph)}
    # the city-system record, under the portal's address, with its original identifier and URI
    original = URIRef("https://daten.jena.invalid/dataset/11")
    city_record = graph.value(predicate=PROV.wasDerivedFrom, object=original)
    assert city_record is not None and str(city_record) in subjects
    assert list(graph.objects(city_record, DCT.identifier)) == [Literal("jena-test-11")]
    assert [graph.value(node, SKOS.notation) for node in graph.objects(city_record, ADMS.identifier)] == \
        [Literal(str(original))]
    # the partner's records are left out, and so is the city-system record without description
    for number in (1, 2, 12):
        assert not list(graph.subjects(PROV.wasDerivedFrom, URIRef(f"https://daten.jena.invalid/dataset/{number}")))
        assert Literal(f"jena-test-{number}") not in set(graph.objects(None, DCT.identifier))
    own = harvested_catalogs["own"]
    assert any(s.endswith("/dataset/" + own["id"]) for s in subjects)
    assert len(subjects) == 2
    assert shacl.problems(graph, "german") == []
    assert shacl.problems(graph, "dashboard") == []
    # all four harvested records arrived in the portal all the same
    assert len(harvested()) == 5


def test_the_export_leaves_out_the_same_records(harvested_catalogs):
    out = io.BytesIO()
    assert export.export_catalog(out, "ttl", page_size=1) == 2
    graph = Graph().parse(data=out.getvalue(), format="turtle")
    assert Literal("jena-test-11") in set(graph.objects(None, DCT.identifier))
    assert len(_datasets(graph)) == 2
    assert shacl.problems(graph, "german") == []


def test_marking_a_source_as_a_city_system_is_validated(source_server):
    with pytest.raises(helpers.logic.ValidationError) as error:
        make_source(source_server.url("/x.ttl"), config={"publish": "ja"})
    assert "publish must be true or false" in str(error.value)


def test_the_quality_page_lists_withheld_records_with_the_reason(app, harvested_catalogs):
    sysadmin = factories.SysadminWithToken()
    page = app.get("/ckan-admin/quality", headers={"Authorization": sysadmin["token"]}).body
    assert "Messreihe Nummer 12" in page
    assert "keine Beschreibung" in page or "no description" in page
    assert "Not in the published catalog" in page
    assert "Messreihe Nummer 1<" in page and "Quelle partnerportal" in page
    assert "Messreihe Nummer 11<" not in page.split("Not in the published catalog")[1]
