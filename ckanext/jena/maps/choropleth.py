"""A table in the DataStore with an Ortsteil column, as values per Ortsteil in a few classes.

The Ortsteil column is found by its name (Ortsteil, Stadtteil, …) or, failing that, by its
values: a text column where most filled cells name one of the 30 Ortsteile. A cell names an
Ortsteil by its name in any spacing ("Kunitz / Laasan", "Kunitz/Laasan", "kunitz-laasan": the
portal's district keys) — anything else is listed as not matched, never guessed.

The value is the first number column that is not a year or a key (or the one the view names).
Where a table holds several years, the latest year's rows count; several rows of one Ortsteil
are added up."""
from __future__ import annotations

import math
import re
from typing import Optional

from ckan.plugins import toolkit

from ckanext.jena.schema import places

DISTRICT_COLUMN_NAMES = ("ortsteil", "ortsteile", "ortsteilname", "ortsteil_name", "stadtteil", "stadtteile",
                         "ortsteil_schluessel", "ortsteilschluessel", "district")
YEAR_COLUMN_NAMES = ("jahr", "year", "berichtsjahr", "erhebungsjahr")
# number columns that are labels, not quantities
NOT_A_QUANTITY = re.compile(r"(^|_)(id|nr|nummer|schluessel|key|code|plz|jahr|year)($|_)", re.I)
NUMBER_TYPES = ("int", "int2", "int4", "int8", "float4", "float8", "numeric", "float", "integer", "bigint")
MAX_ROWS = 5000
MATCH_SHARE = 0.6


def district_for(value) -> Optional[str]:
    """The district key a cell names, or None."""
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        return None
    key = places.district_key(places.district_label(value.strip()))
    return key if key in places.districts() else None


def number(value) -> Optional[float]:
    """A cell as a number: numbers, and text as "1234.5", "1.234,5", "1234,5", "12 %"."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().rstrip("%").strip().replace("\u00a0", "").replace(" ", "")
    if not text or len(text) > 40:
        return None
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", text) or re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(".", "").replace(",", ".")
    try:
        found = float(text)
    except ValueError:
        return None
    return found if math.isfinite(found) else None


def _search(context: dict, resource_id: str, **params) -> dict:
    return toolkit.get_action("datastore_search")(dict(context), dict(params, resource_id=resource_id))


def find_columns(fields: list[dict], records: list[dict], value_column: str = "") -> Optional[dict]:
    """{"district", "value", "year"} column ids, or None when the table has no Ortsteil column or
    no number column."""
    names = [f["id"] for f in fields if f["id"] != "_id"]
    types = {f["id"]: (f.get("type") or "text").lower() for f in fields}
    district = next((n for n in names if n.strip().casefold().replace(" ", "_") in DISTRICT_COLUMN_NAMES), None)
    if district is None:
        for name in names:
            cells = [r.get(name) for r in records if r.get(name) not in (None, "")]
            if cells and sum(1 for c in cells if district_for(c)) >= MATCH_SHARE * len(cells):
                district = name
                break
    if district is None:
        return None
    year = next((n for n in names if n.strip().casefold() in YEAR_COLUMN_NAMES and n != district), None)

    def is_quantity(name: str) -> bool:
        if name in (district, year):
            return False
        if types[name] in NUMBER_TYPES:
            return True
        cells = [r.get(name) for r in records if r.get(name) not in (None, "")]
        return bool(cells) and all(number(c) is not None for c in cells)

    if value_column:
        value = value_column if value_column in names and is_quantity(value_column) else None
    else:
        value = next((n for n in names if is_quantity(n) and not NOT_A_QUANTITY.search(n)), None)
    if value is None:
        return None
    return {"district": district, "value": value, "year": year}


def table_columns(context: dict, resource_id: str, value_column: str = "") -> Optional[dict]:
    """The columns of a DataStore table (see find_columns), from its first 100 rows."""
    found = _search(context, resource_id, limit=100)
    columns = find_columns(found.get("fields") or [], found.get("records") or [], value_column)
    if columns:
        columns["fields"] = [f["id"] for f in found.get("fields") or [] if f["id"] != "_id"]
    return columns


def values(context: dict, resource_id: str, value_column: str = "") -> Optional[dict]:
    """{"column", "values": {key: number}, "unmatched": [cell], "year", "summed", "rows"} or None.

    ``context`` decides who reads: datastore_search refuses a private dataset's table to those
    who may not see it (NotAuthorized goes to the caller)."""
    columns = table_columns(context, resource_id, value_column)
    if not columns:
        return None
    wanted = [columns["district"], columns["value"]] + ([columns["year"]] if columns["year"] else [])
    found = _search(context, resource_id, limit=MAX_ROWS, fields=wanted)
    records = found.get("records") or []
    year = None
    if columns["year"]:
        years = [number(r.get(columns["year"])) for r in records]
        years = [y for y in years if y is not None]
        if years and len(set(years)) > 1:
            year = max(years)
            records = [r for r in records if number(r.get(columns["year"])) == year]
    totals, counts, unmatched = {}, {}, []
    for record in records:
        cell = record.get(columns["district"])
        key = district_for(cell)
        amount = number(record.get(columns["value"]))
        if key is None:
            if cell not in (None, "") and str(cell) not in unmatched and len(unmatched) < 20:
                unmatched.append(str(cell)[:100])
            continue
        if amount is None:
            continue
        totals[key] = totals.get(key, 0.0) + amount
        counts[key] = counts.get(key, 0) + 1
    return {"column": columns["value"], "district_column": columns["district"], "values": totals,
            "unmatched": unmatched, "year": int(year) if year is not None else None,
            "summed": any(c > 1 for c in counts.values()), "rows": len(records),
            "complete": (found.get("total") or 0) <= MAX_ROWS}


def classes(numbers: list[float], wanted: int = 5) -> list[tuple[float, float]]:
    """Up to ``wanted`` classes (low, high) with about as many Ortsteile in each (quantiles)."""
    ordered = sorted(numbers)
    if not ordered:
        return []
    distinct = sorted(set(ordered))
    count = min(wanted, len(distinct))
    bounds, low = [], ordered[0]
    for i in range(1, count + 1):
        high = ordered[max(0, math.ceil(i * len(ordered) / count) - 1)]
        if bounds and high <= bounds[-1][1]:
            continue
        bounds.append((low, high))
        later = [v for v in distinct if v > high]
        if not later:
            break
        low = later[0]
    return bounds


def class_of(value: float, bounds: list[tuple[float, float]]) -> int:
    for index, (_low, high) in enumerate(bounds):
        if value <= high:
            return index
    return len(bounds) - 1


def format_number(value: float, lang: str) -> str:
    """German 22.189 and 1,5; English 22,189 and 1.5 (at most two decimals)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if lang == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text
