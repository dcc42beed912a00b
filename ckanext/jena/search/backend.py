"""The PostgreSQL search index, speaking the part of pysolr's interface that CKAN uses.

CKAN builds every index document and every query itself (ckan/lib/search/index.py and
query.py); this class stores those documents in PostgreSQL and answers those queries, so
CKAN's privacy rules (permission labels, capacity, drafts) and other plugins' index fields
stay exactly as CKAN makes them. Writes go through the SQLAlchemy session of the dataset
change, so a dataset and its index entry are committed or rolled back together.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import re
import threading
from typing import Any, Iterable, Optional

import psycopg2.errors
import psycopg2.extensions
import sqlalchemy as sa

import ckan.model as model
from ckan.lib.search.common import SearchError, SearchIndexError, SearchQueryError
from ckan.plugins import toolkit

from ckanext.jena import settings

from . import document, fields
from .db import execute
from .lucene import Bool, Clause, MUST, UnsupportedQuery, parse_dismax, parse_lucene
from .sql import (CONSTANT_RANK, FIELD_RE, TABLE, Compiler, balanced, collect_words, order_by,
                  resolve_lexemes,
                  resolve_substrings)

log = logging.getLogger(__name__)

# The index schema this code reads and writes. Its tables come from the migrations in
# ckanext/jena/migration/jena_search/ (`ckan db upgrade -p jena_search`), which record the
# version in jena_search_meta; a change of the tables is a new revision there and a new number here.
SCHEMA_VERSION = "11"
_schema_ready = False
MAX_START = 10_000_000
MAX_FACET_FIELDS = 50
# Above this many hits of a free-text search, the full relevance (ts_rank_cd over each hit's
# whole text) is computed for this many of them only: those whose titles hold the most of
# the searched stems, newest first. Up to it, every hit is ranked, as before.
RANK_LIMIT = 1000
# memory one search may use for its hit set and sorts (PostgreSQL's default, 4 MB, writes
# the hits of a search over 100,000 datasets to disk)
SEARCH_WORK_MEM = "32MB"
# stored counts are pruned when this many index changes have piled up
PRUNE_CHANGES = 10_000
# a stored count is brought up to date by counting the rows changed since, up to this many;
# beyond it the query is counted anew
MAX_DELTA_ROWS = 2000
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


class SearchBackendError(Exception):
    """The index could not be read or written (the message says why)."""


def require_schema() -> None:
    """Raise SearchBackendError unless the index tables of SCHEMA_VERSION are there (one query,
    then remembered). Nothing here creates them: the plugin's migrations do."""
    global _schema_ready
    if _schema_ready:
        return
    engine = model.meta.engine if model.meta.engine is not None else model.Session.get_bind()
    version = _schema_version(engine)
    if version != SCHEMA_VERSION:
        raise SearchBackendError(
            f"jena_search: the search index tables are {'missing' if version is None else 'of version ' + version}, "
            f"this code needs version {SCHEMA_VERSION}: run `ckan db upgrade -p jena_search`, then "
            "`ckan search-index rebuild`")
    _schema_ready = True


def _schema_version(bind) -> Optional[str]:
    """The version recorded with the index tables; None if there are none."""
    def read(conn):
        document, meta = conn.exec_driver_sql(
            "SELECT to_regclass('jena_search_document') IS NOT NULL, "
            "to_regclass('jena_search_meta') IS NOT NULL").one()
        if not document:
            return None
        if not meta:
            return "unversioned"  # an index from before versions were recorded
        return conn.exec_driver_sql(
            "SELECT value FROM jena_search_meta WHERE key = 'schema_version'").scalar() or "unknown"
    if isinstance(bind, sa.engine.Connection):
        return read(bind)
    with bind.connect() as conn:
        return read(conn)


def _forget_schema(target, connection, **kw):
    # `ckan db clean` and CKAN's test fixtures drop every table: look again on next use
    global _schema_ready
    if getattr(target, "name", None) == TABLE:
        _schema_ready = False


sa.event.listen(sa.Table, "after_drop", _forget_schema)

# CKAN indexes from inside the session's before_commit hook; a commit requested there (by
# Solr-style ``commit=True``) must wait for the commit already under way. These listeners,
# placed before CKAN's own, mark that window.
_COMMITTING = "jena_search_committing"


def _mark_committing(session):
    session.info[_COMMITTING] = True


def _unmark_committing(session, *args):
    session.info.pop(_COMMITTING, None)


for _target in (model.meta.Session, model.meta.create_local_session):
    sa.event.listen(_target, "before_commit", _mark_committing, insert=True)
    for _name in ("after_commit", "after_rollback", "after_soft_rollback"):
        sa.event.listen(_target, _name, _unmark_committing)


def _commit_unless_committing() -> None:
    session = model.Session()
    # CKAN 2.12 indexes from the action itself, package_update inside its own savepoint,
    # and commits right after: that commit is the caller's, not the index's
    if not session.info.get(_COMMITTING) and not session.in_nested_transaction():
        session.commit()


def _timeout_ms() -> int:
    return max(1, int(float(settings.get("ckanext.jena.search.timeout")) * 1000))


def facet_field_set() -> set:
    configured = set(toolkit.aslist(toolkit.config.get("search.facets", []) or []))
    extra = set(toolkit.aslist(settings.get("ckanext.jena.search.facet_fields")))
    return fields.DEFAULT_FACET_FIELDS | configured | extra


# ckan.lib.search.query.PackageSearchQuery.get_index (CKAN 2.11 and 2.12): one dataset by name or id
_LOOKUP_Q = re.compile(r'name:"([^"\\]+)" OR id:"([^"\\]+)"')
_LOOKUP_FQ = re.compile(r'\+site_id:"[^"\\]*" \+entity_type:package')


