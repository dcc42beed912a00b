"""Search that scales with the answer, not the catalog (issue 21, part 1): index schema 8.

- ``words``: the distinct whitespace-separated runs of the folded text (``search_text``),
  with a GIN index, and ``jena_search_word``, every such run once (trigram-indexed). A word
  part of a compound ("kataster") is looked up in the small vocabulary first, and the
  documents holding one of the runs found are answered by the array index exactly, without
  reading each hit's text again.
- ``jena_search_change``: one row per statement that changes the index (a trigger), in the
  writer's transaction; ``jena_search_count_cache``: hit counts and facet counts of queries
  without free text, each stored with the snapshot it was counted in. A stored count is used
  only while no change visible to the reader is missing from that snapshot: exact, and
  invalidated by every write the moment it commits.
- an index for "newest first" (``metadata_modified DESC NULLS LAST, index_id``).

Existing rows get their words here, so no rebuild is needed.

Revision ID: 5c1d7e2a9b30
Revises: 9e29edef5595
Create Date: 2026-12-05
"""
from alembic import op

revision = "5c1d7e2a9b30"
down_revision = "9e29edef5595"
branch_labels = None
depends_on = None
VERSION = "8"

UPGRADE = r"""
-- the runs of a folded text between white space, each once (the text contains a word part
-- exactly when one of them does: a word part holds no white space)
CREATE OR REPLACE FUNCTION jena_words(folded text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT COALESCE(array_agg(DISTINCT w ORDER BY w), '{}')
  FROM regexp_split_to_table(folded, '\s+') AS w WHERE w <> ''
$$;

ALTER TABLE jena_search_document ADD COLUMN IF NOT EXISTS words text[] NOT NULL DEFAULT '{}';
-- With toast_tuple_target = 512, PostgreSQL moved even 30-byte titles and names out of line
-- once the wide columns were gone: every hit then cost a TOAST look-up for its title. The
-- short columns read for every hit stay in the row now (MAIN: out of line only beyond 8 kB);
-- the update below writes every row anew, so existing rows follow.
ALTER TABLE jena_search_document
  ALTER COLUMN index_id SET STORAGE MAIN, ALTER COLUMN id SET STORAGE MAIN,
  ALTER COLUMN site_id SET STORAGE MAIN, ALTER COLUMN state SET STORAGE MAIN,
  ALTER COLUMN capacity SET STORAGE MAIN, ALTER COLUMN dataset_type SET STORAGE MAIN,
  ALTER COLUMN owner_org SET STORAGE MAIN, ALTER COLUMN organization SET STORAGE MAIN,
  ALTER COLUMN name SET STORAGE MAIN, ALTER COLUMN title SET STORAGE MAIN,
  ALTER COLUMN title_string SET STORAGE MAIN;
UPDATE jena_search_document SET words = jena_words(search_text),
  id = id || '', site_id = site_id || '', state = state || '', capacity = capacity || '',
  dataset_type = dataset_type || '', owner_org = owner_org || '', organization = organization || '',
  name = name || '', title = title || '', title_string = title_string || '';
CREATE INDEX IF NOT EXISTS jena_search_document_words_idx
  ON jena_search_document USING gin (words);

CREATE TABLE IF NOT EXISTS jena_search_word (word text PRIMARY KEY);
INSERT INTO jena_search_word (word)
  SELECT DISTINCT unnest(words) FROM jena_search_document ON CONFLICT DO NOTHING;
CREATE INDEX IF NOT EXISTS jena_search_word_trgm_idx ON jena_search_word USING gin (word gin_trgm_ops);

CREATE INDEX IF NOT EXISTS jena_search_document_newest_idx
  ON jena_search_document (metadata_modified DESC NULLS LAST, index_id);

CREATE TABLE IF NOT EXISTS jena_search_change (
  xact xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX IF NOT EXISTS jena_search_change_xact_idx ON jena_search_change (xact);

CREATE OR REPLACE FUNCTION jena_search_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO jena_search_change DEFAULT VALUES;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS jena_search_document_changed ON jena_search_document;
CREATE TRIGGER jena_search_document_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON jena_search_document
  FOR EACH STATEMENT EXECUTE FUNCTION jena_search_changed();

CREATE TABLE IF NOT EXISTS jena_search_count_cache (
  key text PRIMARY KEY,                 -- sha256 of the compiled WHERE, its parameters, the facets
  snapshot pg_snapshot NOT NULL,        -- what the counts saw
  total integer NOT NULL,
  counts jsonb NOT NULL,                -- [[field, value, count], ...]
  stored_at timestamptz NOT NULL DEFAULT now()
);

UPDATE jena_search_meta SET value = '8' WHERE key = 'schema_version';
"""


def upgrade():
    op.get_bind().exec_driver_sql(UPGRADE)


def downgrade():
    op.get_bind().exec_driver_sql("""
        DROP TRIGGER IF EXISTS jena_search_document_changed ON jena_search_document;
        DROP FUNCTION IF EXISTS jena_search_changed();
        DROP TABLE IF EXISTS jena_search_count_cache, jena_search_change, jena_search_word;
        DROP INDEX IF EXISTS jena_search_document_newest_idx;
        ALTER TABLE IF EXISTS jena_search_document DROP COLUMN IF EXISTS words;
        UPDATE jena_search_meta SET value = '7' WHERE key = 'schema_version';
    """)
