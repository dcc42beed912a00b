"""The PostgreSQL search index, speaking the part of pysolr's interface that CKAN uses.

CKAN builds every index document and every query itself (ckan/lib/search/index.py and
query.py); this class stores those documents in PostgreSQL and answers those queries, so
CKAN's privacy rules (permission labels, capacity, drafts) and other plugins' index fields
stay exactly as CKAN makes them. Writes go through the SQLAlchemy session of the dataset
change, so a dataset and its index entry are committed or rolled back together.
"""
from __future__ import annotations

import datetime
import json
import logging
import os
import re
import threading
from typing import Any, Iterable, Optional

import sqlalchemy as sa

import ckan.model as model
from ckan.lib.search.common import SearchError, SearchIndexError, SearchQueryError
from ckan.plugins import toolkit

from . import document, fields
from .db import execute
from .lucene import Bool, Clause, MUST, UnsupportedQuery, parse_dismax, parse_lucene
from .sql import TABLE, Compiler, collect_words, order_by, resolve_lexemes

log = logging.getLogger(__name__)

_SCHEMA_SQL = os.path.join(os.path.dirname(__file__), "schema.sql")
_schema_lock = threading.Lock()
_schema_ready = False
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


class SearchBackendError(Exception):
    """The index could not be read or written (the message says why)."""


def ensure_schema(force: bool = False) -> None:
    """Create the index table, its indexes and SQL functions if they are missing."""
    global _schema_ready
    if _schema_ready and not force:
        return
    with _schema_lock:
        if _schema_ready and not force:
            return
        with open(_SCHEMA_SQL, encoding="utf-8") as f:
            ddl = f.read()
        engine = model.meta.engine if model.meta.engine is not None else model.Session.get_bind()
        with engine.begin() as conn:
            # Several processes may start at once: serialise the DDL on an advisory lock.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(72110521)")
            conn.exec_driver_sql(ddl)
        _schema_ready = True


def _forget_schema(target, connection, **kw):
    # `ckan db clean` and CKAN's test fixtures drop every table: create ours again on next use
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
    if not session.info.get(_COMMITTING):
        session.commit()


def facet_field_set() -> set:
    configured = set(toolkit.aslist(toolkit.config.get("search.facets", []) or []))
    extra = set(toolkit.aslist(toolkit.config.get("ckanext.jena.search.facet_fields", []) or []))
    return fields.DEFAULT_FACET_FIELDS | configured | extra


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


def _session_connection():
    ensure_schema()
    return model.Session.connection()


