"""The vocabulary of words (jena_search_word) that word parts are looked up in: what indexing a
dataset adds to it, and that looking up which words are new stays cheap while a first harvest
fills a new portal.

The cheapness is checked on the query plan, not on a time: with the statistics of an empty
word table (a fresh portal; TRUNCATE resets them) the planner answered "word = x" from the
trigram index and read its pending list whole for every word, 36 to 78 ms per dataset in a fetch
consumer (make bench-harvest, 7 December). The test first shows that this state makes the
planner choose the trigram index for "=", so that it checks what it claims."""
import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories

from ckanext.jena.search import backend
from ckanext.jena.search.db import execute

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


def vocabulary(*words):
    found = model.Session.execute(sa.text("SELECT word FROM jena_search_word WHERE word = ANY(:w)"),
                                  {"w": list(words)}).fetchall()
    return sorted(word for word, in found)


def plan(statement, text):
    rows = execute(model.Session.connection(), "EXPLAIN " + statement, {"t": [text]}).fetchall()
    return "\n".join(row[0] for row in rows)


def test_indexing_a_dataset_adds_its_new_words_folded_and_once():
    factories.Dataset(name="baeume-lobeda", title="Straßenbäume in Lobeda",
                      notes="Baumkataster der Stadt; Baumkataster, Lobeda-West")
    assert vocabulary("strassenbaume", "lobeda", "baumkataster", "lobeda-west", "stadt;") == \
        ["baumkataster", "lobeda", "lobeda-west", "stadt;", "strassenbaume"]
    counted = model.Session.execute(sa.text("SELECT count(*) FROM jena_search_word WHERE word = 'baumkataster'")).scalar()
    assert counted == 1
    factories.Dataset(name="baeume-winzerla", title="Straßenbäume in Winzerla")
    assert vocabulary("strassenbaume", "winzerla") == ["strassenbaume", "winzerla"]


def test_the_new_words_are_exactly_those_the_vocabulary_lacks():
    # the vocabulary only grows (clean_index keeps it): start from these three words alone,
    # in a transaction rolled back at the end
    model.Session.execute(sa.text("TRUNCATE jena_search_word"))
    model.Session.execute(sa.text("INSERT INTO jena_search_word (word) VALUES ('jena'), ('lobeda'), ('e-mail')"))
    text = "Jena jena LOBEDA email e-mail e-mails Zwätzen jen jenaer"
    try:
        new = execute(model.Session.connection(), backend.NEW_WORDS, {"t": [text]}).scalar()
        assert new == ["e-mails", "email", "jen", "jenaer", "zwatzen"]
    finally:
        model.Session.rollback()


def test_looking_up_new_words_reads_the_primary_key_even_with_an_empty_tables_statistics():
    session = model.Session
    session.execute(sa.text("TRUNCATE jena_search_word"))
    session.execute(sa.text("INSERT INTO jena_search_word (word) SELECT 'wort' || g FROM generate_series(1, 3000) g"))
    assert session.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'jena_search_word'")).scalar() < 0
    text = "Baumkataster wort17 wort2999 Lobeda"
    try:
        # the state is the one that misled the planner: "=" is answered from the trigram index
        equality = """SELECT array_agg(w ORDER BY w) FROM (
            SELECT DISTINCT unnest(jena_words(jena_fold(t))) AS w FROM unnest(%(t)s::text[]) AS t) x
            WHERE NOT EXISTS (SELECT 1 FROM jena_search_word y WHERE y.word = x.w)"""
        assert "jena_search_word_trgm_idx" in plan(equality, text)
        chosen = plan(backend.NEW_WORDS, text)
        assert "jena_search_word_trgm_idx" not in chosen, chosen
        assert "jena_search_word_pkey" in chosen, chosen
        new = execute(session.connection(), backend.NEW_WORDS, {"t": [text]}).scalar()
        assert new == ["baumkataster", "lobeda"]
    finally:
        session.rollback()
