"""Answers of public pages, kept for anonymous visitors (in Redis, shared by all web servers).

A capability names the Flask endpoints whose anonymous GET answers may be kept
(:func:`install`, from its plugin's ``make_middleware``). For such a request the cache serves the
answer a former anonymous request got, if one was kept in the current generation
(generation.py) and is younger than ``ckanext.jena.cache.seconds``; otherwise the page is made
as always and its answer kept.

Never kept or served from the cache:
- served: anything but GET; another endpoint; a logged-in user (cookie or Authorization/API
  token header); a visitor whose session holds more than a CSRF token (a message to show, a
  login in progress);
- kept: answers other than 200, streamed ones, those that set a cookie of their own, answers to
  requests that carried cookies, and those larger than ``ckanext.jena.cache.max_entry_kilobytes``.
  The CSRF token a page shows (CKAN puts one into every page for its scripts) is taken out
  and each visitor served the page gets their own there.

Anonymous visitors see only public data, so a kept answer holds nothing private; any change in
the database (a dataset made private included) starts a new generation. The key is a SHA-256 of
generation, endpoint, language, the whole URL with scheme and host (a page made for a forged Host
header is only ever served to that header) and the Accept header (the DCAT content negotiation): a long query string costs no memory of its own, and the store is bounded in bytes
(``ckanext.jena.cache.max_megabytes`` kept per ``ckanext.jena.cache.seconds``, see Store)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from typing import Callable, Optional

from ckan.plugins import toolkit

from ckanext.jena import settings

from . import generation

log = logging.getLogger(__name__)

HEADER = "X-Jena-Cache"
# where a kept page had its visitor's CSRF token (CKAN's pages carry one in a meta tag for
# their scripts): each visitor served the page gets their own token there
_CSRF_MARK = b"\x00jena-cache-csrf-token\x00"
_EXTENSION = "jena_cache"


class Store:
    """Kept answers in Redis, shared by every web server process and machine of the site.

    Each answer expires after ``seconds``; the bodies kept within one such period are counted
    (a counter that expires with the period), and once they reach ``max_bytes`` nothing more is
    kept until the period ends. So kept answers never take more than twice ``max_bytes`` of
    Redis's memory, however many different URLs are asked for (entries of an older generation
    are never read again and expire with their time)."""

    def _redis(self):
        from ckan.lib.redis import connect_to_redis
        return connect_to_redis()

    @staticmethod
    def _key(*parts: str) -> str:
        return ":".join(("jena", toolkit.config.get("ckan.site_id") or "", "cache") + parts)

    def get(self, key: str):
        raw = self._redis().get(self._key("page", key))
        if raw is None:
            return None
        meta, _, body = raw.partition(b"\n")
        entry = json.loads(meta)
        entry["body"] = body
        return entry

    def put(self, key: str, entry: dict, seconds: int, max_bytes: int) -> bool:
        """Keeps ``entry`` for ``seconds``; False when the period's budget is spent."""
        if seconds <= 0:
            return False
        meta = json.dumps({"headers": entry["headers"], "g": entry["g"]}).encode("utf-8")
        raw = meta + b"\n" + entry["body"]
        redis = self._redis()
        budget = self._key("bytes")
        pipe = redis.pipeline()
        pipe.incrby(budget, len(raw))
        pipe.expire(budget, seconds, nx=True)
        spent = pipe.execute()[0]
        if spent > max_bytes:
            return False
        redis.set(self._key("page", key), raw, ex=seconds)
        return True

    def clear(self) -> None:
        redis = self._redis()
        for name in redis.scan_iter(match=self._key("*"), count=1000):
            redis.delete(name)


store = Store()


@dataclasses.dataclass(frozen=True)
class Rule:
    """How one endpoint is cached. ``when``: a further condition on the request (e.g. which API
    action), checked before the cache is asked. ``keep``: called when an answer is kept, returns a
    small dict of ``g`` attributes the endpoint's other after-request hooks read, set again on a
    hit (e.g. the dataset's id and visibility for the view count)."""
    when: Optional[Callable[[], bool]] = None
    keep: Optional[Callable[[], dict]] = None


def install(app, endpoints: dict) -> None:
    """Keep anonymous answers of ``endpoints`` ({endpoint: Rule}) in the Flask ``app``."""
    if not hasattr(app, "before_request"):
        return
    registry = app.extensions.get(_EXTENSION)
    if registry is None:
        registry = app.extensions[_EXTENSION] = {}
        # registered after CKAN's own hooks: the user is identified when _serve runs, and
        # _keep runs before CKAN's after-request hook ends the database session
        app.before_request(_serve)
        app.after_request(_keep)
    registry.update(endpoints)
    generation.watch_writes()