class PostgresSearchConnection:
    """Drop-in for the ``pysolr.Solr`` object returned by ``make_connection()``."""

    url = "postgresql:jena_search_document"

    def __init__(self, decode_dates: bool = True):
        self.decode_dates = decode_dates

    # -- writing ---------------------------------------------------------------------------
    def add(self, docs: Iterable[dict], commit: bool = False, **kwargs: Any) -> None:
        try:
            self._add(docs)
        except sa.exc.DBAPIError as error:
            raise SearchIndexError(f"PostgreSQL search index: {error.orig}") from error

    def _add(self, docs: Iterable[dict]) -> None:
        facet_fields = facet_field_set()
        rows = [document.build_row(doc, facet_fields) for doc in docs]
        if not rows:
            return
        conn = _session_connection()
        execute(conn, 
            f"""
            INSERT INTO {TABLE} AS d (index_id, id, site_id, doc, data_dict, validated_data_dict,
                terms, facet_terms, search_vector, search_text, title_string,
                metadata_created, metadata_modified, bbox, indexed_at)
            VALUES (%(index_id)s, %(id)s, %(site_id)s, %(doc)s::jsonb, %(data_dict)s,
                %(validated_data_dict)s, %(terms)s::text[], %(facet_terms)s::text[],
                setweight(to_tsvector('jena_german', jena_fold(%(text_a)s)), 'A') ||
                setweight(to_tsvector('jena_german', jena_fold(%(text_b)s)), 'B') ||
                setweight(to_tsvector('jena_german', jena_fold(%(text_c)s)), 'C') ||
                setweight(to_tsvector('jena_german', jena_fold(%(text_d)s)), 'D'),
                jena_fold(%(search_text)s), %(title_string)s, %(metadata_created)s,
                %(metadata_modified)s, %(bbox)s::box, now())
            ON CONFLICT (index_id) DO UPDATE SET
                id = EXCLUDED.id, site_id = EXCLUDED.site_id, doc = EXCLUDED.doc,
                data_dict = EXCLUDED.data_dict, validated_data_dict = EXCLUDED.validated_data_dict,
                terms = EXCLUDED.terms, facet_terms = EXCLUDED.facet_terms,
                search_vector = EXCLUDED.search_vector, search_text = EXCLUDED.search_text,
                title_string = EXCLUDED.title_string, metadata_created = EXCLUDED.metadata_created,
                metadata_modified = EXCLUDED.metadata_modified, bbox = EXCLUDED.bbox,
                indexed_at = now()
            """,
            rows if len(rows) > 1 else rows[0],
        )

    def delete(self, id: Optional[str] = None, q: Optional[str] = None,
               commit: bool = False, **kwargs: Any) -> None:
        conn = _session_connection()
        if id is not None:
            ids = id if isinstance(id, (list, tuple)) else [id]
            execute(conn, f"DELETE FROM {TABLE} WHERE index_id = ANY(%(ids)s)", {"ids": list(ids)})
            if commit:
                _commit_unless_committing()
            return
        if q is None:
            raise SearchBackendError("delete needs an id or a query")
        try:
            where, params, _ = self.compile_where(conn, q, [], lucene_default="text", q_op="AND")
        except UnsupportedQuery as error:
            raise SearchIndexError(f"cannot delete by {q!r}: {error}") from error
        execute(conn, f"DELETE FROM {TABLE} d WHERE {where}", params)
        if commit:
            # inside a dataset change the deletion is committed with it (see above); from
            # `ckan search-index clear <id>` it is committed now
            _commit_unless_committing()

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
        try:
            if def_type in ("dismax",):
                q_node = parse_dismax(q, mm)
                q_defaults = qf_fields
            elif def_type == "edismax":
                q_node = parse_lucene(q, default_and=default_and)
                q_defaults = qf_fields
            elif def_type in (None, "", "lucene", "standard"):
                q_node = parse_lucene(q, default_and=default_and)
                q_defaults = [lucene_default]
            else:
                raise UnsupportedQuery(f"query parser '{def_type}' is not supported")
            fq_nodes = [parse_lucene(f, default_and=default_and) for f in fq]
        except UnsupportedQuery:
            raise
        words: set = set()
        collect_words(q_node, True, words)
        for node in fq_nodes:
            collect_words(node, lucene_default == "text", words)
        lexemes = resolve_lexemes(conn, words)
        compiler = Compiler(lexemes, q_defaults)
        parts = [compiler.compile(q_node)]
        rank_sql = compiler.rank_expression()
        filter_compiler_ranks = list(compiler.rank_parts)
        compiler.default_fields = [lucene_default]
        for node in fq_nodes:
            parts.append(compiler.compile(node))
        compiler.rank_parts = filter_compiler_ranks  # filters do not change the ranking
        where = " AND ".join(f"({p})" for p in parts if p != "TRUE") or "TRUE"
        return where, compiler.params, rank_sql

    def search(self, q: Optional[str] = None, **params: Any) -> SolrLikeResults:
        try:
            return self._search(q, params)
        except UnsupportedQuery as error:
            raise SearchQueryError(str(error)) from error
        except sa.exc.DBAPIError as error:
            log.error("jena_search query failed: %s (params %r)", error.orig, params)
            raise SearchError(f"the search index could not answer: {error.orig}") from error

    def _search(self, q: Optional[str], params: dict) -> SolrLikeResults:
        params = dict(params)
        conn = _session_connection()
        fq = [f for f in _as_list(params.get("fq")) if str(f).strip()]
        def_type = params.get("defType")
        where, sql_params, rank_sql = self.compile_where(
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
        order = order_by(params.get("sort"), rank_sql)
        fl = self.field_list(params.get("fl"))

        hits, docs = self.fetch_page(conn, where, sql_params, rank_sql, order, fl, rows, start)
        facets: dict = {"facet_fields": {}}
        if str(params.get("facet", "false")).lower() == "true":
            facet_fields = params.get("facet.field") or []
            if isinstance(facet_fields, str):
                facet_fields = [facet_fields]
            if facet_fields:
                facets["facet_fields"] = self.facet_counts(
                    conn, where, sql_params, facet_fields,
                    limit=int(params.get("facet.limit", 50) or 50),
                    mincount=int(params.get("facet.mincount", 1) or 0))
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

    def fetch_page(self, conn, where, sql_params, rank_sql, order, fl, rows, start):
        if rows == 0:
            count = execute(conn, 
                f"SELECT count(*) FROM {TABLE} d WHERE {where}", sql_params).scalar()
            return int(count), []
        want_all = fl is None or "*" in fl
        select = ["d.doc", "d.data_dict", "d.validated_data_dict"] if want_all else []
        if not want_all:
            if "data_dict" in fl:
                select.append("d.data_dict")
            if "validated_data_dict" in fl:
                select.append("d.validated_data_dict")
            select.append("d.doc")
        sql = (f"SELECT {', '.join(select)}, {rank_sql} AS score, count(*) OVER () AS hits "
               f"FROM {TABLE} d WHERE {where} ORDER BY {order} "
               f"LIMIT %(limit_)s OFFSET %(offset_)s")
        result = execute(conn, sql, {**sql_params, "limit_": rows, "offset_": start}).fetchall()
        if result:
            hits = int(result[0][-1])
        else:
            hits = int(execute(conn, 
                f"SELECT count(*) FROM {TABLE} d WHERE {where}", sql_params).scalar())
        docs = []
        for row in result:
            mapping = row._mapping
            doc = dict(mapping["doc"])
            if mapping.get("data_dict") is not None:
                doc["data_dict"] = mapping["data_dict"]
            if mapping.get("validated_data_dict") is not None:
                doc["validated_data_dict"] = mapping["validated_data_dict"]
            doc["score"] = float(mapping["score"])
            if not want_all:
                doc = {k: doc[k] for k in fl if k in doc}
            if self.decode_dates:
                doc = {k: self._decode(v) for k, v in doc.items()}
            docs.append(doc)
        return hits, docs

    @staticmethod
    def _decode(value: Any) -> Any:
        if isinstance(value, str) and _DATE_RE.match(value):
            parsed = document.parse_date(value)
            return parsed.replace(tzinfo=None) if parsed else value
        return value

    def facet_counts(self, conn, where, sql_params, facet_fields, limit: int, mincount: int) -> dict:
        fast = facet_field_set()
        result: dict[str, list] = {}
        by_column: dict[str, list[str]] = {"facet_terms": [], "terms": [], "doc": []}
        for field in facet_fields:
            if field in fast or field.startswith("vocab_"):
                by_column["facet_terms"].append(field)
            elif fields.is_text(field):
                by_column["doc"].append(field)
            else:
                by_column["terms"].append(field)
        counts: dict[str, dict[str, int]] = {f: {} for f in facet_fields}
        for column in ("facet_terms", "terms"):
            wanted = by_column[column]
            if not wanted:
                continue
            sql = (f"SELECT split_part(t, chr(31), 1) AS field, "
                   f"substr(t, strpos(t, chr(31)) + 1) AS value, count(*) "
                   f"FROM {TABLE} d CROSS JOIN LATERAL unnest(d.{column}) AS t "
                   f"WHERE {where} AND split_part(t, chr(31), 1) = ANY(%(facet_fields_)s) "
                   f"GROUP BY 1, 2")
            for field, value, count in execute(conn, 
                    sql, {**sql_params, "facet_fields_": wanted}):
                counts[field][value] = int(count)
        for field in by_column["doc"]:
            sql = (f"SELECT v, count(*) FROM {TABLE} d CROSS JOIN LATERAL "
                   f"jena_values(d.doc, %(facet_field_)s) AS v WHERE {where} GROUP BY 1")
            for value, count in execute(conn, sql, {**sql_params, "facet_field_": field}):
                counts[field][value] = int(count)
        for field in facet_fields:
            items = [(v, c) for v, c in counts[field].items() if c >= mincount]
            items.sort(key=lambda vc: (-vc[1], vc[0]))
            if limit >= 0:
                items = items[:limit]
            flat: list = []
            for value, count in items:
                flat.extend([value, count])
            result[field] = flat
        return result
