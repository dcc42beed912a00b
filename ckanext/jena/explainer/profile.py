"""Profiles of resources for the plain-language explainers: what a file holds, read from its bytes.

A profile says how many rows a table has, what each column is (a plain label, a type, a unit, the
smallest and largest value, a few examples), which time span the data covers and which of Jena's
Ortsteile its values name. The explainer job downloads a resource within size and time limits and
hands the bytes to ``profile_bytes``; a SensorThings Datastream is asked for its metadata and
latest observations instead (``profile_sensorthings``, through the ``get_json`` it is given).
Content is only parsed, never executed or evaluated. Rows are streamed: per column only
aggregates are kept (counts, smallest and largest value, a few examples, a capped set of distinct
short values for finding Ortsteile).

Column names become plain labels and units through data/columns.yaml.
"""
from __future__ import annotations

import calendar
import codecs
import csv
import datetime as dt
import functools
import hashlib
import io
import json
import logging
import math
import os
import re
import statistics
import time
import zipfile
from typing import Any, Callable, Iterable, Optional

import yaml

from ckanext.jena.schema import places

log = logging.getLogger(__name__)

PROFILE_VERSION = 2  # bump when the profile's shape changes (2: "sample", the first rows)
SAMPLE_ROWS = 5       # rows kept for the dataset page's preview
SAMPLE_CELL_CHARS = 80

COLUMNS_FILE = os.path.join(os.path.dirname(__file__), "data", "columns.yaml")

# what is read of a resource, by its CKAN format (upper case; media types too)
_FORMATS = {
    "CSV": "CSV", "TEXT/CSV": "CSV",
    "TSV": "TSV", "TEXT/TAB-SEPARATED-VALUES": "TSV",
    "TXT": "TXT", "TEXT": "TXT", "TEXT/PLAIN": "TXT",
    "XLSX": "XLSX", "APPLICATION/VND.OPENXMLFORMATS-OFFICEDOCUMENT.SPREADSHEETML.SHEET": "XLSX",
    "JSON": "JSON", "APPLICATION/JSON": "JSON",
    "GEOJSON": "GeoJSON", "APPLICATION/GEO+JSON": "GeoJSON", "APPLICATION/VND.GEO+JSON": "GeoJSON",
}
MAX_COLUMNS = 300          # columns beyond are not profiled (a table this wide is rare)
EXAMPLES = 3               # example values of a text column
EXAMPLE_CHARS = 40         # longer values are no good examples
DISTINCT_VALUES = 1000     # distinct short values kept per column to look for Ortsteile
DISTINCT_CHARS = 60
MAX_GEOMETRIES = 500       # geometries sampled to find the Ortsteile a GeoJSON file covers
CHECK_EVERY = 256          # rows between two looks at the clock
SNIFF_CHARS = 32 * 1024    # text the delimiter is guessed from


def fingerprint(resource: dict) -> str:
    """What a stored profile was made from: when a resource's address, format, size or last
    change differs, its profile is stale (the job profiles it again; pages don't show it)."""
    url = str(resource.get("url") or "")
    if resource.get("url_type") == "upload":
        # CKAN builds an upload's address per request (site_url, language prefix): only the
        # file's name is the file's
        url = url.rstrip("/").rsplit("/", 1)[-1]
    parts = [str(PROFILE_VERSION), url] + [
        str(resource.get(key) or "") for key in ("format", "size", "last_modified", "url_type")]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32]
DELIMITERS = ";,\t|"
MAX_NUMBER_CHARS = 40      # longer digit strings are codes, not numbers
OBSERVATIONS_SAMPLE = 3    # latest observations asked for to estimate a sensor's interval
MAX_XLSX_UNPACKED = 256 * 2**20  # bytes a workbook may unpack to


class ProfileError(Exception):
    """A resource could not be profiled. ``str()`` is the English sentence; ``message_de`` the
    same in German (both reach data officers through the job's report)."""

    def __init__(self, message_en: str, message_de: str):
        super().__init__(message_en)
        self.message_en = message_en
        self.message_de = message_de


