"""A chart of a DataStore table, drawn on the server as SVG (no script, no third-party library):
a line over time where the table has a date/time column and a number column, else bars per
category where it has a text column with few rows and a number column, else a line over the
years where a number column is named as a year (``Jahr``, ``year``) beside another number
column. Every chart carries a sentence saying what it shows and its values as a table (the text and table alternative).

Rows are read with ``datastore_search`` in the caller's context, so a chart shows only what the
caller may read. Which columns are drawn is decided from the column types alone (``chart_plan``);
``ckanext.jena.charts.max_points`` bounds the points of a line (the newest are drawn) and
``ckanext.jena.charts.max_categories`` the bars."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from typing import Optional

from markupsafe import Markup, escape

from ckan.plugins import toolkit

from ckanext.jena import lang
from ckanext.jena.cache import drawings

log = logging.getLogger(__name__)

TIME_TYPES = {"timestamp", "timestamptz", "date"}
NUMBER_TYPES = {"numeric", "int", "int4", "int8", "float8", "float4", "integer", "bigint"}
TEXT_TYPES = {"text", "varchar"}
NOT_A_MEASURE = {"_id", "jahr", "year", "id", "nr", "nummer", "schluessel", "schlüssel", "key", "plz"}
YEAR_NAMES = {"jahr", "year", "berichtsjahr", "bezugsjahr"}
WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
BAR_HEIGHT = 22
COLOUR = "#005a9c"  # the theme's link blue; 7:1 against white


_PLANS: dict = {}
_UNKNOWN = object()


def _max_points() -> int:
    return toolkit.asint(toolkit.config.get("ckanext.jena.charts.max_points"))


def _max_categories() -> int:
    return toolkit.asint(toolkit.config.get("ckanext.jena.charts.max_categories"))


def chart_plan(fields: list[dict]) -> Optional[dict]:
    """Which columns a chart draws, from the DataStore's fields ([{"id", "type"}]): {"kind":
    "line", "x", "y"} for a time column and a number column, {"kind": "bar", "x", "y"} for a text
    and a number column, {"kind": "line", "x", "y", "years": True} for a year column and a number
    column, else None."""
    columns = [f for f in fields if not str(f.get("id", "")).startswith("_")]
    measures = [f["id"] for f in columns if f.get("type") in NUMBER_TYPES
                and str(f["id"]).strip().lower() not in NOT_A_MEASURE]
    if not measures:
        return None
    times = [f["id"] for f in columns if f.get("type") in TIME_TYPES]
    if times:
        return {"kind": "line", "x": times[0], "y": measures[0]}
    texts = [f["id"] for f in columns if f.get("type") in TEXT_TYPES]
    if texts:
        return {"kind": "bar", "x": texts[0], "y": measures[0]}
    years = [f["id"] for f in columns if f.get("type") in NUMBER_TYPES
             and str(f["id"]).strip().lower() in YEAR_NAMES]
    if years:
        return {"kind": "line", "x": years[0], "y": measures[0], "years": True}
    return None


def german_number(value: float) -> str:
    """1234.5 -> '1.234,5' (at most two decimals, none for whole numbers)."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _moment(value) -> Optional[dt.datetime]:
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _year(value) -> Optional[dt.datetime]:
    """1 January of a whole-numbered year (1-9999), else None."""
    number = _number(value)
    if number is None or not number.is_integer() or not 1 <= number <= 9999:
        return None
    return dt.datetime(int(number), 1, 1)


def _when(moment: dt.datetime, with_time: bool, years: bool = False) -> str:
    if years:
        return str(moment.year)
    return moment.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")


