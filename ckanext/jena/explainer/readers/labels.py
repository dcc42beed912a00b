"""Column names become plain labels and units, in German and English (data/columns.yaml).

Used by every table reader (table.py) to describe a column; ``label_column`` is also what the
explainer's pages show for a column name."""
from __future__ import annotations

import functools
import os
import re
from typing import Iterable, Optional

import yaml

COLUMNS_FILE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "columns.yaml")

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