# ---------------------------------------------------------------------------------------------
# column names: plain labels and units (data/columns.yaml)

_WORD_BREAKS = re.compile(r"[_\s()\[\]{}]+")
_PER_BETWEEN = re.compile(r" ?(?:/|je|pro|per) ?", re.I)
_PER_BEFORE = re.compile(r"(?:^| )(?:je|pro|per) $", re.I)
_IN_BEFORE = re.compile(r"(?:^| )in $", re.I)  # "Anteil in %": "in" goes with the unit


class _Entry:
    """One unit or word of columns.yaml."""

    def __init__(self, spec: dict, order: int):
        self.spec = spec
        self.order = order
        # a whole word: bounded by the ends of the name, spaces or "/"
        self.word = re.compile(r"(?<![^ /])(?:%s)(?![^ /])" % spec["match"], re.I)
        self.anywhere = re.compile(spec["match"], re.I)
        self.when = re.compile(spec["when"], re.I) if spec.get("when") else None
        self.unless = re.compile(spec["unless"], re.I) if spec.get("unless") else None
        self.infer = bool(spec.get("infer"))
        self.front = bool(spec.get("front"))

    def applies(self, name: str) -> bool:
        return (self.when is None or bool(self.when.search(name))) and \
            (self.unless is None or not self.unless.search(name))

    def unit(self) -> dict:
        return {"de": self.spec["de"], "en": self.spec["en"], "symbol": self.spec.get("symbol")}


class _Rules:
    def __init__(self, data: dict):
        self.units = [_Entry(spec, n) for n, spec in enumerate(data["units"])]
        self.words = [_Entry(spec, n) for n, spec in enumerate(data["words"])]
        self.year = re.compile(data["time"]["year"], re.I)
        reference = "|".join(f"(?:{pattern})" for pattern in data["time"]["reference"])
        self.reference = re.compile(f"(?:{reference})(?: (?:{data['time']['reference_end']}))?", re.I)
        values = data["values"]
        self.booleans = frozenset(str(v).lower() for v in values["yes"] + values["no"])
        self.missing = frozenset(str(v).lower() for v in values["missing"])


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    with open(COLUMNS_FILE, encoding="utf-8") as f:
        return _Rules(yaml.safe_load(f))


def _words_of(name: str) -> tuple[str, str]:
    """The name with word breaks as single spaces, as written and in lower case (same length)."""
    spaced = _WORD_BREAKS.sub(" ", name).strip()
    lower = spaced.lower()
    return (spaced if len(spaced) == len(lower) else lower), lower


def _hits(text: str, entries: Iterable[_Entry]) -> list[tuple[int, int, _Entry]]:
    """Non-overlapping whole-word matches, leftmost first, the longest where two start together."""
    found = [(m.start(), m.end(), entry) for entry in entries for m in entry.word.finditer(text)
             if m.end() > m.start()]
    found.sort(key=lambda hit: (hit[0], hit[0] - hit[1], hit[2].order))
    chosen, end = [], 0
    for hit in found:
        if hit[0] >= end:
            chosen.append(hit)
            end = hit[1]
    return chosen


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" /-")


