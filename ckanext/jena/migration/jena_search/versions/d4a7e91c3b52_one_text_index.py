"""Free text answered inside one index (issue 21): index schema 11.

A search of several words ("Bäume Jena") matched each word on its own: the stem in the text
vector's GIN index, or a word part ("kataster" in "Baumkataster") in the GIN index of the
document's words. PostgreSQL cannot intersect an OR of two indexes with the next word's OR,
so it took the first word's rows and tested every further word on each row, reading each
row's text vector from TOAST: at 100,000 datasets 105,000 buffer reads for 25,500 rows.

``match_vector`` holds both in one tsvector, without positions: the stems of the text
(``strip(search_vector)``, and the lexemes of each whitespace-separated run of the folded text
parsed on its own), and every such run (``words``) as a lexeme behind the marker chr(1), which
no stem of a search word can start with. A search is then one tsquery, ``('baum':* |
<chr(1)>baume) & ('jena':* | <chr(1)>wenigenjena | ...)``, which one GIN scan answers from its
posting lists alone; no row is read to test a word. A run whose own lexemes the stem query
matches ("jena-nord" for "Jena") is left out of the query: the stem finds it. The words' own
GIN index is no longer read and is dropped. Relevance still reads ``search_vector``.

The migration holds the table locked while it fills the column and builds the index (1 min
27 s at 100,000 datasets on the benchmark machine): searches wait for it.

Runs longer than 2,000 bytes (a lexeme may hold at most 2,047) are left out; the query
matches a word part found only in such runs on the text itself (sql.py).

Revision ID: d4a7e91c3b52
Revises: b3f1c6d8e2a4
Create Date: 2026-12-06
"""
from alembic import op

revision = "d4a7e91c3b52"
down_revision = "b3f1c6d8e2a4"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE OR REPLACE FUNCTION jena_match_vector(vector tsvector, words text[]) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
  stems tsvector := strip(vector);
  kept text[] := ARRAY(SELECT w FROM unnest(words) AS w WHERE w <> '' AND octet_length(w) <= 2000);
BEGIN
  -- A tsvector holds at most 1 MB of lexemes. A text with more distinct runs than fit beside
  -- its stems (hundreds of kilobytes of distinct words) is found by its stems only; chr(2)
  -- marks it (docs/search.md).
  IF pg_column_size(stems) + 2 * octet_length(array_to_string(words, ' ')) + 16 * cardinality(words)
     > 900000 THEN
    RETURN stems || array_to_tsvector(ARRAY[chr(2)]);
  END IF;
  -- each run parsed on its own (a JSON array's strings are): the lexemes a query may leave
  -- out runs for are those of the runs, which the whole text's parse can lack (an HTML tag
  -- spanning several runs is one token there)
  RETURN stems || strip(to_tsvector('jena_german', to_jsonb(words)))
    || array_to_tsvector(ARRAY(SELECT chr(1) || w FROM unnest(kept) AS w));
END
$$;

ALTER TABLE jena_search_document ADD COLUMN IF NOT EXISTS match_vector tsvector;
UPDATE jena_search_document SET match_vector = jena_match_vector(search_vector, words);
ALTER TABLE jena_search_document ALTER COLUMN match_vector SET NOT NULL;
CREATE INDEX IF NOT EXISTS jena_search_document_match_idx
  ON jena_search_document USING gin (match_vector);
DROP INDEX IF EXISTS jena_search_document_words_idx;
-- the rows changed above were listed as one marker (more than 2,000): stored counts are
-- counted anew; the change log is emptied with them, as the rows' old versions lack the column
TRUNCATE jena_search_change, jena_search_count_cache;
DELETE FROM jena_search_meta WHERE key = 'pruned_before';

UPDATE jena_search_meta SET value = '11' WHERE key = 'schema_version';
"""

DOWNGRADE = r"""
CREATE INDEX IF NOT EXISTS jena_search_document_words_idx
  ON jena_search_document USING gin (words);
DROP INDEX IF EXISTS jena_search_document_match_idx;
ALTER TABLE jena_search_document DROP COLUMN IF EXISTS match_vector;
DROP FUNCTION IF EXISTS jena_match_vector(tsvector, text[]);
TRUNCATE jena_search_change, jena_search_count_cache;
DELETE FROM jena_search_meta WHERE key = 'pruned_before';
UPDATE jena_search_meta SET value = '10' WHERE key = 'schema_version';
"""


def upgrade():
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade():
    op.get_bind().exec_driver_sql(DOWNGRADE)
