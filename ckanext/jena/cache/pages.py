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

from ckanext.jena import concurrency, settings

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
    hit (e.g. the dataset's id and visibility for the view count).

    ``parameters``: the only query parameters the endpoint reads (None: any may change the
    answer). The key then holds only these, so ``?foo=1``, ``?foo=2``, ... are the same kept
    answer instead of a page made anew for each: an anonymous visitor made the DCAT catalog
    (a second and 700 KB each) for every made-up parameter, and five of them held every web worker
    (seventh attack review, F1). ``heavy``: a page that takes seconds to make; while it is made
    (not served from the cache), each client may make ``ckanext.jena.cache.heavy_concurrent_per_client``
    of them at once and all clients together ``ckanext.jena.cache.heavy_concurrent`` (sysadmins
    not counted); more are answered 429 at once, with a sentence and Retry-After. ``narrow``:
    ``parameters`` and ``heavy`` hold only for requests it says True for (an endpoint that
    answers both a cheap and a heavy page: ckanext-dcat's dataset page, HTML or RDF)."""
    when: Optional[Callable[[], bool]] = None
    keep: Optional[Callable[[], dict]] = None
    parameters: Optional[frozenset] = None
    heavy: bool = False
    narrow: Optional[Callable[[], bool]] = None

    def narrowed(self) -> "Rule":
        """This rule as it holds for the current request."""
        if self.narrow is None or self.narrow():
            return self
        return dataclasses.replace(self, parameters=None, heavy=False, narrow=None)


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
        app.teardown_request(_give_back_heavy)
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


def _address(rule: Optional[Rule]) -> str:
    """The request's path and query; for a rule naming its ``parameters``, only those, sorted."""
    request = toolkit.request
    if rule is None or rule.parameters is None:
        return request.full_path
    from urllib.parse import urlencode
    read = sorted((name, value) for name, values in request.args.lists() if name in rule.parameters
                  for value in values)
    return request.path + "?" + urlencode(read)


def _key(gen: str, rule: Optional[Rule] = None) -> str:
    request = toolkit.request
    # the headers that choose another answer for the same address: Accept (DCAT formats), and
    # htmx's HX-* (CKAN 2.12 answers a search page asked with HX-Request with a fragment)
    variant = "\x01".join(f"{name.lower()}={value}" for name, value in sorted(request.headers.items())
                           if name.lower().startswith("hx-"))
    # CKAN_CURRENT_URL is the whole address again: for a rule with parameters, only its path
    current = request.environ.get("CKAN_CURRENT_URL") or ""
    if rule is not None and rule.parameters is not None:
        current = current.split("?", 1)[0]
    parts = (gen, request.endpoint or "", request.environ.get("CKAN_LANG") or "",
             current, request.scheme, request.host, _address(rule),
             request.headers.get("Accept") or "", variant)
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


_HEAVY = "heavy-running"


def _heavy_keys() -> tuple:
    """The Redis keys counting heavy pages being made: this client's (a keyed hash of its
    address, an IPv6 address's /64 network: net.client; never the address itself) and all
    clients'; () for a sysadmin or a request without address."""
    user = getattr(toolkit, "current_user", None)
    if getattr(user, "sysadmin", False) or getattr(toolkit.g.get("userobj"), "sysadmin", False):
        return ()
    from ckanext.jena import net
    address = net.client(toolkit.request.remote_addr)
    if not address:
        return ()
    secret = (toolkit.config.get("SECRET_KEY") or toolkit.config.get("beaker.session.secret") or "").encode()
    client = hashlib.sha256(secret + b"\x00" + address.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return (Store._key(_HEAVY, client), Store._key(_HEAVY, "all"))


def _take_heavy() -> Optional[tuple]:
    """A place to make a heavy page (the keys taken, () when no limit applies), or None when the
    client or all clients together already make as many as allowed. Each count expires a little
    after a page may take (a worker killed meanwhile frees its place)."""
    keys = _heavy_keys()
    if not keys:
        return ()
    limits = (toolkit.asint(settings.get("ckanext.jena.cache.heavy_concurrent_per_client")),
              toolkit.asint(settings.get("ckanext.jena.cache.heavy_concurrent")))
    taken = concurrency.take(store._redis, keys, limits, 120, log, "heavy page places")
    if taken is None:  # Redis away: the page is made, as without a limit
        return ()
    return keys if taken else None


def _decrement(keys) -> None:
    concurrency.give_back(store._redis, keys, log, "heavy page places")


def _give_back_heavy(_exception=None) -> None:
    from flask import g
    keys = g.pop("jena_heavy_keys", None)
    if keys:
        _decrement(keys)


def busy_message() -> str:
    return toolkit._("This page takes long to make, and too many of them are being made at the moment "
                     "(yours or others'). Please try again in a few seconds.")


_ACTIONS = "jena heavy actions"


def heavy_actions(app, names) -> None:
    """Actions that, asked through CKAN's action API, are as heavy as such a page: each call needs
    a place as a heavy page made does (checked before the API runs the action, so the answer is a
    429 like the pages')."""
    if not hasattr(app, "before_request"):
        return
    install(app, {})
    app.extensions[_EXTENSION].setdefault(_ACTIONS, set()).update(names)


def _heavy_action() -> bool:
    from flask import current_app
    names = current_app.extensions.get(_EXTENSION, {}).get(_ACTIONS) or ()
    return toolkit.request.endpoint == "api.action" and \
        (toolkit.request.view_args or {}).get("logic_function") in names


def _busy():
    from flask import current_app
    message = busy_message()
    response = current_app.response_class(message + "\n", status=429, mimetype="text/plain")
    response.headers["Retry-After"] = "5"
    response.headers["Content-Language"] = toolkit.request.environ.get("CKAN_LANG") or "de"
    return response


def _serve():
    from flask import current_app, g
    request = toolkit.request
    if _heavy_action():
        refused = _made(Rule(heavy=True))
        if refused is not None:
            return refused
    rule = current_app.extensions.get(_EXTENSION, {}).get(request.endpoint)
    if request.method not in ("GET", "HEAD") or rule is None or (rule.when and not rule.when()):
        return None
    rule = rule.narrowed()
    if request.method == "HEAD":
        # Flask answers HEAD by making the whole page: never from or into the cache, but a heavy
        # page needs its place as for GET (a re-attack, 7 December: HEAD made catalogs unlimited)
        return _made(rule)
    if request.content_length or request.headers.get("Transfer-Encoding"):
        # CKAN's API takes a GET request's JSON body as its parameters: the address alone does
        # not say what was asked (third attack review, F3)
        return None
    if not enabled() or not _anonymous():
        return _made(rule)
    gen = generation.current()
    if gen is None:
        return _made(rule)
    key = _key(gen, rule)
    try:
        entry = store.get(key)
    except Exception as e:  # (Redis went away after the generation was read)
        log.warning("page cache not read: %s", e)
        return _made(rule)
    if entry is None:
        refused = _made(rule)
        if refused is None:
            g.jena_cache_key = key
        return refused
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


def _made(rule: Rule):
    """The page is made for this request: for a heavy one, a place is taken (given back when the
    request ends) or the 429 answer returned."""
    if not rule.heavy:
        return None
    from flask import g
    keys = _take_heavy()
    if keys is None:
        return _busy()
    if keys:
        g.jena_heavy_keys = keys
    return None


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