def label_column(name: str) -> tuple[dict, Optional[dict]]:
    """({"de", "en"} plain label, {"de", "en", "symbol"} unit or None) of a column name."""
    display, lower = _words_of(name)
    rules = _rules()
    unit = None
    cuts: list[tuple[int, int, str]] = []  # spans of the name replaced in the label
    hits = _hits(lower, [u for u in rules.units if not u.infer and u.applies(lower)])
    if hits:
        start, end, first = hits[0]
        following = hits[1] if len(hits) > 1 else None
        if following and _PER_BETWEEN.fullmatch(lower[end:following[0]]):
            # "Waerme_kWh_je_m2": one unit
            second = following[2].unit()
            unit = {"de": f"{first.spec['de']} je {second['de']}", "en": f"{first.spec['en']} per {second['symbol']}",
                    "symbol": f"{first.spec.get('symbol')}/{second['symbol']}"}
            cuts.append((start, following[1], ""))
        elif _PER_BEFORE.search(lower[:start]):
            # "Einwohner_je_km2": the unit is part of what is counted and stays in the label
            cuts.append((start, end, first.spec.get("symbol") or display[start:end]))
        else:
            unit = first.unit()
            before = _IN_BEFORE.search(lower[:start])
            cuts.append((before.start() if before else start, end, ""))
    else:
        for entry in rules.units:
            if entry.infer and entry.applies(lower) and entry.anywhere.search(lower):
                unit = entry.unit()
                break
    rest, rest_lower, position = "", "", 0
    for start, end, replacement in cuts:
        rest += display[position:start] + " " + replacement + " "
        rest_lower += lower[position:start] + " " + replacement + " "
        position = end
    rest, rest_lower = _tidy(rest + display[position:]), _tidy(rest_lower + lower[position:])
    if len(rest) != len(rest_lower):  # a replacement changed length in lower case: read lower case
        rest = rest_lower
    labels = _plain_words(rest, rest_lower, lower, rules)
    if not labels["de"]:  # the name was only a unit ("km2", "%")
        labels = {"de": display or name, "en": display or name}
    return labels, unit


def _plain_words(display: str, lower: str, whole_name: str, rules: _Rules) -> dict:
    hits = _hits(lower, [w for w in rules.words if w.applies(whole_name)])
    parts = {"de": [], "en": []}
    front = {"de": [], "en": []}
    position = 0
    for start, end, entry in hits:
        for lang in ("de", "en"):
            parts[lang].append(display[position:start])
            (front if entry.front else parts)[lang].append(entry.spec[lang])
        position = end
    return {lang: _tidy(" ".join(front[lang] + ["".join(parts[lang]) + display[position:]]))
            for lang in ("de", "en")}


# ---------------------------------------------------------------------------------------------
# cell values

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


# ---------------------------------------------------------------------------------------------
# formats

def _file(name: str) -> tuple[str, str]:
    return (f"The file “{name}”", f"Die Datei „{name}“") if name else ("The file", "Die Datei")


def _format(fmt: str, name: str) -> Optional[str]:
    key = (fmt or "").strip().upper().lstrip(".")
    if not key and name and "." in name:
        key = name.rsplit(".", 1)[1].upper()
    return _FORMATS.get(key)


def profile_bytes(data: bytes, fmt: str, *, name: str = "", max_rows: int = 200_000,
                  deadline: Optional[float] = None) -> dict:
    """The profile of a resource's content (see the module docstring); ``fmt`` is its CKAN format.

    Reading stops after ``max_rows`` rows or once ``time.monotonic()`` passes ``deadline``; the
    profile then says ``truncated``. Raises ProfileError for formats that are not profiled and
    for content that cannot be read."""
    kind = _format(fmt, name)
    if kind in ("CSV", "TSV", "TXT"):
        return _profile_delimited(data, kind, name, max_rows, deadline)
    if kind == "XLSX":
        return _profile_xlsx(data, name, max_rows, deadline)
    if kind in ("JSON", "GeoJSON"):
        return _profile_json(data, name, max_rows, deadline)
    shown = (fmt or "").strip() or "?"
    raise ProfileError(
        f"Format {shown} cannot be profiled: only CSV, TSV, TXT, XLSX, JSON and GeoJSON files are read.",
        f"Das Format {shown} kann nicht ausgewertet werden: gelesen werden nur CSV-, TSV-, TXT-, XLSX-, "
        "JSON- und GeoJSON-Dateien.")


def _empty(name: str) -> ProfileError:
    en, de = _file(name)
    return ProfileError(f"{en} is empty: check the resource's link or upload the file again.",
                        f"{de} ist leer: bitte den Link der Ressource prüfen oder die Datei neu hochladen.")


