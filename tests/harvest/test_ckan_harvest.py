"""jena_ckan: a CKAN portal's action API (the city's old portal), incremental by metadata_modified."""
import json

from tests.harvest.helpers import harvested, make_source, marks, run

pytestmark = marks()
SEARCH = "/api/3/action/package_search"


def package(number: int, modified: str = "2024-03-01T10:00:00", **fields) -> dict:
    data = {
        "id": f"0000000{number}-aaaa-bbbb-cccc-dddddddddddd", "name": f"altdaten-{number}",
        "title": f"Altdatensatz {number}", "notes": f"Aus dem alten Portal, Nummer {number}.",
        "license_id": "dl-de-by-2.0", "license_title": "Datenlizenz Deutschland Namensnennung 2.0",
        "metadata_created": "2019-05-02T08:00:00", "metadata_modified": modified,
        "maintainer": "Fachdienst Statistik", "maintainer_email": "statistik@jena.invalid",
        "tags": [{"name": "Statistik"}], "groups": [{"name": "bevoelkerung", "title": "Bevölkerung"}],
        "extras": [], "resources": [{"url": f"https://opendata.jena.invalid/files/{number}.csv", "name": "Tabelle",
                                     "format": "csv"}],
    }
    data.update(fields)
    return data


def serve_portal(server, packages: list[dict], rows: int = 2, full: bool = False, count=None) -> str:
    """package_search pages (``fl`` honoured unless ``full``: an old portal) and package_show."""
    for start in range(0, max(len(packages), 1) + rows, rows):
        page = packages[start:start + rows]
        results = page if full else [{k: p[k] for k in ("id", "name", "metadata_modified")} for p in page]
        query = (f"{SEARCH}?q=*:*&sort=metadata_modified desc, id asc&rows={rows}&start={start}"
                 "&fl=id,name,metadata_modified")
        server.add(query, json.dumps({"success": True, "result": {
            "count": len(packages) if count is None else count, "results": results}}), "application/json")
    for p in packages:
        server.add(f"/api/3/action/package_show?id={p['id']}", json.dumps({"success": True, "result": p}),
                   "application/json")
    return server.url("/")


def shows(server) -> list[str]:
    return [r for r in server.requests if "package_show" in r]


def test_an_old_ckan_portal_is_harvested_onto_the_jena_schema(source_server):
    packages = [package(n) for n in range(1, 6)]
    packages[1]["tags"] = []  # no keywords: its group's title stands in
    summary = run(make_source(serve_portal(source_server, packages), "jena_ckan", {"page_size": 2}))
    assert (summary["created"], summary["errors"], summary["gather_errors"]) == (5, 0, 0), summary["messages"]
    datasets = harvested()
    assert {d["license_id"] for d in datasets} == {"dl-by-de/2.0"}
    assert datasets[0]["contact"] == [{"name": "Fachdienst Statistik", "email": "statistik@jena.invalid"}]
    assert [t["name"] for t in datasets[1]["tags"]] == ["Bevölkerung"]
    assert datasets[0]["resources"][0]["format"] == "CSV"
    assert datasets[0]["source"].endswith("/dataset/altdaten-1")
    assert len(shows(source_server)) == 5


def test_only_records_modified_since_the_last_run_are_read_again(source_server):
    packages = [package(n) for n in range(1, 6)]
    source = make_source(serve_portal(source_server, packages), "jena_ckan", {"page_size": 2})
    run(source)
    packages[3] = package(4, modified="2026-11-20T09:00:00", title="Altdatensatz 4 (berichtigt)")
    serve_portal(source_server, packages)
    source_server.requests.clear()
    summary = run(source)
    assert (summary["updated"], summary["unchanged"]) == (1, 4)
    assert shows(source_server) == [f"/api/3/action/package_show?id={packages[3]['id']}"]
    assert "Altdatensatz 4 (berichtigt)" in [d["title"] for d in harvested()]


def test_a_portal_that_ignores_fl_is_read_from_its_search_results(source_server):
    packages = [package(n) for n in range(1, 4)]
    summary = run(make_source(serve_portal(source_server, packages, full=True), "jena_ckan", {"page_size": 2}))
    assert summary["created"] == 3
    assert shows(source_server) == []


def test_a_listing_shorter_than_announced_withdraws_nothing(source_server):
    packages = [package(n) for n in range(1, 5)]
    source = make_source(serve_portal(source_server, packages), "jena_ckan",
                         {"page_size": 2, "max_withdrawal_share": 1})
    run(source)
    source_server.routes.clear()
    serve_portal(source_server, packages[:2], count=4)
    summary = run(source)
    assert summary["withdrawn"] == 0 and summary["gather_errors"] == 1
    assert any("announced 4 datasets but sent 2" in m for m in summary["messages"]), summary["messages"]
    assert len(harvested()) == 4


def test_a_search_that_repeats_its_first_page_is_a_paging_loop(source_server):
    packages = [package(n) for n in range(1, 5)]
    url = serve_portal(source_server, packages)
    first = source_server.routes[next(k for k in source_server.routes if ("start", "0") in k[1])]
    for key in list(source_server.routes):
        if ("start", "2") in key[1]:
            source_server.routes[key] = first
    summary = run(make_source(url, "jena_ckan", {"page_size": 2}))
    # the first page's datasets arrive; the run is incomplete and withdraws nothing
    assert (summary["created"], summary["withdrawn"]) == (2, 0)
    assert "Paging loop" in summary["incomplete"]
    assert any("Paging loop" in m and "nothing was withdrawn" in m for m in summary["messages"]), summary["messages"]
