"""The explainer's RDF is its own profile, `jena_explainer`, chained after `dcat_ap_de` through
ckanext.dcat.rdf.profiles: DCAT itself knows nothing of explainers, and every DCAT output (the
dataset endpoint, the streamed export, the quality score's graph) follows the configured chain."""
import io

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import FOAF

from ckan.tests import factories, helpers

from ckanext.dcat.processors import RDFSerializer
from ckanext.jena.dcat import export
from ckanext.jena.explainer import jobs, store
from ckanext.jena.quality import score
from tests.jena_plugins import EXPLAINER_PLUGINS, schema_marks

CHAIN = "dcat_ap_de jena_explainer"
# the plugin set per test (CKAN applies a module's ckan_config marks after a test's own)
pytestmark = [pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", CHAIN)]


def plugins(names: str):
    def decorate(test):
        for mark in schema_marks(names) + [pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables")]:
            test = mark(test)
        return test
    return decorate


def explained(org, **fields):
    data = {"name": "baeume", "title": "Bäume im öffentlichen Raum", "notes": "Alle Straßenbäume.",
            "owner_org": org["id"], "license_id": "dl-by-de/2.0", "tags": [{"name": "Bäume"}],
            "resources": [{"name": "Baumliste", "url": "https://example.org/baeume.csv", "format": "CSV"}]}
    data.update(fields)
    pkg = helpers.call_action("package_create", **data)
    jobs.explain(pkg["id"], profile=False)
    return helpers.call_action("package_show", id=pkg["id"])


def explainer_pages(graph: Graph) -> set:
    return {str(page) for page in graph.objects(None, FOAF.page) if str(page).endswith("/explainer")}


@plugins(EXPLAINER_PLUGINS)
def test_dcat_ap_de_alone_has_no_explainer_and_the_chain_adds_it():
    pkg = explained(factories.Organization(org_type="fachdienst"))
    alone = RDFSerializer(profiles=["dcat_ap_de"])
    alone.graph_from_dataset(pkg)
    assert explainer_pages(alone.g) == set()
    chained = RDFSerializer(profiles=CHAIN.split())
    chained.graph_from_dataset(pkg)
    assert {p.rsplit("/dataset/", 1)[1] for p in explainer_pages(chained.g)} == {"baeume/explainer"}
    # the explainer profile only adds its page: without it the two graphs are the same
    (page,) = explainer_pages(chained.g)
    rest = Graph()
    for triple in chained.g:
        if URIRef(page) not in (triple[0], triple[2]):
            rest.add(triple)
    assert isomorphic(rest, Graph() + alone.g)


@plugins(EXPLAINER_PLUGINS)
def test_the_quality_graph_and_the_streamed_export_follow_the_configured_chain(ckan_config, monkeypatch):
    org = factories.Organization(org_type="fachdienst")
    pkg = explained(org)
    explained(org, name="intern", title="Interne Baumliste", private=True)
    graph, _ref = score.dataset_graph(pkg)
    assert explainer_pages(graph)
    out = io.BytesIO()
    assert export.export_catalog(out) == 1
    exported = Graph().parse(data=out.getvalue(), format="turtle")
    assert {p.rsplit("/dataset/", 1)[1] for p in explainer_pages(exported)} == {"baeume/explainer"}
    assert b"Interne Baumliste" not in out.getvalue() and b"/dataset/intern" not in out.getvalue()
    # an operator who leaves jena_explainer out of the chain publishes no explainer
    monkeypatch.setitem(ckan_config, "ckanext.dcat.rdf.profiles", "dcat_ap_de")
    assert explainer_pages(score.dataset_graph(pkg)[0]) == set()
    out = io.BytesIO()
    export.export_catalog(out)
    assert explainer_pages(Graph().parse(data=out.getvalue(), format="turtle")) == set()


@plugins(EXPLAINER_PLUGINS.replace(" jena_explainer ", " "))
def test_without_the_explainer_plugin_the_chained_profile_adds_nothing():
    org = factories.Organization(org_type="fachdienst")
    pkg = explained(org)  # an explainer stored (as the plugin would have done)
    assert store.explainers(pkg["id"])
    serializer = RDFSerializer(profiles=CHAIN.split())
    serializer.graph_from_dataset(pkg)
    assert explainer_pages(serializer.g) == set()