def _encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes are valid UTF-8, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    chunk = 1 << 20
    try:
        for start in range(0, len(data), chunk):
            # never final: a download cut off at the size limit may end inside a character
            decoder.decode(data[start:start + chunk], final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _shape(sample: str, delimiter: str) -> tuple[int, int, int]:
    """(rows as wide as the first, the first row's width, rows) of the sample's first 50 rows."""
    try:
        widths = [len(row) for row, _ in zip(csv.reader(io.StringIO(sample), delimiter=delimiter), range(50)) if row]
    except csv.Error:
        return 0, 0, 0
    if not widths:
        return 0, 0, 0
    return sum(1 for w in widths if w == widths[0]), widths[0], len(widths)


def _delimiter(sample: str) -> str:
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        same, width, rows = _shape(sample, sniffed)
        if width > 1 and same >= 0.8 * rows:
            return sniffed
    except csv.Error:
        pass
    # the Sniffer gives up on short or irregular files: take the delimiter that splits the first
    # rows into the most equally wide rows, then the most columns
    def score(delimiter: str) -> tuple:
        same, width, _rows = _shape(sample, delimiter)
        return (same if width > 1 else 0), width
    return max(DELIMITERS, key=score)


def _profile_delimited(data: bytes, fmt: str, name: str, max_rows: int, deadline: Optional[float]) -> dict:
    en, de = _file(name)
    if not data.strip():
        raise _empty(name)
    encoding = _encoding(data)
    head = data[:SNIFF_CHARS]
    if b"\x00" in head and encoding != "utf-16":
        raise ProfileError(f"{en} is not a text table (it holds binary data): check that the resource's "
                           "format is right.",
                           f"{de} ist keine Texttabelle (sie enthält Binärdaten): bitte das Format der "
                           "Ressource prüfen.")
    sample = head.decode(encoding, errors="replace")
    if sample.lstrip().startswith("<"):
        raise ProfileError(f"{en} is a web page or XML document, not a table: check the resource's link.",
                           f"{de} ist eine Webseite oder ein XML-Dokument, keine Tabelle: bitte den Link der "
                           "Ressource prüfen.")
    if len(data) > SNIFF_CHARS and "\n" in sample:
        sample = sample[:sample.rindex("\n")]  # whole lines only
    delimiter = "\t" if fmt == "TSV" else _delimiter(sample)
    looks_german = delimiter == ";" or encoding == "cp1252"
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    truncated = False
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise _empty(name)
        table = _Table(cell.strip().lstrip("\ufeff") for cell in header)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if table.rows >= max_rows or _late(deadline, table.rows):
                truncated = True
                break
            table.add_row(row)
    except csv.Error as exc:
        raise ProfileError(f"{en} cannot be read as a table (line {reader.line_num}: {exc}). Check that it "
                           "is a CSV file.",
                           f"{de} lässt sich nicht als Tabelle lesen (Zeile {reader.line_num}: {exc}). Bitte "
                           "prüfen, ob es eine CSV-Datei ist.")
    profile = table.finish("table", fmt, truncated, german_hint=looks_german)
    profile["csv"] = {"encoding": "utf-8" if encoding == "utf-8-sig" else encoding, "delimiter": delimiter,
                      "decimal": "," if _locale(table.columns, looks_german) == "de" else "."}
    return profile


def _profile_xlsx(data: bytes, name: str, max_rows: int, deadline: Optional[float]) -> dict:
    import openpyxl  # only here: most resources are not workbooks

    en, de = _file(name)
    broken = ProfileError(f"{en} cannot be opened as an Excel workbook (XLSX). Check that it is a complete "
                          ".xlsx file; old .xls files cannot be read.",
                          f"{de} lässt sich nicht als Excel-Arbeitsmappe (XLSX) öffnen. Bitte prüfen, ob es "
                          "eine vollständige .xlsx-Datei ist; alte .xls-Dateien können nicht gelesen werden.")
    if not data:
        raise _empty(name)
    try:
        # a small file that unpacks to gigabytes would exhaust memory (openpyxl reads the shared
        # strings at once); zipfile never unpacks more than the sizes it checks here
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise broken from exc
    if unpacked > MAX_XLSX_UNPACKED:
        raise ProfileError(f"{en} unpacks to more than {MAX_XLSX_UNPACKED // 2**20} MB and is not read.",
                           f"{de} ist entpackt größer als {MAX_XLSX_UNPACKED // 2**20} MB und wird nicht gelesen.")
    try:
        # read_only streams the rows; data_only takes the values Excel saved, never the formulas
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike mean a broken file
        raise broken from exc
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = next((row for row in rows if _filled(row)), None)
            if header is None:
                continue
            width = max(i for i, value in enumerate(header) if value not in (None, "")) + 1
            table = _Table(_cell_text(value) for value in header[:width])
            truncated = False
            for row in rows:
                if not _filled(row):
                    continue
                if table.rows >= max_rows or _late(deadline, table.rows):
                    truncated = True
                    break
                table.add_row(row[:width])
            profile = table.finish("table", "XLSX", truncated)
            profile["sheet"] = sheet.title
            return profile
    except ProfileError:
        raise
    except Exception as exc:
        raise broken from exc
    finally:
        workbook.close()
    raise ProfileError(f"{en} has no filled sheet.", f"{de} hat kein ausgefülltes Tabellenblatt.")


def _filled(row) -> bool:
    return any(value is not None and (not isinstance(value, str) or value.strip()) for value in row)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip()


def _profile_json(data: bytes, name: str, max_rows: int, deadline: Optional[float]) -> dict:
    en, de = _file(name)
    if not data.strip():
        raise _empty(name)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ProfileError(f"{en} is not UTF-8 text, as JSON must be.",
                           f"{de} ist kein UTF-8-Text, wie es JSON sein muss.")
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        wo = f" (Zeile {exc.lineno}, Spalte {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ProfileError(f"{en} is not valid JSON{where}: check the resource's link or file.",
                           f"{de} ist kein gültiges JSON{wo}: bitte Link oder Datei der Ressource prüfen.")
    if isinstance(document, dict) and document.get("type") in ("FeatureCollection", "Feature"):
        return _profile_geojson(document, name, max_rows, deadline)
    records = _records(document)
    if records is None:
        raise ProfileError(f"{en} holds no list of records that could be read as a table.",
                           f"{de} enthält keine Liste von Einträgen, die sich als Tabelle lesen ließe.")
    table, truncated = _Table(), False
    for record in records:
        if not isinstance(record, dict):
            continue
        if table.rows >= max_rows or _late(deadline, table.rows):
            truncated = True
            break
        table.add_record(record)
    return table.finish("table", "JSON", truncated)


