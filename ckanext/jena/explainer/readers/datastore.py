"""Reader of a table already loaded into CKAN's DataStore: its rows are read with
``datastore_search`` (typed values, in pages) instead of downloading the file a second time, and
streamed into the same table aggregates as a file's (table.py), so the profile has the same shape:
row count, column types, ranges, time span, Ortsteile, the first rows."""
from __future__ import annotations

import datetime as dt
import decimal
from typing import Callable, Optional

from .table import ProfileError, _late, _Table

PAGE_ROWS = 5000
TIME_TYPES = {"timestamp", "timestamptz", "date"}


def _value(value, field_type: str):
    """A DataStore cell as the table reader takes it: numbers as int/float, times as datetimes."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str) and field_type in TIME_TYPES:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def read(resource_id: str, fmt: str, search: Callable, max_rows: int, deadline: Optional[float]) -> dict:
    """The profile of the DataStore table ``resource_id``; ``search(data_dict)`` is
    datastore_search in the caller's context. Raises ProfileError when the table cannot be read."""
    try:
        first = search({"resource_id": resource_id, "limit": 0, "include_total": True})
    except Exception as exc:  # a table dropped under us, a DataStore that is down
        raise ProfileError(f"The DataStore table could not be read ({exc.__class__.__name__}).",
                           f"Die Tabelle im DataStore ließ sich nicht lesen ({exc.__class__.__name__}).") from None
    fields = [f for f in first["fields"] if f["id"] != "_id"]
    types = [f.get("type") or "text" for f in fields]
    table = _Table(f["id"] for f in fields)
    truncated = False
    offset = 0
    while True:
        page = search({"resource_id": resource_id, "limit": PAGE_ROWS, "offset": offset, "sort": "_id",
                       "fields": [f["id"] for f in fields], "records_format": "lists", "include_total": False})
        rows = page["records"]
        for row in rows:
            if table.rows >= max_rows or _late(deadline, table.rows):
                truncated = True
                break
            table.add_row([_value(value, kind) for value, kind in zip(row, types)])
        if truncated or len(rows) < PAGE_ROWS:
            break
        offset += PAGE_ROWS
    profile = table.finish("table", (fmt or "").strip().upper() or "CSV", truncated)
    profile["source"] = "datastore"
    return profile
