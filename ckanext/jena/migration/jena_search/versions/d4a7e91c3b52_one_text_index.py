"""Free text answered inside one index (issue 21): index schema 11.

A search of several words ("Bäume Jena") matched each word on its own: the stem in the text
vector's GIN index, or a word part ("kataster" in "Baumkataster") in the GIN index of the
document's words. PostgreSQL cannot intersect an OR of two indexes with the next word's OR,
so it took the first word's rows and tested every further word on each row, reading each
row's text vector from TOAST: at 100,000 datasets 105,000 buffer reads for 25,500 rows.

``match_vector`` holds both in one tsvector, without positions: the stems of the text
(``strip(search_vector)``, and the lexemes of the folded text ``search_text`` itself, so that
it holds the lexemes of each of its runs), and every whitespace-separated run of the folded
text (``words``) as a lexeme behind the marker chr(1), which no stem of a search word can
start with. A search is then one tsquery, ``('baum':* | <chr(1)>baume) & ('jena':* |
<chr(1)>wenigenjena | ...)``, which one GIN scan answers from its posting lists alone; no row
is read to test a word. A run whose own lexemes the stem query matches ("jena-nord" for
"Jena") is left out of the query: the stem finds it. The words' own GIN index is no longer
read and is dropped. Relevance still reads ``search_vector``.

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
CREATE OR REPLACE FUNCTION jena_match_vector(vector tsvector, folded text, words text[])
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT strip(vector) || strip(to_tsvector('jena_german', folded)) || array_to_tsvector(COALESCE(ARRAY(
    SELECT chr(1) || w FROM unnest(words) AS w WHERE w <> '' AND octet_length(w) <= 2000), '{}'))
$$;

ALTER TABLE jena_search_document ADD COLUMN IF NOT EXISTS match_vector tsvector;
UPDATE jena_search_document SET match_vector = jena_match_vector(search_vector, search_text, words);
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
DROP FUNCTION IF EXISTS jena_match_vector(tsvector, text, text[]);
TRUNCATE jena_search_change, jena_search_count_cache;
DELETE FROM jena_search_meta WHERE key = 'pruned_before';
UPDATE jena_search_meta SET value = '10' WHERE key = 'schema_version';
"""


def upgrade():
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade():
    op.get_bind().exec_driver_sql(DOWNGRADE)