def _records(document) -> Optional[list]:
    """A list of objects, or the longest list of objects among an object's members
    ({"data": [...]}, SensorThings' {"value": [...]})."""
    def objects(value) -> bool:
        return isinstance(value, list) and any(isinstance(item, dict) for item in value)
    if objects(document):
        return document
    if isinstance(document, dict):
        lists = [value for value in document.values() if objects(value)]
        if lists:
            return max(lists, key=len)
    return None


def _profile_geojson(document: dict, name: str, max_rows: int, deadline: Optional[float]) -> dict:
    en, de = _file(name)
    features = [document] if document.get("type") == "Feature" else document.get("features")
    if not isinstance(features, list):
        raise ProfileError(f"{en} is a GeoJSON FeatureCollection without a list of features.",
                           f"{de} ist eine GeoJSON-FeatureCollection ohne Liste von Features.")
    table, truncated = _Table(), False
    types, geometries = set(), []
    for feature in features:
        if not isinstance(feature, dict):
            continue
        if table.rows >= max_rows or _late(deadline, table.rows):
            truncated = True
            break
        properties = feature.get("properties")
        table.add_record(properties if isinstance(properties, dict) else {})
        geometry = feature.get("geometry")
        if isinstance(geometry, dict) and isinstance(geometry.get("type"), str):
            types.add(geometry["type"])
            geometries.append(geometry)
    profile = table.finish("geo", "GeoJSON", truncated)
    profile["geometry_types"] = sorted(types)
    if deadline is None or time.monotonic() < deadline:
        profile["districts"] = sorted(set(profile["districts"]) | set(_districts_covered(geometries)))
    return profile


