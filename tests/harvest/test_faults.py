"""A misbehaving source loses nothing: each fault ends the run with a clear message in the job
report, and the datasets harvested before stay exactly as they were."""
import datetime
import socket

import pytest

from ckan.tests import helpers

from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks, run

pytestmark = marks()

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
  xmlns:dct="http://purl.org/dc/terms/"><dcat:Dataset rdf:about="https://x.invalid/1"><dct:title>&lol3;</dct:title>
</dcat:Dataset></rdf:RDF>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
  xmlns:dct="http://purl.org/dc/terms/"><dcat:Dataset rdf:about="https://x.invalid/1"><dct:title>&secret;</dct:title>
</dcat:Dataset></rdf:RDF>"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _break(server, fault: str) -> None:
    """Make the catalog's first page misbehave."""
    good = server.routes[("/catalog.ttl", ())][2]
    if fault == "timeout":
        server.add("/catalog.ttl", good, behaviour="slow")
    elif fault == "server error":
        server.add("/catalog.ttl", "Internal Server Error", content_type="text/plain", status=500)
    elif fault == "not found":
        server.routes.pop(("/catalog.ttl", ()))
    elif fault == "malformed":
        server.add("/catalog.ttl", good.decode()[: len(good) // 2] + " <<< kaputt")
    elif fault == "truncated":
        server.add("/catalog.ttl", good, behaviour="truncate")
    elif fault == "paging loop":
        server.add("/catalog.ttl?page=2", good.replace(b"?page=3", b""))
    elif fault == "too large":
        server.add("/catalog.ttl", good, behaviour="huge")
    elif fault == "entity expansion":
        server.add("/catalog.ttl", BOMB, content_type="application/rdf+xml")
    elif fault == "external entity":
        server.add("/catalog.ttl", EXTERNAL, content_type="application/rdf+xml")
    elif fault == "empty answer":
        server.add("/catalog.ttl", catalog.turtle([]))
    elif fault == "slow headers":
        server.add("/catalog.ttl", good, behaviour="slow headers")
    elif fault == "trickle":
        server.add("/catalog.ttl", good, behaviour="trickle")
    elif fault == "redirect to an internal host":
        server.add("/catalog.ttl", good, behaviour="redirect:http://10.11.12.13/catalog.ttl")
    elif fault == "remote json-ld context":
        server.add("/catalog.ttl", '{"@context": "http://127.0.0.1:9/context.jsonld", "@graph": []}',
                   content_type="application/ld+json")
    elif fault == "utf-16 entity declaration":
        server.add("/catalog.ttl", EXTERNAL.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
                   .encode("utf-16"), content_type="application/rdf+xml")
    elif fault == "fewer than announced":
        server.add("/catalog.ttl", good.replace(b"a hydra:PartialCollectionView",
                                                b"a hydra:PartialCollectionView ; hydra:totalItems 9"))
    elif fault == "not rdf":
        server.add("/catalog.ttl", "<html><body>Wartungsarbeiten</body></html>", content_type="text/html")


MESSAGES = {
    "timeout": "did not answer within",
    "server error": "HTTP error 500",
    "not found": "HTTP error 404",
    "malformed": "not valid RDF",
    "truncated": "broke off",
    "paging loop": "Paging loop",
    "too large": "larger than the limit",
    "entity expansion": "declares a DTD or XML entities",
    "external entity": "declares a DTD or XML entities",
    "empty answer": "withdrawing more than 20% at once is refused",
    "not rdf": "not valid RDF",
    "trickle": "sent its answer too slowly",
    "slow headers": "did not answer within",
    "redirect to an internal host": "points at an internal address",
    "remote json-ld context": "refers to a JSON-LD context by address",
    "utf-16 entity declaration": "declares a DTD or XML entities",
    "fewer than announced": "announced 9 datasets (hydra:totalItems) but listed 7",
}


def _snapshot():
    return {d["id"]: (d["metadata_modified"], d["title"], d["state"]) for d in harvested()}


@pytest.mark.ckan_config("ckanext.jena.harvest.max_bytes", "100000")
@pytest.mark.parametrize("fault", sorted(MESSAGES))
def test_a_failing_source_ends_the_run_with_a_report_and_changes_no_dataset(source_server, fault):
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 8)])
    source = make_source(url)
    assert run(source)["created"] == 7
    before = _snapshot()
    _break(source_server, fault)
    summary = run(source)
    assert summary["gather_errors"] >= 1
    assert (summary["created"], summary["updated"], summary["withdrawn"]) == (0, 0, 0)
    assert any(MESSAGES[fault] in m for m in summary["messages"]), summary["messages"]
    assert any("no dataset was changed" in m or "nothing was withdrawn" in m for m in summary["messages"])
    assert _snapshot() == before
    job = helpers.call_action("harvest_job_show", id=summary["job_id"])
    assert job["status"] == "Finished"


