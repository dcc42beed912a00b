"""Upkeep on a harvested REAL catalog (issue 14, "Done when"): a record gone from a complete
re-import is withdrawn, most records gone at once is refused and reported, the same real record
from a second source is kept once, and an officer's edit of a harvested real record survives a
re-import. The catalog is the Évian ArcGIS Hub data.json of tests/data/real (8 datasets, complete),
imported as saved answers (`ckan jena harvest import SOURCE --file PATH`) and changed as its portal
would change it."""
import copy
import json
import os

from ckan.tests import helpers

from tests.harvest.helpers import harvested, make_source
from tests.harvest.test_real_corpus import CORPUS, REAL, pytestmark  # noqa: F401 (the same marks)

DOCUMENT = "arcgis-hub-evian-data.json"
PORTAL = CORPUS[DOCUMENT][1]


def _catalog() -> dict:
    with open(os.path.join(REAL, DOCUMENT), encoding="utf-8") as f:
        return json.load(f)


def _import(source: dict, tmp_path, document: dict, name: str = "answer.json", **kwargs) -> dict:
    from ckanext.jena.harvest.runner import run_source
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return run_source(source["id"], document=str(path), **kwargs)


def _by_title(title: str) -> dict:
    return next(d for d in harvested() if d["title"] == title)


def test_a_record_gone_from_a_complete_re_import_is_withdrawn(tmp_path):
    document = _catalog()
    source = make_source(PORTAL, config={"max_withdrawal_share": 0.5})
    assert _import(source, tmp_path, document)["created"] == 8
    gone = document["dataset"].pop(3)
    summary = _import(source, tmp_path, document)
    assert (summary["withdrawn"], summary["unchanged"]) == (1, 7), summary["messages"]
    assert [d["title"] for d in harvested(state="deleted")] == [gone["title"]]
    assert len(harvested()) == 7


def test_most_records_gone_at_once_is_refused_and_reported(tmp_path):
    document = _catalog()
    source = make_source(PORTAL)  # the declared default: at most 20 % at once
    assert _import(source, tmp_path, document)["created"] == 8
    document["dataset"] = document["dataset"][:2]
    summary = _import(source, tmp_path, document)
    assert summary["withdrawn"] == 0 and summary["unchanged"] == 2
    assert any("6 of 8" in m and "refused" in m for m in summary["messages"]), summary["messages"]
    assert len(harvested()) == 8 and harvested(state="deleted") == []


def test_the_same_real_record_from_a_second_source_is_kept_once(tmp_path):
    document = _catalog()
    assert _import(make_source(PORTAL, name="evian-hub"), tmp_path, document)["created"] == 8
    # a second portal lists one of the records again, as it is, next to one of its own
    other = copy.deepcopy(document)
    own = copy.deepcopy(document["dataset"][1])
    own.update(identifier="https://partner.example.invalid/dataset/parkplaetze", title="Parkplätze (Partner)",
               landingPage="https://partner.example.invalid/parkplaetze")
    other["dataset"] = [document["dataset"][0], own]
    second_portal = CORPUS["dkan-hautsdefrance-package_show.json"][1]
    summary = _import(make_source(second_portal, name="zweitportal"), tmp_path, other, name="other.json")
    assert (summary["created"], summary["unchanged"]) == (1, 1), summary["messages"]
    assert any("Already in the portal" in m and "evian-hub" in m for m in summary["messages"])
    titles = [d["title"] for d in harvested()]
    assert len(titles) == 9 and titles.count(document["dataset"][0]["title"]) == 1


def test_an_officers_edit_of_a_real_record_survives_a_re_import(tmp_path):
    document = _catalog()
    source = make_source(PORTAL)
    assert _import(source, tmp_path, document)["created"] == 8
    record = document["dataset"][0]
    dataset = _by_title(record["title"])
    helpers.call_action("package_patch", id=dataset["id"], title="Fahrradstellplätze in Évian",
                        notes="Von der Datenredaktion beschrieben.")
    # the portal changes the record's keywords and title
    record["title"] = record["title"] + " (mise à jour)"
    record["keyword"] = ["mobilite", "velo"]
    summary = _import(source, tmp_path, document)
    assert summary["updated"] == 1 and summary["unchanged"] == 7, summary["messages"]
    after = helpers.call_action("package_show", id=dataset["id"])
    assert after["title"] == "Fahrradstellplätze in Évian"            # edited here: kept
    assert after["notes"] == "Von der Datenredaktion beschrieben."    # edited here: kept
    assert "velo" in [t["name"] for t in after["tags"]]               # not edited here: follows the source
    assert any("portal's values were kept" in m and "title" in m for m in summary["messages"])
    assert _import(source, tmp_path, document)["unchanged"] == 8
    assert helpers.call_action("package_show", id=dataset["id"])["title"] == "Fahrradstellplätze in Évian"