def _is_dataset_lookup(q: Optional[str], params: dict) -> bool:
    """The query CKAN sends to read one dataset's indexed copy, exactly as it sends it (anything
    else, even a similar query, is a search)."""
    if not isinstance(q, str) or set(params) - {"rows", "wt", "fq"} or str(params.get("rows")) != "1":
        return False
    found = _LOOKUP_Q.fullmatch(q)
    fq = params.get("fq")
    return (found is not None and found.group(1) == found.group(2) and "\x00" not in q
            and isinstance(fq, str) and _LOOKUP_FQ.fullmatch(fq.strip()) is not None)


class SolrLikeResults:
    """What CKAN reads from a pysolr.Results: hits, docs, facets."""

    def __init__(self, hits: int, docs: list, facets: dict):
        self.hits = hits
        self.docs = docs
        self.facets = facets
        self.raw_response = {"response": {"numFound": hits}}
        self.highlighting: dict = {}
        self.qtime = None

    def __len__(self) -> int:
        return len(self.docs)

    def __iter__(self):
        return iter(self.docs)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if v not in (None, "")]
    return [value] if value != "" else []


_UPSERT = f"""
    INSERT INTO {TABLE} AS d (index_id, id, site_id, state, capacity, dataset_type, owner_org,
        organization, name, title, title_folded, permission_labels, metadata_created, metadata_modified, title_string, bbox,
        facet_hashes, terms, search_vector, search_text, words, match_vector, doc, data_dict,
        validated_data_dict, indexed_at)
    SELECT %(index_id)s, %(id)s, %(site_id)s, %(state)s, %(capacity)s, %(dataset_type)s,
        %(owner_org)s, %(organization)s, %(name)s, %(title)s, jena_fold(%(title)s),
        %(permission_labels)s::text[],
        %(metadata_created)s,
        %(metadata_modified)s, %(title_string)s, %(bbox)s::box, %(facet_hashes)s::int8[],
        %(terms)s::text[], t.vector, t.folded, t.words, jena_match_vector(t.vector, t.words),
        %(doc)s::jsonb, %(data_dict)s, %(validated_data_dict)s, now()
    FROM (SELECT v.vector, v.folded, jena_words(v.folded) AS words
          FROM (SELECT setweight(to_tsvector('jena_german', jena_fold(%(text_a)s)), 'A') ||
                       setweight(to_tsvector('jena_german', jena_fold(%(text_b)s)), 'B') ||
                       setweight(to_tsvector('jena_german', jena_fold(%(text_c)s)), 'C') ||
                       setweight(to_tsvector('jena_german', jena_fold(%(text_d)s)), 'D') AS vector,
                       jena_fold(%(search_text)s) AS folded) v) t
    ON CONFLICT (index_id) DO UPDATE SET
        id = EXCLUDED.id, site_id = EXCLUDED.site_id, state = EXCLUDED.state,
        capacity = EXCLUDED.capacity, dataset_type = EXCLUDED.dataset_type,
        owner_org = EXCLUDED.owner_org, organization = EXCLUDED.organization,
        name = EXCLUDED.name, title = EXCLUDED.title, title_folded = EXCLUDED.title_folded, permission_labels = EXCLUDED.permission_labels,
        metadata_created = EXCLUDED.metadata_created, metadata_modified = EXCLUDED.metadata_modified,
        title_string = EXCLUDED.title_string, bbox = EXCLUDED.bbox,
        facet_hashes = EXCLUDED.facet_hashes, terms = EXCLUDED.terms,
        search_vector = EXCLUDED.search_vector, search_text = EXCLUDED.search_text,
        words = EXCLUDED.words, match_vector = EXCLUDED.match_vector, doc = EXCLUDED.doc, data_dict = EXCLUDED.data_dict,
        validated_data_dict = EXCLUDED.validated_data_dict, indexed_at = now(),
        indexed_xact = pg_current_xact_id()
"""

# A held document (batched_writes) is written only while its dataset's row is the version it was
# read in: a change another process committed since (an editor, a deletion, xloader) has indexed
# itself, and the older document must not overwrite it.
_UPSERT_IF_CURRENT = _UPSERT.replace("\n    ON CONFLICT (index_id)", """
    WHERE %(read_version)s::text IS NULL OR EXISTS (
        SELECT 1 FROM package p WHERE p.id = %(id)s AND p.xmin::text = %(read_version)s)
    ON CONFLICT (index_id)""", 1)
assert _UPSERT_IF_CURRENT != _UPSERT



@contextlib.contextmanager
def _savepoint(conn, keep: bool = True):
    """Run statements so that a failure leaves the caller's transaction usable.

    ``keep=False`` (for reads) rolls back to the savepoint on success too, which also ends
    any ``SET LOCAL`` made inside. Issued as plain SQL: SQLAlchemy's own nested transactions
    cannot be opened from inside the session's before_commit hook, where CKAN indexes."""
    raw = getattr(conn.connection, "dbapi_connection", None)
    if raw is not None and getattr(raw, "autocommit", False):
        yield  # no transaction to protect (a connection someone left in autocommit mode)
        return
    if _transaction_ended_behind_our_back(raw):
        # ckanext-harvest's harvest_source_clear (1.6.3) ends the session's transaction with a
        # COMMIT inside one raw statement and then re-indexes the source in the same session.
        # Open the transaction SQLAlchemy believes in again: this write then commits or rolls
        # back with the session, as everywhere else.
        execute(conn, "BEGIN")
    execute(conn, "SAVEPOINT jena_search")
    try:
        yield
    except BaseException:
        try:
            execute(conn, "ROLLBACK TO SAVEPOINT jena_search")
            execute(conn, "RELEASE SAVEPOINT jena_search")
        except sa.exc.DBAPIError as error:  # the connection itself failed: the first error says why
            log.warning("jena_search: could not roll back to the savepoint: %s", error.orig)
        raise
    if not keep:
        execute(conn, "ROLLBACK TO SAVEPOINT jena_search")
    execute(conn, "RELEASE SAVEPOINT jena_search")


def _transaction_ended_behind_our_back(raw) -> bool:
    """psycopg2 thinks a transaction is open (it sent BEGIN) but the server has none."""
    if raw is None or not hasattr(raw, "info"):
        return False
    return (raw.status == psycopg2.extensions.STATUS_BEGIN
            and raw.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE)


