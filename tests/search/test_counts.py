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


FULL_COUNT = "WITH hits AS MATERIALIZED (SELECT d.facet_hashes FROM jena_search_document d WHERE"


def recorded(call):
    """The result of ``call()`` and whether the search counted every hit anew."""
    db.statement_recorder = []
    try:
        result = call()
        statements = [sql for sql, _params in db.statement_recorder]
    finally:
        db.statement_recorder = None
    return result, any(FULL_COUNT in sql for sql in statements)


def test_after_a_write_only_the_changed_rows_are_counted(org):
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}])
    assert search_as()["count"] == 1
    created = factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}, {"name": "Strom"}])
    after, counted_anew = recorded(search_as)
    assert not counted_anew
    assert after["count"] == 2
    assert facet(after, "tags") == {"Wasser": 2, "Strom": 1}
    helpers.call_action("package_delete", id=created["id"])
    after, counted_anew = recorded(search_as)
    assert not counted_anew
    assert (after["count"], facet(after, "tags")) == (1, {"Wasser": 1})


def test_counts_brought_up_to_date_equal_counts_made_anew_after_any_sequence_of_writes(org):
    """Random writes (seeded), after each the kept counts brought up to date against counts
    made anew (a filter that excludes nothing and is new each time has no kept counts)."""
    import random
    rng = random.Random(20261206)
    other = factories.Organization(name="kommunalservice")
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="editor")
    tags, formats = ["Wasser", "Strom", "Verkehr", "Bildung"], ["CSV", "JSON", "PDF"]
    alive: list = []
    visitors = [None, member]
    for visitor in visitors:  # kept counts for both, before the writes
        search_as(visitor, include_private=True)
    for step in range(14):
        kind = rng.choice(["create", "create", "tags", "private", "format", "delete"]) if alive else "create"
        if kind == "create":
            alive.append(factories.Dataset(
                owner_org=rng.choice([org, other])["id"], private=rng.random() < 0.3,
                tags=[{"name": t} for t in rng.sample(tags, rng.randint(0, 2))],
                resources=[{"url": "https://example.org/x", "format": rng.choice(formats)}])["id"])
        elif kind == "tags":
            helpers.call_action("package_patch", id=rng.choice(alive),
                                tags=[{"name": t} for t in rng.sample(tags, rng.randint(0, 3))])
        elif kind == "private":
            dataset = helpers.call_action("package_show", id=rng.choice(alive))
            helpers.call_action("package_patch", id=dataset["id"], private=not dataset["private"])
        elif kind == "format":
            helpers.call_action("package_patch", id=rng.choice(alive),
                                resources=[{"url": "https://example.org/y", "format": rng.choice(formats)}])
        else:
            helpers.call_action("package_delete", id=alive.pop(rng.randrange(len(alive))))
        for visitor in visitors:
            kept, counted_anew = recorded(lambda: search_as(visitor, include_private=True))
            assert not counted_anew, (step, kind)
            anew = search_as(visitor, include_private=True, fq=f'-name:"keiner-{step}"')
            assert kept["count"] == anew["count"], (step, kind)
            for field in ("tags", "res_format", "organization"):
                assert facet(kept, field) == facet(anew, field), (step, kind, field)


def test_a_change_committed_after_the_counts_were_kept_but_begun_before_is_seen(org):
    factories.Dataset(name="wasser", owner_org=org["id"], tags=[{"name": "Wasser"}])
    factories.Dataset(name="strom", owner_org=org["id"], tags=[{"name": "Strom"}])
    model.Session.commit()
    with model.meta.engine.connect() as writer:
        transaction = writer.begin()
        writer.exec_driver_sql("UPDATE jena_search_document SET state = 'deleted' WHERE name = 'strom'")
        # counted and kept while the change is under way: the kept snapshot does not see it
        assert search_as()["count"] == 2
        transaction.commit()
    after = search_as()
    assert after["count"] == 1
    assert facet(after, "tags") == {"Wasser": 1}


def test_a_change_the_kept_counts_already_saw_is_not_counted_twice(org):
    factories.Dataset(name="wasser", owner_org=org["id"], tags=[{"name": "Wasser"}])
    model.Session.commit()
    with model.meta.engine.connect() as elsewhere:
        # an older transaction still running keeps every later snapshot's horizon low: the
        # kept snapshot then lists the next write among those at or above its horizon, and only
        # its visibility says it was seen
        transaction = elsewhere.begin()
        elsewhere.exec_driver_sql("SELECT pg_current_xact_id()")
        assert search_as()["count"] == 1
        factories.Dataset(name="strom", owner_org=org["id"], tags=[{"name": "Strom"}])
        model.Session.commit()
        assert search_as()["count"] == 2  # kept with a snapshot that sees "strom"
        again, counted_anew = recorded(search_as)
        transaction.rollback()
    assert not counted_anew
    assert again["count"] == 2
    assert facet(again, "tags") == {"Wasser": 1, "Strom": 1}


