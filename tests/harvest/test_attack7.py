"""What the seventh attack review of the running portal found in the harvest path (7 December,
session 14): ckanext-harvest's harvest_source_reindex and harvest_abort_failed_jobs asked no auth
function, so anonymous visitors reindexed any dataset (a private one's name confirmed: true
against 404) and learned whether jobs run; harvest_abort_failed_jobs answered 500 without
``life_span``."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from tests.harvest.helpers import harvested, make_source, marks, run

pytestmark = marks()


def _private_dataset():
    org = factories.Organization(org_type="fachdienst")
    return helpers.call_action(
        "package_create", name="gehaltsliste-2025", title="Gehälter", owner_org=org["id"], private=True,
        action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0", notes="Intern.",
        tags=[{"name": "Intern"}])


def test_strangers_may_not_reindex_and_learn_nothing_about_datasets(app):
    private = _private_dataset()
    source = make_source("http://127.0.0.1:9/catalog.ttl")
    editor = factories.User()
    helpers.call_action("organization_member_create", {"ignore_auth": True}, id=private["owner_org"],
                        username=editor["name"], role="editor")
    for headers in ({}, {"Authorization": factories.APIToken(user=editor["name"])["token"]}):
        answers = {}
        for name in ("gehaltsliste-2025", private["id"], "gibt-es-nicht", source["id"], source["name"]):
            answer = app.post("/api/3/action/harvest_source_reindex", headers=headers, json={"id": name})
            answers[name] = (answer.status_code, answer.json["success"])
        # the same refusal for a private dataset, a missing one and a real source
        assert set(answers.values()) == {(403, False)}, answers
    sysadmin = factories.SysadminWithToken()
    headers = {"Authorization": sysadmin["token"]}
    done = app.post("/api/3/action/harvest_source_reindex", headers=headers, json={"id": source["id"]})
    assert done.status_code == 200 and done.json["result"] is True
    # an id that is no harvest source is not one, even for a sysadmin
    assert app.post("/api/3/action/harvest_source_reindex", headers=headers,
                    json={"id": private["id"]}).status_code == 404
    assert app.post("/api/3/action/harvest_source_reindex", headers=headers,
                    json={"id": ["x"]}).status_code == 409


def test_ckanext_harvests_own_internal_reindexing_still_works():
    """harvest_sources_reindex (the CLI's `ckan harvester reindex`) calls harvest_source_reindex
    without an asker; clearing a source calls it with the sysadmin's context."""
    source = make_source("http://127.0.0.1:9/catalog.ttl")
    sysadmin = factories.Sysadmin()
    helpers.call_action("harvest_sources_reindex", {"user": sysadmin["name"]})
    helpers.call_action("harvest_source_clear", {"user": sysadmin["name"], "ignore_auth": False}, id=source["id"])
    shown = helpers.call_action("harvest_source_show", id=source["id"])
    assert shown["source_type"] == "jena_dcat" and shown["url"] == "http://127.0.0.1:9/catalog.ttl"


@pytest.mark.parametrize("body", [{}, {"life_span": "-1"}, {"life_span": 7}])
def test_aborting_every_sources_jobs_is_for_sysadmins_only(app, body):
    editor = factories.User()
    for headers in ({}, {"Authorization": factories.APIToken(user=editor["name"])["token"]}):
        refused = app.post("/api/3/action/harvest_abort_failed_jobs", headers=headers, json=body)
        assert refused.status_code == 403, refused.get_data(as_text=True)[:300]
    sysadmin = factories.SysadminWithToken()
    done = app.post("/api/3/action/harvest_abort_failed_jobs", headers={"Authorization": sysadmin["token"]},
                    json=body)
    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    assert "no jobs to abort" in done.json["result"]


@pytest.mark.parametrize("life_span, include", [("eine Woche", None), (True, None), ([7], None), (None, ["a"])])
def test_abort_parameters_that_are_no_numbers_or_text_are_a_409(app, life_span, include):
    sysadmin = factories.SysadminWithToken()
    body = {key: value for key, value in (("life_span", life_span), ("include", include)) if value is not None}
    answer = app.post("/api/3/action/harvest_abort_failed_jobs", headers={"Authorization": sysadmin["token"]},
                      json=body)
    assert answer.status_code == 409, answer.get_data(as_text=True)[:300]


# -- F3: one IRI rdflib cannot write stopped the whole source ------------------------------------

JSONLD = {
    "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"},
    "@graph": [
        {"@id": "https://portal.example/dataset/gut", "@type": "dcat:Dataset", "dct:title": "Haltestellen",
         "dct:description": "Alle.", "dcat:keyword": "Verkehr",
         "dcat:distribution": {"@type": "dcat:Distribution",
                               "dcat:accessURL": {"@id": "https://portal.example/files/h.csv"}}},
        {"@id": 'https://evil.example/j/b"><script>alert(5)</script>', "@type": "dcat:Dataset",
         "dct:title": "Böse Kennung", "dct:description": "Kennung mit Skript.", "dcat:keyword": "Test"},
        {"@id": "https://portal.example/dataset/lizenz", "@type": "dcat:Dataset", "dct:title": "Schulen",
         "dct:description": "Schulstandorte.", "dcat:keyword": "Bildung",
         "dct:license": {"@id": "https://x.example/<b>lic</b>"},
         "dcat:distribution": {"@type": "dcat:Distribution",
                               "dcat:downloadURL": {"@id": "https://portal.example/files/schulen.csv"}}},
    ],
}
RDFXML = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
         xmlns:dct="http://purl.org/dc/terms/">
  <dcat:Dataset rdf:about="https://portal.example/dataset/parken">
    <dct:title>Parkplätze</dct:title><dct:description>Alle Parkplätze.</dct:description>
    <dcat:keyword>Verkehr</dcat:keyword>
    <dcat:distribution><dcat:Distribution>
      <dcat:accessURL rdf:resource="https://portal.example/files/park plätze.csv"/>
    </dcat:Distribution></dcat:distribution>
  </dcat:Dataset>
  <dcat:Dataset rdf:about="https://portal.example/dataset/{x}">
    <dct:title>Geschweift</dct:title><dct:description>Kennung mit Klammern.</dct:description>
    <dcat:keyword>Test</dcat:keyword>
  </dcat:Dataset>
