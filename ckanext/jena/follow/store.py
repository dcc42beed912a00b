"""jena_follow (migration/jena_follow/): plain SQL through CKAN's session."""
from __future__ import annotations

import sqlalchemy as sa

from ckan import model


def add(user_id: str, kind: str, target: str) -> None:
    model.Session.execute(sa.text(
        "INSERT INTO jena_follow (user_id, kind, target) VALUES (:u, :k, :t) ON CONFLICT DO NOTHING"),
        {"u": user_id, "k": kind, "t": target})
    model.Session.commit()


def remove(user_id: str, kind: str, target: str) -> None:
    model.Session.execute(sa.text("DELETE FROM jena_follow WHERE user_id = :u AND kind = :k AND target = :t"),
                          {"u": user_id, "k": kind, "t": target})
    model.Session.commit()


def of_user(user_id: str) -> list[dict]:
    rows = model.Session.execute(sa.text(
        "SELECT kind, target, created FROM jena_follow WHERE user_id = :u ORDER BY kind, created"), {"u": user_id})
    return [{"kind": r.kind, "target": r.target, "created": r.created.isoformat()} for r in rows]


def count_of_user(user_id: str) -> int:
    return model.Session.execute(sa.text("SELECT count(*) FROM jena_follow WHERE user_id = :u"), {"u": user_id}).scalar()


def followers() -> list[str]:
    return [r[0] for r in model.Session.execute(sa.text("SELECT DISTINCT user_id FROM jena_follow"))]


def forget_user(user_id: str) -> None:
    model.Session.execute(sa.text("DELETE FROM jena_follow WHERE user_id = :u"), {"u": user_id})
    model.Session.commit()
