"""Free text answered from one index (index schema 11, issue 21).

Each searched word matches its stem (or a prefix of it) or a word part of a compound; the
words of a search are one tsquery over ``match_vector``, which one GIN scan answers. These
tests check that the answers are exactly those of the rule, also for hostile text, and that a
search of several words is one index condition."""
import itertools
import re

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.jena.search import db

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


def search(**params):
    return helpers.call_action("package_search", context={"user": "", "ignore_auth": False}, **params)


def names(result):
    return sorted(d["name"] for d in result["results"])


def recorded_hits_statement(**params):
    db.statement_recorder = []
    try:
        search(**params)
        statements = db.statement_recorder
    finally:
        db.statement_recorder = None
    found = [sql for sql, _params in statements if "WITH hits AS" in sql]
    assert found, "no free-text statement was run"
    return found[0]


def where_of(sql):
    return sql.split("WHERE", 1)[1].split("SELECT (SELECT count(*)", 1)[0]


def test_the_words_of_a_search_are_one_index_condition():
    factories.Dataset(name="baeume", title="Straßenbäume in Jena")
    for params in ({"q": "Bäume Jena"}, {"q": "Bäume AND Jena"}, {"q": "text:Bäume AND text:Jena"}):
        sql = recorded_hits_statement(**params)
        where = sql.split("WHERE", 1)[1].split("SELECT (SELECT count(*)", 1)[0]
        assert where.count("d.match_vector @@") == 1, (params, where)
        assert "search_vector @@" not in where, params  # the stems are in match_vector too
        assert "d.words" not in where
        assert names(search(**params)) == ["baeume"], params


def test_three_words_of_which_two_must_match_are_one_index_condition(monkeypatch):
    factories.Dataset(name="zwei-von-drei", title="Feinstaub Lobeda")
    factories.Dataset(name="eins-von-drei", title="Feinstaub")
    factories.Dataset(name="andere-zwei", title="Haushalt Lobeda")
    # CKAN asks for 2 of 3 words (mm "2<-1 5<80%"): (a & b) | (a & c) | (b & c)
    assert names(search(q="Feinstaub Lobeda Haushalt")) == ["andere-zwei", "zwei-von-drei"]
    where = where_of(recorded_hits_statement(q="Feinstaub Lobeda Haushalt"))
    assert where.count("d.match_vector @@") == 1 and ">=" not in where, where
    # beyond MAX_MM_COMBINATIONS the matches are counted per row, narrowed by "any of them"
    from ckanext.jena.search import sql
    monkeypatch.setattr(sql, "MAX_MM_COMBINATIONS", 2)
    assert names(search(q="Feinstaub Lobeda Haushalt")) == ["andere-zwei", "zwei-von-drei"]
    where = where_of(recorded_hits_statement(q="Feinstaub Lobeda Haushalt"))
    assert where.count("d.match_vector @@") == 4 and ">= 2" in where, where


@pytest.mark.parametrize("run, part", [
    ("o'reilly-baumkataster", "reilly"),
    ("c:\\pfad\\baumliste.csv", "baumliste"),
    ("x:*|&!baumgruppe", "baumgruppe"),
    ("(baumreihe)", "baumreihe"),
    ("'';--baumfest", "baumfest"),
    ("\\'\\\\baumschnitt''", "baumschnitt"),
    ("a<->b<2>baumpflege", "baumpflege"),
    # PostgreSQL's parser reads a whole HTML tag as one token and drops it; each run alone is words
    ('<a title="baumkataster der stadt">Karte</a>', "Baumkataster"),
    ('<a title="baumkataster der stadt">Karte</a>', "kataster"),
])
def test_word_parts_inside_runs_with_tsquery_syntax_are_found_and_nothing_else(run, part):
    factories.Dataset(name="mit", title="Liste", notes=f"Siehe {run} für Details.")
    factories.Dataset(name="ohne", title="Liste", notes="Siehe anderswo für Details.")
    assert names(search(q=part)) == ["mit"]
    assert names(search(q=f"Liste {part}")) == ["mit"]
    assert names(search(q=f"text:{part} OR text:anderswo")) == ["mit", "ohne"]
    assert names(search(q=f"Liste -{part}")) == ["ohne"]


