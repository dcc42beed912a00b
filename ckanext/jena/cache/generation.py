"""The cache's generation: one value in Redis, renewed whenever the database changed.

Every kept answer is filed under the generation it was made in, so a new generation drops them
all at once, in every web server process and on every machine that shares the Redis. What
counts as a change is what reached the database: each process of the portal (web servers,
harvest consumers, job worker, commands) watches the SQL it sends through SQLAlchemy, and after a
transaction that wrote (INSERT, UPDATE, DELETE, ...) has been committed and its connection handed
back, it renews the generation. So a dataset edited, made private, harvested, purged or changed
by a bulk action, an explainer edited or a taxonomy loaded all show at once, whichever code path
did it, without each capability having to remember to say so.

The generation is a random token, not a counter: after Redis lost its data, a new token can never
meet answers kept under an old one. When Redis cannot be reached, nothing is served from or kept in
the cache (:func:`current` answers None)."""
from __future__ import annotations

import contextlib
import functools
import logging
import re
import secrets
import threading

log = logging.getLogger(__name__)

_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|TRUNCATE|MERGE|ALTER|DROP|CREATE|COPY)\b"
                    r"|^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.I | re.S)
# CKAN's bookkeeping on every logged-in request (when a token or user was last seen): no public
# page shows it, and renewing on it would empty the cache whenever someone works in the portal
_BOOKKEEPING = re.compile(r'^\s*UPDATE\s+(?:api_token\s+SET\s+last_access|"user"\s+SET\s+last_active)\s*=[^,]*\s+WHERE\b',
                          re.I)
# the table an INSERT, UPDATE or DELETE writes to
_TARGET = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:\w+\.)?"?(\w+)"?', re.I)
_WRITTEN = "jena_cache_written"      # on the DBAPI connection: this transaction wrote
_COMMITTED = "jena_cache_committed"  # a transaction that wrote was committed: renew at check-in
_quiet = threading.local()
_watching = False


def _redis_key() -> str:
    from ckan.plugins import toolkit
    return ":".join(("jena", toolkit.config.get("ckan.site_id") or "", "cache", "generation"))


def current() -> str | None:
    """The generation in effect (made when there is none yet), or None when Redis is away."""
    from ckan.lib.redis import connect_to_redis
    try:
        redis = connect_to_redis()
        value = redis.get(_redis_key())
        if value is None:
            redis.set(_redis_key(), secrets.token_hex(8), nx=True)
            value = redis.get(_redis_key())
    except Exception as e:  # the cache is an optimisation: without Redis, pages are made anew
        log.warning("page cache off for this request: Redis unavailable (%s)", e)
        return None
    return value.decode() if isinstance(value, bytes) else value


def renew() -> None:
    """A new generation: every kept answer is stale from now on."""
    from ckan.lib.redis import connect_to_redis
    try:
        connect_to_redis().set(_redis_key(), secrets.token_hex(8))
    except Exception:
        log.exception("could not renew the page cache's generation in Redis: kept pages may be "
                      "served for up to ckanext.jena.cache.seconds")


def _bookkeeping_tables() -> frozenset:
    from ckanext.jena import settings
    value = settings.get("ckanext.jena.cache.bookkeeping_tables")
    return _parse_tables(tuple(value) if isinstance(value, list) else value)


@functools.lru_cache(maxsize=8)
def _parse_tables(value) -> frozenset:
    from ckan.plugins import toolkit
    return frozenset(name.lower() for name in toolkit.aslist(value))


@contextlib.contextmanager
def unwatched():
    """Writes in this block do not renew the generation: only for bookkeeping no kept page shows
    in a way that must be current (the dataset view counts behind "most viewed")."""
    before = getattr(_quiet, "on", False)
    _quiet.on = True
    try:
        yield
    finally:
        _quiet.on = before


def watch_writes() -> None:
    """Renew the generation after every committed transaction that wrote (once per process)."""
    global _watching
    if _watching:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if getattr(_quiet, "on", False) or not _WRITE.match(statement) or _BOOKKEEPING.match(statement):
            return
        target = _TARGET.match(statement)
        if target and target.group(1).lower() in _bookkeeping_tables():
            return
        conn.info[_WRITTEN] = True

    def commit(conn):
        # (called before the commit reaches the server: renewing now would let a request made
        # in between keep the old data under the new generation; the check-in comes after it)
        if conn.info.pop(_WRITTEN, False):
            conn.info[_COMMITTED] = True

    def rollback(conn):
        conn.info.pop(_WRITTEN, None)

    def checkin(dbapi_connection, connection_record):
        if connection_record is not None and connection_record.info.pop(_COMMITTED, False):
            renew()

    event.listen(Engine, "before_cursor_execute", before_cursor_execute)
    event.listen(Engine, "commit", commit)
    event.listen(Engine, "rollback", rollback)
    event.listen(Pool, "checkin", checkin)
    _watching = True
