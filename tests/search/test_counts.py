"""Counts that scale (issue 21): hit and facet counts of searches without free text are kept
with the snapshot they were counted in and used while the index is unchanged. They must stay
exact: a write changes what a visitor sees at once, a private dataset never adds to public
counts, members see their own, and nothing uncommitted is ever kept for others."""
import json

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.jena.search import backend, db

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")
FACETS = json.dumps(["tags", "res_format", "organization"])


def search_as(user=None, **params):
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    params.setdefault("facet.field", FACETS)
    return helpers.call_action("package_search", context=context, **params)


def facet(result, field):
    return {item["name"]: item["count"] for item in result["search_facets"][field]["items"]}


def stored_counts():
    return model.Session.execute(sa.text("SELECT count(*) FROM jena_search_count_cache")).scalar()


@pytest.fixture
def org():
    return factories.Organization(name="stadtwerke")


def test_a_repeated_search_without_text_reads_the_stored_counts_instead_of_counting(org):
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}])
    first = search_as()
    assert stored_counts() >= 1
    db.statement_recorder = []
    try:
        again = search_as()
        statements = [sql for sql, _params in db.statement_recorder]
    finally:
        db.statement_recorder = None
    assert again["count"] == first["count"] == 1
    assert facet(again, "tags") == facet(first, "tags") == {"Wasser": 1}
    assert not any("unnest(hits.facet_hashes)" in sql for sql in statements)


def test_every_kind_of_write_changes_the_counts_a_visitor_sees_at_once(org):
    factories.Dataset(name="wasser", owner_org=org["id"], tags=[{"name": "Wasser"}],
                      resources=[{"url": "https://example.org/a.csv", "format": "CSV"}])
    before = search_as()
    assert (before["count"], facet(before, "tags"), facet(before, "res_format")) == (1, {"Wasser": 1}, {"CSV": 1})

    created = factories.Dataset(name="abwasser", owner_org=org["id"], tags=[{"name": "Wasser"}])
    after_create = search_as()
    assert after_create["count"] == 2
    assert facet(after_create, "tags") == {"Wasser": 2}

    helpers.call_action("package_patch", id=created["id"], tags=[{"name": "Abwasser"}])
    after_update = search_as()
    assert facet(after_update, "tags") == {"Wasser": 1, "Abwasser": 1}

    helpers.call_action("package_patch", id="wasser",
                        resources=[{"url": "https://example.org/a.json", "format": "JSON"}])
    assert facet(search_as(), "res_format") == {"JSON": 1}

    helpers.call_action("package_patch", id=created["id"], private=True)
    after_private = search_as()
    assert after_private["count"] == 1
    assert facet(after_private, "tags") == {"Wasser": 1}

    helpers.call_action("package_delete", id="wasser")
    after_delete = search_as()
    assert after_delete["count"] == 0
    assert facet(after_delete, "tags") == {} and facet(after_delete, "organization") == {}


def test_facet_filters_are_counted_anew_after_a_write(org):
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}, {"name": "Strom"}])
    assert facet(search_as(fq='tags:"Wasser"'), "tags") == {"Wasser": 1, "Strom": 1}
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}])
    filtered = search_as(fq='tags:"Wasser"')
    assert filtered["count"] == 2
    assert facet(filtered, "tags") == {"Wasser": 2, "Strom": 1}


def test_a_private_dataset_never_adds_to_public_counts_and_members_see_theirs(org):
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"],
                        role="editor")
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}])
    factories.Dataset(owner_org=org["id"], private=True, tags=[{"name": "Geheim"}])
    # the member counts first and their counts are stored: the visitor must not get them
    as_member = search_as(member, include_private=True)
    assert as_member["count"] == 2
    assert facet(as_member, "tags") == {"Wasser": 1, "Geheim": 1}
    for _ in range(2):  # counted, then read from the stored counts
        public = search_as(include_private=True)
        assert public["count"] == 1
        assert facet(public, "tags") == {"Wasser": 1}
        assert facet(public, "organization") == {"stadtwerke": 1}
    assert search_as(member, include_private=True)["count"] == 2
    outsider = factories.User()
    assert search_as(outsider, include_private=True)["count"] == 1