</rdf:RDF>"""


def test_an_iri_rdflib_cannot_write_fails_no_record_and_no_source(app, source_server):
    import json
    source_server.add("/catalog.jsonld", json.dumps(JSONLD), content_type="application/ld+json")
    summary = run(make_source(source_server.url("/catalog.jsonld")))
    assert (summary["created"], summary["errors"], summary["gather_errors"]) == (3, 0, 0), summary["messages"]
    datasets = {d["title"]: d for d in harvested()}
    # the licence's address, percent-encoded, is kept as written (an unknown licence: a gap)
    assert datasets["Schulen"]["license_id"] == "https://x.example/%3Cb%3Elic%3C/b%3E"
    evil = datasets["Böse Kennung"]
    page = app.get(f"/dataset/{evil['name']}").get_data(as_text=True)
    assert "<script>alert(5)" not in page
    source_server.add("/catalog.rdf", RDFXML, content_type="application/rdf+xml")
    rdf = run(make_source(source_server.url("/catalog.rdf"), name="quelle-xml"))
    assert (rdf["created"], rdf["errors"], rdf["gather_errors"]) == (2, 0, 0), rdf["messages"]
    parking = {d["title"]: d for d in harvested()}["Parkplätze"]
    assert [r["url"] for r in parking["resources"]] == ["https://portal.example/files/park%20plätze.csv"]


def test_a_rerun_of_such_a_catalog_is_unchanged(source_server):
    import json
    source_server.add("/catalog.jsonld", json.dumps(JSONLD), content_type="application/ld+json")
    source = make_source(source_server.url("/catalog.jsonld"))
    run(source)
    again = run(source)
    assert (again["created"], again["updated"], again["unchanged"], again["withdrawn"]) == (0, 0, 3, 0), \
        again["messages"]


def test_a_record_that_cannot_be_described_fails_alone(source_server, monkeypatch):
    """Whatever else rdflib raises on for one record (here: its description made to fail) is that
    record's error; the others arrive."""
    import json
    from ckanext.jena.harvest.sources import dcat
    original = dcat.JenaDcatHarvester._record  # bound to the class, as the harvester calls it

    def failing(cls, graph, dataset_ref):
        if "lizenz" in str(dataset_ref):
            raise Exception("kaputt")
        return original(graph, dataset_ref)

    monkeypatch.setattr(dcat.JenaDcatHarvester, "_record", classmethod(failing))
    source_server.add("/catalog.jsonld", json.dumps(JSONLD), content_type="application/ld+json")
    summary = run(make_source(source_server.url("/catalog.jsonld")))
    assert (summary["created"], summary["errors"], summary["gather_errors"]) == (2, 1, 0), summary["messages"]
    assert any("kaputt" in m and "Datensatz lässt sich nicht lesen" in m for m in summary["messages"])