def enabled() -> bool:
    return toolkit.asbool(settings.get("ckanext.jena.cache.enabled"))


def _csrf_field() -> str:
    return toolkit.config.get("WTF_CSRF_FIELD_NAME") or "_csrf_token"


def _harmless_session(session) -> bool:
    """Nothing in the session but a CSRF token: nothing a page shows differs for this visitor."""
    return set(session.keys()) <= {_csrf_field(), "_permanent", "_fresh"}


def _anonymous() -> bool:
    from flask import session
    request = toolkit.request
    if request.headers.get("Authorization") or request.headers.get(
            toolkit.config.get("apikey_header_name") or "X-CKAN-API-Key"):
        return False
    user = getattr(toolkit, "current_user", None)
    if user is not None and not user.is_anonymous:
        return False
    if toolkit.g.get("user"):
        return False
    return _harmless_session(session)


def _key(gen: str) -> str:
    request = toolkit.request
    # the headers that choose another answer for the same address: Accept (DCAT formats), and
    # htmx's HX-* (CKAN 2.12 answers a search page asked with HX-Request with a fragment)
    variant = "\x01".join(f"{name.lower()}={value}" for name, value in sorted(request.headers.items())
                           if name.lower().startswith("hx-"))
    parts = (gen, request.endpoint or "", request.environ.get("CKAN_LANG") or "",
             request.environ.get("CKAN_CURRENT_URL") or "", request.scheme, request.host, request.full_path,
             request.headers.get("Accept") or "", variant)
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _serve():
    from flask import current_app, g
    request = toolkit.request
    rule = current_app.extensions.get(_EXTENSION, {}).get(request.endpoint)
    if request.method != "GET" or rule is None or (rule.when and not rule.when()):
        return None
    if request.content_length or request.headers.get("Transfer-Encoding"):
        # CKAN's API takes a GET request's JSON body as its parameters: the address alone does
        # not say what was asked (third attack review, F3)
        return None
    if not enabled() or not _anonymous():
        return None
    gen = generation.current()
    if gen is None:
        return None
    key = _key(gen)
    try:
        entry = store.get(key)
    except Exception as e:  # (Redis went away after the generation was read)
        log.warning("page cache not read: %s", e)
        return None
    if entry is None:
        g.jena_cache_key = key
        return None
    for name, value in entry["g"].items():
        setattr(g, name, value)
    g.jena_cache_hit = True
    # private like the page made afresh (CKAN's after-request hook reads this): a hit carries
    # this visitor's CSRF token and sets their session cookie, which no shared cache may keep
    request.environ["__no_cache__"] = True
    body = entry["body"]
    if _CSRF_MARK in body:
        from flask_wtf.csrf import generate_csrf
        body = body.replace(_CSRF_MARK, generate_csrf().encode("ascii"))
    response = current_app.response_class(body, status=200, headers=entry["headers"])
    response.headers[HEADER] = "hit"
    response.cache_control.max_age = 0  # (as ckan.cache_expires on a miss: browsers ask again)
    response.cache_control.must_revalidate = True
    return response


def _keep(response):
    from flask import current_app, g, session
    key = g.pop("jena_cache_key", None)
    if key is None or g.get("jena_cache_hit"):
        return response
    # kept only from requests without cookies, whose session then holds at most the CSRF token
    # made for this page (its cookie is set after this hook), which is taken out: nothing of
    # one visitor's reaches another
    if (response.status_code != 200 or response.is_streamed or response.direct_passthrough
            or "Set-Cookie" in response.headers or toolkit.request.cookies
            or not _harmless_session(session)):
        return response
    body = response.get_data()
    token = g.get(_csrf_field())
    if token:
        body = body.replace(token.encode("ascii"), _CSRF_MARK)
    if len(body) > toolkit.asint(settings.get("ckanext.jena.cache.max_entry_kilobytes")) * 1024:
        return response
    rule = current_app.extensions.get(_EXTENSION, {}).get(toolkit.request.endpoint)
    headers = [(name, value) for name, value in response.headers.items()
               if name.lower() not in ("set-cookie", "content-length", HEADER.lower())]
    try:
        kept = store.put(key, {"body": body, "headers": headers, "g": rule.keep() if rule and rule.keep else {}},
                         toolkit.asint(settings.get("ckanext.jena.cache.seconds")),
                         toolkit.asint(settings.get("ckanext.jena.cache.max_megabytes")) * 1024 * 1024)
    except Exception as e:
        log.warning("page cache not written: %s", e)
        return response
    if kept:
        response.headers[HEADER] = "miss"
    return response
