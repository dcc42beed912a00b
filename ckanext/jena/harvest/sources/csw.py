"""jena_csw: a CSW 2.0.2 catalogue of ISO 19139 records (the city's geodata catalogue).

Records are listed with GetRecords (KVP, ``outputSchema`` gmd, paged by ``nextRecord``) and read
with ckanext-spatial's ISODocument, given a tree that our own safe parser built (no DTDs, no
entities, no network). One unreadable record is an error of that record only."""
from __future__ import annotations

import functools
import json
import logging
import os
from typing import Iterator, Optional
from urllib.parse import urlsplit

import yaml
from lxml import etree

from ckanext.jena.schema import inbound, vocabularies

from .. import base, normalise, xmlsafe
from ..base import Incomplete, JenaHarvester, Record, RecordError, distinctive
from ..fetch import FetchError

log = logging.getLogger(__name__)
DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
NS = {"csw": "http://www.opengis.net/cat/csw/2.0.2", "gmd": "http://www.isotc211.org/2005/gmd",
      "gmi": "http://www.isotc211.org/2005/gmi", "dc": "http://purl.org/dc/elements/1.1/",
      "gco": "http://www.isotc211.org/2005/gco", "ows": "http://www.opengis.net/ows",
      "ows11": "http://www.opengis.net/ows/1.1"}
PAGE_SIZE = 100
PROTOCOL_FORMATS = {"OGC:WMS": "WMS", "OGC:WFS": "WFS", "OGC:WCS": "WCS", "OGC:WMTS": "WMTS",
                    "OGC:CSW": "CSW", "ESRI:REST": "ESRI REST"}
ISO_RECORDS = {f"{{{NS['gmd']}}}MD_Metadata", f"{{{NS['gmi']}}}MI_Metadata"}
LANGUAGES = {"ger": "DEU", "deu": "DEU", "de": "DEU", "eng": "ENG", "en": "ENG"}


def _string(element) -> str:
    """The text of an ISO 19139 character string property: its gco:CharacterString or gmx:Anchor
    (or whatever element stands in its place), stripped; '' if there is none."""
    if element is None:
        return ""
    for child in element:
        if isinstance(child.tag, str) and (child.text or "").strip():
            return child.text.strip()
    return (element.text or "").strip()


def _text_of(record, path: str) -> str:
    return _string(record.find(path, NS))


def _exception_text(root) -> Optional[str]:
    if etree.QName(root).localname != "ExceptionReport":
        return None
    texts = [t.strip() for t in root.itertext() if t.strip()]
    codes = [e.get("exceptionCode") for e in root.iter() if e.get("exceptionCode")]
    return "; ".join(codes + texts)[:500] or "ExceptionReport"


EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
# how German catalogues say "no access restrictions" (INSPIRE: noLimitations)
NO_RESTRICTIONS = ("keine zugriffsbeschränkung", "keine beschränkungen des öffentlichen zugangs",
                   "no limitations", "nolimitations", "es gelten keine zugriffsbeschränkungen")