def _session_connection():
    require_schema()
    return model.Session.connection()


def _add_terms(conn, hashes: list, term_fields: list, term_values: list) -> None:
    """Add new facet values to the jena_search_term dictionary.

    The dictionary is shared by all writers and only ever grows (a value whose dataset change
    is rolled back stays, harmlessly). New values are inserted in their own short transaction,
    in hash order: inside long transactions (a parallel rebuild) two writers would otherwise
    lock each other's new values and deadlock.
    """
    known = {row[0] for row in execute(conn, "SELECT hash FROM jena_search_term WHERE hash = ANY(%(h)s::int8[])",
                                       {"h": sorted(set(hashes))})}
    new = {}
    for h, f, v in zip(hashes, term_fields, term_values):
        if h not in known:
            new.setdefault(h, (f, v))
    if not new:
        return
    ordered = sorted(new)
    with conn.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
        execute(own, """
            INSERT INTO jena_search_term (hash, field, value)
            SELECT * FROM unnest(%(h)s::int8[], %(f)s::text[], %(v)s::text[])
            ON CONFLICT (hash) DO NOTHING""",
                {"h": ordered, "f": [new[h][0] for h in ordered], "v": [new[h][1] for h in ordered]})


# The words of the texts that the vocabulary lacks. A word is looked up with ">= and <=", not
# "=": pg_trgm (1.6, PostgreSQL 14+) can answer "=" from the trigram index too, and while the
# table's statistics are those of an empty table (a first harvest into a new portal, before
# autoanalyze comes round) the planner chose that index, whose pending list of fresh entries is
# read whole for every word: 36 to 78 ms per dataset instead of 1 (a fetch consumer writes one
# dataset's words at a time). Only the primary key's b-tree answers a range, and for words a
# range of one is equality. tests/search/test_word_vocabulary.py.
NEW_WORDS = """
    SELECT array_agg(w ORDER BY w) FROM (
        SELECT DISTINCT unnest(jena_words(jena_fold(t))) AS w FROM unnest(%(t)s::text[]) AS t) x
    WHERE NOT EXISTS (SELECT 1 FROM jena_search_word y WHERE y.word >= x.w AND y.word <= x.w)"""


def _add_words(conn, texts: list) -> None:
    """Add the new words of these texts to the jena_search_word vocabulary, which word parts
    are looked up in. Like the facet dictionary it only grows, and new words are inserted in
    their own short transaction, in order, before the documents holding them are written."""
    new = execute(conn, NEW_WORDS, {"t": texts}).scalar()
    if not new:
        return
    with conn.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
        execute(own, "INSERT INTO jena_search_word (word) SELECT unnest(%(w)s::text[]) "
                     "ON CONFLICT DO NOTHING", {"w": new})