def _number(value) -> Optional[float]:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def resource_chart(resource: dict, context: Optional[dict] = None) -> Optional[dict]:
    """The chart of a resource's DataStore table, or None where no chart fits (not in the
    DataStore, no suitable columns, too many categories, no rows). A dict:
    ``svg`` (Markup), ``alt`` (the sentence), ``kind``, ``x``, ``y``, ``rows`` ([(label, value
    text)] for the table alternative), ``resource_id``, ``resource_name``."""
    if not toolkit.asbool(resource.get("datastore_active")):
        return None
    context = dict(context or {})
    try:  # the visitor may see the resource: only then a kept drawing
        toolkit.check_access("resource_show", dict(context), {"id": resource["id"]})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        return None
    # kept per resource, its last change and the language, for ckanext.jena.charts.cache_seconds
    # (rows upserted by the sensor task change no metadata: they show after at most that long)
    variant = [resource["id"], resource.get("metadata_modified"), resource.get("last_modified"),
               lang.current(), _max_points(), _max_categories()]
    key = "jena_charts:drawn:" + hashlib.sha256(json.dumps(variant, default=str).encode("utf-8")).hexdigest()[:32]
    kept = drawings.get(key)
    if kept is not None:
        drawn = json.loads(kept)
        return dict(drawn, svg=Markup(drawn["svg"])) if drawn else None
    drawn = _draw(resource, context)
    body = dict(drawn, svg=str(drawn["svg"])) if drawn else {}
    drawings.keep(key, json.dumps(body, separators=(",", ":")).encode("utf-8"),
                  toolkit.asint(toolkit.config.get("ckanext.jena.charts.cache_seconds")))
    return drawn


def _draw(resource: dict, context: dict) -> Optional[dict]:
    search = toolkit.get_action("datastore_search")
    try:
        # the columns change only with the resource (xloader and the sensor task update it when
        # they make a table): remembered per resource version, the rows are read every time
        key = (resource["id"], resource.get("metadata_modified"), resource.get("last_modified"))
        plan = _PLANS.get(key, _UNKNOWN)
        if plan is _UNKNOWN:
            plan = chart_plan(search(dict(context), {"resource_id": resource["id"], "limit": 0})["fields"])
            if len(_PLANS) >= 2000:
                _PLANS.clear()
            _PLANS[key] = plan
        if plan is None:
            return None
        if plan["kind"] == "line":
            answer = search(dict(context), {"resource_id": resource["id"], "fields": [plan["x"], plan["y"]],
                                            "sort": f'"{plan["x"]}" desc', "limit": _max_points()})
        else:
            answer = search(dict(context), {"resource_id": resource["id"], "fields": [plan["x"], plan["y"]],
                                            "limit": _max_categories() + 1})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized, toolkit.ValidationError):
        return None
    title = resource.get("name") or resource["id"]
    if plan["kind"] == "line":
        points = []
        moment_of = _year if plan.get("years") else _moment
        for row in reversed(answer["records"]):
            moment, value = moment_of(row.get(plan["x"])), _number(row.get(plan["y"]))
            if moment is not None and value is not None:
                points.append((moment, value))
        if len(points) < 2:
            return None
        # "the newest N of M" only where the row limit cut the table (not for skipped cells)
        total = answer.get("total", len(points))
        drawn = _line(points, plan, title, total if total > len(answer["records"]) else len(points))
    else:
        records = answer["records"]
        if len(records) > _max_categories():
            return None
        bars = [(str(row.get(plan["x"]) or "–"), _number(row.get(plan["y"]))) for row in records]
        bars = [(label, value) for label, value in bars if value is not None]
        if not bars:
            return None
        drawn = _bars(bars, plan, title)
    drawn.update(kind=plan["kind"], x=plan["x"], y=plan["y"], resource_id=resource["id"], resource_name=title)
    return drawn


def _ticks(low: float, high: float) -> list[float]:
    if high == low:
        return [low]
    step = (high - low) / 4
    return [low + step * n for n in range(5)]


def _svg(width: int, height: int, title: str, alt: str, body: list[str], uid: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="jena-chart-svg" '
        f'role="img" aria-labelledby="{uid}-title {uid}-desc" focusable="false">'
        f'<title id="{uid}-title">{escape(title)}</title><desc id="{uid}-desc">{escape(alt)}</desc>'
        + "".join(body) + "</svg>")


