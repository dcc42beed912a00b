"""Views of dataset pages per day, for "most viewed" on the home page: no IP addresses, no
cookies, no user ids — only a count per dataset and day (table jena_dataset_view)."""
from __future__ import annotations

import datetime

import sqlalchemy as sa
from ckan import model

TABLE_SQL = """
CREATE TABLE IF NOT EXISTS jena_dataset_view (
    dataset_id text NOT NULL,
    day date NOT NULL,
    views integer NOT NULL DEFAULT 0,
    PRIMARY KEY (dataset_id, day)
);
CREATE INDEX IF NOT EXISTS jena_dataset_view_day ON jena_dataset_view (day)"""
DAYS = 30  # counts older than this are deleted


def ensure_table() -> None:
    model.Session.execute(sa.text(TABLE_SQL))
    model.Session.commit()


def count_view(dataset_id: str) -> None:
    """Adds one view, committed on a connection of its own (not the request's session); counts
    older than DAYS days go (an index on day makes that a cheap look when there are none)."""
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
