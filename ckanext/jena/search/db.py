"""Statement execution for the search index, with an optional recorder for benchmarks."""
from __future__ import annotations

from typing import Any, Optional

# When a list, every statement the backend runs is appended to it as (sql, params): the
# search benchmark replays them to measure the raw SQL floor of a query.
statement_recorder: Optional[list] = None


def execute(conn, sql: str, params: Any = None):
    """Run ``sql`` (psycopg2 pyformat parameters) on a SQLAlchemy connection."""
    if statement_recorder is not None:
        statement_recorder.append((sql, params))
    return conn.exec_driver_sql(sql, params) if params is not None else conn.exec_driver_sql(sql)