@functools.lru_cache(maxsize=1)
def iso_topic_themes() -> dict:
    with open(os.path.join(DATA_DIR, "iso-topic-themes.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def _locator_format(locator: dict, formats: list) -> Optional[str]:
    """OGC protocol, else the file name's extension, else the record's only distribution format for
    a download, else a web page."""
    protocol = (locator.get("protocol") or "").strip().upper()
    for prefix, name in PROTOCOL_FORMATS.items():
        if protocol.startswith(prefix):
            return name
    path = urlsplit(locator["url"].strip()).path
    if "." in path.rsplit("/", 1)[-1]:
        info = inbound.format_info(path.rsplit(".", 1)[-1])
        if info:
            return info["name"]
    if "DOWNLOAD" in protocol and len(formats) == 1:
        return normalise.format_name(formats[0])
    if locator.get("function") == "information" or "LINK" in protocol:
        return "HTML"
    return None


class JenaCswHarvester(JenaHarvester):
    source_type = "jena_csw"
    title = "CSW-Geodatenkatalog (Jena)"
    description = ("Ein CSW-2.0.2-Katalog mit ISO-19139-Metadaten, z. B. der Geodatenkatalog der Stadt / "
                   "A CSW 2.0.2 catalogue of ISO 19139 records, such as the city's geodata catalogue")
    config_keys = {"page_size": (int, "records per GetRecords request (default 100)")}

    def collect(self, url: str, config: dict) -> Iterator[Record]:
        size = int(config.get("page_size") or PAGE_SIZE)
        base = url.split("?")[0]
        start, pages, read, matched = 1, 0, 0, None
        while True:
            pages = self.next_page(pages, config)
            answer = self.read_page(base, pages, config, accept="application/xml", params={
                "service": "CSW", "version": "2.0.2", "request": "GetRecords", "typeNames": "gmd:MD_Metadata",
                "resultType": "results", "elementSetName": "full",
                "outputSchema": "http://www.isotc211.org/2005/gmd", "startPosition": start, "maxRecords": size})
            root = xmlsafe.parse(answer.body, answer.url)
            problem = _exception_text(root)
            if problem:
                raise FetchError(f"The catalogue reported an error: {problem}",
                                 f"Der Katalog meldete einen Fehler: {problem}")
            results = root.find("csw:SearchResults", NS)
            if results is None:
                raise FetchError(f"{answer.url} is not a CSW GetRecords answer.",
                                 f"{answer.url} ist keine CSW-GetRecords-Antwort.")
            try:
                matched = int(results.get("numberOfRecordsMatched"))
                next_record = int(results.get("nextRecord") or 0)
            except (TypeError, ValueError):
                raise FetchError(f"{answer.url}: numberOfRecordsMatched or nextRecord is missing or not a number.",
                                 f"{answer.url}: numberOfRecordsMatched oder nextRecord fehlt oder ist keine Zahl.")
            # ISO 19115-2 records (gmi:MI_Metadata, imagery and gridded data) are ISO 19139 records
            # with more to say; any other record is reported and counted: skipped, it left every
            # run incomplete and nothing was ever withdrawn (a second review of the harvesters)
            records = [child for child in results if isinstance(child.tag, str)]
            for record in records:
                read += 1
                if record.tag in ISO_RECORDS:
                    yield self._guarded_record(record)
                else:
                    yield self._other_record(record)
            if next_record == 0 or next_record > matched or not records:
                break
            if next_record <= start:
                raise FetchError(f"Paging loop: after startPosition {start} the catalogue points back to {next_record}.",
                                 f"Endlosschleife beim Blättern: nach startPosition {start} verweist der Katalog "
                                 f"zurück auf {next_record}.")
            start = next_record
        if matched is not None and read < matched:
            raise Incomplete(f"The catalogue announced {matched} records but sent {read}; the listing is incomplete.",
                             f"Der Katalog kündigte {matched} Einträge an, lieferte aber {read}; die Liste ist "
                             "unvollständig.")

    @staticmethod
    def _other_record(record) -> Record:
        """A record in another schema than ISO 19139 (a csw:Record where the catalogue ignored
        outputSchema): an error of its own; the record of the same identifier stays."""
        identifier = _string(record.find("dc:identifier", NS)) or _text_of(record, "gmd:fileIdentifier")
        kind = etree.QName(record).localname
        return Record(guid=identifier or "other:" + base.content_hash(etree.tostring(record, encoding="unicode"))[:40],
                      keeps=[] if identifier else ["*"],
                      error=base.bilingual(
                          f"The catalogue sent a {kind} record, not ISO 19139 (gmd:MD_Metadata); it was not imported."
                          + ("" if identifier else " Nothing is withdrawn while it is listed so."),
                          f"Der Katalog lieferte einen {kind}-Eintrag statt ISO 19139 (gmd:MD_Metadata); er wurde "
                          "nicht übernommen." + ("" if identifier else " Solange er so geliefert wird, wird nichts "
                                                   "zurückgezogen.")))

    @classmethod
    def _guarded_record(cls, record) -> Record:
        """One record of the answer; one that cannot be read fails alone (a second review of the
        harvesters: a record declaring a relative namespace made canonical XML fail, and with it
        the source's run)."""
        try:
            return cls._record(record)
        except Exception as exc:
            identifier = _text_of(record, "gmd:fileIdentifier")
            log.warning("CSW record %r cannot be read: %s", identifier[:200], exc)
            return Record(guid=identifier or f"untitled:{_text_of(record, './/gmd:citation//gmd:title') or '?'}",
                          error=base.unreadable_record(exc))

    @staticmethod
    def _record(record) -> Record:
        # ISO 19139 lets a character string be written as gco:CharacterString or gmx:Anchor
        identifier = _text_of(record, "gmd:fileIdentifier")
        title = _text_of(record, ".//gmd:citation//gmd:title")
        if not identifier:
            return Record(guid=f"untitled:{title or '?'}",
                          error=f"Der Eintrag „{title}“ hat keinen fileIdentifier / The record “{title}” has no "
                                "fileIdentifier.")
        try:
            content = etree.tostring(record, method="c14n").decode("utf-8")
        except etree.C14NError:  # a namespace canonical XML refuses (a relative URI): written as it is
            content = etree.tostring(record, encoding="unicode")
        identifiers = [identifier] + [
            text for text in (_string(e) for e in record.iterfind(
                ".//gmd:identificationInfo//gmd:identifier//gmd:code", NS)) if text]
        return Record(guid=identifier, content=content, identifiers=distinctive(identifiers))

    def to_dataset(self, content: str, config: dict, url: str) -> dict:
        from ckanext.spatial.harvested_metadata import ISODocument
        tree = xmlsafe.parse(content.encode("utf-8"), url)
        values = ISODocument(xml_tree=tree).read_values()
        if not values.get("title"):
            raise RecordError("the record has no title", "der Eintrag hat keinen Titel")
        tags = list(values.get("tags") or [])
        for group in values.get("keywords") or []:
            for keyword in (group.get("keyword") or []) if isinstance(group, dict) else []:
                tags.append(keyword)
        dataset = {
            "title": values["title"],
            "notes": values.get("abstract") or "",
            "tags": [{"name": t} for t in tags],
            "issued": (values.get("date-released") or values.get("date-created") or "")[:10] or None,
            "modified": (values.get("date-updated") or values.get("metadata-date") or "")[:10] or None,
            "url": values.get("url") or None,
        }
        boxes = values.get("bbox") or []
        if boxes:
            box = boxes[0]
            try:
                w, e, s, n = (float(box[k]) for k in ("west", "east", "south", "north"))
                if w == e and s == n:
                    dataset["spatial"] = json.dumps({"type": "Point", "coordinates": [w, s]})
                else:
                    dataset["spatial"] = json.dumps({"type": "Polygon", "coordinates": [
                        [[w, s], [e, s], [e, n], [w, n], [w, s]]]})
            except (KeyError, TypeError, ValueError):
                pass
        begins, ends = values.get("temporal-extent-begin") or [], values.get("temporal-extent-end") or []
        if begins or ends:
            dataset["temporal_coverage"] = [{k: v[:10] for k, v in (("start", begins[0] if begins else ""),
                                                                     ("end", ends[0] if ends else "")) if v}]
        for party in values.get("responsible-organisation") or []:
            if isinstance(party, dict) and party.get("organisation-name"):
                email = (party.get("contact-info") or {}).get("email") if isinstance(party.get("contact-info"), dict) else None
                dataset["contact"] = [{k: v for k, v in (("name", party["organisation-name"]), ("email", email)) if v}]
                break
        languages = [LANGUAGES.get(str(v).strip().lower()) for v in values.get("dataset-language") or []]
        dataset["language"] = [vocabularies.normalise("language", code) for code in languages if code]
        dataset["license_id"] = self._license(values)
        themes = iso_topic_themes()
        codes = [code for topic in values.get("topic-category") or [] for code in themes.get(str(topic).strip(), [])]
        dataset["theme"] = [f"{EU_THEME}{code}" for code in dict.fromkeys(codes)]
        access = " ".join(str(t) for t in values.get("limitations-on-public-access") or []).casefold()
        if any(words in access for words in NO_RESTRICTIONS):
            dataset["access_rights"] = vocabularies.normalise("access_rights", "PUBLIC")
        formats = [f.get("name") for f in values.get("data-format") or [] if isinstance(f, dict) and f.get("name")]
        resources = []
        for locator in values.get("resource-locator") or []:
            if not locator.get("url"):
                continue
            resources.append({"url": locator["url"].strip(), "name": locator.get("name") or locator["url"].strip(),
                              "description": locator.get("description") or None,
                              "format": _locator_format(locator, formats)})
        dataset["resources"] = resources
        return dataset

    @staticmethod
    def _license(values: dict) -> Optional[str]:
        texts = list(values.get("use-constraints") or []) + list(values.get("limitations-on-public-access") or [])
        for text in texts:
            text = str(text).strip()
            if text.startswith("{"):
                try:
                    data = json.loads(text)
                except ValueError:
                    data = {}
                for key in ("id", "url", "name"):
                    found = normalise.license_id(data.get(key)) if isinstance(data, dict) else None
                    if found:
                        return found
        for text in texts:
            found = normalise.license_id(text)
            if found:
                return found
        return None