# -- F4: a source's redirect reached any allow-listed internal host -------------------------------

def test_a_redirect_leads_into_an_internal_host_only_from_that_host(source_server):
    """Both servers are on 127.0.0.1, which the tests' allow-list opens (as a city opens its
    internal CSW): one may redirect within itself, not to the other."""
    from tests.harvest.server import FixtureServer
    from tests.harvest.catalog import PREFIXES
    internal = FixtureServer()
    try:
        body = PREFIXES + """
<https://portal.example/dataset/a> a dcat:Dataset ; dct:title "Intern"@de ; dct:description "d"@de ;
    dcat:keyword "k" ."""
        internal.add("/catalog.ttl", body)
        internal.add("/moved.ttl", "", behaviour="redirect:" + internal.url("/catalog.ttl"))
        source_server.add("/catalog.ttl", "", behaviour="redirect:" + internal.url("/catalog.ttl"))
        refused = run(make_source(source_server.url("/catalog.ttl")))
        assert refused["created"] == 0 and refused["gather_errors"] >= 1
        assert any("eine Weiterleitung darf nur vom selben Rechner" in m and "redirect may lead" in m
                   for m in refused["messages"]), refused["messages"]
        assert "/catalog.ttl" not in internal.requests  # never asked
        within = run(make_source(internal.url("/moved.ttl"), name="intern"))
        assert within["created"] == 1, within["messages"]
    finally:
        internal.stop()


# -- F1: a record with thousands of distributions --------------------------------------------------

def test_a_record_brings_at_most_500_files_the_same_ones_every_run_and_says_so(source_server):
    from ckanext.jena.schema import inbound
    from tests.harvest.catalog import PREFIXES
    distributions = " , ".join(
        f'[ a dcat:Distribution ; dcat:downloadURL <https://portal.example/files/{n:04d}.csv> ; dct:format "CSV" ]'
        for n in range(600, 0, -1))
    source_server.add("/catalog.ttl", PREFIXES + f"""
<https://portal.example/dataset/viele> a dcat:Dataset ; dct:title "Viele Dateien"@de ; dct:description "d"@de ;
    dcat:keyword "k" ; dcat:distribution {distributions} .""")
    source = make_source(source_server.url("/catalog.ttl"))
    summary = run(source)
    assert (summary["created"], summary["errors"]) == (1, 0), summary["messages"]
    dataset = harvested()[0]
    urls = sorted(r["url"] for r in dataset["resources"])
    assert urls == [f"https://portal.example/files/{n:04d}.csv" for n in range(1, 501)]
    assert {"field": "resources", "problem": "invalid", "value": "600 (> 500)"} in inbound.gaps_of(dataset)
    again = run(source, force=True)  # mapped again: the same 500
    assert again["errors"] == 0, again["messages"]
    assert sorted(r["url"] for r in harvested()[0]["resources"]) == urls
