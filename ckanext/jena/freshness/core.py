"""Is a dataset as fresh as it promises? Pure functions: the rules come from
data/frequencies.yaml, the moment to judge at (``now``) is passed in, nothing reads the clock,
the database or the request.

States: ``current`` (aktuell: the next update is not expected yet, or the data is complete),
``due`` (fällig: the expected update is past, within the frequency's tolerance), ``overdue``
(überfällig: past the tolerance too) and ``unknown`` (keine Angabe: no frequency, or one that
sets no expectation such as "irregular").

The last real change is the latest date that says the data changed: the dataset's declared
modification date (``modified``, the publisher's or the harvested source's own statement) and
its files' ``last_modified``. Only where none of these exists do the metadata's last change
(``metadata_modified``) and the last finished harvest of its source count: a typo fixed in the
description, or a harvest that found the record unchanged, is no new data.
"""
from __future__ import annotations

import datetime
import functools
import os
from typing import Iterable, Optional

import yaml
from babel.dates import format_timedelta
from dateutil.relativedelta import relativedelta

from ckanext.jena import lang as lang_module

DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "frequencies.yaml")
STATES = ("current", "due", "overdue", "unknown")
# msgids with the context "freshness" (German in the catalogue)
LABELS = {"current": "up to date", "due": "due", "overdue": "overdue", "unknown": "not stated"}
LAST_UPDATED = "last updated {ago}"


@functools.lru_cache(maxsize=1)
def rules() -> dict:
    with open(DATA_FILE, encoding="utf-8") as f:
        return yaml.safe_load(f)


def frequency_code(frequency) -> str:
    """'http://publications.europa.eu/resource/authority/frequency/DAILY' -> 'DAILY'; '' for none."""
    if not frequency or not isinstance(frequency, str):
        return ""
    return frequency.rstrip("/").rsplit("/", 1)[-1].strip().upper()


def parse_time(value) -> Optional[datetime.datetime]:
    """A date or date-time (ISO 8601, as CKAN and the dcat_date preset store them) as naive UTC;
    None for anything unreadable."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment


def last_change(dataset: dict, harvested: Optional[datetime.datetime] = None) -> Optional[datetime.datetime]:
    """The dataset's last real change (see the module's docstring); ``harvested`` is the end of
    the last finished harvest of its source, if it is harvested."""
    stated = [parse_time(dataset.get("modified"))]
    stated += [parse_time(r.get("last_modified")) for r in dataset.get("resources") or [] if isinstance(r, dict)]
    stated = [moment for moment in stated if moment]
    if stated:
        return max(stated)
    fallback = [moment for moment in (parse_time(dataset.get("metadata_modified")), harvested) if moment]
    return max(fallback) if fallback else None


def judge(frequency, last: Optional[datetime.datetime], now: datetime.datetime) -> dict:
    """The freshness of data with the declared ``frequency`` last changed at ``last``, judged at
    ``now``: ``{"state", "frequency", "last_change", "expected", "due_until", "days_overdue"}``
    (dates as ISO strings; days_overdue counts from the expected update, 0 unless due/overdue)."""
    code = frequency_code(frequency)
    rule = rules()["expectations"].get(code)
    result = {"state": "unknown", "frequency": code or None, "last_change": last.isoformat() if last else None,
              "expected": None, "due_until": None, "days_overdue": 0}
    if rule is None or (last is None and not rule.get("complete")):
        return result
    if rule.get("complete"):
        result["state"] = "current"
        return result
    expected = last + relativedelta(**rule["every"])
    due_until = expected + datetime.timedelta(days=rule["tolerance"])
    result.update(expected=expected.isoformat(), due_until=due_until.isoformat())
    if now < expected:
        result["state"] = "current"
    else:
        result["state"] = "due" if now < due_until else "overdue"
        result["days_overdue"] = (now - expected).days
    return result


def label(state: str, lang: str) -> str:
    return lang_module.pgettext_for("freshness", LABELS[state], lang)


def sentence(result: dict, now: datetime.datetime, lang: str) -> str:
    """What citizens read: "Sollte täglich aktualisiert werden; zuletzt aktualisiert vor 3 Monaten."
    (or English)."""
    lang = lang if lang in ("de", "en") else "de"
    code = result.get("frequency") or ""
    data = rules()
    texts = (data["expectations"].get(code) or {}).get("sentence") or data["no_expectation"].get(code) \
        or data["no_expectation"][""]
    text = texts.get(lang) or texts["de"]
    last = parse_time(result.get("last_change"))
    if last is not None:
        ago = format_timedelta(last - now, add_direction=True, locale=lang)
        text += "; " + lang_module.pgettext_for("freshness", LAST_UPDATED, lang, ago=ago)
    return text + "."


def worst_first(results: Iterable[dict]) -> list[dict]:
    """Overdue first (the longest overdue on top), then due, current, unknown."""
    order = {state: n for n, state in enumerate(("overdue", "due", "current", "unknown"))}
    return sorted(results, key=lambda r: (order[r["state"]], -r.get("days_overdue", 0), r.get("title") or ""))
