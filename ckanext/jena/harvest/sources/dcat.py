"""jena_dcat: DCAT-AP and DCAT-AP.de catalogs (Turtle, RDF/XML, JSON-LD, N-Triples), paged with
Hydra. Each dataset's description (with its distributions, contact point and other nodes it
owns) is one record; its hash ignores blank-node labels, so an unchanged dataset hashes the same
on every run. The import maps through the `dcat_ap_de` profile of the DCAT issue, the same
parser the portal's own DCAT endpoints round-trip with."""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
from typing import Iterator
from urllib.parse import quote, urljoin

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from .. import base, fetch, memo, xmlsafe
from ..base import MATCH_PREFIX, Incomplete, JenaHarvester, Record, RecordError, content_identity, distinctive
from ..fetch import FetchError

log = logging.getLogger(__name__)
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
ACCEPT = ("text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/n-triples;q=0.7, "
          "*/*;q=0.1")
FORMATS = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/rdf+xml": "xml",
           "application/xml": "xml", "text/xml": "xml", "application/ld+json": "json-ld",
           "application/json": "json-ld", "application/n-triples": "nt", "text/n3": "n3"}
SUFFIXES = {".ttl": "turtle", ".rdf": "xml", ".xml": "xml", ".jsonld": "json-ld", ".json": "json-ld",
            ".nt": "nt", ".n3": "n3"}
NOT_OWNED = (DCAT.Dataset, DCAT.Catalog)
RDF_FORMATS = ("turtle", "xml", "json-ld", "nt", "n3")
MAX_DEPTH = 4
DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
# JSON-LD contexts that catalogs name by address, shipped here (the harvester fetches nothing but
# the source): DCAT-US 1.1, the `data.json` of Project Open Data, ArcGIS Hub and Socrata
KNOWN_CONTEXTS = {
    "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld": "dcat-us-1.1.context.json",
    "http://project-open-data.cio.gov/v1.1/schema/catalog.jsonld": "dcat-us-1.1.context.json",
}


# what a page holds depends on this code, the shared identity rules and rdflib's parser
PAGE_CODE = memo.fingerprint(os.path.abspath(__file__), os.path.abspath(base.__file__)) + rdflib.__version__


def rdf_format(answer: fetch.Answer, configured: str | None) -> str:
    if configured:
        return configured
    if answer.content_type in FORMATS:
        return FORMATS[answer.content_type]
    path = answer.url.split("?")[0].lower()
    for suffix, name in SUFFIXES.items():
        if path.endswith(suffix):
            return name
    head = answer.body.lstrip()[:1]
    return {b"<": "xml", b"{": "json-ld", b"[": "json-ld"}.get(head, "turtle")


def _int(value):
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


@functools.lru_cache(maxsize=None)
def _known_context(name: str) -> dict:
    with open(os.path.join(DATA_DIR, name), encoding="utf-8") as f:
        return json.load(f)["@context"]


def inline_known_context(body: bytes) -> bytes:
    """A document whose top-level @context is a known address gets that context written in. And
    what made rdflib refuse the whole page for one record (a second review of the harvesters) is
    mended: an ``@language`` that is no text is left out, a number of a thousand digits or more
    (Python refuses to make it) is kept as its text."""
    try:
        document = json.loads(body, parse_int=base._json_int)
    except (ValueError, RecursionError):
        return body  # refuse_remote_contexts says why
    changed = _mend_jsonld(document)
    context = document.get("@context") if isinstance(document, dict) else None
    if isinstance(context, str) and context.strip() in KNOWN_CONTEXTS:
        document["@context"] = _known_context(KNOWN_CONTEXTS[context.strip()])
        changed = True
    return json.dumps(document, ensure_ascii=False).encode("utf-8") if changed else body