def test_counts_are_made_anew_when_more_rows_changed_than_is_worth_counting(org, monkeypatch):
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}])
    assert search_as()["count"] == 1
    monkeypatch.setattr(backend, "MAX_DELTA_ROWS", 1)
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}])
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Strom"}])
    after, counted_anew = recorded(search_as)
    assert counted_anew
    assert (after["count"], facet(after, "tags")) == (3, {"Wasser": 2, "Strom": 1})


def test_a_transaction_that_changes_very_many_rows_has_its_counts_made_anew(org):
    for name in ("eins", "zwei", "drei"):
        factories.Dataset(name=name, owner_org=org["id"], tags=[{"name": "Wasser"}])
    assert search_as()["count"] == 3
    model.Session.commit()
    engine = model.meta.engine
    with engine.begin() as own:
        own.exec_driver_sql("CREATE OR REPLACE FUNCTION jena_search_change_rows_max() RETURNS integer "
                            "LANGUAGE sql IMMUTABLE AS $$ SELECT 1 $$")
    try:
        with engine.begin() as writer:
            # the first row is listed, the next would pass the limit: one marker, then nothing
            for name in ("eins", "zwei", "drei"):
                writer.exec_driver_sql(
                    f"UPDATE jena_search_document SET state = 'deleted' WHERE name = '{name}'")
            listed = writer.exec_driver_sql(
                "SELECT array_agg(COALESCE(index_id, 'marker') ORDER BY seq) FROM jena_search_change "
                "WHERE xact = pg_current_xact_id()").scalar()
        assert len(listed) == 2 and listed[1] == "marker"
    finally:
        with engine.begin() as own:
            own.exec_driver_sql("CREATE OR REPLACE FUNCTION jena_search_change_rows_max() RETURNS integer "
                                "LANGUAGE sql IMMUTABLE AS $$ SELECT 2000 $$")
    after, counted_anew = recorded(search_as)
    assert counted_anew
    assert (after["count"], facet(after, "tags")) == (0, {})


def test_the_recorded_cut_of_the_change_log_never_moves_back(org):
    """Two prunes at once: the one with the older horizon must not record it after the newer
    one has deleted the rows above it (review of 6 December)."""
    engine = model.meta.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
        ahead = own.exec_driver_sql("SELECT (pg_current_xact_id()::text::bigint + 1000)::text").scalar()
        own.exec_driver_sql("INSERT INTO jena_search_meta (key, value) VALUES ('pruned_before', %(h)s) "
                            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", {"h": ahead})
        backend._prune_changes(own)
        assert own.exec_driver_sql(
            "SELECT value FROM jena_search_meta WHERE key = 'pruned_before'").scalar() == ahead
        own.exec_driver_sql("DELETE FROM jena_search_meta WHERE key = 'pruned_before'")


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


def facet_counted(statements) -> bool:
    """Whether a free-text search counted its hits' facet values itself."""
    return any("unnest(hits.facet_hashes)" in sql for sql in statements)


def test_free_text_counts_are_kept_and_brought_up_to_date_after_any_sequence_of_writes(org):
    """The same for searches with words: the first search of these words counts its hits'
    facets and keeps them, later ones bring them up to date with the changed rows (seeded
    random writes, after each compared with counts made anew by a filter new each time)."""
    import random
    rng = random.Random(20261207)
    other = factories.Organization(name="kommunalservice")
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="editor")
    words, tags, formats = ["Wasser", "Strom", "Baumkataster", "Straßenbäume"], ["Umwelt", "Energie"], ["CSV", "PDF"]
    queries = ["Wasser", "kataster", "Bäume Wasser", "Strom OR Wasser"]
    alive: list = []
    visitors = [None, member]

    def text():
        return " ".join(rng.sample(words, rng.randint(1, 3)))

    # every word in the vocabulary before the first search (a new run holding a searched word
    # part is a new query, counted anew: right, but not what this test looks at)
    factories.Dataset(owner_org=org["id"], notes=" ".join(words))

    for step in range(12):
        kind = rng.choice(["create", "create", "notes", "private", "tags", "delete"]) if alive else "create"
        if kind == "create":
            alive.append(factories.Dataset(
                owner_org=rng.choice([org, other])["id"], private=rng.random() < 0.3, notes=text(),
                tags=[{"name": t} for t in rng.sample(tags, rng.randint(0, 2))],
                resources=[{"url": "https://example.org/x", "format": rng.choice(formats)}])["id"])
        elif kind == "notes":
            helpers.call_action("package_patch", id=rng.choice(alive), notes=text())
        elif kind == "tags":
            helpers.call_action("package_patch", id=rng.choice(alive),
                                tags=[{"name": t} for t in rng.sample(tags, rng.randint(0, 2))])
        elif kind == "private":
            dataset = helpers.call_action("package_show", id=rng.choice(alive))
            helpers.call_action("package_patch", id=dataset["id"], private=not dataset["private"])
        else:
            helpers.call_action("package_delete", id=alive.pop(rng.randrange(len(alive))))
        for visitor in visitors:
            for q in queries:
                db.statement_recorder = []
                try:
                    kept = search_as(visitor, q=q, include_private=True)
                    statements = [sql for sql, _params in db.statement_recorder]
                finally:
                    db.statement_recorder = None
                if step > 0:  # every query was searched after the step before
                    assert not facet_counted(statements), (step, kind, q)
                anew = search_as(visitor, q=q, include_private=True, fq=f'-name:"keiner-{step}-{q}"')
                assert kept["count"] == anew["count"], (step, kind, q)
                assert [d["name"] for d in kept["results"]] == [d["name"] for d in anew["results"]]
                for field in ("tags", "res_format", "organization"):
                    assert facet(kept, field) == facet(anew, field), (step, kind, q, field)


