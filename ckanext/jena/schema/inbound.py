"""The one inbound normaliser: how a value the portal did not write itself becomes a value of the
Jena schema. Used by the DCAT parse, all harvesters (through harvest/normalise.py), the CKAN-API
mapping and the form validators, so that a licence, format, language or date spelled one way is
known everywhere or nowhere.

Lenient in, strict out: what has a clear meaning is normalised (a licence spelled with https and
"www.", "CSV" for "text/csv; charset=utf-8", "Deutsch" for German); what is not known is kept as
the source wrote it where the schema can hold it (a licence, a format), dropped where it cannot (a
language, a theme, a malformed date or address), and in both cases written down as a *gap*: a
piece of curation work for a data officer, with the source's original value. Nothing is guessed.

The spellings are data: data/licence-spellings.yaml, data/formats.yaml, data/vocabularies.yaml.
"""
from __future__ import annotations

import datetime
import functools
import html
import json
import os
import re
from typing import Any, Iterable, Optional
from urllib.parse import urlsplit, urlunsplit

import yaml

from ckanext.jena import lang as lang_module

from . import vocabularies

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
EU = "http://publications.europa.eu/resource/authority/"
FILE_TYPE = EU + "file-type/"
IANA = "https://www.iana.org/assignments/media-types/"
LICENSES = "http://dcat-ap.de/def/licenses/"

# the field a gap is about -> what it is called for data officers (msgids of the gap texts,
# German in the catalogue with the context "gap")
FIELD_NAMES = {
    "title": "title", "notes": "description", "tags": "keywords",
    "license_id": "licence", "contact": "contact point",
    "issued": "release date", "modified": "modification date",
    "temporal_coverage": "time period", "theme": "themes (EU)",
    "language": "language", "frequency": "update frequency",
    "access_rights": "access rights", "url": "landing page",
    "source": "source", "spatial": "area on the map",
    "resources": "files and links", "resources.format": "format of a file",
    "resources.mimetype": "media type of a file",
    "resources.license": "licence of a file",
    "resources.size": "size of a file",
    "resources.access_url": "access URL of a file",
    "resources.download_url": "download URL of a file",
    "resources.description": "description of a file",
}
# missing: the source has no value; unknown: a value outside the vocabulary (kept where the schema
# can hold it); invalid: a value of the wrong type (dropped)
PROBLEMS = ("missing", "unknown", "invalid")
PROBLEM_NAMES = {"missing": "missing", "unknown": "unknown", "invalid": "invalid, left out"}


def gap(field: str, problem: str, value: Any = None) -> dict:
    entry = {"field": field, "problem": problem}
    if value not in (None, "", [], {}):
        entry["value"] = str(value)[:500]
    return entry


def add_gap(gaps: list, field: str, problem: str, value: Any = None) -> None:
    entry = gap(field, problem, value)
    if entry not in gaps:
        gaps.append(entry)