def test_a_word_part_only_in_a_run_too_long_for_the_index_is_matched_on_the_text():
    # a run of over 2,000 bytes is no lexeme of match_vector (PostgreSQL's limit is 2,047)
    long_run = "x" * 2100 + "sonderkataster"
    factories.Dataset(name="lang", title="Daten", notes=f"Anhang {long_run} Ende")
    factories.Dataset(name="kurz", title="Daten", notes="Anhang Ende")
    assert names(search(q="sonderkataster")) == ["lang"]
    assert names(search(q="Daten sonderkataster")) == ["lang"]
    assert names(search(q="Anhang")) == ["kurz", "lang"]


TEXTS = {
    "baumkataster": "Baumkataster der Stadt Jena",
    "strassenbaeume": "Straßenbäume in Jena-Nord, Standorte",
    "wenigenjena": "Spielplätze in Wenigenjena",
    "feinstaub": "Feinstaub und Luftqualität Lobeda",
    "haushalt": "Haushaltsplan 2025 der Stadt",
    "parkhaus": "Parkhäuser: Belegung (live)",
    "radverkehr": "Radverkehrszählstellen Jena-Süd",
    "schulen": "Schulen und Kindergärten",
}
WORDS = ["Baum", "Bäume", "kataster", "Jena", "Stadt", "Lobeda", "Parkhaus", "zähl", "Schule",
         "Kindergarten", "2025", "Nord", "luft", "Spielplatz", "live"]


def expected(conn, query_words: list, needed: int) -> list:
    """The rule, evaluated row by row without match_vector or an index: a word matches a
    dataset when its stem (a prefix of it where the stem has 4 letters or more) is a lexeme
    of the text, or when, having 4 characters or more, it is part of one of the text's runs
    between white space."""
    rows = conn.execute(sa.text(
        "SELECT name, search_vector, jena_words(search_text) FROM jena_search_document")).fetchall()
    result = []
    for name, vector, runs in rows:
        lexemes = set(re.findall(r"'((?:[^']|'')*)'", vector))
        matched = 0
        for word in query_words:
            stem = conn.execute(sa.text("SELECT (ts_lexize('jena_german_stem', jena_fold(:w)))[1]"),
                                {"w": word}).scalar()
            folded = conn.execute(sa.text("SELECT jena_fold(:w)"), {"w": word}).scalar()
            by_stem = any(lex == stem or (len(stem) >= 4 and lex.startswith(stem)) for lex in lexemes)
            by_part = len(word) >= 4 and any(folded in run for run in runs)
            matched += by_stem or by_part
        if matched >= needed:
            result.append(name)
    return sorted(result)


def test_answers_are_exactly_the_rule_for_one_two_and_three_words():
    for name, title in TEXTS.items():
        factories.Dataset(name=name, title=title)
    conn = model.Session.connection()
    checked = 0
    for size in (1, 2, 3):
        for combination in itertools.islice(itertools.combinations(WORDS, size), 0, None, 3 if size > 1 else 1):
            words = list(combination)
            needed = len(words) if size < 3 else 2  # CKAN's mm "2<-1 5<80%"
            want = expected(conn, words, needed)
            assert names(search(q=" ".join(words), rows=100)) == want, words
            assert names(search(q=" OR ".join(f"text:{w}" for w in words), rows=100)) == expected(conn, words, 1), words
            checked += 1
    assert checked > 100