def test_a_private_dataset_never_adds_to_the_kept_counts_of_free_text(org):
    factories.Dataset(name="offen", owner_org=org["id"], notes="Wasserqualität", tags=[{"name": "Wasser"}])
    assert search_as(q="Wasserqualität")["count"] == 1
    assert stored_counts() >= 1
    hidden = factories.Dataset(name="intern", owner_org=org["id"], private=True, notes="Wasserqualität",
                               tags=[{"name": "Intern"}])
    visitor, counted_anew = recorded(lambda: search_as(q="Wasserqualität"))
    assert visitor["count"] == 1 and facet(visitor, "tags") == {"Wasser": 1}
    assert not facet_counted_in(lambda: search_as(q="Wasserqualität"))  # the kept counts were used
    helpers.call_action("package_patch", id=hidden["id"], private=False)
    after = search_as(q="Wasserqualität")
    assert after["count"] == 2 and facet(after, "tags") == {"Wasser": 1, "Intern": 1}
    helpers.call_action("package_patch", id=hidden["id"], private=True)
    again = search_as(q="Wasserqualität")
    assert again["count"] == 1 and facet(again, "tags") == {"Wasser": 1}


def test_an_index_write_rolled_back_to_a_savepoint_leaves_no_trace_in_the_counts(org):
    """A write undone by ROLLBACK TO SAVEPOINT (CKAN's nested transactions, a failed statement
    caught by the caller) takes its change-log rows and its share of the per-transaction row
    count with it; what the transaction commits after it is counted once."""
    for name in ("eins", "zwei", "drei"):
        factories.Dataset(name=name, owner_org=org["id"], tags=[{"name": "Wasser"}])
    model.Session.commit()
    assert search_as()["count"] == 3  # counts kept
    with model.meta.engine.connect() as writer:
        transaction = writer.begin()
        writer.exec_driver_sql("UPDATE jena_search_document SET capacity = 'public' WHERE name = 'drei'")
        before = writer.exec_driver_sql("SELECT current_setting('jena.search_changed_rows', true)").scalar()
        writer.exec_driver_sql("SAVEPOINT undone")
        writer.exec_driver_sql("UPDATE jena_search_document SET state = 'deleted' WHERE name IN ('eins', 'zwei')")
        inside = writer.exec_driver_sql("SELECT current_setting('jena.search_changed_rows', true)").scalar()
        writer.exec_driver_sql("ROLLBACK TO SAVEPOINT undone")
        after = writer.exec_driver_sql("SELECT current_setting('jena.search_changed_rows', true)").scalar()
        writer.exec_driver_sql("UPDATE jena_search_document SET state = 'deleted' WHERE name = 'zwei'")
        transaction.commit()
    assert (before, inside, after) == ("1", "3", "1")
    kept, counted_anew = recorded(search_as)
    anew = search_as(fq='-name:"keiner"')
    assert not counted_anew
    assert kept["count"] == anew["count"] == 2
    assert facet(kept, "tags") == facet(anew, "tags") == {"Wasser": 2}


def facet_counted_in(call) -> bool:
    db.statement_recorder = []
    try:
        call()
        statements = [sql for sql, _params in db.statement_recorder]
    finally:
        db.statement_recorder = None
    return facet_counted(statements)


def test_kept_free_text_counts_that_disagree_with_the_page_are_counted_again(org, monkeypatch):
    """A write between the statement that reads the kept counts and the one that finds the
    page: the page's own count differs, and its facets are counted with it."""
    factories.Dataset(name="eins", owner_org=org["id"], notes="Wasserqualität", tags=[{"name": "Wasser"}])
    factories.Dataset(name="zwei", owner_org=org["id"], notes="Wasserqualität", tags=[{"name": "Strom"}])
    monkeypatch.setattr(backend.PostgresSearchConnection, "kept_counts",
                        lambda self, conn, where, params, fast_fields: ("t:stale", (1, [["tags", "Wasser", 1]])))
    found = search_as(q="Wasserqualität")
    assert found["count"] == 2
    assert facet(found, "tags") == {"Wasser": 1, "Strom": 1}
