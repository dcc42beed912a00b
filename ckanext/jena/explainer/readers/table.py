"""What every reader fills: a table whose columns keep only aggregates while rows stream by
(counts, smallest and largest value, a few examples, a capped set of distinct short values for
finding Ortsteile); ``finish`` turns it into the profile. Cell values are read as numbers (German
or English notation), dates, periods, years and booleans here, whatever the file format."""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
import re
import time
from typing import Any, Iterable, Optional

from ckanext.jena.lang import BilingualError
from ckanext.jena.schema import places

from .labels import _Rules, _rules, _words_of, label_column

PROFILE_VERSION = 2  # bump when the profile's shape changes (2: "sample", the first rows)
SAMPLE_ROWS = 5       # rows kept for the dataset page's preview
SAMPLE_CELL_CHARS = 80
MAX_COLUMNS = 300          # columns beyond are not profiled (a table this wide is rare)
EXAMPLES = 3               # example values of a text column
EXAMPLE_CHARS = 40         # longer values are no good examples
DISTINCT_VALUES = 1000     # distinct short values kept per column to look for Ortsteile
DISTINCT_CHARS = 60
CHECK_EVERY = 256          # rows between two looks at the clock
MAX_NUMBER_CHARS = 40      # longer digit strings are codes, not numbers


class ProfileError(BilingualError):
    """A resource could not be profiled, in English and German (both reach data officers
    through the job's report)."""


def _file(name: str) -> tuple[str, str]:
    return (f"The file “{name}”", f"Die Datei „{name}“") if name else ("The file", "Die Datei")


def _empty(name: str) -> ProfileError:
    en, de = _file(name)
    return ProfileError(f"{en} is empty: check the resource's link or upload the file again.",
                        f"{de} ist leer: bitte den Link der Ressource prüfen oder die Datei neu hochladen.")


_GERMAN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_ENGLISH_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})"
                       r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?", re.I)
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,? (\d{1,2}):(\d{2})(?::(\d{2}))?(?: Uhr)?)?", re.I)
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")
_SLASH_MONTH = re.compile(r"(\d{1,2})/(\d{4})")
_QUARTER = re.compile(r"(\d{4})[- ]?Q([1-4])|Q([1-4])[ /-]?(\d{4})", re.I)


def _parse_number(text: str, locale: str) -> Optional[tuple]:
    """(value, has a fractional part, is a plain 4-digit number) or None. ``locale`` "de" reads
    "1.234,5" (dot groups thousands), "en" reads "1,234.5"."""
    if len(text) > MAX_NUMBER_CHARS or (len(text) > 1 and text[0] == "0" and text[1].isdigit()):
        return None  # codes with leading zeros (07743, 0012) are text
    if text.isascii() and text.isdigit():
        return int(text), False, len(text) == 4
    pattern, group, decimal = (_GERMAN_NUMBER, ".", ",") if locale == "de" else (_ENGLISH_NUMBER, ",", ".")
    if not pattern.fullmatch(text):
        return None
    plain = text.replace(group, "")
    if decimal in plain:
        return float(plain.replace(decimal, ".")), True, False
    return int(plain), False, False


