"""The data requests' tables (migration/jena_datarequest/): plain SQL through CKAN's session."""
from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
import uuid
from typing import Optional

import sqlalchemy as sa

from ckan import model

COLUMNS = ("id", "title", "description", "action_field", "district", "organization_id", "user_id", "state",
           "answer", "dataset_id", "created", "updated")
SELECT = ("SELECT r.*, (SELECT count(*) FROM jena_datarequest_support s WHERE s.datarequest_id = r.id) AS supporters "
          "FROM jena_datarequest r")


def _row(row) -> dict:
    out = dict(row._mapping)
    for key in ("created", "updated"):
        if out.get(key) is not None:
            out[key] = out[key].isoformat()
    return out


def create(**values) -> dict:
    values = {key: values.get(key) for key in COLUMNS if key not in ("id", "created", "updated")}
    values["id"] = str(uuid.uuid4())
    model.Session.execute(sa.text(
        "INSERT INTO jena_datarequest (id, title, description, action_field, district, organization_id, user_id, "
        "state, answer, dataset_id) VALUES (:id, :title, :description, :action_field, :district, "
        ":organization_id, :user_id, :state, :answer, :dataset_id)"), values)
    model.Session.commit()
    return get(values["id"])


def get(request_id: str) -> Optional[dict]:
    row = model.Session.execute(sa.text(SELECT + " WHERE r.id = :id"), {"id": request_id}).first()
    return _row(row) if row else None


def update(request_id: str, **values) -> dict:
    allowed = {key: value for key, value in values.items() if key in COLUMNS and key not in ("id", "created")}
    if allowed:
        assignments = ", ".join(f"{key} = :{key}" for key in allowed)
        model.Session.execute(sa.text(f"UPDATE jena_datarequest SET {assignments}, updated = now() WHERE id = :id"),
                              {**allowed, "id": request_id})
        model.Session.commit()
    return get(request_id)


def listing(states: list[str], organization_id: Optional[str] = None, limit: int = 50, offset: int = 0,
            hidden_states: tuple = (), hidden_for: Optional[list] = None) -> tuple:
    """Requests in ``states``; of the ``hidden_states`` among them only those assigned to no
    organisation or to one of ``hidden_for`` (organisation ids; None: all)."""
    where = ["r.state = ANY(:states)"]
    params = {"states": states, "limit": limit, "offset": offset}
    if hidden_for is not None and hidden_states:
        where.append("(r.state <> ALL(:hidden) OR r.organization_id IS NULL OR r.organization_id = ANY(:mine))")
        params.update(hidden=list(hidden_states), mine=list(hidden_for))
    if organization_id:
        where.append("r.organization_id = :org")
        params["org"] = organization_id
    condition = " WHERE " + " AND ".join(where)
    count = model.Session.execute(sa.text("SELECT count(*) FROM jena_datarequest r" + condition), params).scalar()
    rows = model.Session.execute(sa.text(SELECT + condition + " ORDER BY r.created DESC, r.id LIMIT :limit OFFSET :offset"),
                                 params).fetchall()
    return count, [_row(row) for row in rows]


def user_counts(user_id: str, public_states, waiting_state: str) -> tuple[int, int]:
    """How many of the user's requests an officer let through (in one of ``public_states``) and
    how many wait for moderation (``waiting_state``)."""
    row = model.Session.execute(sa.text(
        "SELECT count(*) FILTER (WHERE state = ANY(:public)), count(*) FILTER (WHERE state = :waiting) "
        "FROM jena_datarequest WHERE user_id = :u"),
        {"u": user_id, "public": list(public_states), "waiting": waiting_state}).first()
    return int(row[0]), int(row[1])


def support(request_id: str, user_id: str) -> bool:
    """True if the user's support is new."""
    done = model.Session.execute(sa.text(
        "INSERT INTO jena_datarequest_support (datarequest_id, user_id) VALUES (:r, :u) ON CONFLICT DO NOTHING"),
        {"r": request_id, "u": user_id})
    model.Session.commit()
    return bool(done.rowcount)


def supported_by(request_id: str, user_id: str) -> bool:
    return bool(model.Session.execute(sa.text(
        "SELECT 1 FROM jena_datarequest_support WHERE datarequest_id = :r AND user_id = :u"),
        {"r": request_id, "u": user_id}).first())


def count_miss(words: str) -> None:
    """On a connection of its own: the search request's session is left as it is."""
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO jena_search_miss (words, count, last_seen) VALUES (:w, 1, now()) "
            "ON CONFLICT (words) DO UPDATE SET count = jena_search_miss.count + 1, last_seen = now()"), {"w": words})


def misses(limit: int = 50, min_count: int = 1) -> list[dict]:
    rows = model.Session.execute(sa.text(
        "SELECT words, count, last_seen FROM jena_search_miss WHERE count >= :min "
        "ORDER BY count DESC, last_seen DESC LIMIT :n"), {"n": limit, "min": min_count}).fetchall()
    return [{"words": r.words, "count": r.count, "last_seen": r.last_seen.date().isoformat()} for r in rows]


def _visitor_digest(kind: str, text: str) -> str:
    """A Redis key for (kind, today, keyed hash of text): the key of the hash is random, made
    each day, and expires with it (as theme/store.py's view counter), so the text (an address)
    cannot be found again from the hash."""
    from ckan.lib.redis import connect_to_redis
    from ckan.plugins import toolkit
    redis = connect_to_redis()
    prefix = ("jena", toolkit.config.get("ckan.site_id") or "", "datarequest")
    salt_key = ":".join(prefix + ("salt", datetime.date.today().isoformat()))
    redis.set(salt_key, secrets.token_hex(32), nx=True, ex=2 * 24 * 3600)
    salt = redis.get(salt_key) or b""
    digest = hmac.new(salt if isinstance(salt, bytes) else salt.encode(), text.encode("utf-8"),
                      hashlib.sha256).hexdigest()
    return ":".join(prefix + (kind, digest))


def count_anonymous(address: str) -> int:
    """One more anonymous data request from this address in the current hour; returns how many
    it made this hour. The address itself is never stored (_visitor_digest)."""
    from ckan.lib.redis import connect_to_redis
    hour = datetime.datetime.now().strftime("%Y-%m-%dT%H")
    key = _visitor_digest("anonymous", f"{hour}\n{address}")
    with connect_to_redis().pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, 3600)
        count, _ = pipe.execute()
    return int(count)


def first_miss_today(words: str, visitor: str) -> bool:
    """True the first time today that this visitor (address) searched these words in vain."""
    from ckan.lib.redis import connect_to_redis
    key = _visitor_digest("miss", f"{visitor}\n{words}")
    return bool(connect_to_redis().set(key, 1, nx=True, ex=25 * 3600))