def test_a_refused_connection_is_reported(source_server):
    url = catalog.serve(source_server, [catalog.dataset(1)])
    source = make_source(url)
    run(source)
    before = _snapshot()
    helpers.call_action("harvest_source_patch", id=source["id"], url=f"http://127.0.0.1:{_free_port()}/catalog.ttl")
    summary = run(source)
    assert any("No connection" in m and "Keine Verbindung" in m for m in summary["messages"])
    assert _snapshot() == before


def test_withdrawing_more_than_the_allowed_share_is_refused_and_reported(source_server):
    datasets = [catalog.dataset(n) for n in range(1, 11)]
    url = catalog.serve(source_server, datasets, per_page=20)
    source = make_source(url)
    run(source)
    catalog.serve(source_server, datasets[:7], per_page=20)  # 3 of 10 gone: 30 % > 20 %
    summary = run(source)
    assert summary["withdrawn"] == 0 and summary["unchanged"] == 7
    assert any("3 of 10" in m and "refused" in m for m in summary["messages"])
    assert len(harvested()) == 10
    summary = run(source, allow_mass_withdrawal=True)
    assert summary["withdrawn"] == 3 and len(harvested()) == 7


def test_one_record_the_schema_refuses_fails_alone_and_the_report_says_why(source_server):
    datasets = [catalog.dataset(n) for n in range(1, 4)]
    # no title in any language: structurally unusable, the one thing a harvested record is refused for
    # (an over-long title is cut with a gap instead: tests/security/test_attack2_input.py)
    datasets[1] = catalog.dataset(2, title=" ")
    url = catalog.serve(source_server, datasets)
    page = source_server.routes[("/catalog.ttl", ())][2].decode()
    # dataset 3's contact point has an e-mail address that is none: it arrives, the address is a gap
    page = page.replace('Umwelt" ; vcard:hasEmail <mailto:umwelt@jena.invalid> ] ;\n    '
                        'dcat:distribution <https://daten.jena.invalid/dataset/3/csv>',
                        'Umwelt" ; vcard:hasEmail "kein Postfach" ] ;\n    '
                        'dcat:distribution <https://daten.jena.invalid/dataset/3/csv>')
    assert "kein Postfach" in page
    source_server.add("/catalog.ttl", page)
    summary = run(make_source(url))
    assert (summary["created"], summary["errors"], summary["gather_errors"]) == (2, 1, 0), summary["messages"]
    assert [m for m in summary["messages"] if "dataset/2" in m], summary["messages"]
    assert [m for m in summary["messages"] if "dataset/3" in m and "kein Postfach" in m and "Lücken" in m]
    assert [d["title"] for d in harvested()] == ["Messreihe Nummer 1", "Messreihe Nummer 3"]


@pytest.mark.ckan_config("ckan.harvest.timeout", "5")
def test_a_stuck_job_is_finished_with_a_report(source_server):
    from ckanext.harvest.model import HarvestJob
    url = catalog.serve(source_server, [catalog.dataset(1)])
    source = make_source(url)
    job = HarvestJob(source_id=source["id"], status="Running")
    job.save()
    job.created = job.gather_started = datetime.datetime.utcnow() - datetime.timedelta(hours=2)
    job.save()
    summary = run(source)  # finishes the stuck job first, then runs
    assert summary["created"] == 1
    old = helpers.call_action("harvest_job_report", id=job.id)
    assert helpers.call_action("harvest_job_show", id=job.id)["status"] == "Finished"
    assert any("timeout" in e.lower() for e in old["gather_errors"][0]["message"].splitlines()) or \
        any("timeout" in str(e).lower() for e in old["gather_errors"])


def test_a_csw_entity_bomb_is_refused(source_server):
    from tests.harvest import fixtures
    fixtures.serve(source_server, "csw")
    for key in list(source_server.routes):
        if key[0] == "/csw":
            source_server.routes[key] = (200, "application/xml", BOMB, None)
    summary = run(make_source(source_server.url("/csw"), "jena_csw", {"page_size": 3}))
    assert summary["created"] == 0
    assert any("declares a DTD or XML entities" in m for m in summary["messages"]), summary["messages"]


def test_a_failing_package_show_fails_that_record_only(source_server):
    from tests.harvest.test_ckan_harvest import package, serve_portal
    packages = [package(n) for n in range(1, 4)]
    url = serve_portal(source_server, packages)
    source_server.add(f"/api/3/action/package_show?id={packages[1]['id']}", "kaputt", "text/plain", status=503)
    summary = run(make_source(url, "jena_ckan", {"page_size": 2}))
    assert (summary["created"], summary["errors"]) == (2, 1)
    assert any("HTTP error 503" in m for m in summary["messages"])