def _districts_covered(geometries: list) -> list[str]:
    """The Ortsteile (or ``jena`` for the whole city) an evenly spread sample of the geometries
    covers; nothing when the coordinates are not longitude/latitude or do not parse."""
    if not geometries:
        return []
    from shapely.geometry import shape
    from shapely.ops import unary_union
    step = max(1, math.ceil(len(geometries) / MAX_GEOMETRIES))
    try:
        shapes = [shape(g) for g in geometries[::step]]
        shapes = [s if s.is_valid else s.buffer(0) for s in shapes if not s.is_empty]
        if not shapes:
            return []
        west, south, east, north = unary_union(shapes).envelope.bounds
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            return []  # projected coordinates (e.g. ETRS89/UTM): no match against the districts
        # points and lines count wherever they touch a district, areas by how much they cover:
        # matched apart, or a single area would make the points beside it count for nothing
        covered = set()
        for group in ([s for s in shapes if s.area == 0], [s for s in shapes if s.area > 0]):
            if group:
                covered.update(places.districts_covering(unary_union(group)))
        return sorted(covered)
    except Exception as exc:  # shapely's errors for broken geometries vary; districts are a bonus
        log.debug("Geometries not matched against the districts: %s", exc)
        return []


# ---------------------------------------------------------------------------------------------
# SensorThings

_OBSERVATIONS_URL = re.compile(
    r"(?P<datastream>https?://[^?#]+?/Datastreams\((?:\d+|'[^'/?#]+')\))/Observations/?(?:[?#].*)?", re.I)
_RESULT_TYPES = {"OM_CountObservation": "integer", "OM_Measurement": "decimal", "OM_TruthObservation": "boolean",
                 "OM_CategoryObservation": "text"}


def is_sensorthings_url(url: str) -> Optional[str]:
    """The Datastream URL ("<base>/Datastreams(<id>)") of a SensorThings Observations URL (with or
    without a query such as ``?$resultFormat=CSV``), else None."""
    match = _OBSERVATIONS_URL.fullmatch((url or "").strip())
    return match.group("datastream") if match else None


def _reason(exc: Exception) -> tuple[str, str]:
    """FetchError carries both languages (english/german); other errors are named."""
    english = getattr(exc, "english", None) or str(exc) or exc.__class__.__name__
    return english, getattr(exc, "german", None) or english