def _line(points: list[tuple], plan: dict, title: str, total: int) -> dict:
    years = bool(plan.get("years"))
    with_time = not years and any(moment.time() != dt.time(0) for moment, _ in points)
    values = [value for _, value in points]
    low, high = min(values), max(values)
    pad = (high - low) * 0.05 or abs(high) * 0.05 or 1
    bottom, top = low - pad, high + pad
    start, end = points[0][0], points[-1][0]
    span = (end - start).total_seconds() or 1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(moment):
        return LEFT + inner_w * (moment - start).total_seconds() / span

    def y_of(value):
        return TOP + inner_h * (1 - (value - bottom) / (top - bottom))
    body = []
    for tick in _ticks(low, high):
        y = y_of(tick)
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0" '
                    'stroke-width="1"/>')
        body.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="#333">'
                    f'{escape(german_number(round(tick, 2)))}</text>')
    for moment, anchor in ((start, "start"), (end, "end")):
        body.append(f'<text x="{x_of(moment):.1f}" y="{HEIGHT - 14}" text-anchor="{anchor}" font-size="12" '
                    f'fill="#333">{escape(_when(moment, with_time, years))}</text>')
    path = " ".join(f"{x_of(m):.1f},{y_of(v):.1f}" for m, v in points)
    body.append(f'<polyline points="{path}" fill="none" stroke="{COLOUR}" stroke-width="2"/>')
    lowest = min(points, key=lambda p: p[1])
    highest = max(points, key=lambda p: p[1])
    shown = len(points)
    if years:
        alt = toolkit._(
            "Line chart of {y} over the years {start} to {end} ({count} values): lowest {low} in {low_at}, "
            "highest {high} in {high_at}, last {last}.")
    else:
        alt = toolkit._(
            "Line chart of {y} over {x} from {start} to {end} ({count} values): lowest {low} on {low_at}, "
            "highest {high} on {high_at}, last {last}.")
    alt = alt.format(
        y=plan["y"], x=plan["x"], start=_when(start, with_time, years), end=_when(end, with_time, years),
        count=german_number(shown), low=german_number(lowest[1]), low_at=_when(lowest[0], with_time, years),
        high=german_number(highest[1]), high_at=_when(highest[0], with_time, years),
        last=german_number(points[-1][1]))
    if total > shown:
        alt += " " + toolkit._("The newest {shown} of {total} values are shown.").format(
            shown=german_number(shown), total=german_number(total))
    uid = "chart-" + uuid.uuid4().hex[:12]
    return {"svg": _svg(WIDTH, HEIGHT, title, alt, body, uid), "alt": alt,
            "rows": [(_when(m, with_time, years), german_number(v)) for m, v in points]}


def _bars(bars: list[tuple], plan: dict, title: str) -> dict:
    label_w = min(220, 12 + 7 * max(len(label) for label, _ in bars))
    height = TOP + BAR_HEIGHT * len(bars) + 8
    high = max(max(value for _, value in bars), 0)
    low = min(min(value for _, value in bars), 0)
    inner_w = WIDTH - label_w - RIGHT - 60
    scale = inner_w / ((high - low) or 1)
    zero = label_w + (-low) * scale
    body = []
    for number, (label, value) in enumerate(bars):
        y = TOP + number * BAR_HEIGHT
        x, w = (zero, value * scale) if value >= 0 else (zero + value * scale, -value * scale)
        short = label if len(label) <= 30 else label[:29] + "…"
        body.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12" fill="#333">'
                    f'{escape(short)}</text>')
        body.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{max(w, 1):.1f}" height="{BAR_HEIGHT - 6}" '
                    f'fill="{COLOUR}"/>')
        body.append(f'<text x="{x + max(w, 1) + 4:.1f}" y="{y + 15}" font-size="12" fill="#333">'
                    f'{escape(german_number(value))}</text>')
    highest = max(bars, key=lambda b: b[1])
    lowest = min(bars, key=lambda b: b[1])
    alt = toolkit._("Bar chart of {y} per {x} ({count} bars): most in {high_at} ({high}), least in {low_at} "
                    "({low}).").format(y=plan["y"], x=plan["x"], count=german_number(len(bars)),
                                       high_at=highest[0], high=german_number(highest[1]),
                                       low_at=lowest[0], low=german_number(lowest[1]))
    uid = "chart-" + uuid.uuid4().hex[:12]
    return {"svg": _svg(WIDTH, height, title, alt, body, uid), "alt": alt,
            "rows": [(label, german_number(value)) for label, value in bars]}