def test_malformed_sensor_data_is_reported_not_fatal(source_server):
    import json
    things = {"value": [
        {"@iot.id": 1, "name": "A", "properties": {"category": ["noise"]},
         "Locations": [{"location": {"type": "Point", "coordinates": 5}}],
         "Datastreams": [{"@iot.id": 1, "name": "x", "ObservedProperty": "Lärm", "unitOfMeasurement": "dB"}]},
        {"@iot.id": 2, "name": "B", "properties": {"category": "noise"},
         "Locations": [{"location": {"type": "Point", "coordinates": [11.59, 50.93]}}],
         "Datastreams": [{"@iot.id": 2, "name": "Pegel", "ObservedProperty": {"name": "Lärm"},
                          "unitOfMeasurement": {"symbol": "dB(A)"}, "phenomenonTime": "2024-01-01T00:00:00Z/2026-01-01T00:00:00Z"}]},
        "kein Objekt"]}
    source_server.add("/v1.1/Things?$expand=Locations,Datastreams($expand=ObservedProperty,Sensor)&$top=100",
                      json.dumps(things), "application/json")
    summary = run(make_source(source_server.url("/v1.1"), "jena_sensorthings", {"license_id": "dl-by-de/2.0"}))
    # Thing 1's category is a list; the third Thing is no object: each is reported (since session
    # 15 the latter too: skipped silently, it could withdraw the datasets it fed)
    assert summary["created"] == 1 and summary["errors"] == 2, summary["messages"]
    assert any("no known sensor category" in m for m in summary["messages"])
    assert any("a Thing is no object" in m for m in summary["messages"]), summary["messages"]


def test_more_pages_than_max_pages_end_the_run(source_server):
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 8)], per_page=2)
    summary = run(make_source(url, config={"max_pages": 2}))
    assert summary["created"] == 0
    assert any("More than 2 pages (max_pages)" in m for m in summary["messages"]), summary["messages"]


REFUSE_RECORD_SQL = """
CREATE FUNCTION jena_test_refuse_record() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'the test refuses this harvest record'; END$$;
CREATE TRIGGER jena_test_refuse_record BEFORE INSERT ON jena_harvest_record FOR EACH ROW
WHEN (NEW.guid = 'https://daten.jena.invalid/dataset/2') EXECUTE FUNCTION jena_test_refuse_record();
"""


def test_a_dataset_is_written_with_its_harvest_record_or_not_at_all(source_server):
    # the database refuses one record's harvest record (a trigger; PostgreSQL restarted between the
    # two writes does the same): that dataset is not left behind without it, so the next run
    # creates it once instead of a second time (issue 16, item 5)
    import sqlalchemy as sa
    from ckan import model
    url = catalog.serve(source_server, [catalog.dataset(n) for n in (1, 2, 3)])
    source = make_source(url)
    model.Session.execute(sa.text(REFUSE_RECORD_SQL))
    model.Session.commit()
    try:
        first = run(source)
    finally:
        model.Session.rollback()
        model.Session.execute(sa.text("DROP TRIGGER IF EXISTS jena_test_refuse_record ON jena_harvest_record; "
                                      "DROP FUNCTION IF EXISTS jena_test_refuse_record()"))
        model.Session.commit()
    assert (first["created"], first["errors"]) == (2, 1), first["messages"]
    assert [d["title"] for d in harvested()] == ["Messreihe Nummer 1", "Messreihe Nummer 3"]
    second = run(source)
    assert (second["created"], second["unchanged"], second["errors"]) == (1, 2, 0), second["messages"]
    assert [d["title"] for d in harvested()] == [f"Messreihe Nummer {n}" for n in (1, 2, 3)]
    found = helpers.call_action("package_search", q="Messreihe", rows=10)
    assert found["count"] == 3  # the two of the first run are indexed though the third failed


def test_a_dataset_missing_from_the_search_index_is_indexed_by_the_next_run(source_server):
    # the run that wrote it could not index it (the index, or the consumer, gone at that moment:
    # Redis restarted during a harvest, tests/deploy/test_faults.py); the record is unchanged, so
    # nothing else would ever index it again
    import ckan.lib.search as ckan_search
    url = catalog.serve(source_server, [catalog.dataset(n) for n in (1, 2, 3)])
    source = make_source(url)
    run(source)
    lost = harvested()[1]
    ckan_search.clear(lost["id"])
    ckan_search.commit()
    assert helpers.call_action("package_search", q="Messreihe", rows=10)["count"] == 2
    summary = run(source)
    assert (summary["unchanged"], summary["errors"]) == (3, 0), summary["messages"]
    found = helpers.call_action("package_search", q="Messreihe", rows=10)
    assert sorted(d["title"] for d in found["results"]) == [f"Messreihe Nummer {n}" for n in (1, 2, 3)]
