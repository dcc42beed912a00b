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


def test_fields_a_data_officer_edited_survive_a_re_harvest_and_conflicts_are_reported(source_server):
    datasets = [catalog.dataset(n, place="Winzerla") for n in range(1, 4)]
    url = catalog.serve(source_server, datasets)
    source = make_source(url)
    run(source)
    first = next(d for d in harvested() if d["title"] == "Messreihe Nummer 1")
    assert first["districts"] == ["winzerla"]
    # a data officer confirms action fields, corrects the title and the districts
    helpers.call_action("package_patch", id=first["id"], title="Bodenmessreihe Winzerla",
                        action_fields=["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"], districts=["winzerla", "ammerbach"])
    # the source changes the title and the description
    datasets[0] = catalog.dataset(1, title="Messreihe Eins (neu)", notes="Neue Beschreibung.", place="Winzerla")
    catalog.serve(source_server, datasets)
    summary = run(source)
    assert summary["updated"] == 1
    after = helpers.call_action("package_show", id=first["id"])
    assert after["title"] == "Bodenmessreihe Winzerla"            # edited here: kept
    assert after["notes"] == "Neue Beschreibung."                 # not edited here: follows the source
    assert after["action_fields"] == ["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"]
    assert after["districts"] == ["ammerbach", "winzerla"]
    conflicts = [m for m in summary["messages"] if "portal's values were kept" in m]
    assert len(conflicts) == 1 and "title" in conflicts[0] and "notes" not in conflicts[0]
    # an unchanged source leaves everything alone
    assert run(source)["unchanged"] == 3
    assert helpers.call_action("package_show", id=first["id"])["title"] == "Bodenmessreihe Winzerla"


def test_the_same_dataset_from_two_sources_is_kept_once(source_server):
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 4)])
    run(make_source(url, name="landesportal"))
    # a partner catalog lists dataset 2 again (same dct:identifier, another URI) and a new one
    partner = [catalog.dataset(12, identifier="jena-test-2", title="Messreihe Nummer 2 (Partner)"),
               catalog.dataset(20)]
    partner_url = catalog.serve(source_server, partner, path="/partner.ttl")
    summary = run(make_source(partner_url, name="partner"))
    assert (summary["created"], summary["unchanged"]) == (1, 1)
    assert any("Already in the portal" in m and "landesportal" in m for m in summary["messages"])
    assert sorted(d["title"] for d in harvested()) == sorted(f"Messreihe Nummer {n}" for n in (1, 2, 3, 20))
    assert len(harvested()) == 4


def test_a_field_the_source_left_empty_and_an_officer_filled_is_kept(source_server):
    datasets = [catalog.dataset(1)]
    url = catalog.serve(source_server, datasets)
    source = make_source(url)
    run(source)
    pkg = harvested()[0]
    helpers.call_action("package_patch", id=pkg["id"], version="2024-Q3",
                        action_fields=["digitale-infrastruktur"])
    datasets[0] = catalog.dataset(1, notes="Neue Beschreibung.")
    catalog.serve(source_server, datasets)
    assert run(source)["updated"] == 1
    after = helpers.call_action("package_show", id=pkg["id"])
    assert after["version"] == "2024-Q3" and after["action_fields"] == ["digitale-infrastruktur"]
    assert after["notes"] == "Neue Beschreibung."


def test_a_dataset_an_officer_deleted_is_not_brought_back(source_server):
    datasets = [catalog.dataset(n) for n in range(1, 3)]
    url = catalog.serve(source_server, datasets)
    source = make_source(url)
    run(source)
    first = next(d for d in harvested() if d["title"] == "Messreihe Nummer 1")
    helpers.call_action("package_delete", id=first["id"])
    datasets[0] = catalog.dataset(1, notes="Geändert an der Quelle.")
    catalog.serve(source_server, datasets)
    summary = run(source)
    assert [d["title"] for d in harvested()] == ["Messreihe Nummer 2"]
    assert any("Deleted in the portal" in m for m in summary["messages"])


@pytest.mark.parametrize("config", [{"private": True}])
def test_a_source_configured_private_makes_its_datasets_private_on_the_next_run(source_server, config):
    url = catalog.serve(source_server, [catalog.dataset(1)])
    source = make_source(url)
    run(source)
    assert harvested()[0]["private"] is False
    helpers.call_action("harvest_source_patch", id=source["id"], config=__import__("json").dumps(config))
    summary = run(source)
    assert summary["updated"] == 1  # a changed configuration maps every record anew
    assert harvested()[0]["private"] is True