def test_counts_seen_inside_an_unfinished_change_are_never_kept_for_others(org):
    factories.Dataset(name="wasser", owner_org=org["id"], tags=[{"name": "Wasser"}])
    assert search_as()["count"] == 1
    # a request that changed the index and has not committed sees its own change ...
    model.Session.execute(sa.text("UPDATE jena_search_document SET state = 'deleted'"))
    assert search_as()["count"] == 0
    model.Session.rollback()
    # ... which must not become what everyone else is shown
    assert search_as()["count"] == 1


def test_counts_stay_exact_when_the_change_log_is_cut(org, monkeypatch):
    monkeypatch.setattr(backend, "PRUNE_CHANGES", 2)
    for number in range(3):
        factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}])
        assert facet(search_as(), "tags") == {"Wasser": number + 1}
    # cut at the oldest transaction running anywhere on the server (how much goes varies)
    assert model.Session.execute(sa.text(
        "SELECT value FROM jena_search_meta WHERE key = 'pruned_before'")).scalar()
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Strom"}])
    assert facet(search_as(), "tags") == {"Wasser": 3, "Strom": 1}


def test_newest_first_is_read_in_index_order_and_pages_stay_complete(org):
    created = [factories.Dataset(owner_org=org["id"], name=f"ds-{n}") for n in range(5)]
    newest_first = [d["name"] for d in reversed(created)]
    pages = [search_as(rows=2, start=start, sort="metadata_modified desc")["results"] for start in (0, 2, 4)]
    assert [d["name"] for page in pages for d in page] == newest_first
    # CKAN's default order without words: score (all equal), then newest first
    assert [d["name"] for d in search_as(rows=5)["results"]] == newest_first


class TestWordParts:
    def test_a_word_part_is_found_through_the_vocabulary_after_every_change(self):
        dataset = factories.Dataset(name="ds-a", title="Baumkataster")
        assert [d["name"] for d in search_as(q="kataster")["results"]] == ["ds-a"]
        helpers.call_action("package_patch", id=dataset["id"], title="Straßenverzeichnis")
        assert search_as(q="kataster")["count"] == 0
        assert [d["name"] for d in search_as(q="verzeichnis")["results"]] == ["ds-a"]

    def test_a_part_found_in_very_many_words_is_matched_on_the_text(self, monkeypatch):
        from ckanext.jena.search import sql
        monkeypatch.setattr(sql, "MAX_SUBSTRING_WORDS", 1)
        factories.Dataset(name="eins", title="Baumkataster")
        factories.Dataset(name="zwei", title="Straßenkataster")
        found = search_as(q="kataster")
        assert sorted(d["name"] for d in found["results"]) == ["eins", "zwei"]


def test_on_very_many_hits_titles_that_hold_the_words_are_ranked_first(monkeypatch):
    monkeypatch.setattr(backend, "RANK_LIMIT", 2)
    for number in range(4):
        factories.Dataset(name=f"nebenbei-{number}", title=f"Haushalt {number}",
                          notes="Auch Angaben zu Parkhäusern.")
    factories.Dataset(name="parkhaeuser", title="Parkhäuser Jena", notes="Belegung")
    result = search_as(q="Parkhäuser", rows=3)
    assert result["count"] == 5
    assert result["results"][0]["name"] == "parkhaeuser"
    # paging beyond the ranked hits still reaches every hit once
    seen = [d["name"] for start in (0, 3) for d in search_as(q="Parkhäuser", rows=3, start=start)["results"]]
    assert sorted(seen) == sorted(["parkhaeuser"] + [f"nebenbei-{n}" for n in range(4)])
