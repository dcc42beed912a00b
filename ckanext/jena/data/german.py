"""German CSV exports as the loader needs them: numbers with decimal commas and thousands points
("1.250,5") become numbers ("1250.5"), so the DataStore column is numeric, not text.

Only files separated by ';' (the German Excel export; in ','-separated files a decimal comma
could not stand unquoted) and only columns whose every filled cell is a German number are
rewritten. The text is written as UTF-8 (xloader detects Latin-1 and BOMs itself; the rewrite
decodes them the same way). Everything else is left as it was."""
from __future__ import annotations

import csv
import io
import re

GERMAN_NUMBER = re.compile(r"[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")
MARKED = re.compile(r"[,.]")  # a decimal comma or a thousands point: plain integers need no rewrite


def decode(raw: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def normalise(raw: bytes) -> bytes | None:
    """The file with its German numbers rewritten, or None when there is nothing to rewrite."""
    text = decode(raw)
    if text is None or "\x00" in text:
        return None
    first_line = text.split("\n", 1)[0]
    if first_line.count(";") == 0 or first_line.count(";") < first_line.count(","):
        return None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    except csv.Error:
        return None
    if len(rows) < 2:
        return None
    width = max(len(row) for row in rows)
    german = []
    for index in range(width):
        cells = [row[index].strip() for row in rows[1:] if index < len(row) and row[index].strip()]
        german.append(bool(cells) and all(GERMAN_NUMBER.fullmatch(c) for c in cells)
                      and any(MARKED.search(c) for c in cells))
    if not any(german):
        return None
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow([cell.strip().replace(".", "").replace(",", ".")
                         if index < len(german) and german[index] and cell.strip() else cell
                         for index, cell in enumerate(row)])
    return out.getvalue().encode("utf-8")
