"""Saved answers (`ckan jena harvest import SOURCE --file PATH`) and incomplete sources: a source
read only in part keeps what was read and withdraws nothing; a saved document is mapped exactly
like a live answer and withdraws only when it is a complete catalog."""
import json

import pytest
from click.testing import CliRunner

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


def _snapshot() -> dict:
    return {d["id"]: (d["metadata_modified"], d["title"], d["state"]) for d in harvested()}


def _titles(state: str = "active") -> list[str]:
    return [d["title"] for d in harvested(state)]


def _save(tmp_path, name: str, body, base: str = "") -> str:
    path = tmp_path / name
    if isinstance(body, str):
        body = body.replace("{base}", base).encode("utf-8")
    path.write_bytes(body)
    return str(path)


def _import(source: dict, path: str, **kwargs) -> dict:
    from ckanext.jena.harvest.runner import run_source
    return run_source(source["id"], document=path, **kwargs)


# -- incomplete sources -------------------------------------------------------------------------

def test_a_later_page_that_fails_keeps_what_was_read_and_withdraws_nothing(source_server):
    datasets = [catalog.dataset(n) for n in range(1, 8)]
    url = catalog.serve(source_server, datasets)  # pages of 3: 1-3, 4-6, 7
    source = make_source(url, config={"max_withdrawal_share": 1})
    assert run(source)["created"] == 7
    # page 1 now: dataset 1 retitled, 3 gone, 8 new; page 2 fails
    source_server.routes.clear()
    catalog.serve(source_server, [catalog.dataset(1, title="Messreihe eins, neu"), datasets[1], catalog.dataset(8)]
                  + datasets[3:])
    source_server.add("/catalog.ttl?page=2", "Internal Server Error", content_type="text/plain", status=500)
    summary = run(source)
    assert (summary["created"], summary["updated"], summary["withdrawn"]) == (1, 1, 0), summary["messages"]
    assert summary["incomplete"] and "HTTP error 500" in summary["incomplete"]
    assert any(m.startswith("Unvollständig: Seite 2 ließ sich nicht lesen") and "Incomplete: Page 2 could not be read"
               in m and "nothing was withdrawn" in m for m in summary["messages"]), summary["messages"]
    titles = _titles()
    assert "Messreihe eins, neu" in titles and "Messreihe Nummer 8" in titles
    assert "Messreihe Nummer 3" in titles and len(titles) == 8  # not withdrawn: the listing was incomplete
    job = helpers.call_action("harvest_job_show", id=summary["job_id"])
    assert job["status"] == "Finished"


def test_a_later_page_that_is_not_rdf_keeps_what_was_read(source_server):
    datasets = [catalog.dataset(n) for n in range(1, 8)]
    url = catalog.serve(source_server, datasets)
    source_server.add("/catalog.ttl?page=3", "<html>Wartungsarbeiten</html>", content_type="text/html")
    summary = run(make_source(url))
    assert (summary["created"], summary["withdrawn"]) == (6, 0), summary["messages"]
    assert "not valid RDF" in summary["incomplete"]


def _cross_host_catalog(server) -> str:
    """Page 1 on 127.0.0.1 links to page 2 on localhost (the same server under another name)."""
    datasets = [catalog.dataset(n) for n in range(1, 7)]
    url = catalog.serve(server, datasets)
    first = server.routes[("/catalog.ttl", ())][2]
    port = server.httpd.server_address[1]
    server.add("/catalog.ttl", first.replace(b"<{base}/catalog.ttl?page=2>",
                                             f"<http://localhost:{port}/catalog.ttl?page=2>".encode()))
    return url


@pytest.mark.ckan_config("ckanext.jena.harvest.allowed_hosts", "127.0.0.1 localhost ::1")
def test_a_paging_link_to_another_host_is_not_followed(source_server):
    url = _cross_host_catalog(source_server)
    summary = run(make_source(url))
    assert (summary["created"], summary["withdrawn"]) == (3, 0), summary["messages"]
    assert not any("page=2" in r for r in source_server.requests)
    assert any("Seite 2 liegt auf einem anderen Host (localhost) als die Quelle (127.0.0.1)" in m
               and "add \"localhost\" to paging_hosts" in m for m in summary["messages"]), summary["messages"]


@pytest.mark.ckan_config("ckanext.jena.harvest.allowed_hosts", "127.0.0.1 localhost ::1")
def test_a_paging_link_to_a_host_listed_in_paging_hosts_is_followed(source_server):
    url = _cross_host_catalog(source_server)
    summary = run(make_source(url, config={"paging_hosts": ["localhost"]}))
    assert (summary["created"], summary["gather_errors"]) == (6, 0), summary["messages"]
    assert summary["incomplete"] is None


