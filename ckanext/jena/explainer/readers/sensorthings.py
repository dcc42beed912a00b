"""Reader of SensorThings Datastreams: not bytes but an API, asked for the Datastream's metadata
and its latest observations (through the ``get_json`` it is given)."""
from __future__ import annotations

import datetime as dt
import logging
import re
import statistics
from typing import Callable, Optional

from ckanext.jena import lang as lang_module

from .table import PROFILE_VERSION, ProfileError

log = logging.getLogger(__name__)
OBSERVATIONS_SAMPLE = 3    # latest observations asked for to estimate a sensor's interval

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
            {"name": "phenomenonTime", "label": lang_module.gettext_both("time of measurement"),
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
