"""Views of dataset pages per day, for "most viewed" on the home page: no IP addresses, no
cookies, no user ids — only a count per dataset and day (table jena_dataset_view).

A visitor counts once per dataset and day. To know whether a visitor was counted today, Redis
keeps, until the end of the day, a keyed hash of (address, dataset) under a random key
that is made each day and expires with it: the address is never stored, and once the day's key
is gone, nobody can find out whose visits the hashes were (not even by trying every address).
The browser's name is not part of it: anyone can send a new one with every request. Behind a
reverse proxy the address is the visitor's only if the proxy passes it on
(``ckanext.jena.security.trusted_proxies``, docs/theme.md). The table comes from the plugin's
migrations (ckanext/jena/migration/jena_theme/)."""
from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit

DAYS = 30  # counts older than this are deleted


def _redis_key(*parts: str) -> str:
    return ":".join(("jena", toolkit.config.get("ckan.site_id") or "", "views") + parts)


def _first_view_today(dataset_id: str, visitor: str) -> bool:
    """True the first time today that this visitor (address) opens this dataset."""
    from ckan.lib.redis import connect_to_redis
    redis = connect_to_redis()
    now = datetime.datetime.now()
    today = now.date()
    midnight = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time())
    until_midnight = max(1, int((midnight - now).total_seconds()) + 1)
    salt_key = _redis_key("salt", today.isoformat())
    redis.set(salt_key, secrets.token_hex(32), nx=True, ex=until_midnight)
    salt = redis.get(salt_key)
    if salt is None:  # the key expired between the two calls: it is the next day now
        return _first_view_today(dataset_id, visitor)
    digest = hmac.new(salt if isinstance(salt, bytes) else salt.encode(),
                      f"{visitor}\n{dataset_id}".encode("utf-8"), hashlib.sha256).hexdigest()
    return bool(redis.set(_redis_key("seen", today.isoformat(), digest), 1, nx=True, ex=until_midnight))


def request_visitor() -> str:
    """Who is asking, as far as counting needs it: the address (not the browser's name, which
    every request may change)."""
    return toolkit.request.remote_addr or ""


def count_view(dataset_id: str, visitor: str | None = None) -> None:
    """Adds one view, unless this visitor (default: the current request's) was counted for this
    dataset today; committed on a connection of its own (not the request's session); counts
    older than DAYS days go (an index on day makes that a cheap look when there are none)."""
    if not _first_view_today(dataset_id, request_visitor() if visitor is None else visitor):
        return
    today = datetime.date.today()
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO jena_dataset_view (dataset_id, day, views) VALUES (:id, :day, 1) "
            "ON CONFLICT (dataset_id, day) DO UPDATE SET views = jena_dataset_view.views + 1"),
            {"id": dataset_id, "day": today})
        connection.execute(sa.text("DELETE FROM jena_dataset_view WHERE day <= :cutoff"),
                           {"cutoff": today - datetime.timedelta(days=DAYS)})


def forget(dataset_id: str) -> None:
    """A purged dataset's counts go with it."""
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM jena_dataset_view WHERE dataset_id = :id"), {"id": dataset_id})


def most_viewed(days: int = DAYS, limit: int = 50) -> list[str]:
    """Dataset ids, most viewed first, over the last ``days`` days."""
    rows = model.Session.execute(sa.text(
        "SELECT dataset_id FROM jena_dataset_view WHERE day > :since GROUP BY dataset_id "
        "ORDER BY sum(views) DESC, dataset_id LIMIT :limit"),
        {"since": datetime.date.today() - datetime.timedelta(days=days), "limit": limit})
    return [row[0] for row in rows]