def test_paging_hosts_must_be_a_list_of_host_names():
    with pytest.raises(helpers.logic.ValidationError) as error:
        make_source("http://127.0.0.1:9/catalog.ttl", config={"paging_hosts": "localhost"})
    assert "paging_hosts must be a list of texts" in str(error.value.error_dict)


# -- saved answers --------------------------------------------------------------------------------

def test_a_saved_catalog_is_imported_like_a_live_answer(source_server, tmp_path):
    datasets = [catalog.dataset(n) for n in range(1, 4)]
    source = make_source(catalog.serve(source_server, datasets, per_page=10), config={"max_withdrawal_share": 1})
    assert run(source)["created"] == 3
    before, requests = _snapshot(), len(source_server.requests)
    # the same records saved to a file: the same mapping and hashes, so nothing changes
    same = _save(tmp_path, "katalog.ttl", catalog.turtle(datasets), source_server.base)
    summary = _import(source, same)
    assert (summary["unchanged"], summary["created"], summary["updated"], summary["withdrawn"]) == (3, 0, 0, 0)
    assert summary["incomplete"] is None and _snapshot() == before
    # a complete saved catalog withdraws what it no longer lists
    fewer = _save(tmp_path, "katalog-neu.ttl", catalog.turtle(datasets[:2]), source_server.base)
    summary = _import(source, fewer)
    assert (summary["unchanged"], summary["withdrawn"]) == (2, 1), summary["messages"]
    assert _titles("deleted") == ["Messreihe Nummer 3"]
    assert len(source_server.requests) == requests  # a saved document is not fetched from the source


def test_a_saved_page_of_a_paged_catalog_withdraws_nothing(source_server, tmp_path):
    datasets = [catalog.dataset(n) for n in range(1, 4)]
    source = make_source(catalog.serve(source_server, datasets, per_page=10), config={"max_withdrawal_share": 1})
    run(source)
    requests = len(source_server.requests)
    page = _save(tmp_path, "seite.ttl", catalog.turtle([catalog.dataset(1, title="Neu")], "/catalog.ttl",
                                                        "/catalog.ttl?page=2"), source_server.base)
    summary = _import(source, page)
    assert (summary["updated"], summary["withdrawn"]) == (1, 0), summary["messages"]
    assert "one page of a paged catalog" in summary["incomplete"]
    assert len(source_server.requests) == requests  # the next page is not fetched either
    assert sorted(_titles()) == ["Messreihe Nummer 2", "Messreihe Nummer 3", "Neu"]
    # a saved catalog that announces more records than it holds is incomplete too
    short = _save(tmp_path, "kurz.ttl", catalog.turtle(datasets[:1], "/catalog.ttl").replace(
        "a hydra:PartialCollectionView", "a hydra:PartialCollectionView ; hydra:totalItems 3"), source_server.base)
    summary = _import(source, short)
    assert summary["withdrawn"] == 0 and "announced 3 datasets" in summary["incomplete"]
    assert len(_titles()) == 3


@pytest.mark.parametrize("suffix, rdf_format", [("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml"), ("n3", "n3")])
def test_a_saved_catalog_in_any_rdf_syntax_maps_like_the_live_turtle(source_server, tmp_path, suffix, rdf_format):
    import rdflib
    datasets = [catalog.dataset(n) for n in range(1, 4)]
    source = make_source(catalog.serve(source_server, datasets, per_page=10))
    assert run(source)["created"] == 3
    graph = rdflib.Graph().parse(data=catalog.turtle(datasets).replace("{base}", source_server.base), format="turtle")
    path = _save(tmp_path, f"katalog.{suffix}", graph.serialize(format=rdf_format, encoding="utf-8"))
    summary = _import(source, path)
    assert (summary["unchanged"], summary["created"], summary["updated"]) == (3, 0, 0), summary["messages"]


def test_saved_ckan_answers_are_imported(tmp_path):
    from tests.harvest.test_ckan_harvest import package
    source = make_source("http://127.0.0.1:9/", "jena_ckan")
    show = _save(tmp_path, "package_show.json", json.dumps({"success": True, "result": package(1)}))
    assert _import(source, show)["created"] == 1
    search = _save(tmp_path, "package_search.json", json.dumps(
        {"success": True, "result": {"count": 2, "results": [package(1), package(2)]}}))
    summary = _import(source, search)
    assert (summary["created"], summary["unchanged"], summary["incomplete"]) == (1, 1, None), summary["messages"]
    assert _titles() == ["Altdatensatz 1", "Altdatensatz 2"]


