"""The page memo: what a source's page held the last time exactly these bytes were read.

An unchanged re-run of a large catalog spends nearly all its time parsing pages whose bytes did
not change (a Turtle page of 100 datasets takes about a quarter of a second to parse and hash).
Reading a page is a pure function of its bytes, its address, its RDF syntax and the harvester's
code, so its result (each record's guid, content hash, identifiers or error, the next page, the
announced total) is kept in Redis under a hash of all of these, for
``ckanext.jena.harvest.page_memo_days`` (0: off). A harvester uses it only when every record on
the page is already in the portal unchanged; otherwise it parses the page, since records to
import need their content. The memo is a cache: lost (Redis restarted or flushed) or expired,
the page is parsed as before, and `ckan jena harvest run --force` never uses it."""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Optional

from ckanext.jena import settings

log = logging.getLogger(__name__)
PREFIX = "ckanext-jena:harvest:page:"


def fingerprint(*paths: str) -> str:
    """A hash of the code files that decide what a page holds (a change reads every page anew)."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def page_key(code: str, url: str, syntax: str, body: bytes) -> str:
    digest = hashlib.sha256("\n".join((code, url, syntax, "")).encode("utf-8"))
    digest.update(body)
    return PREFIX + digest.hexdigest()


def _days() -> int:
    return int(settings.get("ckanext.jena.harvest.page_memo_days") or 0)


def _redis():
    from ckan.lib.redis import connect_to_redis
    return connect_to_redis()


def recall(key: str) -> Optional[dict]:
    if _days() <= 0:
        return None
    try:
        raw = _redis().get(key)
        return json.loads(raw) if raw else None
    except Exception as exc:  # a cache: without Redis the page is parsed
        log.info("harvest page memo not readable (%s); parsing the page", exc)
        return None


def remember(key: str, value: dict) -> None:
    days = _days()
    if days <= 0:
        return
    try:
        _redis().setex(key, days * 86400, json.dumps(value, separators=(",", ":")))
    except Exception as exc:
        log.info("harvest page memo not written (%s)", exc)
