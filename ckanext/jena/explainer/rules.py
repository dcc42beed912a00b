"""The packaged explainer generator ("rules"): picks short sentences from data/sentences.yaml by
what the metadata, the taxonomy and the resource profiles say, and fills them in.

Deterministic: the same dataset, profiles and taxonomy always give the same text (no clock, no
network, no randomness; "old data" is judged against the dataset's own metadata_modified)."""
from __future__ import annotations

import datetime
import functools
import os
import re
from typing import Optional

import yaml

from ckanext.jena import lang as lang_module
from ckanext.jena.schema import places, vocabularies

from . import glossary, sanitise
from .generator import SECTIONS, Inputs

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
TABLE_FORMATS = {"CSV", "TSV", "XLSX", "XLS", "ODS"}
GEO_FILE_FORMATS = {"GEOJSON", "SHP", "KML", "GML", "GPKG", "KMZ"}
MAP_SERVICE_FORMATS = {"WMS", "WFS", "WMTS"}
DOCUMENT_FORMATS = {"PDF", "DOC", "DOCX", "ODT", "HTML"}
API_FORMATS = {"API", "SPARQL", "OGC API"}
MAX_COLUMNS = 8
# words in the publisher's description that say figures are approximate ("rund 400", "ca. 2.700")
ROUNDED = re.compile(r"gerundet|ungefähr|näherungswert|geschätzt|\brund \d|\bca\. ?\d|\bcirca \d", re.I)
ID_LIKE = re.compile(r"^(id|nr|nummer|plz|lat|lon|lng|x|y|rechtswert|hochwert|objectid|fid|gid)$", re.I)
_TOKEN = re.compile(r"\[\[([a-z0-9{}-]+)(?:\|([^\]]+))?\]\]")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