def _store_counts(conn, key: str, snapshot: str, total: int, facet_rows) -> None:
    """Keep counts for counts_without_text (own short transaction: the search itself writes
    nothing). Once PRUNE_CHANGES changes have piled up, the change log is cut at the oldest
    running transaction, and counts older than the cut are no longer used. Past
    ckanext.jena.search.count_cache_rows kept counts (every new filter of any visitor adds one),
    the oldest are dropped, down to nine tenths of it, so the table stays bounded. Counts of
    searches with words (keys "t:...") may take half of those rows: past it, the oldest of
    them are dropped, so that visitors' words never push out the counts without words."""
    with conn.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
        execute(own, """
            INSERT INTO jena_search_count_cache (key, snapshot, total, counts)
            VALUES (%(key)s, %(snapshot)s::pg_snapshot, %(total)s, %(counts)s::jsonb)
            ON CONFLICT (key) DO UPDATE SET snapshot = EXCLUDED.snapshot, total = EXCLUDED.total,
                counts = EXCLUDED.counts, stored_at = now()""",
                {"key": key, "snapshot": snapshot, "total": total,
                 "counts": json.dumps(facet_rows or [])})
        piled = execute(own, "SELECT count(*) FROM (SELECT 1 FROM jena_search_change LIMIT %(n)s) x",
                        {"n": PRUNE_CHANGES}).scalar()
        if piled >= PRUNE_CHANGES:
            _prune_changes(own)
        most = int(settings.get("ckanext.jena.search.count_cache_rows"))
        if key.startswith("t:") and execute(own, "SELECT EXISTS (SELECT 1 FROM jena_search_count_cache WHERE key LIKE 't:%%' "
                                 "OFFSET %(n)s)", {"n": most // 2}).scalar():
            # every visitor's words add one: they may take half of the rows, and go first
            execute(own, "DELETE FROM jena_search_count_cache WHERE key IN (SELECT key FROM jena_search_count_cache "
                         "WHERE key LIKE 't:%%' ORDER BY stored_at DESC OFFSET %(keep)s)",
                    {"keep": max(1, most * 9 // 20)})
        if execute(own, "SELECT EXISTS (SELECT 1 FROM jena_search_count_cache OFFSET %(n)s)", {"n": most}).scalar():
            # the newest are kept, counts without words before those with words
            execute(own, "DELETE FROM jena_search_count_cache WHERE key IN (SELECT key FROM jena_search_count_cache "
                         "ORDER BY key LIKE 't:%%', stored_at DESC OFFSET %(keep)s)", {"keep": max(1, most * 9 // 10)})


def _add_counts(facet_rows, delta_rows) -> list:
    """Stored facet counts [[field, value, n], ...] plus the changes' signed counts; values
    no hit holds any more are left out, as a count anew leaves them out."""
    merged: dict = {}
    for field, value, count in facet_rows or []:
        merged[(field, value)] = int(count)
    for field, value, count in delta_rows or []:
        merged[(field, value)] = merged.get((field, value), 0) + int(count)
    return [[field, value, count] for (field, value), count in merged.items() if count > 0]


def _prune_changes(own) -> None:
    """Cut the change log at the oldest running transaction (autocommit, in this order: once
    the cut is recorded, no count from a snapshot older than it is used, so the rows below it
    can go; every snapshot after it sees them anyway). The recorded cut only moves forward:
    two prunes at once could otherwise record the older horizon after the newer one had
    deleted the rows above it, and a count that missed those rows would pass as current."""
    horizon = execute(own, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text").scalar()
    horizon = execute(own, """
        INSERT INTO jena_search_meta (key, value) VALUES ('pruned_before', %(h)s)
        ON CONFLICT (key) DO UPDATE
            SET value = GREATEST(jena_search_meta.value::xid8, EXCLUDED.value::xid8)::text
        RETURNING value""", {"h": horizon}).scalar()
    execute(own, "DELETE FROM jena_search_change WHERE xact < %(h)s::xid8", {"h": horizon})
    execute(own, "DELETE FROM jena_search_count_cache "
                 "WHERE pg_snapshot_xmin(snapshot) < %(h)s::xid8", {"h": horizon})


_batch = threading.local()


@contextlib.contextmanager
def batched_writes():
    """Inside, the documents CKAN indexes in this thread are held and written together when the
    block ends, or before a search or a deletion in this thread reads or changes the index: one
    look-up of new facet values and new words for all of them (the new-words statement takes
    4 ms for one dataset's text and 49 ms for 100). A harvest indexes its records 100 at a time
    this way (harvest/indexing.py). Each document is written only if its dataset's row is still
    the version it had when the document was handed over (PostgreSQL's xmin): a change another
    process commits meanwhile indexes itself, a dataset deleted meanwhile stays out, and a
    dataset whose creation was rolled back is not written. Nested blocks write when the
    outermost ends; an exception leaving it drops what is held. If the documents cannot be
    written together, each is written on its own: the others are written and SearchIndexError
    names the ones that failed."""
    if getattr(_batch, "docs", None) is not None:
        yield
        return
    _batch.docs = []
    try:
        yield
        _write_held()
    finally:
        _batch.docs = None


def _write_held() -> None:
    docs = getattr(_batch, "docs", None)
    if not docs:
        return
    _batch.docs = []
    conn = _session_connection()
    try:
        with _savepoint(conn):
            _add(conn, docs, checked=True)
        return
    except (sa.exc.DBAPIError, ValueError) as error:
        log.warning("jena_search: %d documents could not be written together (%s); writing each on its own",
                    len(docs), getattr(error, "orig", error))
    failed = []
    for held in docs:
        doc = held[0]
        try:
            with _savepoint(conn):
                _add(conn, [held], checked=True)
        except sa.exc.DBAPIError as error:
            failed.append(f"{doc.get('name') or doc.get('index_id')}: {error.orig}")
        except ValueError as error:
            failed.append(f"{doc.get('name') or doc.get('index_id')}: {error}")
    if failed:
        raise SearchIndexError(f"PostgreSQL search index: {len(failed)} of {len(docs)} documents not written: "
                               + "; ".join(failed)[:2000])


def _add(conn, docs: Iterable, checked: bool = False) -> None:
    """Write documents; ``checked``: (document, version read) pairs, each written only while its
    dataset's row is that version."""
    facet_fields = facet_field_set()
    if checked:
        rows = [dict(document.build_row(doc, facet_fields), read_version=version) for doc, version in docs]
    else:
        rows = [document.build_row(doc, facet_fields) for doc in docs]
    if not rows:
        return
    hashes, term_fields, term_values = [], [], []
    for row in rows:
        hashes.extend(row["facet_hashes"])
        term_fields.extend(row.pop("facet_fields"))
        term_values.extend(row.pop("facet_values"))
    if hashes:
        _add_terms(conn, hashes, term_fields, term_values)
    _add_words(conn, [row["search_text"] for row in rows])
    execute(conn, _UPSERT_IF_CURRENT if checked else _UPSERT, rows if len(rows) > 1 else rows[0])


class PostgresSearchConnection:
    """Drop-in for the ``pysolr.Solr`` object returned by ``make_connection()``."""

    url = "postgresql:jena_search_document"

    def __init__(self, decode_dates: bool = True):
        self.decode_dates = decode_dates

    # -- writing ---------------------------------------------------------------------------
    def add(self, docs: Iterable[dict], commit: bool = False, **kwargs: Any) -> None:
        held = getattr(_batch, "docs", None)
        if held is not None:  # inside batched_writes()
            docs = list(docs)
            versions = dict(execute(_session_connection(), "SELECT id, xmin::text FROM package WHERE id = ANY(%(ids)s)",
                                    {"ids": [doc.get("id") for doc in docs]}).fetchall())
            held.extend((doc, versions.get(doc.get("id"))) for doc in docs)
            if commit:
                _write_held()
                _commit_unless_committing()
            return
        conn = _session_connection()
        try:
            with _savepoint(conn):
                _add(conn, docs)
        except sa.exc.DBAPIError as error:
            raise SearchIndexError(f"PostgreSQL search index: {error.orig}") from error
        except ValueError as error:  # e.g. a NUL character psycopg2 cannot send
            raise SearchIndexError(f"PostgreSQL search index: {error}") from error
        if commit:
            # CKAN's own writes index inside the commit under way; others (harvest's
            # harvest_source_reindex) ask for the commit Solr would make
            _commit_unless_committing()

    def delete(self, id: Optional[str] = None, q: Optional[str] = None,
               commit: bool = False, **kwargs: Any) -> None:
        _write_held()  # a deletion after a held write of the same dataset wins, as it would unbatched
        if not _schema_ready and _schema_version(model.Session.connection()) is None:
            # no index tables, so nothing indexed to delete: `ckan db clean` of a database
            # that has no tables yet (Solr's clear of an empty core succeeds too)
            return
        conn = _session_connection()
        try:
            with _savepoint(conn):
                self._delete(conn, id, q)
        except sa.exc.DBAPIError as error:
            raise SearchIndexError(f"PostgreSQL search index: {error.orig}") from error
        if commit:
            # inside a dataset change the deletion is committed with it; from
            # `ckan search-index clear <id>` it is committed now
            _commit_unless_committing()

    def _delete(self, conn, id: Optional[str], q: Optional[str]) -> None:
        if id is not None:
            ids = id if isinstance(id, (list, tuple)) else [id]
            execute(conn, f"DELETE FROM {TABLE} WHERE index_id = ANY(%(ids)s)", {"ids": list(ids)})
            return
        if q is None:
            raise SearchBackendError("delete needs an id or a query")
        try:
            where, params, _, _, _ = self.compile_where(conn, q, [], lucene_default="text", q_op="AND")
        except UnsupportedQuery as error:
            raise SearchIndexError(f"cannot delete by {q!r}: {error}") from error
        execute(conn, f"DELETE FROM {TABLE} d WHERE {where}", params)

    def commit(self, **kwargs: Any) -> None:
        # Solr makes writes visible on commit; here that is the transaction of the session.
        _commit_unless_committing()

    # -- reading ---------------------------------------------------------------------------
    def compile_where(self, conn, q: Optional[str], fq: list, lucene_default: str = "text",
                      q_op: str = "AND", def_type: Optional[str] = None, qf: Optional[str] = None,
                      mm: Optional[str] = None):
        default_and = (q_op or "AND").upper() != "OR"
        q = (q or "").strip() or "*:*"
        qf_fields = [f.split("^")[0] for f in (qf or "").split()] or [lucene_default]
        if def_type == "dismax":
            q_node, q_defaults = parse_dismax(q, mm), qf_fields
        elif def_type == "edismax":
            q_node, q_defaults = parse_lucene(q, default_and=default_and), qf_fields
        elif def_type in (None, "", "lucene", "standard"):
            q_node, q_defaults = parse_lucene(q, default_and=default_and), [lucene_default]
        else:
            raise UnsupportedQuery(f"query parser '{def_type}' is not supported")
        fq_nodes = [parse_lucene(f, default_and=default_and) for f in fq]
        words: set = set()
        collect_words(q_node, True, words)
        for node in fq_nodes:
            collect_words(node, lucene_default == "text", words)
        lexemes = resolve_lexemes(conn, words)
        compiler = Compiler(lexemes, q_defaults, resolve_substrings(conn, words))
        parts = [compiler.compile_root(q_node)]
        rank_sql = compiler.rank_expression()  # filters (fq) do not change the ranking
        compiler.default_fields = [lucene_default]
        for node in fq_nodes:
            parts.append(compiler.compile(node))
        where = " AND ".join(f"({p})" for p in parts if p != "TRUE") or "TRUE"
        return where, compiler.params, rank_sql, compiler.title_parts, compiler.text_indexed

    def search(self, q: Optional[str] = None, **params: Any) -> SolrLikeResults:
        _write_held()  # a search sees what this thread indexed before it
        conn = _session_connection()
        timeout_ms = _timeout_ms()
        try:
            # a search writes nothing: leaving the savepoint by rolling back ends the statement
            # timeout with it, and works after a failed statement too (a later statement in the
            # failed transaction would hide the real error behind "transaction is aborted")
            with _savepoint(conn, keep=False):
                if _is_dataset_lookup(q, params):
                    return self._lookup(conn, q, params)
                execute(conn, "SET LOCAL statement_timeout = %(t)s", {"t": timeout_ms})
                # the hits of a broad search (ids and facet values) stay in memory
                execute(conn, f"SET LOCAL work_mem = '{SEARCH_WORK_MEM}'")
                return self._search(conn, q, params)
        except UnsupportedQuery as error:
            raise SearchQueryError(str(error)) from error
        except (ValueError, OverflowError) as error:
            raise SearchQueryError(f"the search could not be read: {error}") from error
        except sa.exc.DBAPIError as error:
            if isinstance(error.orig, psycopg2.errors.QueryCanceled) and "timeout" in str(error.orig):
                log.warning("jena_search query stopped after %s ms (params %r)", timeout_ms, params)
                seconds = max(1, round(timeout_ms / 1000))
                raise SearchQueryError(toolkit.ungettext(
                    "The search took longer than {seconds} second and was stopped. "
                    "Please search with fewer words or filters.",
                    "The search took longer than {seconds} seconds and was stopped. "
                    "Please search with fewer words or filters.", seconds).format(seconds=seconds)) from error
            log.error("jena_search query failed: %s (params %r)", error.orig, params)
            raise SearchError(toolkit._(
                "The search index could not answer this search because of a database error. "
                "Please try again in a moment; if it keeps failing, tell the portal's operators."
            )) from error

    def _lookup(self, conn, q: str, params: dict) -> SolrLikeResults:
        """CKAN's look-up of one dataset's indexed copy by name or id (``ckan.lib.search.show``,
        which CKAN 2.12's package_show asks before it reads the database, on every dataset page
        and every package_show in a harvest): one statement, without counting hits per facet
        or the statement timeout of a search, which a look-up by name or id (both indexed)
        needs neither. The WHERE clause is the one a search compiles for the same query; like a
        search it runs in a savepoint, so that a failure leaves the caller's transaction usable."""
        where, sql_params, _, _, _ = self.compile_where(conn, q, [str(f) for f in _as_list(params.get("fq"))])
        # the hits first (an index on name, one on terms: at most a few rows), then ordered: with
        # ORDER BY ... LIMIT on the same level PostgreSQL walks an ordered index and tests every
        # row instead (271 ms at 17,700 datasets against under 1 ms)
        found = list(execute(conn, f"""
            WITH hits AS MATERIALIZED (
                SELECT d.index_id, d.doc, d.data_dict, d.validated_data_dict FROM {TABLE} d WHERE {where})
            SELECT * FROM hits ORDER BY index_id LIMIT 2""", sql_params))
        docs = [self._document(row._mapping, 1.0, None) for row in found[:1]]
        return SolrLikeResults(len(found), docs, {"facet_fields": {}})

    def _search(self, conn, q: Optional[str], params: dict) -> SolrLikeResults:
        params = dict(params)
        for value in [q, *_as_list(params.get("fq"))]:
            if isinstance(value, str) and "\x00" in value:
                raise UnsupportedQuery("the query contains a NUL character")
        fq = [f for f in _as_list(params.get("fq")) if str(f).strip()]
        def_type = params.get("defType")
        where, sql_params, rank_sql, title_parts, text_indexed = self.compile_where(
            conn, q, [str(f) for f in fq], lucene_default=params.get("df") or "text",
            q_op=params.get("q.op", "AND"), def_type=def_type, qf=params.get("qf"),
            mm=params.get("mm"))
        try:
            rows = int(params.get("rows", 10))
            start = int(params.get("start", 0) or 0)
        except (TypeError, ValueError):
            raise UnsupportedQuery("rows and start must be whole numbers")
        if rows < 0 or start < 0:
            raise UnsupportedQuery("rows and start must not be negative")
        if start > MAX_START or rows > MAX_START:
            raise UnsupportedQuery(f"rows and start must stay below {MAX_START}")
        # evaluated over the CTE "hits d"; without free text every score is the same
        order = order_by(params.get("sort"), None if rank_sql == CONSTANT_RANK else "d.score")
        fl = self.field_list(params.get("fl"))

        facet_fields: list = []
        if str(params.get("facet", "false")).lower() == "true":
            facet_fields = params.get("facet.field") or []
            if isinstance(facet_fields, str):
                facet_fields = [facet_fields]
        if len(facet_fields) > MAX_FACET_FIELDS:
            raise UnsupportedQuery(f"at most {MAX_FACET_FIELDS} facet fields can be counted at once")
        for field in facet_fields:
            if not FIELD_RE.fullmatch(str(field)):
                raise UnsupportedQuery(f"'{field}' is not a valid facet field")
        try:
            facet_limit = int(params.get("facet.limit", 50))
            facet_mincount = int(params.get("facet.mincount", 1))
        except (TypeError, ValueError):
            raise UnsupportedQuery("facet.limit and facet.mincount must be whole numbers")
        hits, page, counts = self.run_query(conn, where, sql_params, rank_sql, order, rows, start,
                                            facet_fields, title_parts, text_indexed)
        docs = self.fetch_docs(conn, page, fl)
        facets = {"facet_fields": self.facet_result(facet_fields, counts, facet_limit, facet_mincount)}
        return SolrLikeResults(hits, docs, facets)

    @staticmethod
    def field_list(fl: Any) -> Optional[list]:
        if fl is None or fl == "":
            return None
        if isinstance(fl, (list, tuple)):
            items = [str(f) for f in fl]
        else:
            items = re.split(r"[\s,]+", str(fl))
        items = [f for f in items if f]
        if not items or "*" in items:
            return None if not items or items == ["*"] else items
        return items

    def run_query(self, conn, where, sql_params, rank_sql, order, rows, start, facet_fields,
                  title_parts=(), text_indexed=False):
        """Hits, the page and facet counts.

        Without free text (the empty query, filters and facets only), the hit count and the
        facet counts come from jena_search_count_cache while the index is unchanged, and the
        page is read in index order. With free text, hits and page come from one statement
        in which the WHERE clause runs once; relevance is computed for at most RANK_LIMIT hits
        (see there). Its counts come from the same statement the first time and are then
        kept like those without free text (kept_counts)."""
        fast = facet_field_set()
        fast_fields = [f for f in facet_fields if f in fast or f.startswith("vocab_")]
        other_fields = [f for f in facet_fields if f not in fast_fields]
        params = {**sql_params, "limit_": rows, "offset_": start, "facet_fields_": fast_fields}
        facet_sql = "NULL::json"
        if fast_fields:
            facet_sql = """(SELECT json_agg(json_build_array(t.field, t.value, c.n))
                FROM (SELECT h, count(*) AS n FROM (SELECT unnest(hits.facet_hashes) AS h FROM hits) u
                      GROUP BY h) c
                JOIN jena_search_term t ON t.hash = c.h
                WHERE t.field = ANY(%(facet_fields_)s))"""
        if rank_sql == CONSTANT_RANK:
            total, facet_rows = self.counts_without_text(conn, where, params, facet_sql, fast_fields)
            page = []
            if rows > 0:
                page = [list(row) for row in execute(conn, f"""
                    SELECT d.index_id, 1.0::float4 FROM {TABLE} d WHERE {where}
                    ORDER BY {order} LIMIT %(limit_)s OFFSET %(offset_)s""", params)]
        else:
            # counts of these words and filters kept from an earlier search, brought up to
            # date like those without words: the hits are still found and ranked for the
            # page, but not counted per facet value again (65 ms at 24,100 hits of 100,000)
            key, kept = self.kept_counts(conn, where, params, fast_fields)
            total, page, facet_rows, snapshot, storable = self.counts_with_text(
                conn, where, params, rank_sql, order, rows, start,
                facet_sql if kept is None else "NULL::json", title_parts, text_indexed)
            if kept is not None and kept[0] != total:
                # a change between the two statements: the kept counts are not this page's
                total, page, facet_rows, snapshot, storable = self.counts_with_text(
                    conn, where, params, rank_sql, order, rows, start, facet_sql, title_parts, text_indexed)
                kept = None
            if kept is not None:
                facet_rows = kept[1]
            elif storable:
                _store_counts(conn, key, snapshot, total, facet_rows)
        counts: dict[str, dict[str, int]] = {f: {} for f in facet_fields}
        for field, value, count in facet_rows or []:
            counts[field][value] = int(count)
        for field in other_fields:
            source = ("jena_values(d.doc, %(facet_field_)s)" if fields.is_text(field) else
                      "(SELECT substr(t, length(%(facet_field_)s) + 2) FROM unnest(d.terms) t "
                      "WHERE t LIKE %(facet_prefix_)s)")
            facet_sql = (f"SELECT v, count(*) FROM {TABLE} d CROSS JOIN LATERAL {source} AS v "
                         f"WHERE {where} GROUP BY 1")
            prefix = field.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            for value, count in execute(conn, facet_sql, {
                    **sql_params, "facet_field_": field,
                    "facet_prefix_": prefix + document.SEPARATOR + "%"}):
                counts[field][value] = int(count)
        return int(total), page or [], counts

    def counts_with_text(self, conn, where, params, rank_sql, order, rows, start, facet_sql,
                         title_parts, text_indexed=False):
        score_first = order.startswith("d.score DESC") and "d.doc" not in order
        page_sql = "NULL::json"
        if "d.score" in order and not score_first:
            # an unusual sort that mixes relevance with other fields: rank every hit
            hit_score = f"{rank_sql} AS score"
            page_sql = f"""(SELECT json_agg(json_build_array(p.index_id, p.score))
                FROM (SELECT d.index_id, d.score FROM hits d ORDER BY {order}
                      LIMIT %(limit_)s OFFSET %(offset_)s) p)"""
        else:
            hit_score = "NULL::float4 AS score"
            if score_first:
                # relevance over the whole text for at most RANK_LIMIT hits: all of them up
                # to that; beyond it, those whose titles hold the most searched stems (newest
                # first among equals) are ranked and come first, the others follow in that
                # same order, so that every page of a long answer is cut from one order
                bonus = balanced([f"(c.title_folded LIKE {p})::int" for p in title_parts], "+") \
                    if title_parts else "0::int"
                params = {**params, "rank_limit_": RANK_LIMIT,
                          "candidates_": max(RANK_LIMIT, rows + (params["offset_"] or 0))}
                # the first candidates_ of that order by a bounded sort (top-N), numbered
                # after: the same numbers as over all hits, without sorting them all
                candidates = f"""(SELECT c.index_id, c.metadata_modified, c.metadata_created,
                        c.title_string, c.search_vector, row_number() OVER (ORDER BY c.bonus DESC,
                            c.metadata_modified DESC NULLS LAST, c.index_id) AS pick
                    FROM (SELECT c.*, {bonus} AS bonus FROM hits c
                          ORDER BY {bonus} DESC, c.metadata_modified DESC NULLS LAST, c.index_id
                          LIMIT %(candidates_)s) c)"""
                page_sql = f"""(SELECT json_agg(json_build_array(p.index_id, COALESCE(p.score, 0))
                                         ORDER BY p.n)
                    FROM (SELECT d.index_id, d.score, row_number() OVER (
                              ORDER BY d.pick > %(rank_limit_)s,
                                       CASE WHEN d.pick > %(rank_limit_)s THEN d.pick END, {order}) AS n
                          FROM (SELECT d.index_id, d.metadata_modified, d.metadata_created,
                                       d.title_string, d.pick,
                                       CASE WHEN d.pick <= %(rank_limit_)s THEN {rank_sql} END AS score
                                FROM {candidates} d) d
                          ORDER BY n LIMIT %(limit_)s OFFSET %(offset_)s) p)"""
            else:
                # another order (newest first, title): relevance only for the page's hits
                page_sql = f"""(SELECT json_agg(json_build_array(p.index_id, {rank_sql}) ORDER BY p.n)
                    FROM (SELECT d.index_id, row_number() OVER (ORDER BY {order}) AS n FROM hits d
                          ORDER BY {order} LIMIT %(limit_)s OFFSET %(offset_)s) p
                    JOIN {TABLE} d ON d.index_id = p.index_id)"""
        if rows <= 0:
            page_sql = "NULL::json"
        # the candidates' relevance reads their text vectors from the hits: the materialised
        # hits keep a reference to each stored vector, not the vector, so only the ranked ones
        # are read, without a second look-up of their rows (10,000 datasets: 40 -> 31 ms)
        vector = "d.search_vector," if score_first and "d.score" in order else ""
        sql = f"""
            WITH hits AS MATERIALIZED (
                SELECT d.index_id, d.metadata_modified, d.metadata_created, d.title_string,
                       d.title_folded, d.facet_hashes, {vector} {"d.doc," if "d.doc" in order else ""} {hit_score}
                FROM {TABLE} d WHERE {where})
            SELECT (SELECT count(*) FROM hits), {page_sql}, {facet_sql}, pg_current_snapshot()::text,
                   pg_current_xact_id_if_assigned() IS NULL"""
        if not text_indexed:
            return tuple(execute(conn, sql, params).one())
        # The words' tsquery is answered from the GIN index without reading a row's text; a
        # sequential scan reads (and decompresses) every row's match_vector instead. The planner
        # prefers it for words most datasets hold ("Jena": 95,050 of 100,000 hits, 576 ms
        # against about 100 ms), as it does not count the cost of decompressing. For this
        # statement only.
        execute(conn, "SET LOCAL enable_seqscan = off")
        try:
            return tuple(execute(conn, sql, params).one())
        finally:
            execute(conn, "SET LOCAL enable_seqscan = on")

    def counts_without_text(self, conn, where, params, facet_sql, fast_fields):
        """The hit count and facet counts of a query without free text, from
        jena_search_count_cache, brought up to date with the index changes since.

        A stored count holds the snapshot it was counted in. The index changes visible to this
        reader and missing from that snapshot (jena_search_change, written by triggers in the
        writer's transaction) are few after a write: only those rows are counted, as they are
        now (+1 where they match) and as the snapshot saw them (-1 where they matched), in the
        same statement that reads the stored count, so both see one state of the index. Counts
        are made anew where there is no stored count, where the change log was cut after it,
        or where more than MAX_DELTA_ROWS rows (or a statement marked too large) changed. So a
        write changes what every visitor sees the moment it commits, and a visitor's own
        uncommitted writes are never stored."""
        key, kept = self.kept_counts(conn, where, params, fast_fields)
        if kept is not None:
            return kept
        total, facet_rows, snapshot, storable = execute(conn, f"""
            WITH hits AS MATERIALIZED (SELECT d.facet_hashes FROM {TABLE} d WHERE {where})
            SELECT (SELECT count(*) FROM hits), {facet_sql}, pg_current_snapshot()::text,
                   pg_current_xact_id_if_assigned() IS NULL""", params).one()
        if storable:  # a transaction that wrote may hold index rows nobody else sees yet
            _store_counts(conn, key, snapshot, total, facet_rows)
        return total, facet_rows

    def kept_counts(self, conn, where, params, fast_fields):
        """(key, (total, facet rows)) from jena_search_count_cache, brought up to date with
        the changes since (see counts_without_text), or (key, None) where they must be
        counted anew and then stored under key."""
        key_params = {k: v for k, v in params.items() if k not in ("limit_", "offset_")}
        key = hashlib.sha256(json.dumps([where, key_params], sort_keys=True, default=str)
                             .encode("utf-8")).hexdigest()
        if "d.match_vector @@" in where or "d.search_text" in where or "d.search_vector" in where:
            key = "t:" + key  # counts of words (bounded apart in _store_counts)
        delta_facets = "NULL::json"
        if fast_fields:
            delta_facets = """(SELECT json_agg(json_build_array(t.field, t.value, c.n))
                FROM (SELECT h, sum(u.sign) AS n
                      FROM (SELECT unnest(delta.facet_hashes) AS h, delta.sign FROM delta) u
                      GROUP BY h HAVING sum(u.sign) <> 0) c
                JOIN jena_search_term t ON t.hash = c.h
                WHERE t.field = ANY(%(facet_fields_)s))"""
        small = "(SELECT count(*) FROM changed) <= %(delta_max_)s"
        kept = execute(conn, f"""
            WITH kept AS (
                SELECT c.total, c.counts, c.snapshot FROM jena_search_count_cache c
                WHERE c.key = %(key_)s
                  AND pg_snapshot_xmin(c.snapshot) >= COALESCE(
                      (SELECT value::xid8 FROM jena_search_meta WHERE key = 'pruned_before'), '0'::xid8)),
            changed AS MATERIALIZED (
                SELECT DISTINCT ON (x.index_id) x.index_id, x.old
                FROM jena_search_change x, kept k
                WHERE x.xact >= pg_snapshot_xmin(k.snapshot)
                  AND NOT pg_visible_in_snapshot(x.xact, k.snapshot)
                ORDER BY x.index_id NULLS FIRST, x.seq
                LIMIT %(delta_max_)s + 1),
            delta AS MATERIALIZED (
                SELECT d.facet_hashes, 1 AS sign FROM {TABLE} d
                WHERE {small} AND d.index_id IN (SELECT index_id FROM changed) AND ({where})
                UNION ALL
                SELECT d.facet_hashes, -1 AS sign
                FROM changed c CROSS JOIN LATERAL jsonb_populate_record(NULL::{TABLE}, c.old) AS d
                WHERE {small} AND c.old IS NOT NULL AND ({where}))
            SELECT k.total, k.counts, (SELECT count(*) FROM changed),
                   EXISTS (SELECT 1 FROM changed WHERE index_id IS NULL),
                   (SELECT COALESCE(sum(sign), 0) FROM delta), {delta_facets},
                   pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NULL
            FROM kept k""", {**params, "key_": key, "delta_max_": MAX_DELTA_ROWS}).first()
        if kept is not None:
            total, facet_rows, changed, marked, delta_total, delta_rows, snapshot, storable = kept
            if not changed:
                return key, (total, facet_rows)
            if not marked and changed <= MAX_DELTA_ROWS:
                total, facet_rows = total + int(delta_total), _add_counts(facet_rows, delta_rows)
                if storable:
                    _store_counts(conn, key, snapshot, total, facet_rows)
                return key, (total, facet_rows)
        return key, None

    def fetch_docs(self, conn, page, fl):
        if not page:
            return []
        want_all = fl is None or "*" in fl
        columns = ["index_id", "doc"]
        if want_all or "data_dict" in fl:
            columns.append("data_dict")
        if want_all or "validated_data_dict" in fl:
            columns.append("validated_data_dict")
        ids = [index_id for index_id, _ in page]
        found = {row[0]: row for row in execute(
            conn, f"SELECT {', '.join('d.' + c for c in columns)} FROM {TABLE} d "
                  f"WHERE d.index_id = ANY(%(ids)s)", {"ids": ids})}
        docs = []
        for index_id, score in page:
            row = found.get(index_id)
            if row is None:
                continue  # deleted between the two statements
            docs.append(self._document(row._mapping, score, None if want_all else fl))
        return docs

    def _document(self, mapping, score, fl: Optional[list]) -> dict:
        """A Solr-like document from a row of the index: its fields, the stored dicts that
        were read, the score; only the fields in ``fl`` if given."""
        doc = dict(mapping["doc"])
        for blob in ("data_dict", "validated_data_dict"):
            if blob in mapping and mapping[blob] is not None:
                doc[blob] = mapping[blob]
        doc["score"] = float(score)
        if fl is not None:
            doc = {k: doc[k] for k in fl if k in doc}
        if self.decode_dates:
            doc = {k: self._decode(v) for k, v in doc.items()}
        return doc

    @staticmethod
    def _decode(value: Any) -> Any:
        if isinstance(value, str) and _DATE_RE.match(value):
            parsed = document.parse_date(value)
            return parsed.replace(tzinfo=None) if parsed else value
        return value

    @staticmethod
    def facet_result(facet_fields, counts, limit: int, mincount: int) -> dict:
        """Solr's facet_fields: [value, count, ...] by count, then value; every field present."""
        result: dict[str, list] = {}
        for field in facet_fields:
            # a field without a value (a resource without description) is not a facet value, as
            # in Solr; None also broke the sort (500, attack review of 6 December)
            items = [(v, c) for v, c in counts.get(field, {}).items() if c >= mincount and v is not None]
            items.sort(key=lambda vc: (-vc[1], vc[0]))
            if limit >= 0:
                items = items[:limit]
            flat: list = []
            for value, count in items:
                flat.extend([value, count])
            result[field] = flat
        return result