# -- licences -------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _licence_table() -> dict:
    with open(os.path.join(DATA_DIR, "licence-spellings.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def _plain(value: Any) -> str:
    """Text as a person reads it: HTML entities and tags resolved, spaces collapsed."""
    text = html.unescape(html.unescape(str(value or "")))
    text = re.sub(r"<[^>]*>", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=4096)  # catalogues repeat the same few spellings in every record
def _licence_key(text: str) -> str:
    folding = _licence_table()["folding"]
    text = _plain(text).casefold()
    text = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", text)
    text = re.sub(r"^www\.", "", text).rstrip("/")
    text = re.sub(r"/(legalcode|deed)(\.[a-z_\-]+)?$", "", text).rstrip("/")
    text = re.sub(r"\.(html?|php|json|rdf|txt)$", "", text)
    for prefix in folding["registers"]:
        if text.startswith(prefix):
            text = text[len(prefix):]
    for prefix, family in folding["families"].items():
        if text.startswith(prefix):
            text = family + text[len(prefix):]
    words = [w for w in re.split(r"[^0-9a-zäöüß]+", text) if w and w not in folding["ignored_words"]]
    return " ".join(words)


@functools.lru_cache(maxsize=1)
def _licence_keys() -> dict:
    keys: dict = {}
    for lic_id, lic in vocabularies.licenses().items():
        for spelling in (lic_id, lic.get("uri"), lic.get("url"), lic.get("title"), lic.get("title_de"),
                         lic.get("title_en")):
            if spelling:
                keys.setdefault(_licence_key(spelling), lic_id)
    for lic_id, spellings in (_licence_table().get("licences") or {}).items():
        for spelling in spellings:
            keys[_licence_key(spelling)] = lic_id
    for spelling in _licence_table().get("no_licence") or []:
        keys[_licence_key(spelling)] = None
    keys.pop("", None)
    return keys


def licence(value: Any) -> Optional[str]:
    """The dcat-ap.de id for any known spelling of a licence (id, URI, URL, name); None when the
    value names no licence or one that is not known."""
    return _licence(str(value)) if value not in (None, "") else None


@functools.lru_cache(maxsize=4096)
def _licence(value: str) -> Optional[str]:
    text = _plain(value)
    if not text:
        return None
    if text in vocabularies.licenses():
        return text
    keys = _licence_keys()
    found = keys.get(_licence_key(text))
    if found:
        return found
    # "Creative Commons Namensnennung 4.0 (CC BY 4.0)": the short name in brackets
    for inner in re.findall(r"\(([^()]{2,40})\)", text):
        found = keys.get(_licence_key(inner))
        if found:
            return found
    return None


def states_no_licence(value: Any) -> bool:
    """True for "notspecified" and the like: the source says it has no licence to name."""
    key = _licence_key(str(value or ""))
    return not key or (key in _licence_keys() and _licence_keys()[key] is None)


def licence_uri(value: Any) -> Optional[str]:
    lic = licence(value)
    return LICENSES + lic if lic else None


# -- formats and media types ----------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _formats() -> dict:
    with open(os.path.join(DATA_DIR, "formats.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


MEDIA_TYPE = re.compile(r"^[a-z0-9][\w.+\-]*/[\w.+\-]+$", re.IGNORECASE)


def format_info(value: Any) -> Optional[dict]:
    """The formats.yaml row (with its ``name``) for a format as people write it ("csv", ".CSV"),
    an EU file-type URI or a media type (with or without IANA prefix and parameters)."""
    found = _format_info(str(value)) if value not in (None, "") else None
    return dict(found) if found else None


@functools.lru_cache(maxsize=4096)
def _format_info(value: str) -> Optional[dict]:
    text = _plain(value)
    if not text:
        return None
    table = _formats()
    if re.match(r"^https?://publications\.europa\.eu/resource/authority/file-type/", text):
        code = text.rstrip("/").rsplit("/", 1)[-1]
        for key, row in table["formats"].items():
            if row["file_type"] == code:
                return dict(row, name=key)
        return {"file_type": code, "name": code}
    text = re.sub(r"^https?://www\.iana\.org/assignments/media-types/", "", text)
    text = text.split(";", 1)[0].strip().lstrip(".")
    key = text.upper()
    key = table["aliases"].get(key, key)
    if key in table["formats"]:
        return dict(table["formats"][key], name=key)
    for name, row in table["formats"].items():
        if row["media_type"] == text.lower():
            return dict(row, name=name)
    for name, row in table["formats"].items():
        if row["file_type"] == key:
            return dict(row, name=name)
    return None


def file_types() -> list[str]:
    return sorted({row["file_type"] for row in _formats()["formats"].values()})


def media_type(value: Any) -> Optional[str]:
    """A media type ("text/csv") from a media type, with or without IANA prefix and parameters."""
    text = re.sub(r"^https?://www\.iana\.org/assignments/media-types/", "", _plain(value))
    text = text.split(";", 1)[0].strip().lower()
    return text if MEDIA_TYPE.match(text) else None


# -- controlled vocabularies (themes, languages, frequency, access rights) --------------------
def concept(vocabulary: str, value: Any) -> Optional[str]:
    """The concept URI of a vocabulary of data/vocabularies.yaml for a URI, code, label or one of
    its listed spellings ("de", "ger", "Deutsch" for German); None if unknown."""
    return _concept(vocabulary, str(value)) if value not in (None, "") else None


@functools.lru_cache(maxsize=4096)
def _concept(vocabulary: str, value: str) -> Optional[str]:
    text = _plain(value)
    if not text:
        return None
    found = vocabularies.normalise(vocabulary, text)
    if found:
        return found
    spellings = vocabularies.vocabulary(vocabulary).get("spellings") or {}
    folded = text.rstrip("/").rsplit("/", 1)[-1].casefold()
    for candidate in (folded, folded.split("-", 1)[0], folded.split("_", 1)[0]):
        code = spellings.get(candidate)
        if code:
            return vocabularies.vocabulary(vocabulary)["base"] + code
    return None


# -- keywords -------------------------------------------------------------------------------------
TAG_CHARACTERS = re.compile(r"[^\w \-.]", re.UNICODE)


def tag(value: Any) -> Optional[str]:
    """A CKAN tag from a keyword as a catalogue writes it (CKAN tags allow letters, digits,
    spaces, "-", "_" and "."): a decimal comma becomes a point ("PM 2,5"), other characters
    spaces; None for less than two characters."""
    text = _plain(value.get("name") if isinstance(value, dict) else value)
    text = re.sub(r"(\d),(\d)", r"\1.\2", text)
    cleaned = re.sub(r"\s+", " ", TAG_CHARACTERS.sub(" ", text)).strip()[:100]
    return cleaned if len(cleaned) >= 2 else None


def tags(values: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for value in values or []:
        cleaned = tag(value)
        if cleaned and cleaned.casefold() not in {t.casefold() for t in out}:
            out.append(cleaned)
    return out


# -- dates, addresses -----------------------------------------------------------------------------
def date(value: Any) -> Optional[str]:
    """ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]) from the date spellings real
    catalogues use ("2021-01-28 GMT 01:51:03.349", "2021-01-28T10:00:00.123456"); None if the
    value is not a date."""
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0, tzinfo=None).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = _plain(value)
    if not text:
        return None
    text = re.sub(r"\s+(GMT|UTC)\s+", "T", text)
    text = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2})?)?", text)
    if match:
        candidate = match.group(0) if match.group(2) else match.group(1)
    elif re.match(r"^\d{4}(-\d{2})?$", text):
        candidate = text
    elif re.match(r"^\d{1,2}\.\d{1,2}\.\d{4}$", text):  # German: 28.01.2021
        day, month, year = text.split(".")
        candidate = f"{year}-{int(month):02d}-{int(day):02d}"
    else:
        return None
    try:
        parts = [int(p) for p in re.split(r"[-T:]", candidate)]
        datetime.datetime(*(parts + [1, 1])[:max(3, len(parts))])
    except (ValueError, TypeError):
        return None
    return candidate


HOST = re.compile(r"^[A-Za-z0-9.\-]+$")


def web_url(value: Any, schemes: tuple = ("http", "https")) -> Optional[str]:
    """An address a browser can open and CKAN's url_validator accepts (host names with umlauts in
    their IDNA form); None for anything else ("http://%3C%21--", "javascript:...")."""
    text = _plain(value)
    if not text or any(c in text for c in "<> \"'"):
        return None
    from .validators import RESOURCE_URL_MAX_LENGTH
    if len(text) > RESOURCE_URL_MAX_LENGTH:  # no usable link (and over what the schema stores)
        return None
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes or not host or parts.username or parts.password:
        return None
    if not HOST.match(host):
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
        if not HOST.match(host):
            return None
    if "." not in host and host != "localhost" or host.startswith(".") or ".." in host:
        return None
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def link(value: Any) -> Optional[str]:
    """The address to show as a link (http or https only), else None: text is shown as text."""
    return web_url(value)


EMAIL = re.compile(r"^(?!\.)(?!.*\.$)(?!.*?\.\.)[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9]"
                   r"(?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")


def email(value: Any) -> Optional[str]:
    """An e-mail address from "mailto:x@y", an address resolved as an IRI against a page
    ("https://portal/x@y"), or the address itself; None if it is none."""
    text = _plain(value)
    last = text.rsplit("/", 1)[-1]
    text = last if "@" in last else text
    text = text[len("mailto:"):] if text.lower().startswith("mailto:") else text
    text = text.split("?", 1)[0].strip()
    return text if EMAIL.match(text) else None


def geometry(value: Any) -> Optional[str]:
    """A GeoJSON geometry the schema can store (valid, not empty), as text; None otherwise."""
    from . import places
    if value in (None, "", {}):
        return None
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        shape = places.parse_geometry(text)
        return text if shape.is_valid and not shape.is_empty else None
    except Exception:
        return None


# -- a whole dataset ------------------------------------------------------------------------------
VOCABULARY_FIELDS = {"theme": "eu_themes", "language": "language"}
SINGLE_VOCABULARY_FIELDS = {"frequency": "frequency", "access_rights": "access_rights"}
GAPS_FIELD = "harvest_gaps"


def _as_list(value: Any) -> list:
    if value in (None, "", [], {}):
        return []
    if isinstance(value, str) and value.startswith("["):
        try:
            return list(json.loads(value))
        except ValueError:
            pass
    return list(value) if isinstance(value, (list, tuple)) else [value]


def dataset(data: dict) -> dict:
    """A dataset dict of the Jena schema from one mapped from another catalogue: every value
    normalised, every gap (missing, unknown, invalid value) listed in ``harvest_gaps`` (JSON text;
    read it with ``gaps_of``) with the source's original value. Applying it twice changes nothing."""
    out = {k: v for k, v in data.items() if v not in (None, "", [], {})}
    gaps: list = []
    for entry in _as_list(out.pop(GAPS_FIELD, None)):
        if isinstance(entry, dict) and entry.get("field") and entry.get("problem") in PROBLEMS:
            add_gap(gaps, entry["field"], entry["problem"], entry.get("value"))
    if isinstance(out.get("title"), str):
        out["title"] = _plain(out["title"])
    # a text longer than the schema allows is cut (with "…"), not refused: the record is not lost,
    # and the gap keeps the beginning of what the source wrote
    from .validators import NOTES_MAX_LENGTH, TITLE_MAX_LENGTH
    for field, maximum in (("title", TITLE_MAX_LENGTH), ("notes", NOTES_MAX_LENGTH)):
        if isinstance(out.get(field), str) and len(out[field]) > maximum:
            add_gap(gaps, field, "invalid", out[field])
            out[field] = out[field][:maximum - 1].rstrip() + "…"
    if not str(out.get("notes") or "").strip():
        out.pop("notes", None)
        add_gap(gaps, "notes", "missing")

    # licence: the dataset's own, else the one most of its distributions carry; a known spelling
    # becomes its id, an unknown one stays as written
    written = out.pop("license_id", None)
    if not written or states_no_licence(written):
        carried = resource_licences(out)
        written = max(dict.fromkeys(carried), key=carried.count) if carried else written
    if written and not states_no_licence(written):
        known = licence(written)
        out["license_id"] = known or _plain(written)[:500] or str(written)[:500]
        if not known:
            add_gap(gaps, "license_id", "unknown", written)
    if not out.get("license_id"):
        add_gap(gaps, "license_id", "missing", written if written else None)

    out["tags"] = [{"name": t} for t in tags(out.get("tags") or [])]
    if not out["tags"]:
        add_gap(gaps, "tags", "missing")

    for field, vocabulary in VOCABULARY_FIELDS.items():
        values = []
        for value in _as_list(out.get(field)):
            uri = concept(vocabulary, value)
            if uri:
                values.append(uri)
            else:
                add_gap(gaps, field, "unknown", value)
        out[field] = list(dict.fromkeys(values))
    for field, vocabulary in SINGLE_VOCABULARY_FIELDS.items():
        if out.get(field):
            uri = concept(vocabulary, out[field])
            if not uri:
                add_gap(gaps, field, "unknown", out[field])
            out[field] = uri

    for field in ("issued", "modified"):
        if out.get(field):
            iso = date(out[field])
            if not iso:
                add_gap(gaps, field, "invalid", out[field])
            out[field] = iso
    periods = []
    for period in _as_list(out.get("temporal_coverage")):
        if not isinstance(period, dict):
            add_gap(gaps, "temporal_coverage", "invalid", period)
            continue
        start, end = date(period.get("start")), date(period.get("end"))
        for name, raw, iso in (("start", period.get("start"), start), ("end", period.get("end"), end)):
            if raw and not iso:
                add_gap(gaps, "temporal_coverage", "invalid", raw)
        if start and end and end < start:
            start, end = end, start
        if start or end:
            periods.append({k: v for k, v in (("start", start), ("end", end)) if v})
    out["temporal_coverage"] = periods

    for field in ("url", "source"):
        if out.get(field):
            address = web_url(out[field])
            if not address:
                add_gap(gaps, field, "invalid", out[field])
            out[field] = address

    if out.get("spatial"):
        shape = geometry(out["spatial"])
        if not shape:
            add_gap(gaps, "spatial", "invalid", out["spatial"] if isinstance(out["spatial"], str)
                    else json.dumps(out["spatial"]))
        out["spatial"] = shape

    contacts = []
    for contact in _as_list(out.get("contact")):
        if not isinstance(contact, dict):
            continue
        entry = {"name": _plain(contact.get("name"))}
        if contact.get("email"):
            entry["email"] = email(contact["email"])
            if not entry["email"]:
                add_gap(gaps, "contact", "invalid", contact["email"])
        if contact.get("url"):
            entry["url"] = web_url(contact["url"])
            if not entry["url"]:
                add_gap(gaps, "contact", "invalid", contact["url"])
        entry = {k: v for k, v in entry.items() if v}
        if entry:
            contacts.append(entry)
    out["contact"] = contacts[:1]
    if not any(c.get("email") or c.get("url") for c in contacts):
        add_gap(gaps, "contact", "missing")

    listed = [r for r in _as_list(out.get("resources")) if isinstance(r, dict)]
    from .validators import HARVESTED_RESOURCES_MAX
    if len(listed) > HARVESTED_RESOURCES_MAX:
        # a dataset page with thousands of files takes seconds to make, for every visitor (seventh
        # attack review, F1: 3,000 distributions in one record); the first ones by address are
        # kept (the same ones on every run), the record itself keeps them all
        add_gap(gaps, "resources", "invalid", f"{len(listed)} (> {HARVESTED_RESOURCES_MAX})")
        listed = sorted(listed, key=lambda r: str(r.get("url") or r.get("download_url") or r.get("access_url")
                                                 or ""))[:HARVESTED_RESOURCES_MAX]
    out["resources"] = [r for r in (_resource(r, out.get("license_id"), gaps) for r in listed) if r]
    if not out["resources"]:
        add_gap(gaps, "resources", "missing")

    out = {k: v for k, v in out.items() if v not in (None, "", {})}
    # stored as JSON text, as the schema keeps it (CKAN would flatten a list of dicts)
    out[GAPS_FIELD] = json.dumps(open_gaps(gaps, out), ensure_ascii=False)
    return out


def gaps_of(dataset: dict) -> list[dict]:
    """The gaps stored with a dataset (package_show dict or one from ``dataset``)."""
    return [g for g in _as_list(dataset.get(GAPS_FIELD)) if isinstance(g, dict)]


def resource_licences(data: dict) -> list[str]:
    """The licences the distributions of a record name (as ids where known, else as written)."""
    return [licence(r["license"]) or _plain(r["license"]) for r in _as_list(data.get("resources"))
            if isinstance(r, dict) and r.get("license") and not states_no_licence(r["license"])]


RESOURCE_ADDRESS_FIELDS = ("access_url", "download_url")


def _resource(resource: dict, dataset_licence: Optional[str], gaps: list) -> Optional[dict]:
    entry = {k: v for k, v in resource.items() if v not in (None, "", [])}
    written = entry.get("url") or entry.get("download_url") or entry.get("access_url")
    for field in RESOURCE_ADDRESS_FIELDS:
        if entry.get(field):
            address = web_url(entry[field])
            if not address:
                add_gap(gaps, "resources." + field, "invalid", entry[field])
                entry.pop(field)
            else:
                entry[field] = address
    url = web_url(entry.get("url"), ("http", "https", "ftp")) if entry.get("url") else None
    url = url or entry.get("download_url") or entry.get("access_url")
    if not url:
        # an address nobody can open is no distribution ("http://%3C%21--"): left out, noted
        add_gap(gaps, "resources", "invalid", written)
        return None
    entry["url"] = url
    written_format, written_type = entry.get("format"), entry.get("mimetype")
    info = format_info(written_format) or format_info(written_type)
    if info:
        entry["format"] = info["name"]
        if info.get("media_type") and not media_type(written_type):
            entry["mimetype"] = info["media_type"]
    elif written_format:
        entry["format"] = _plain(written_format)[:100]
        add_gap(gaps, "resources.format", "unknown", written_format)
    if written_type:
        kind = media_type(written_type)
        if kind:
            entry["mimetype"] = kind
        elif entry.get("mimetype") == written_type:
            entry.pop("mimetype")
            add_gap(gaps, "resources.mimetype", "invalid", written_type)
    if entry.get("license"):
        written_licence = entry["license"]
        known = licence(written_licence)
        if known == dataset_licence or states_no_licence(written_licence):
            entry.pop("license")
        elif known:
            entry["license"] = known
        else:
            entry["license"] = _plain(written_licence)[:500]
            add_gap(gaps, "resources.license", "unknown", written_licence)
    if "size" in entry:
        try:
            written_size = str(entry["size"])
            if len(written_size) > 30:  # no file has a size of thirty digits (int() refuses thousands)
                raise ValueError
            size = int(float(written_size))
            if not 0 <= size < 2 ** 63:  # the database's bigint; "inf" and "1e999" raise OverflowError
                raise ValueError
            entry["size"] = size
        except (TypeError, ValueError, OverflowError):
            written_size = entry.pop("size")
            add_gap(gaps, "resources.size", "invalid",
                    written_size if len(str(written_size)) <= 100 else str(written_size)[:100] + "…")
    if isinstance(entry.get("name"), str):
        entry["name"] = _plain(entry["name"])
    from .validators import RESOURCE_DESCRIPTION_MAX_LENGTH
    description = entry.get("description")
    if isinstance(description, str) and len(description) > RESOURCE_DESCRIPTION_MAX_LENGTH:
        # cut like the dataset's own description: the distribution is not lost for it
        add_gap(gaps, "resources.description", "invalid", description)
        entry["description"] = description[:RESOURCE_DESCRIPTION_MAX_LENGTH - 1].rstrip() + "…"
    return entry


def open_gaps(gaps: Iterable[dict], dataset: dict) -> list[dict]:
    """The gaps still open in ``dataset`` (as stored or being saved): a missing or unknown value
    a data officer has since filled in or replaced is closed."""
    out = []
    for entry in gaps or []:
        field, problem = entry.get("field"), entry.get("problem")
        value = dataset.get(field) if field and "." not in field else None
        if field == "license_id":
            current = dataset.get("license_id")
            if current and current in vocabularies.licenses():
                continue
        elif field == "tags":
            if dataset.get("tags") or str(dataset.get("tag_string") or "").strip():
                continue
        elif field == "contact":
            contacts = _as_list(dataset.get("contact"))
            if problem == "missing" and any(isinstance(c, dict) and (c.get("email") or c.get("url"))
                                            for c in contacts):
                continue
        elif field and "." not in field and field != "resources" and problem == "missing" and value not in (
                None, "", [], "[]"):
            continue
        elif field == "resources" and problem == "missing" and dataset.get("resources"):
            continue
        out.append(entry)
    return out


def describe(entry: dict, lang: str) -> str:
    """One gap as a sentence part for data officers: "Lizenz: unbekannt („Nutzungsbedingungen …“)"."""
    lang = "de" if lang == "de" else "en"
    field, problem = entry.get("field"), entry.get("problem")
    field = lang_module.pgettext_for("gap", FIELD_NAMES[field], lang) if field in FIELD_NAMES else field
    problem = lang_module.pgettext_for("gap", PROBLEM_NAMES[problem], lang) if problem in PROBLEM_NAMES else problem
    text = f"{field}: {problem}"
    if entry.get("value"):
        text = lang_module.pgettext_for("gap", "{gap} (“{value}”)", lang, gap=text, value=entry["value"])
    return text
