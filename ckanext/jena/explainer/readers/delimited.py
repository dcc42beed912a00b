"""Reader of delimited text tables: CSV, TSV and plain text (the delimiter is guessed from the
first rows; the encoding is UTF-8 when the bytes are, else Windows-1252)."""
from __future__ import annotations

import codecs
import csv
import io
from typing import Optional

from .table import ProfileError, _Table, _empty, _file, _late, _locale

KINDS = ("CSV", "TSV", "TXT")
DELIMITERS = ";,\t|"
SNIFF_CHARS = 32 * 1024    # text the delimiter is guessed from


def read(data: bytes, kind: str, name: str, max_rows: int, deadline: Optional[float]) -> dict:
    return _profile_delimited(data, kind, name, max_rows, deadline)


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