def _month(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _parse_day_or_period(text: str) -> Optional[tuple[dt.date, dt.date]]:
    """(first day, last day) of a date, a date and time, a month or a quarter; None otherwise."""
    try:
        match = _ISO_DATE.fullmatch(text) or _GERMAN_DATE.fullmatch(text)
        if match:
            numbers = [int(g) if g else 0 for g in match.groups()]
            if numbers[3] > 24 or numbers[4] > 59 or numbers[5] > 59:
                return None
            if _ISO_DATE.fullmatch(text):
                day = dt.date(numbers[0], numbers[1], numbers[2])
            else:
                day = dt.date(numbers[2], numbers[1], numbers[0])
            return day, day
        match = _ISO_MONTH.fullmatch(text)
        if match:
            return _month(int(match[1]), int(match[2]))
        match = _SLASH_MONTH.fullmatch(text)
        if match:
            return _month(int(match[2]), int(match[1]))
        match = _QUARTER.fullmatch(text)
        if match:
            year, quarter = (int(match[1]), int(match[2])) if match[1] else (int(match[4]), int(match[3]))
            return _month(year, quarter * 3 - 2)[0], _month(year, quarter * 3)[1]
    except ValueError:  # 2017-02-30
        return None
    return None


def _parse_date(text: str) -> Optional[tuple[dt.date, dt.date]]:
    span = _parse_day_or_period(text)
    if span is None and "/" in text:  # an ISO interval: 2024-01-01T00:00Z/2024-01-01T01:00Z
        start, _, end = text.partition("/")
        first, last = _parse_day_or_period(start), _parse_day_or_period(end)
        if first and last:
            span = first[0], last[1]
    return span


class _Numbers:
    """A column's values read as numbers in one locale, for as long as they all are."""
    __slots__ = ("ok", "low", "high", "fraction", "years")

    def __init__(self):
        self.ok, self.low, self.high, self.fraction, self.years = True, None, None, False, True

    def add(self, value, fraction: bool, year_like: bool) -> None:
        if self.low is None or value < self.low:
            self.low = value
        if self.high is None or value > self.high:
            self.high = value
        self.fraction = self.fraction or fraction
        self.years = self.years and year_like


class _Column:
    """The aggregates of one column: every interpretation of its values stays open until a value
    contradicts it; the type is decided at the end."""

    def __init__(self, name: str):
        self.name = name
        self.filled = 0
        self.empty = 0
        self.numbers = {"de": _Numbers(), "en": _Numbers()}
        self.dates_ok = True
        self.first_day: Optional[dt.date] = None
        self.last_day: Optional[dt.date] = None
        self.booleans_ok = True
        self.examples: list[str] = []
        self.distinct: set[str] = set()

    def _not(self, numbers: bool = True, dates: bool = True, booleans: bool = True) -> None:
        if numbers:
            self.numbers["de"].ok = self.numbers["en"].ok = False
        self.dates_ok = self.dates_ok and not dates
        self.booleans_ok = self.booleans_ok and not booleans

    def _day(self, first: dt.date, last: dt.date) -> None:
        if self.first_day is None or first < self.first_day:
            self.first_day = first
        if self.last_day is None or last > self.last_day:
            self.last_day = last

    def add(self, value: Any, rules: _Rules) -> None:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            self.empty += 1
        elif isinstance(value, str):
            text = value.strip()
            if not text or text.lower() in rules.missing:
                self.empty += 1
                return
            self.filled += 1
            self._add_text(text, rules)
        elif isinstance(value, bool):
            self.filled += 1
            self._not(booleans=False)
        elif isinstance(value, (int, float)):
            self.filled += 1
            self._not(numbers=False)
            fraction = isinstance(value, float) and not value.is_integer()
            year_like = isinstance(value, int) and 1000 <= value <= 9999
            if isinstance(value, float) and not fraction and abs(value) < 1e15:
                value = int(value)  # 12.0 from a workbook is the whole number 12
            for numbers in self.numbers.values():
                numbers.add(value, fraction, year_like)
        elif isinstance(value, (dt.datetime, dt.date)):
            self.filled += 1
            self._not(dates=False)
            day = value.date() if isinstance(value, dt.datetime) else value
            self._day(day, day)
        else:  # a time of day, a nested object or list: text, but no example
            self.filled += 1
            self._not()

    def _add_text(self, text: str, rules: _Rules) -> None:
        if self.booleans_ok and text.lower() not in rules.booleans:
            self.booleans_ok = False
        for locale, numbers in self.numbers.items():
            if numbers.ok:
                parsed = _parse_number(text, locale)
                if parsed is None:
                    numbers.ok = False
                else:
                    numbers.add(*parsed)
        if self.dates_ok:
            span = _parse_date(text)
            if span is None:
                self.dates_ok = False
            else:
                self._day(*span)
        if len(self.examples) < EXAMPLES and len(text) <= EXAMPLE_CHARS and text not in self.examples:
            self.examples.append(text)
        if len(self.distinct) < DISTINCT_VALUES and len(text) <= DISTINCT_CHARS:
            self.distinct.add(text)

    def describe(self, number: int, locale: str, rules: _Rules) -> dict:
        if self.name.strip():
            label, unit = label_column(self.name)
        else:
            label, unit = {"de": f"Spalte {number}", "en": f"column {number}"}, None
        kind, low, high = "text", None, None
        other = "en" if locale == "de" else "de"
        numbers = next((self.numbers[n] for n in (locale, other) if self.numbers[n].ok), None)
        if not self.filled:
            pass
        elif self.booleans_ok:
            kind = "boolean"
        elif numbers is not None:
            low, high = numbers.low, numbers.high
            kind = "decimal" if numbers.fraction else "integer"
            if kind == "integer" and numbers.years and self._is_year(low, high, label, unit, rules):
                kind = "year"
        elif self.dates_ok:
            kind, low, high = "date", self.first_day.isoformat(), self.last_day.isoformat()
        return {"name": self.name, "label": label, "type": kind,
                "unit": unit if kind in ("integer", "decimal") else None, "min": low, "max": high,
                "empty": self.empty, "examples": list(self.examples) if kind == "text" else []}

    def _is_year(self, low: int, high: int, label: dict, unit: Optional[dict], rules: _Rules) -> bool:
        if rules.year.search(_words_of(self.name)[1]):
            return 1000 <= low and high <= 2100
        # unnamed: only when nothing in the name says it is an amount
        return 1900 <= low and high <= 2100 and unit is None and not label["de"].startswith("Anzahl")


@functools.lru_cache(maxsize=1)
def _district_names() -> dict:
    """Normalised name -> district key; "Kunitz/Laasan" is also found as "Kunitz" or "Laasan"."""
    names = {}
    for key, label in places.districts().items():
        names[places.district_key(label)] = key
        parts = label.split("/")
        if len(parts) > 1:
            for part in parts:
                names.setdefault(places.district_key(part), key)
    return names


class _Table:
    """Rows (lists, in header order) or records (dicts: columns in order of first appearance)."""

    def __init__(self, names: Iterable[str] = ()):
        self.columns = [_Column(n) for n in list(names)[:MAX_COLUMNS]]
        self.index = {c.name: c for c in self.columns}
        self.rows = 0
        self.rules = _rules()
        self.sample: list = []  # the first rows as text, for the page's preview

    def _keep(self, cells: list) -> None:
        if len(self.sample) < SAMPLE_ROWS:
            self.sample.append([("" if c is None else str(c))[:SAMPLE_CELL_CHARS] for c in cells])

    def add_row(self, values) -> None:
        self.rows += 1
        self._keep(list(values)[:len(self.columns)])
        for column, value in zip(self.columns, values):
            column.add(value, self.rules)
        # shorter rows: the missing cells count as empty in finish()

    def add_record(self, record: dict) -> None:
        self.rows += 1
        flat = _flatten(record)
        if len(self.sample) < SAMPLE_ROWS:
            self.sample.append(flat)  # turned into rows in finish(), once the columns are known
        for name, value in flat.items():
            column = self.index.get(name)
            if column is None:
                if len(self.columns) >= MAX_COLUMNS:
                    continue
                column = self.index[name] = _Column(name)
                self.columns.append(column)
            column.add(value, self.rules)

    def finish(self, kind: str, fmt: str, truncated: bool, german_hint: bool = False) -> dict:
        locale = _locale(self.columns, german_hint)
        names = _district_names()
        columns, districts = [], set()
        for number, column in enumerate(self.columns, 1):
            column.empty += self.rows - column.filled - column.empty  # cells missing in short rows
            described = column.describe(number, locale, self.rules)
            if described["type"] == "text":
                districts.update(names[k] for k in map(places.district_key, column.distinct) if k in names)
            columns.append(described)
        sample = [[("" if row.get(c.name) is None else str(row.get(c.name)))[:SAMPLE_CELL_CHARS]
                   for c in self.columns] if isinstance(row, dict) else row for row in self.sample]
        return {"version": PROFILE_VERSION, "kind": kind, "format": fmt, "rows": self.rows,
                "truncated": truncated, "columns": columns, "time_span": _time_span(columns, self.rules),
                "districts": sorted(districts), "sample": sample}


def _locale(columns: list[_Column], german_hint: bool) -> str:
    """How "2.700" is read, for the whole table: as 2700 when other columns show decimal commas
    (or, with no evidence either way, when the file looks German: semicolons, Windows-1252)."""
    german = sum(1 for c in columns if c.filled and c.numbers["de"].ok and not c.numbers["en"].ok)
    english = sum(1 for c in columns if c.filled and c.numbers["en"].ok and not c.numbers["de"].ok)
    if german != english:
        return "de" if german > english else "en"
    return "de" if german_hint else "en"


def _time_span(columns: list[dict], rules: _Rules) -> Optional[dict]:
    """The range of the date and year columns whose name says when the data applies."""
    days, years = [], []
    for column in columns:
        if column["type"] not in ("date", "year") or not rules.reference.fullmatch(_words_of(column["name"])[1]):
            continue
        (days if column["type"] == "date" else years).extend([column["min"], column["max"]])
    if days:
        days += [f"{year}-01-01" for year in years[::2]] + [f"{year}-12-31" for year in years[1::2]]
        return {"start": min(days), "end": max(days)}
    if years:
        return {"start": str(min(years)), "end": str(max(years))}
    return None


def _flatten(record: dict, prefix: str = "", depth: int = 0) -> dict:
    """One level of nested objects becomes dotted columns ("adresse.plz")."""
    flat = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and depth < 1:
            flat.update(_flatten(value, name + ".", depth + 1))
        else:
            flat[name] = value
    return flat


def _late(deadline: Optional[float], rows: int) -> bool:
    return deadline is not None and rows % CHECK_EVERY == 0 and time.monotonic() > deadline
