"""The PostgreSQL search index of jena_search: one row per indexed dataset, holding the
document CKAN built for Solr (ckan/lib/search/index.py) plus the columns queries need; the SQL
functions and the German text search configuration its queries use.

Index schema version 7, as ckanext/jena/search/schema.sql made it at start-up before migrations
(IF NOT EXISTS, so a portal with that index upgrades without a change). An index of an older
version is dropped and made anew, empty, as the start-up code did: run `ckan search-index
rebuild` after the upgrade (the log says so).

A later change of the index tables is a new revision here that also sets the version in
jena_search_meta to backend.SCHEMA_VERSION (the backend refuses an index of another version).

Revision ID: 9e29edef5595
Revises:
Create Date: 2026-12-05
"""
import logging

from alembic import op

revision = "9e29edef5595"
down_revision = None
branch_labels = None
depends_on = None
VERSION = "7"
# a fixed name: Alembic loads this file under a module name of its own choosing
log = logging.getLogger("ckanext.jena.migration.jena_search")

SCHEMA = r"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Lower-case and fold German umlauts, sharp s and common accents, so that "Bäume" and
-- "Baume", "Straße" and "Strasse" meet. Used at index and query
-- time alike; German stemming (snowball) runs after it.
CREATE OR REPLACE FUNCTION jena_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT replace(translate(lower(value),
    'äöüàáâãåèéêëìíîïòóôõùúûñçÿ',
    'aouaaaaaeeeeiiiioooouuuncy'), 'ß', 'ss')
$$;

-- German snowball stemming without a stop-word list: like CKAN's Solr `text` field, which
-- has no stop filter, every word of a query counts ("war", "will", "in" included).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'jena_german_stem') THEN
    CREATE TEXT SEARCH DICTIONARY jena_german_stem (TEMPLATE = snowball, Language = german);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'jena_german') THEN
    CREATE TEXT SEARCH CONFIGURATION jena_german (COPY = german);
    ALTER TEXT SEARCH CONFIGURATION jena_german
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
      WITH jena_german_stem;
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION jena_try_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE STRICT AS $$
BEGIN
  RETURN value::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION jena_try_numeric(value text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
BEGIN
  RETURN value::numeric;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;

-- All values of one field of a document as text rows, whether the field is a list or a scalar.
CREATE OR REPLACE FUNCTION jena_values(doc jsonb, field text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT v FROM jsonb_array_elements_text(
    CASE jsonb_typeof(doc -> field)
      WHEN 'array' THEN doc -> field
      WHEN 'null' THEN '[]'::jsonb
      ELSE COALESCE(jsonb_build_array(doc -> field), '[]'::jsonb) END) AS v
  WHERE doc ? field
$$;

CREATE TABLE IF NOT EXISTS jena_search_document (
  index_id text PRIMARY KEY,            -- md5(id || site_id), as CKAN computes it
  id text NOT NULL,
  site_id text NOT NULL,
  -- fields every CKAN query filters on, as plain columns (cheap to test on every row)
  state text,
  capacity text,
  dataset_type text,
  owner_org text,
  organization text,
  name text,
  title text,
  permission_labels text[] NOT NULL DEFAULT '{}',
  metadata_created timestamptz,
  metadata_modified timestamptz,
  title_string text,
  bbox box,                             -- extent (lon/lat) from the `spatial` extra
  facet_hashes int8[] NOT NULL,         -- hashes of 'field<US>value' of faceted fields
  -- wide columns, kept out of line (see toast_tuple_target below)
  terms text[] NOT NULL,                -- 'field<US>value' for every exact-match value
  search_vector tsvector NOT NULL,      -- weighted German full text (Solr's `text` field)
  search_text text NOT NULL,            -- folded words, for word parts of compounds
  doc jsonb NOT NULL,                   -- the index document without the two dict blobs
  data_dict text,
  validated_data_dict text,
  indexed_at timestamptz NOT NULL DEFAULT now(),
  indexed_xact xid8 NOT NULL DEFAULT pg_current_xact_id()  -- the (top-level) transaction
) WITH (toast_tuple_target = 512);      -- a narrow heap: scans over all rows stay fast
-- the columns read for every hit stay inline and uncompressed
ALTER TABLE jena_search_document ALTER COLUMN facet_hashes SET STORAGE PLAIN;
ALTER TABLE jena_search_document ALTER COLUMN permission_labels SET STORAGE PLAIN;

-- facet hash -> field and value (entries are never deleted; unused ones are harmless)
CREATE TABLE IF NOT EXISTS jena_search_term (
  hash int8 PRIMARY KEY,
  field text NOT NULL,
  value text NOT NULL
);

CREATE TABLE IF NOT EXISTS jena_search_meta (
  key text PRIMARY KEY,
  value text NOT NULL
);

CREATE INDEX IF NOT EXISTS jena_search_document_id_idx ON jena_search_document (id);
CREATE INDEX IF NOT EXISTS jena_search_document_org_idx ON jena_search_document (owner_org);
CREATE INDEX IF NOT EXISTS jena_search_document_name_idx ON jena_search_document (name);
-- substring search on names and titles (package_autocomplete)
CREATE INDEX IF NOT EXISTS jena_search_document_name_trgm_idx
  ON jena_search_document USING gin (jena_fold(name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS jena_search_document_title_trgm_idx
  ON jena_search_document USING gin (jena_fold(title) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS jena_search_document_terms_idx
  ON jena_search_document USING gin (terms);
CREATE INDEX IF NOT EXISTS jena_search_document_vector_idx
  ON jena_search_document USING gin (search_vector);
CREATE INDEX IF NOT EXISTS jena_search_document_text_trgm_idx
  ON jena_search_document USING gin (search_text gin_trgm_ops);
CREATE INDEX IF NOT EXISTS jena_search_document_bbox_idx
  ON jena_search_document USING gist (bbox);
CREATE INDEX IF NOT EXISTS jena_search_document_modified_idx
  ON jena_search_document (metadata_modified);
"""


def _version(bind):
    document, meta = bind.exec_driver_sql(
        "SELECT to_regclass('jena_search_document') IS NOT NULL, "
        "to_regclass('jena_search_meta') IS NOT NULL").one()
    if not document:
        return None
    if not meta:
        return "unversioned"
    return bind.exec_driver_sql(
        "SELECT value FROM jena_search_meta WHERE key = 'schema_version'").scalar() or "unknown"


def upgrade():
    bind = op.get_bind()
    version = _version(bind)
    if version is not None and version != VERSION:
        log.warning("jena_search: index schema %s replaced by %s; the index is empty now, "
                    "run `ckan search-index rebuild`", version, VERSION)
        bind.exec_driver_sql("DROP TABLE IF EXISTS jena_search_document, jena_search_term")
    bind.exec_driver_sql(SCHEMA)
    bind.exec_driver_sql(
        "INSERT INTO jena_search_meta (key, value) VALUES ('schema_version', %(v)s) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", {"v": VERSION})


def downgrade():
    # the SQL functions and the text search configuration stay: the upgrade replaces them
    op.execute("DROP TABLE IF EXISTS jena_search_document, jena_search_term, jena_search_meta")
