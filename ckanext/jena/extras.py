"""Where CKAN keeps a dataset's extras, for the few queries that read them in SQL.

The Jena schema stores its own fields (origin, harvest gaps, action fields, ...) as extras.
CKAN 2.11 keeps them in the table ``package_extra`` (a row per key, with a state); CKAN 2.12
moved them into the JSONB column ``package.extras`` and dropped the table (migration
``106_12d64978ab44_faster_extras``). ``rows()`` is the same (package_id, key, value) relation on
both, so a query names neither. Checked against CKAN 2.11.6 and 2.12.0; tests/test_extras.py
fails when neither layout is found.
"""
from __future__ import annotations

import sqlalchemy as sa
from ckan import model


def in_package_column() -> bool:
    """CKAN 2.12 and later: extras are the JSONB column package.extras."""
    return "extras" in model.package_table.c


def rows_sql() -> str:
    """A parenthesised SQL relation (package_id, key, value) of every dataset's current extras."""
    if in_package_column():
        return "(SELECT p.id AS package_id, e.key, e.value FROM package p, jsonb_each_text(p.extras) e)"
    return "(SELECT package_id, key, value FROM package_extra WHERE state = 'active')"


def rows():
    """``rows_sql()`` as a SQLAlchemy subquery with columns package_id, key, value (one per call,
    so a query can join it twice)."""
    return (sa.text(rows_sql()[1:-1])
            .columns(sa.column("package_id"), sa.column("key"), sa.column("value"))
            .subquery())
