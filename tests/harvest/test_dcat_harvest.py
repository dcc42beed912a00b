"""jena_dcat: DCAT-AP.de catalogs, incremental runs, withdrawal, duplicates and local curation."""
import os

import pytest

from ckan.tests import helpers

from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks, run

pytestmark = marks()
BREMEN = os.path.join(os.path.dirname(__file__), "..", "dcat", "examples", "bremen-catalog-original-input.rdf")


def five():
    return [catalog.dataset(n) for n in range(1, 6)]


def test_a_paged_catalog_is_harvested_into_jena_datasets(source_server):
    url = catalog.serve(source_server, five(), per_page=2)
    summary = run(make_source(url))
    assert (summary["created"], summary["errors"], summary["gather_errors"]) == (5, 0, 0), summary["messages"]
    datasets = harvested()
    assert [d["title"] for d in datasets] == [f"Messreihe Nummer {n}" for n in range(1, 6)]
    first = datasets[0]
    assert first["license_id"] == "dl-by-de/2.0"
    assert first["resources"][0]["format"] == "CSV"
    assert [t["name"] for t in first["tags"]] == ["Umwelt"]
    assert first["theme"] == ["http://publications.europa.eu/resource/authority/data-theme/ENVI"]
    # three pages were read, each once
    assert sorted(source_server.requests) == ["/catalog.ttl", "/catalog.ttl?page=2", "/catalog.ttl?page=3"]


def test_an_unchanged_catalog_changes_nothing_and_a_changed_record_is_updated(source_server):
    datasets = five()
    url = catalog.serve(source_server, datasets)
    source = make_source(url)
    run(source)
    before = {d["id"]: d["metadata_modified"] for d in harvested()}
    summary = run(source)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 5)
    assert {d["id"]: d["metadata_modified"] for d in harvested()} == before

    datasets[2] = catalog.dataset(3, notes="Neue Beschreibung der Messreihe drei.")
    catalog.serve(source_server, datasets)
    summary = run(source)
    assert (summary["updated"], summary["unchanged"]) == (1, 4)
    changed = [d for d in harvested() if d["metadata_modified"] != before[d["id"]]]
    assert [d["notes"] for d in changed] == ["Neue Beschreibung der Messreihe drei."]


def test_a_record_gone_from_the_source_is_withdrawn_visibly_and_returns_when_listed_again(source_server):
    datasets = five()
    url = catalog.serve(source_server, datasets)
    source = make_source(url, config={"max_withdrawal_share": 0.5})
    run(source)
    catalog.serve(source_server, datasets[:4])
    source_server.routes.pop(("/catalog.ttl", (("page", "2"),)), None)
    catalog.serve(source_server, datasets[:4])
    summary = run(source)
    assert summary["withdrawn"] == 1
    assert any("withdrawn" in m for m in summary["messages"])
    gone = harvested(state="deleted")
    assert [d["title"] for d in gone] == ["Messreihe Nummer 5"]  # soft-deleted: still in the trash
    catalog.serve(source_server, datasets)
    summary = run(source)
    assert summary["updated"] == 1
    assert len(harvested()) == 5 and harvested(state="deleted") == []


def test_the_bremen_catalog_harvests_completely(source_server):
    with open(BREMEN, "rb") as f:
        source_server.add("/bremen.rdf", f.read(), content_type="application/rdf+xml")
    summary = run(make_source(source_server.url("/bremen.rdf")))
    assert summary["errors"] == 0 and summary["gather_errors"] == 0, summary["messages"][:5]
    assert summary["created"] == 153
    assert len(harvested()) == 153
