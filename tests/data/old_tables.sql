-- The project's tables as the code made them by hand before migrations (commit c7b8112^:
-- quality/checks.py, harvest/store.py, theme/store.py, explainer/store.py, taxonomy/store.py,
-- search/schema.sql + the version row backend.ensure_schema wrote). Frozen for
-- tests/test_migrations.py: a database made by the old code must upgrade to the migrated schema.
-- The explainer table is the one from before the column `owned` (the old code added it later).

CREATE TABLE IF NOT EXISTS jena_quality_check (
    dataset_id text PRIMARY KEY,
    checked_at timestamptz NOT NULL,
    links jsonb NOT NULL DEFAULT '{}',
    dcat_ap_violations integer,
    dcat_ap_messages jsonb NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS jena_harvest_record (
    source_id text NOT NULL,
    guid text NOT NULL,
    package_id text,
    content_hash text,
    identifiers text[] NOT NULL DEFAULT '{}',
    state text NOT NULL DEFAULT 'active',
    harvested jsonb NOT NULL DEFAULT '{}',
    updated timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, guid)
);
CREATE INDEX IF NOT EXISTS jena_harvest_record_identifiers ON jena_harvest_record USING gin (identifiers);
CREATE INDEX IF NOT EXISTS jena_harvest_record_package ON jena_harvest_record (package_id);
CREATE TABLE IF NOT EXISTS jena_dataset_view (
    dataset_id text NOT NULL,
    day date NOT NULL,
    views integer NOT NULL DEFAULT 0,
    PRIMARY KEY (dataset_id, day)
);
CREATE INDEX IF NOT EXISTS jena_dataset_view_day ON jena_dataset_view (day);
CREATE TABLE IF NOT EXISTS jena_explainer (
    dataset_id text NOT NULL,
    lang text NOT NULL,
    sections jsonb NOT NULL,             -- what citizens read: {section: Markdown}
    edited jsonb NOT NULL DEFAULT '[]',  -- sections a data officer wrote
    draft jsonb NOT NULL,                -- the latest automatic draft
    draft_fingerprint text NOT NULL,
    basis jsonb NOT NULL DEFAULT '{}',   -- per section: the draft text the citizens' text follows
    generator text NOT NULL,
    generated_at timestamptz NOT NULL,
    edited_by text,
    edited_at timestamptz,
    reviewed_by text,
    reviewed_at timestamptz,
    PRIMARY KEY (dataset_id, lang)
);
CREATE TABLE IF NOT EXISTS jena_explainer_profile (
    resource_id text PRIMARY KEY,
    dataset_id text NOT NULL,
    fingerprint text NOT NULL,           -- url, size, last change: profile again when it changes
    profile jsonb,
    error jsonb,                         -- {"en": ..., "de": ...} when profiling failed
    profiled_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS jena_explainer_profile_dataset ON jena_explainer_profile (dataset_id);
CREATE TABLE IF NOT EXISTS jena_taxonomy (
    id serial PRIMARY KEY,
    version text NOT NULL,
    checksum text NOT NULL,
    turtle text NOT NULL,
    mappings jsonb NOT NULL,
    changes jsonb NOT NULL DEFAULT '[]',
    loaded_at timestamptz NOT NULL DEFAULT now(),
    loaded_by text
);
-- The PostgreSQL search index of jena_search. Idempotent: run at start-up and by
-- `ckan jena search init-schema`. One row per indexed dataset, holding the document CKAN
-- built for Solr (ckan/lib/search/index.py) plus the columns queries need.
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

-- Bump SCHEMA_VERSION in backend.py when this table changes: the backend then drops and
-- re-creates it and asks for `ckan search-index rebuild`.
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
INSERT INTO jena_search_meta (key, value) VALUES ('schema_version', '7');