@functools.lru_cache(maxsize=None)
def sentences() -> dict:
    with open(os.path.join(DATA_DIR, "sentences.yaml"), encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def _say(path: str, lang: str, **values) -> str:
    node = sentences()
    for part in path.split("."):
        node = node[part]
    return node[lang].format(**values)


def _code(value: str) -> str:
    return str(value or "").rstrip("/").rsplit("/", 1)[-1]


def _escape(text) -> str:
    """Inserted metadata is text, not Markdown."""
    return re.sub(r"([\\`*_\[\]<>#])", r"\\\1", str(text or "").strip())


def _join(items: list, lang: str) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + sentences()["joiners"]["and"][lang] + items[-1]


def _number(value, lang: str) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        text = f"{int(value):,}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _parse_date(value) -> Optional[datetime.date]:
    text = str(value or "")[:10]
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _date(value, lang: str) -> str:
    """Written out, as plain-language guides advise: "5. April 2023", "5 April 2023"."""
    day = _parse_date(value)
    if day is None:
        return _escape(value)
    if lang == "de":
        return f"{day.day}. {sentences()['months_de'][day.month - 1]} {day.year}"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def _counted(count: int, what: str, lang: str) -> str:
    one, many = sentences()["counted"][what][lang]
    return f"1 {one}" if count == 1 else f"{_number(count, lang)} {many}"


def _point_in_time(value, lang: str) -> str:
    """A profile's bound: a year, a date or a number."""
    text = str(value)
    if re.fullmatch(r"\d{4}", text):
        return text
    if _parse_date(text):
        return _date(text, lang)
    return _number(value, lang) if isinstance(value, (int, float)) else _escape(text)


def _interval_sentence(seconds: int, lang: str) -> str:
    """ "Ein neuer Messwert kommt etwa alle 10 Minuten." / "Etwa jede Stunde kommt …" """
    # the msgids of "{count} days" etc. (count >= 2), German in the catalogue
    units = ((86400, "day", "{count} days"), (3600, "hour", "{count} hours"),
             (60, "minute", "{count} minutes"), (1, "second", "{count} seconds"))
    for size, unit, many in units:
        if seconds >= size or size == 1:
            count = max(1, round(seconds / size))
            if count == 1:
                return _say("sentences.freshness.interval_one", lang,
                            interval=sentences()["every_one"][unit][lang])
            return _say("sentences.freshness.interval", lang,
                        interval=lang_module.gettext_for(many, lang, count=count))
    return ""


@functools.lru_cache(maxsize=1)
def _city():
    return places.parse_geometry(places.geometry_for([places.WHOLE_CITY]))


def _relation_to_jena(spatial) -> Optional[str]:
    """"jena" when a GeoJSON geometry lies (mostly) in Jena, "larger" when it covers Jena and
    much more, "elsewhere" when it lies outside; None without a readable geometry."""
    if not spatial:
        return None
    try:
        shape = places.parse_geometry(spatial)
        if shape.is_empty:
            return None
        city = _city()
        if not shape.intersects(city):
            return "elsewhere"
        if shape.area == 0:  # points and lines
            return "jena" if shape.within(city) else "larger"
        inside = shape.intersection(city).area
    except Exception:  # a broken geometry says nothing about the place
        return None
    if inside >= 0.5 * shape.area:
        return "jena"
    return "larger" if inside >= 0.9 * city.area else "elsewhere"


class _Context:
    """What the rules need to know about one dataset, computed once for both languages."""

    def __init__(self, inputs: Inputs):
        self.inputs = inputs
        dataset = inputs.dataset
        self.dataset = dataset
        # as the publisher spells them (GeoJSON), and upper-cased for the rules
        self.format_names = [str(r.get("format") or "").strip() for r in dataset.get("resources") or []]
        self.formats = [name.upper() for name in self.format_names]
        self.profiles = [p for p in inputs.profiles if p.get("profile")]
        by_kind = {}
        for item in self.profiles:
            by_kind.setdefault(item["profile"].get("kind"), []).append(item)
        self.tables = by_kind.get("table", [])
        self.geo = by_kind.get("geo", [])
        self.sensors = by_kind.get("sensor", [])
        self.themes = [_code(t) for t in dataset.get("theme") or []]
        self.districts = [d for d in dataset.get("districts") or [] if d in places.districts() or d == "jena"]
        self.place = self._place(inputs)
        if self.place not in ("city", "districts"):
            self.districts = []  # derived from a geometry that is not about Jena
        fields, measures = [], []
        taxonomy = inputs.taxonomy
        for notation in dataset.get("action_fields") or []:
            concept = taxonomy.get(notation) if taxonomy else None
            if concept is None:
                continue
            (fields if concept.is_field else measures).append(concept)
            field = taxonomy.field_of(notation)
            if field and all(f.notation != field for f in fields) and taxonomy.get(field):
                fields.append(taxonomy.get(field))
        self.fields, self.measures = fields, measures
        self.kind = self._kind()

    def _place(self, inputs: Inputs) -> str:
        """What the dataset is about: "city" (all of Jena) or "districts" (some Ortsteile); for a
        harvested record also "larger" (an area that includes Jena: the Land, Germany),
        "elsewhere" (an area outside Jena) or "none" (it names no place). The city's own
        datasets without districts are about all of Jena."""
        named = [d for d in self.districts if d != places.WHOLE_CITY]
        if not inputs.harvest_source:
            return "districts" if named else "city"
        relation = _relation_to_jena(self.dataset.get("spatial"))
        if relation in ("larger", "elsewhere"):
            return relation
        if relation == "jena" or self.districts:
            return "districts" if named else "city"
        return "none"

    def _kind(self) -> str:
        formats = set(self.formats)
        if self.dataset.get("sensor_category") or self.sensors:
            return "sensor"
        if self.geo or formats & (GEO_FILE_FORMATS | MAP_SERVICE_FORMATS):
            return "geo"
        if self.tables or formats & TABLE_FORMATS:
            return "table"
        if formats and formats <= DOCUMENT_FORMATS:
            return "document"
        if formats and formats <= (API_FORMATS | {"JSON"}):
            return "api"
        return "other"

    def area(self, lang: str, dative: bool = False) -> str:
        """ "ganz Jena", "Winzerla und Lobeda", "5 Ortsteile" (``dative``: "in 5 Ortsteilen"); a
        harvested record about somewhere else or nowhere says so."""
        if self.place in ("larger", "elsewhere", "none"):
            return sentences()["areas"][self.place + ("_dative" if dative else "")][lang]
        if not self.districts or "jena" in self.districts:
            return sentences()["areas"]["city"][lang]
        labels = [places.label(d, lang) for d in self.districts]
        if len(labels) <= 3:
            return _join(labels, lang)
        return sentences()["areas"]["many_dative" if dative else "many"][lang].format(count=len(labels))

    def theme(self, lang: str, about: bool = False) -> str:
        """The first theme in plain words; ``about``: the form after "Es geht um"."""
        for code in self.themes:
            entry = sentences()["themes"].get(code)
            if entry:
                return entry.get(f"{lang}_about", entry[lang]) if about else entry[lang]
        return sentences()["theme_fallback" if self.in_jena else "theme_fallback_elsewhere"][lang]

    @property
    def in_jena(self) -> bool:
        return self.place in ("city", "districts")

    def measured(self, lang: str) -> list[tuple[str, str]]:
        """[(property, unit)] of the sensor profiles, once each."""
        seen = {}
        for item in self.sensors:
            sensor = item["profile"].get("sensor") or {}
            prop = (sensor.get("observed_property") or {}).get(lang) or (sensor.get("observed_property") or {}).get("de")
            unit = sensor.get("unit") or {}
            if prop and prop not in seen:
                seen[prop] = unit.get("name") or unit.get("symbol") or ""
        return list(seen.items())

    def main_table(self) -> Optional[dict]:
        return (self.tables or self.geo or [None])[0]


def _numeric_column(profile: dict) -> Optional[dict]:
    for column in profile.get("columns") or []:
        if column.get("type") in ("integer", "decimal") and not ID_LIKE.match(str(column.get("name"))):
            return column
    return None


def _label(column: dict, lang: str) -> str:
    label = column.get("label") or {}
    return _escape(label.get(lang) or label.get("de") or column.get("name"))


class RuleGenerator:
    name = "rules"
    version = "1"

    def generate(self, inputs: Inputs, lang: str) -> dict:
        context = _Context(inputs)
        parts = {
            "summary": self._summary(context, lang),
            "about": self._about(context, lang),
            "source": self._source(context, lang),
            "freshness": self._freshness(context, lang),
            "contents": self._contents(context, lang),
            "questions": self._questions(context, lang),
            "usage": self._usage(context, lang),
            "limits": self._limits(context, lang),
            "smart_city": self._smart_city(context, lang),
        }
        return _link_glossary({key: parts[key] for key in SECTIONS}, lang)

    # -- the sections -------------------------------------------------------------------------

    def _summary(self, c: _Context, lang: str) -> str:
        kind = sentences()["kinds"][c.kind][lang]
        key = c.kind if c.kind in ("table", "sensor", "geo") else "other"
        text = _say(f"sentences.summary.{key}", lang, kind_cap=kind[:1].upper() + kind[1:],
                    theme=c.theme(lang), area=c.area(lang, dative=key == "sensor"))
        end = _temporal(c.dataset)[1]
        if end and c.kind != "sensor":
            text += _say("sentences.summary.as_of", lang, date=_date(end, lang))
        return text

    def _about(self, c: _Context, lang: str) -> str:
        out = [_say("sentences.about.title", lang, title=_escape(c.dataset.get("title") or c.dataset.get("name")))]
        if c.themes:
            out.append(_say("sentences.about.theme", lang, theme_about=c.theme(lang, about=True)))
        if c.kind == "sensor":
            measured = [prop for prop, _unit in c.measured(lang)]
            if measured:
                out.append(_say("sentences.about.kind_sensor", lang, measured=_join([_escape(m) for m in measured], lang)))
        elif c.kind in ("table", "geo", "document", "api"):
            kind = "kind_geo_elsewhere" if c.kind == "geo" and not c.in_jena else f"kind_{c.kind}"
            out.append(_say(f"sentences.about.{kind}", lang))
        if not c.in_jena:
            out.append(_say(f"sentences.about.area_{c.place}", lang))
        elif not c.districts or "jena" in c.districts:
            out.append(_say("sentences.about.area_city", lang))
        elif len(c.districts) <= 3:
            out.append(_say("sentences.about.area_few", lang, districts=c.area(lang)))
        else:
            examples = _join([places.label(d, lang) for d in c.districts[:2]], lang)
            out.append(_say("sentences.about.area_many", lang, count=len(c.districts), districts=examples))
        tags = [_escape(t.get("display_name") or t.get("name")) for t in c.dataset.get("tags") or []][:3]
        if tags:
            out.append(_say("sentences.about.keywords", lang, keywords=", ".join(tags)))
        return " ".join(out)

    def _source(self, c: _Context, lang: str) -> str:
        out = []
        org = (c.dataset.get("organization") or {}).get("title") or c.dataset.get("author")
        if org:
            out.append(_say("sentences.source.org", lang, org=_escape(org)))
        if c.inputs.harvest_source:
            out.append(_say("sentences.source.harvested", lang, harvest=_escape(c.inputs.harvest_source)))
        if c.fields:
            out.append(_say("sentences.source.field", lang, field=_escape(c.fields[0].label(lang))))
        if not c.dataset.get("private") and _licence_kind(c.dataset.get("license_id")) in (
                "free", "attribution", "share_alike"):
            out.append(_say("sentences.source.open", lang))
        contact = _contact(c.dataset)
        if contact:
            out.append(_say("sentences.source.contact", lang, contact=contact))
        return " ".join(out)

    def _freshness(self, c: _Context, lang: str) -> str:
        out = []
        frequency = _code(c.dataset.get("frequency")) or "UNKNOWN"
        table = sentences()["frequency"]
        out.append(table.get(frequency, table["UNKNOWN"])[lang])
        start, end = _temporal(c.dataset)
        if start or end:
            out.append(_span_sentence(start, end, lang))
        intervals = sorted(i["profile"]["sensor"].get("interval_seconds") for i in c.sensors
                           if (i["profile"].get("sensor") or {}).get("interval_seconds"))
        if intervals:
            out.append(_interval_sentence(intervals[len(intervals) // 2], lang))
        if c.dataset.get("modified"):
            out.append(_say("sentences.freshness.modified", lang, date=_date(c.dataset["modified"], lang)))
        return " ".join(out)

    def _contents(self, c: _Context, lang: str) -> str:
        lines = []
        for prop, unit in c.measured(lang):
            lines.append(_say("sentences.contents.measured", lang, property=_escape(prop),
                              unit=_say("sentences.contents.unit", lang, unit=_escape(unit)) if unit else ""))
        main = c.main_table()
        if main and c.kind != "sensor":
            profile = main["profile"]
            columns = profile.get("columns") or []
            if profile.get("kind") == "geo":
                shapes = sentences()["sentences"]["shapes"]
                kinds = dict.fromkeys(shapes.get(g, shapes["other"])[lang] for g in profile.get("geometry_types") or [])
                lines.append(_say("sentences.contents.geo_size", lang, rows=_number(profile.get("rows") or 0, lang),
                                  shapes=_join(list(kinds), lang) or shapes["other"][lang]))
            else:
                key = "table_size_truncated" if profile.get("truncated") else "table_size"
                lines.append(_say(f"sentences.contents.{key}", lang, rows=_counted(profile.get("rows") or 0, "rows", lang),
                                  columns=_counted(len(columns), "columns", lang)))
            if columns:
                lines.append(_say("sentences.contents.columns", lang))
                lines.append("\n".join("- " + _column_sentence(col, lang) for col in columns[:MAX_COLUMNS]))
                if len(columns) > MAX_COLUMNS:
                    lines.append(_say("sentences.contents.more_columns", lang, count=len(columns) - MAX_COLUMNS))
        spelled: dict = {}
        for name in c.format_names:
            if name:
                spelled.setdefault(name.upper(), name)
        formats = list(spelled.values())
        if formats:
            lines.append(_say("sentences.contents.formats", lang, formats=_join([_escape(f) for f in formats], lang)))
        if not main and not c.sensors and formats:
            lines.append(_say("sentences.contents.no_profile", lang))
        return _paragraphs(lines)

    def _questions(self, c: _Context, lang: str) -> str:
        questions = []
        main = c.main_table()
        district_example = next((places.label(d, lang) for d in c.districts if d != "jena"), None)
        if c.kind == "sensor":
            for prop, _unit in c.measured(lang)[:1]:
                questions.append(_say("sentences.questions.sensor_now", lang, property=_escape(prop), area=c.area(lang)))
                questions.append(_say("sentences.questions.sensor_peak", lang, property=_escape(prop)))
                questions.append(_say("sentences.questions.sensor_trend", lang))
        elif main:
            profile = main["profile"]
            number = _numeric_column(profile)
            span = profile.get("time_span") or {}
            if number and profile.get("districts"):
                questions.append(_say("sentences.questions.by_district", lang, label=_label(number, lang)))
            if number and span.get("start") and span.get("end") and str(span["start"])[:4] != str(span["end"])[:4]:
                questions.append(_say("sentences.questions.over_time", lang, label=_label(number, lang),
                                      start=str(span["start"])[:4], end=str(span["end"])[:4]))
            if profile.get("districts"):
                example = places.label(sorted(profile["districts"])[0], lang)
                questions.append(_say("sentences.questions.my_district", lang, district=example))
            if profile.get("kind") == "geo":
                questions.append(_say("sentences.questions.geo_near", lang))
                if district_example:
                    questions.append(_say("sentences.questions.geo_count", lang, district=district_example))
            elif number and len(questions) < 2:
                timed = profile.get("time_span") or any(
                    col.get("type") in ("date", "year") for col in profile.get("columns") or [])
                questions.append(_say("sentences.questions.biggest_when" if timed else "sentences.questions.biggest",
                                      lang, label=_label(number, lang)))
        elif c.kind == "geo":
            questions.append(_say("sentences.questions.geo_near", lang))
        field_questions = sentences()["sentences"]["field_questions"]
        for field in c.fields:
            questions.extend(q[lang] for q in field_questions.get(field.notation, []))
        generic = "generic_questions" if c.in_jena else "generic_questions_elsewhere"
        questions.extend(q[lang].format(theme=c.theme(lang)) for q in sentences()["sentences"][generic])
        questions = list(dict.fromkeys(questions))[:3]
        return "\n".join("- " + q for q in questions)

    def _usage(self, c: _Context, lang: str) -> str:
        formats = set(c.formats)
        out = []
        if formats & TABLE_FORMATS:
            out.append(_say("sentences.usage.spreadsheet", lang))
        if formats & GEO_FILE_FORMATS:
            out.append(_say("sentences.usage.geofile", lang))
        if formats & MAP_SERVICE_FORMATS:
            out.append(_say("sentences.usage.map_service", lang))
        if formats & API_FORMATS or c.kind == "sensor":
            out.append(_say("sentences.usage.api", lang))
        elif "JSON" in formats:
            out.append(_say("sentences.usage.json", lang))
        if "PDF" in formats:
            out.append(_say("sentences.usage.document_pdf", lang))
        elif formats & DOCUMENT_FORMATS:
            out.append(_say("sentences.usage.document", lang))
        if formats - API_FORMATS - MAP_SERVICE_FORMATS:
            out.append(_say("sentences.usage.download", lang))
        out.extend(_licence_sentences(c.dataset.get("license_id"), lang))
        return " ".join(out)

    def _limits(self, c: _Context, lang: str) -> str:
        out = []
        end = _temporal(c.dataset)[1]
        seen = _parse_date(c.dataset.get("metadata_modified"))
        end_date = _parse_date(end) or (_parse_date(f"{end}-12-31") if re.fullmatch(r"\d{4}", str(end or "")) else None)
        if c.kind != "sensor" and end_date and seen and end_date.year < seen.year - 1:
            out.append(_say("sentences.limits.old", lang, year=end_date.year))
        if ROUNDED.search(c.dataset.get("notes") or ""):
            out.append(_say("sentences.limits.rounded", lang))
        if c.kind == "sensor":
            out.append(_say("sentences.limits.sensor", lang))
        elif c.kind == "geo":
            out.append(_say("sentences.limits.geo", lang))
        if c.districts and "jena" not in c.districts and 1 < len(c.districts) < len(places.districts()):
            out.append(_say("sentences.limits.some_districts", lang, count=len(c.districts),
                            total=len(places.districts())))
        if c.formats and set(c.formats) <= DOCUMENT_FORMATS:
            out.append(_say("sentences.limits.document", lang))
        if not c.formats:
            out.append(_say("sentences.limits.no_files", lang))
        if any(p["profile"].get("truncated") for p in c.profiles):
            out.append(_say("sentences.limits.truncated", lang))
        if not out:
            out.append(_say("sentences.limits.counts_only", lang))
        return " ".join(out)

    def _smart_city(self, c: _Context, lang: str) -> str:
        if not c.fields:
            return _say("sentences.smart_city.none", lang)
        out = []
        for field in c.fields[:2]:
            out.append(_say("sentences.smart_city.field", lang, field=_escape(field.label(lang))))
            if field.definition(lang):
                out.append(_escape(field.definition(lang)))
            for measure in c.measures:
                if c.inputs.taxonomy.field_of(measure.notation) == field.notation:
                    out.append(_say("sentences.smart_city.measure", lang, measure=_escape(measure.label(lang))))
        return " ".join(out)


# -- small pieces ---------------------------------------------------------------------------------

def _temporal(dataset: dict) -> tuple[Optional[str], Optional[str]]:
    spans = dataset.get("temporal_coverage") or []
    if isinstance(spans, dict):
        spans = [spans]
    starts = sorted(str(s.get("start")) for s in spans if isinstance(s, dict) and s.get("start"))
    ends = sorted(str(s.get("end")) for s in spans if isinstance(s, dict) and s.get("end"))
    return (starts[0] if starts else None), (ends[-1] if ends else None)


def _span_sentence(start: Optional[str], end: Optional[str], lang: str) -> str:
    if start and not end:
        return _say("sentences.freshness.span_open", lang, start=_date(start, lang))
    start = start or end
    first, last = _parse_date(start), _parse_date(end)
    if first and last and first == last:
        return _say("sentences.freshness.span_day", lang, start=_date(start, lang))
    if first and last and (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        if first.year == last.year:
            return _say("sentences.freshness.span_year", lang, start=first.year)
        return _say("sentences.freshness.span_years", lang, start=first.year, end=last.year)
    return _say("sentences.freshness.span", lang, start=_date(start, lang), end=_date(end, lang))


def _contact(dataset: dict) -> str:
    contacts = dataset.get("contact") or []
    if isinstance(contacts, list) and contacts and isinstance(contacts[0], dict):
        first = contacts[0]
        name, email = first.get("name"), first.get("email")
    else:
        name, email = dataset.get("maintainer"), dataset.get("maintainer_email")
    if name and email:
        return f"{_escape(name)} ({_escape(email)})"
    return _escape(name or email or "")


def _licence_kind(license_id: Optional[str]) -> str:
    return next((k for k, ids in sentences()["licence_kinds"].items() if license_id in ids), "ask")


def _licence_sentences(license_id: Optional[str], lang: str) -> list[str]:
    if not license_id:
        return [_say("sentences.usage.ask", lang)]
    data = sentences()
    kind = _licence_kind(license_id)
    out = [_say(f"sentences.usage.{kind}", lang)]
    licence = vocabularies.licenses().get(license_id) or {}
    title = licence.get(f"title_{lang}") or licence.get("title") or license_id
    entry = data["licence_glossary"].get(license_id)
    if entry:
        out.append(_say("sentences.usage.licence", lang, glossary=entry, licence=_escape(title)))
    else:
        out.append(_say("sentences.usage.licence_plain", lang, licence=_escape(title)))
    return out


def _column_sentence(column: dict, lang: str) -> str:
    label = _label(column, lang)
    unit = (column.get("unit") or {}).get(lang)
    unit_text = _say("sentences.contents.unit", lang, unit=_escape(unit)) if unit else ""
    kind = column.get("type")
    low, high = column.get("min"), column.get("max")
    if kind in ("integer", "decimal"):
        if low is not None and high is not None:
            return _say("sentences.contents.col_number", lang, label=label, unit=unit_text,
                        min=_number(low, lang), max=_number(high, lang))
        return _say("sentences.contents.col_number_bare", lang, label=label, unit=unit_text)
    if kind == "date" and low and high and low == high:
        return _say("sentences.contents.col_date_single", lang, label=label, min=_point_in_time(low, lang))
    if kind == "date" and low and high:
        return _say("sentences.contents.col_date", lang, label=label, min=_point_in_time(low, lang),
                    max=_point_in_time(high, lang))
    if kind == "year" and low and high:
        return _say("sentences.contents.col_year", lang, label=label, min=low, max=high)
    if kind == "boolean":
        return _say("sentences.contents.col_bool", lang, label=label)
    examples = column.get("examples") or []
    if examples:
        return _say("sentences.contents.col_text", lang, label=label, example=_escape(str(examples[0])[:40]))
    return _say("sentences.contents.col_text_bare", lang, label=label)


def _paragraphs(lines: list[str]) -> str:
    """Sentences in one paragraph; a list stands on its own lines."""
    out, current = [], []
    for line in lines:
        if line.startswith("- "):
            if current:
                out.append(" ".join(current))
                current = []
            out.append(line)
        else:
            current.append(line)
    if current:
        out.append(" ".join(current))
    return "\n\n".join(out)


def _link_glossary(parts: dict, lang: str) -> dict:
    """[[id]] / [[id|text]] become a glossary link the first time on the page, plain text after."""
    linked = set()

    def replace(match: re.Match) -> str:
        entry_id, text = match.group(1), match.group(2)
        text = text or glossary.term(entry_id, lang)
        if entry_id in linked or entry_id not in glossary.ids():
            return text
        linked.add(entry_id)
        return f"[{text}]({glossary.LINK_SCHEME}{entry_id})"
    return {key: sanitise.clean(_TOKEN.sub(replace, text)) for key, text in parts.items()}