def test_the_cli_imports_a_saved_answer(source_server, tmp_path):
    from ckanext.jena.harvest.cli import harvest
    datasets = [catalog.dataset(n) for n in range(1, 3)]
    source = make_source(catalog.serve(source_server, datasets))
    path = _save(tmp_path, "katalog.ttl", catalog.turtle(datasets), source_server.base)
    result = CliRunner().invoke(harvest, ["import", source["name"], "--file", path, "--quiet"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "created 2 · updated 0 · unchanged 0 · withdrawn 0 · errors 0" in result.output
    assert source_server.requests == []
    page = _save(tmp_path, "seite.ttl", catalog.turtle(datasets[:1], "/catalog.ttl", "/catalog.ttl?page=2"),
                 source_server.base)
    result = CliRunner().invoke(harvest, ["import", source["name"], "--file", page, "--quiet"])
    assert result.exit_code == 3, result.output  # incomplete: what was read is in, nothing withdrawn
    assert "unvollständig, nichts wurde zurückgezogen / incomplete, nothing was withdrawn" in result.output


# -- hostile saved answers: a clear error in both languages, nothing changed ---------------------

HOSTILE = {
    "not rdf": ("jena_dcat", "katalog.ttl", b"id;name\n1;Wasser\n", "not valid RDF"),
    "xml bomb": ("jena_dcat", "katalog.rdf", BOMB, "declares a DTD or XML entities"),
    "json for a csw": ("jena_csw", "antwort.xml", b'{"success": true}', "not well-formed XML"),
    "rdf for a ckan portal": ("jena_ckan", "antwort.json", b"<rdf:RDF/>", "not valid JSON"),
    "no sensorthings collection": ("jena_sensorthings", "things.json", b'{"result": []}',
                                   "not a SensorThings collection"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_saved_file_of_the_wrong_kind_changes_nothing(source_server, tmp_path, case):
    source_type, name, body, message = HOSTILE[case]
    config = {"license_id": "dl-by-de/2.0"} if source_type == "jena_sensorthings" else {}
    source = make_source(source_server.url("/quelle"), source_type, config)
    summary = _import(source, _save(tmp_path, name, body))
    assert (summary["created"], summary["updated"], summary["withdrawn"]) == (0, 0, 0)
    assert any(message in m and "no dataset was changed" in m and "Der Lauf wurde abgebrochen" in m
               and name in m for m in summary["messages"]), summary["messages"]
    assert harvested() == []


def test_a_missing_file_is_a_clear_error(source_server):
    from ckanext.jena.harvest.cli import harvest
    source = make_source(catalog.serve(source_server, [catalog.dataset(1)]))
    result = CliRunner().invoke(harvest, ["import", source["name"], "--file", "/nicht/da.ttl"])
    assert result.exit_code == 1
    assert "Es gibt keine Datei '/nicht/da.ttl'." in result.output and "There is no file" in result.output
    assert helpers.call_action("harvest_job_list", source_id=source["id"]) == []


@pytest.mark.ckan_config("ckanext.jena.harvest.max_bytes", "100000")
def test_a_huge_file_is_refused_before_it_is_read(source_server, tmp_path):
    from ckanext.jena.harvest.cli import harvest
    datasets = [catalog.dataset(1)]
    source = make_source(catalog.serve(source_server, datasets))
    run(source)
    before = _snapshot()
    path = _save(tmp_path, "riesig.ttl", catalog.turtle(datasets) + "# " + "x" * 200_000 + "\n", source_server.base)
    result = CliRunner().invoke(harvest, ["import", source["name"], "--file", path])
    assert result.exit_code == 1
    assert "mehr als die Antwort einer Quelle haben darf" in result.output
    assert "more than a source's answer may have" in result.output
    assert _snapshot() == before


# -- SensorThings: Things are grouped across pages ------------------------------------------------

THINGS_PAGE_2 = "/v1.1/Things?$expand=Locations,Datastreams($expand=ObservedProperty,Sensor)&$top=5&$skip=5"
SENSOR_CONFIG = {"page_size": 5, "license_id": "dl-by-de/2.0"}


def test_a_sensorthings_page_that_fails_keeps_the_groups_of_the_pages_read(source_server):
    from tests.harvest import fixtures
    fixtures.serve(source_server, "sensorthings")
    source_server.add(THINGS_PAGE_2, "Bad Gateway", content_type="text/plain", status=502)
    summary = run(make_source(source_server.url("/v1.1"), "jena_sensorthings", SENSOR_CONFIG))
    assert summary["created"] > 0 and summary["withdrawn"] == 0, summary["messages"]
    assert "Page 2 could not be read" in summary["incomplete"] and "HTTP error 502" in summary["incomplete"]
    assert len(harvested()) == summary["created"]


def test_a_saved_sensorthings_page_is_imported_and_withdraws_nothing(source_server, tmp_path):
    from tests.harvest import fixtures
    source = make_source(source_server.url("/v1.1"), "jena_sensorthings", SENSOR_CONFIG)
    path = _save(tmp_path, "things.json", fixtures.read("sensorthings", "things-1.json").decode("utf-8"),
                 source_server.base)
    summary = _import(source, path)
    assert summary["created"] > 0 and summary["withdrawn"] == 0, summary["messages"]
    assert "one page of a paged catalog" in summary["incomplete"]
    assert source_server.requests == []