def test_match_vector_holds_the_lexemes_of_every_run_of_the_text():
    """What lets a query leave out the runs its stem finds anyway (sql._runs_beyond_stem)."""
    texts = ["Siehe https://www.jena.de/daten/a-b_c.csv?x=1&y=2 und info@jena.de",
             "Jena-Nord/Süd, 3,5 km² um 10:30-12:00 Uhr; Version 2.5.1 (Entwurf)",
             "C:\\Daten\\Bäume.xlsx — „Straßenbäume“ am Löbdergraben 1a/1b",
             "<b>HTML</b> &amp; Markdown **fett** _kursiv_ `code` #Hashtag @jena",
             "Wörter mit-vielen-Bindestrichen und.punkten und ZAHLEN123abc 0049-3641-49-0",
             '<a title="baumkataster der stadt" href="x">Karte</a> <!-- kommentar baumliste -->']
    for number, text in enumerate(texts):
        factories.Dataset(name=f"text-{number}", title=text[:90], notes=text)
    missing = model.Session.execute(sa.text("""
        SELECT d.name, w FROM jena_search_document d CROSS JOIN LATERAL unnest(d.words) AS w
        WHERE NOT tsvector_to_array(to_tsvector('jena_german', w)) <@ tsvector_to_array(d.match_vector)
    """)).fetchall()
    assert missing == []
    assert model.Session.execute(sa.text("SELECT count(*) FROM jena_search_document")).scalar() == len(texts)


def test_a_text_too_large_for_one_tsvector_is_indexed_and_found_by_its_stems():
    """A tsvector holds at most 1 MB: a text with more distinct runs than fit keeps its stems
    only (marked chr(2)) instead of failing the index write (and the migration)."""
    conn = model.Session.connection()
    big = " ".join(f"{'ä' * 40}{n:06d}x" for n in range(12000)) + " Baumkataster"
    vector = conn.execute(sa.text(
        "SELECT jena_match_vector(to_tsvector('jena_german', jena_fold(:t)), jena_words(jena_fold(:t)))"),
        {"t": big}).scalar()
    lexemes = conn.execute(sa.text("SELECT tsvector_to_array(CAST(:v AS tsvector))"), {"v": vector}).scalar()
    assert "\x02" in lexemes and "baumkatast" in lexemes
    assert not any(lexeme.startswith("\x01") for lexeme in lexemes)
    small = conn.execute(sa.text(
        "SELECT tsvector_to_array(jena_match_vector(to_tsvector('jena_german', 'Baumkataster Jena'), "
        "jena_words('baumkataster jena')))")).scalar()
    assert "\x01baumkataster" in small and "\x02" not in small


def test_words_beyond_the_size_of_one_tsquery_are_separate_index_conditions(monkeypatch):
    from ckanext.jena.search import sql
    factories.Dataset(name="baeume", title="Straßenbäume in Wenigenjena")
    factories.Dataset(name="andere", title="Straßen in Jena")
    expected_names = names(search(q="Bäume Jena"))
    assert expected_names == ["baeume"]
    monkeypatch.setattr(sql, "MAX_MERGED_QUERY_BYTES", 1)
    where = where_of(recorded_hits_statement(q="Bäume Jena"))
    assert where.count("d.match_vector @@") == 2, where
    assert names(search(q="Bäume Jena")) == expected_names
    # a word whose own tsquery would be too large is matched on the text
    monkeypatch.setattr(sql, "MAX_WORD_QUERY_BYTES", 1)
    where = where_of(recorded_hits_statement(q="Bäume Jena"))
    assert "d.search_text LIKE" in where
    assert names(search(q="Bäume Jena")) == expected_names
    # two of three words, counted per row beyond the budget
    assert names(search(q="Straßen Bäume Jena")) == ["andere", "baeume"]


@pytest.mark.parametrize("q, indexed", [
    ("Bäume", True), ("Bäume Jena", True), ("Bäume -Jena", True), ("-Jena", False),
    ('"Bäume Jena"', False), ("title:Bäume", False), ("jena.de", False),
])
def test_only_searches_the_index_answers_read_their_hits_without_a_sequential_scan(q, indexed):
    from ckanext.jena.search import backend
    conn = model.Session.connection()
    result = backend.PostgresSearchConnection().compile_where(conn, q, [], def_type="dismax" if ":" not in q else None,
                                                               mm="2<-1 5<80%")
    assert result[4] is indexed, result[0]