def _instant(value) -> Optional[dt.datetime]:
    """A phenomenonTime as an aware datetime (the start of an interval)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().partition("/")[0])
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _text(value) -> Optional[str]:
    return value.strip() if isinstance(value, str) and value.strip() else None


def profile_sensorthings(datastream_url: str, get_json: Callable) -> dict:
    """The profile of a SensorThings Datastream: what it measures, in which unit, how often and
    since when. ``get_json(url, params=None)`` reads the API (in production the guarded client's
    ckanext.jena.net.get_json under the explainer's allow-list, size and time limits). The latest
    observations only serve to estimate the measuring interval: when they cannot be read the
    profile is made without it; when the Datastream cannot be read, ProfileError."""
    datastream_url = datastream_url.rstrip("/")
    try:
        stream = get_json(datastream_url, params={"$expand": "ObservedProperty"})
    except Exception as exc:  # whatever the transport raises (NetError in production)
        english, german = _reason(exc)
        raise ProfileError(f"The SensorThings Datastream {datastream_url} could not be read: {english}",
                           f"Der SensorThings-Datastream {datastream_url} konnte nicht gelesen werden: {german}") \
            from exc
    if not isinstance(stream, dict) or not ("@iot.id" in stream or "unitOfMeasurement" in stream):
        raise ProfileError(f"{datastream_url} is not a SensorThings Datastream: check the resource's link.",
                           f"{datastream_url} ist kein SensorThings-Datastream: bitte den Link der Ressource prüfen.")
    observed = stream.get("ObservedProperty") if isinstance(stream.get("ObservedProperty"), dict) else {}
    unit = stream.get("unitOfMeasurement") if isinstance(stream.get("unitOfMeasurement"), dict) else {}
    prop = _text(observed.get("name")) or _text(stream.get("name")) or datastream_url
    phenomenon = _text(stream.get("phenomenonTime")) or ""
    first, _, last = phenomenon.partition("/")
    first, last = first or None, last or first or None

    observations = []
    try:
        answer = get_json(f"{datastream_url}/Observations",
                          params={"$top": OBSERVATIONS_SAMPLE, "$orderby": "phenomenonTime desc",
                                  "$select": "phenomenonTime,result"})
        values = answer.get("value") if isinstance(answer, dict) else None
        observations = [o for o in values or [] if isinstance(o, dict) and _instant(o.get("phenomenonTime"))]
    except Exception as exc:  # the interval is a bonus: the profile goes on without it
        log.warning("The latest observations of %s could not be read for its profile: %s", datastream_url, exc)
    observations.sort(key=lambda o: _instant(o["phenomenonTime"]), reverse=True)
    moments = [_instant(o["phenomenonTime"]) for o in observations]
    gaps = [(newer - older).total_seconds() for newer, older in zip(moments, moments[1:]) if newer > older]
    interval = int(round(statistics.median(gaps))) if gaps else None
    if moments and (_instant(last) is None or moments[0] > _instant(last)):
        latest = str(observations[0]["phenomenonTime"])
        last = latest.partition("/")[2] or latest

    observation_type = str(stream.get("observationType") or "").rsplit("/", 1)[-1]
    result_type = _RESULT_TYPES.get(observation_type) or _result_type([o.get("result") for o in observations])
    symbol, unit_name = _text(unit.get("symbol")), _text(unit.get("name"))
    column_unit = {"de": unit_name or symbol, "en": unit_name or symbol, "symbol": symbol} \
        if (symbol or unit_name) and result_type in ("integer", "decimal") else None
    day = re.compile(r"\d{4}-\d{2}-\d{2}")
    start = first[:10] if first and day.match(first) else None
    end = last[:10] if last and day.match(last) else None
    return {
        "version": PROFILE_VERSION, "kind": "sensor", "format": "SensorThings",
        "rows": None,  # a live series has no fixed length
        "truncated": False,
        "columns": [
            {"name": "phenomenonTime", "label": {"de": "Zeitpunkt der Messung", "en": "time of measurement"},
             "type": "date", "unit": None, "min": start, "max": end, "empty": 0, "examples": []},
            {"name": "result", "label": {"de": prop, "en": prop}, "type": result_type, "unit": column_unit,
             "min": None, "max": None, "empty": 0, "examples": []},
        ],
        "time_span": {"start": start or end, "end": end or start} if start or end else None,
        "districts": [],
        "sensor": {
            "name": _text(stream.get("name")),
            "observed_property": {"de": prop, "en": prop},
            "description": _text(stream.get("description")) or _text(observed.get("description")),
            "unit": {"symbol": symbol, "name": unit_name},
            "interval_seconds": interval,
            "first": first,
            "last": last,
        },
    }


def _result_type(results: list) -> str:
    values = [r for r in results if r is not None]
    if values and all(isinstance(r, bool) for r in values):
        return "boolean"
    if values and all(isinstance(r, int) and not isinstance(r, bool) for r in values):
        return "integer"
    if not values or all(isinstance(r, (int, float)) and not isinstance(r, bool) for r in values):
        return "decimal"
    return "text"