def _mend_jsonld(document) -> bool:
    changed, stack = False, [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "@language" in node and not (node["@language"] is None or isinstance(node["@language"], str)):
                del node["@language"]
                changed = True
            for value in node.values():
                if isinstance(value, str) and value.isdigit() and len(value) >= 1000:
                    changed = True  # a number kept as its text by base._json_int
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            for value in node:
                if isinstance(value, str) and value.isdigit() and len(value) >= 1000:
                    changed = True
                elif isinstance(value, (dict, list)):
                    stack.append(value)
    return changed


def refuse_remote_contexts(body: bytes, url: str) -> None:
    """JSON-LD may name contexts by URL, which rdflib would fetch itself, outside the harvester's
    limits and allow-list; only inline contexts (and the KNOWN_CONTEXTS, written in) are accepted."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:  # (nested too deeply for Python: RecursionError)
        raise FetchError(f"The page {url} is not valid JSON-LD ({exc.__class__.__name__}: {str(exc)[:200]}).",
                         f"Die Seite {url} ist kein gültiges JSON-LD ({exc.__class__.__name__}: {str(exc)[:200]}).")

    def remote(node, depth=0) -> bool:
        if depth > 50:
            return True
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import") and (isinstance(value, str) or (
                        isinstance(value, list) and any(isinstance(v, str) for v in value))):
                    return True
                if remote(value, depth + 1):
                    return True
        elif isinstance(node, list):
            return any(remote(item, depth + 1) for item in node)
        return False

    if remote(document):
        raise FetchError(f"The page {url} refers to a JSON-LD context by address; the harvester fetches nothing "
                         "but the source itself, so the context must be written into the page.",
                         f"Die Seite {url} verweist per Adresse auf einen JSON-LD-Kontext; der Harvester lädt "
                         "nichts außer der Quelle selbst, der Kontext muss daher in der Seite stehen.")


# characters that rdflib reads into an IRI from RDF/XML, JSON-LD or a Turtle \u escape, but refuses
# to write (Turtle, N-Triples: "does not look like a valid URI"): one such IRI anywhere in a page
# made the whole source's run fail (seventh attack review, F3; real catalogs hold addresses with
# spaces too). They are percent-encoded, as a browser sends them.
IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|\\^`]')


# xml:lang="de_DE" (a locale, not a language tag) is common in real catalogs; rdflib refuses the
# whole RDF/XML page for it (a re-attack, 7 December): such tags are read as de-DE
XML_LANG_LOCALE = re.compile(rb"""(xml:lang\s*=\s*["'])([A-Za-z]{1,8})_([A-Za-z0-9]{1,8})(["'])""")


def xml_lang_tags(body: bytes) -> bytes:
    return XML_LANG_LOCALE.sub(rb"\1\2-\3\4", body)


def writable_iris(graph: rdflib.Graph) -> int:
    """Percent-encode, in place, every IRI of ``graph`` that rdflib could not write; how many."""
    fixed: dict = {}
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and term not in fixed and IRI_UNSAFE.search(term):
                fixed[term] = URIRef(IRI_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), str(term)))
    if fixed:
        for triple in [t for t in graph if any(term in fixed for term in t)]:
            graph.remove(triple)
            graph.add(tuple(fixed.get(term, term) for term in triple))
    return len(fixed)


def description(graph: rdflib.Graph, node, depth: int = 0, seen=None) -> Iterator[tuple]:
    """The triples about ``node`` and about the nodes it owns (not other datasets or catalogs)."""
    seen = seen if seen is not None else set()
    if node in seen or depth > MAX_DEPTH:
        return
    seen.add(node)
    for p, o in graph.predicate_objects(node):
        yield node, p, o
        if isinstance(o, (BNode, URIRef)) and not any((o, RDF.type, t) in graph for t in NOT_OWNED):
            yield from description(graph, o, depth + 1, seen)


def stable_hash(graph: rdflib.Graph, node) -> str:
    """sha256 over the description with every blank node replaced by its own description."""
    def key(term, path=()):
        if isinstance(term, BNode):
            if term in path or len(path) > MAX_DEPTH:
                return "_:cycle"
            inner = sorted(f"{p.n3()} {key(o, path + (term,))}" for p, o in graph.predicate_objects(term))
            return "[" + " ; ".join(inner) + "]"
        if isinstance(term, URIRef) and path and not any((term, RDF.type, t) in graph for t in NOT_OWNED) \
                and term not in path and len(path) <= MAX_DEPTH:
            inner = sorted(f"{p.n3()} {key(o, path + (term,))}" for p, o in graph.predicate_objects(term))
            return term.n3() + ("[" + " ; ".join(inner) + "]" if inner else "")
        return term.n3()

    lines = sorted(f"{p.n3()} {key(o, (node,))}" for p, o in graph.predicate_objects(node))
    return hashlib.sha256("\n".join([key(node) if not isinstance(node, BNode) else "_:"] + lines)
                          .encode("utf-8", "surrogatepass")).hexdigest()


class JenaDcatHarvester(JenaHarvester):
    source_type = "jena_dcat"
    title = "DCAT-AP / DCAT-AP.de (Jena)"
    description = ("DCAT-AP- und DCAT-AP.de-Kataloge (Turtle, RDF/XML, JSON-LD) mit Hydra-Paging / "
                   "DCAT-AP and DCAT-AP.de catalogs with Hydra paging")
    config_keys = {"rdf_format": (str, "turtle, xml, json-ld or nt, when the server's content type is wrong")}

    def validate_config(self, config: str) -> str:
        config = super().validate_config(config)
        fmt = (json.loads(config) if config and config.strip() else {}).get("rdf_format")
        if fmt and fmt not in RDF_FORMATS:
            raise ValueError(f"rdf_format muss eines von {', '.join(RDF_FORMATS)} sein / rdf_format must be one "
                             f"of {', '.join(RDF_FORMATS)}.")
        return config

    def collect(self, url: str, config: dict) -> Iterator[Record]:
        page_url, seen_pages, seen_bodies, pages, read, total = url, set(), set(), 0, 0, None
        while page_url:
            if page_url in seen_pages:
                raise FetchError(f"Paging loop: {page_url} was already read in this run.",
                                 f"Endlosschleife beim Blättern: {page_url} wurde in diesem Lauf schon gelesen.")
            pages = self.next_page(pages, config)
            seen_pages.add(page_url)
            answer = self.read_page(page_url, pages, config, accept=ACCEPT)
            body_hash = hashlib.sha256(answer.body).hexdigest()
            if body_hash in seen_bodies:
                raise FetchError(f"Paging loop: {page_url} answers with a page already read.",
                                 f"Endlosschleife beim Blättern: {page_url} liefert eine schon gelesene Seite.")
            seen_bodies.add(body_hash)
            fmt = rdf_format(answer, config.get("rdf_format"))
            if fmt not in RDF_FORMATS:
                fmt = "turtle"
            if fmt == "xml":
                xmlsafe.refuse_declarations(answer.body, answer.url)
                xmlsafe.refuse_splintered_text(answer.body, answer.url)
            body = answer.body
            if fmt == "xml":
                body = xml_lang_tags(body)
            if fmt == "json-ld":
                body = inline_known_context(body)
                refuse_remote_contexts(body, answer.url)
            key = memo.page_key(PAGE_CODE, answer.url, fmt, body)
            page = memo.recall(key)
            if page is not None and all(error or self.settled(guid, record_hash)
                                        for guid, record_hash, _identifiers, error in page["records"]):
                # these bytes were read before and every record on them is in the portal unchanged
                records = [Record(guid=guid, content_hash=record_hash, identifiers=identifiers, error=error)
                           for guid, record_hash, identifiers, error in page["records"]]
            else:
                records, page = self._read(body, fmt, answer.url)
                memo.remember(key, page)
            for record in records:
                read += 1
                yield record
            total = total if total is not None else page["total"]
            page_url = page["next"]
        if total is not None and read < total:
            raise Incomplete(f"The catalog announced {total} datasets (hydra:totalItems) but listed {read}; the listing "
                             "is incomplete.",
                             f"Der Katalog kündigte {total} Datensätze an (hydra:totalItems), führte aber {read} auf; "
                             "die Liste ist unvollständig.")

    def _read(self, body: bytes, fmt: str, url: str) -> tuple[list, dict]:
        """The page's records, and what the page memo keeps of it: each record's guid, hash,
        identifiers and error, the next page's address and the announced total."""
        graph = rdflib.Graph()
        try:
            graph.parse(data=body, format=fmt, publicID=url)
        except Exception as exc:  # rdflib raises many kinds for a malformed or truncated payload
            raise FetchError(f"The page {url} is not valid RDF ({fmt}): {str(exc)[:300]}",
                             f"Die Seite {url} ist kein gültiges RDF ({fmt}): {str(exc)[:300]}")
        writable_iris(graph)
        records = [self._guarded_record(graph, dataset_ref)
                   for dataset_ref in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)]
        next_page, total = None, None
        for view_type in (HYDRA.PartialCollectionView, HYDRA.PagedCollection):
            for view in graph.subjects(RDF.type, view_type):
                next_page = next_page or graph.value(view, HYDRA.next) or graph.value(view, HYDRA.nextPage)
                total = total if total is not None else _int(graph.value(view, HYDRA.totalItems))
        for collection in graph.subjects(HYDRA.view, None):
            total = total if total is not None else _int(graph.value(collection, HYDRA.totalItems))
        return records, {"records": [[r.guid, r.content_hash, r.identifiers, r.error] for r in records],
                         "next": urljoin(url, str(next_page)) if next_page else None, "total": total}

    @classmethod
    def _guarded_record(cls, graph: rdflib.Graph, dataset_ref) -> Record:
        """The record of one dataset; one that cannot be described fails alone (its error in the
        report, its dataset kept: the error carries the identity the dataset has), never the page
        or the source."""
        try:
            return cls._record(graph, dataset_ref)
        except Exception as exc:  # rdflib raises many kinds for terms it cannot write
            log.warning("DCAT record %s cannot be described: %s", str(dataset_ref)[:200], exc)
            try:
                identifiers = cls._identity(graph, dataset_ref)[0]
            except Exception:
                identifiers = []
            guid = identifiers[0] if identifiers else "blank:unreadable:" + base.content_hash("\n".join(sorted(
                f"{p} {o}" for p, o in graph.predicate_objects(dataset_ref) if not isinstance(o, BNode))))[:16]
            return Record(guid=guid, error=base.unreadable_record(exc))

    @staticmethod
    def _identity(graph: rdflib.Graph, dataset_ref) -> tuple[list, list, str]:
        """The dataset's identifiers (its URI, its dct:identifier values), its match keys and its
        title. A blank node without dct:identifier is known by its content (title, publisher,
        landing page), and its landing page and distribution addresses find it again after a title
        is corrected. Only literals and URIs count: a blank node's label is new on every parse (a
        second review of the harvesters: an identifier written as a node gave the dataset a new
        identity on every run, so each run made a new dataset and withdrew the last)."""
        identifiers = [str(o).strip() for o in graph.objects(dataset_ref, DCTERMS.identifier)
                       if not isinstance(o, BNode) and str(o).strip()]
        if isinstance(dataset_ref, URIRef):
            identifiers.insert(0, str(dataset_ref))
        if identifiers:
            return identifiers, [], ""
        titles = sorted((t for t in graph.objects(dataset_ref, DCTERMS.title) if not isinstance(t, BNode)),
                        key=lambda t: (getattr(t, "language", None) != "de", str(t)))
        title = str(titles[0]).strip() if titles else ""
        if not title:
            return [], [], ""
        publisher = graph.value(dataset_ref, DCTERMS.publisher)
        publisher_name = graph.value(publisher, FOAF.name) if publisher is not None else None
        publisher_text = str(publisher_name if isinstance(publisher_name, (Literal, URIRef)) else
                             publisher if isinstance(publisher, URIRef) else "")
        landing_page = graph.value(dataset_ref, DCAT.landingPage)
        landing = str(landing_page) if isinstance(landing_page, (URIRef, Literal)) else ""
        addresses = [landing] + sorted(str(url) for distribution in graph.objects(dataset_ref, DCAT.distribution)
                                       for prop in (DCAT.downloadURL, DCAT.accessURL)
                                       for url in graph.objects(distribution, prop) if not isinstance(url, BNode))
        match_keys = [MATCH_PREFIX + a for a in dict.fromkeys(addresses) if a.startswith(("http://", "https://"))]
        return [content_identity(title, publisher_text, landing)], match_keys, title

    @classmethod
    def _record(cls, graph: rdflib.Graph, dataset_ref) -> Record:
        identifiers, match_keys, _title = cls._identity(graph, dataset_ref)
        if not identifiers:
            return Record(guid=f"blank:{stable_hash(graph, dataset_ref)[:16]}",
                          error="Ein Datensatz hat weder URI noch dct:identifier noch einen Titel und kann nicht "
                                "wiedererkannt werden / A dataset has neither a URI, nor a dct:identifier, nor a "
                                "title, so it cannot be recognised again.")

        def content() -> str:
            sub = rdflib.Graph()
            for triple in description(graph, dataset_ref):
                sub.add(triple)
            return sub.serialize(format="nt")

        return Record(guid=identifiers[0], make_content=content,
                      content_hash=stable_hash(graph, dataset_ref),
                      identifiers=distinctive(identifiers) + match_keys)

    def to_dataset(self, content: str, config: dict, url: str) -> dict:
        graph = rdflib.ConjunctiveGraph()
        graph.parse(data=content, format="nt")
        parser = self._parser()
        parser.g = graph
        datasets = list(parser.datasets())
        if len(datasets) != 1:
            raise RecordError(f"expected one dataset, found {len(datasets)}",
                              f"ein Datensatz erwartet, {len(datasets)} gefunden")
        dataset = datasets[0]
        dataset.pop("extras", None)
        return dataset

    def _parser(self):
        """One parser for the life of the harvester: creating one looks up the profiles' entry
        points, which cost more than mapping a record."""
        parser = getattr(self, "_rdf_parser", None)
        if parser is None:
            from ckanext.dcat.processors import RDFParser
            parser = self._rdf_parser = RDFParser(profiles=["dcat_ap_de"])
        return parser
