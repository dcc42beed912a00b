"""The action-field taxonomy as Python objects, read from its SKOS Turtle and mapping tables.

Everything here is pure: it takes the texts of the data files and a base URI and knows nothing
of CKAN, so the CLI can check a file before it is stored and tests can build variants.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from typing import Iterable, Optional

import yaml
from rdflib import RDF, Graph, Literal
from rdflib.namespace import DCTERMS, OWL, SKOS

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
PACKAGED_TURTLE = os.path.join(DATA_DIR, "taxonomy.ttl")
MAPPING_FILES = {
    "eu_themes": "eu-themes.yaml",
    "opendata_groups": "opendata-groups.yaml",
    "sensor_categories": "sensor-categories.yaml",
    "keywords": "keywords.yaml",
}
CURRENT_SCHEME = "handlungsfelder"
LANGUAGES = ("de", "en")
NOTATION_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
EU_THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
EU_THEMES = ("AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "OP_DATPRO",
             "REGI", "SOCI", "TECH", "TRAN")
# skos mapping properties the migration follows, most faithful first
MATCH_ORDER = ("exactMatch", "closeMatch", "broadMatch")


class TaxonomyError(ValueError):
    """The taxonomy data cannot be read at all (syntax errors, missing files)."""


@dataclasses.dataclass
class Concept:
    notation: str
    uri: str
    scheme: str
    labels: dict
    definitions: dict
    alt_labels: list
    broader: Optional[str]
    deprecated: bool
    replaced_by: list
    matches: list  # [(property, notation)]
    narrower: list = dataclasses.field(default_factory=list)

    def label(self, lang: str = "de") -> str:
        return self.labels.get(lang) or self.labels.get("de") or self.notation

    def definition(self, lang: str = "de") -> str:
        return self.definitions.get(lang) or self.definitions.get("de") or ""

    @property
    def is_field(self) -> bool:
        return self.broader is None


@dataclasses.dataclass
class Scheme:
    notation: str
    uri: str
    labels: dict
    definitions: dict
    version: str
    deprecated: bool
    top: list

    def label(self, lang: str = "de") -> str:
        return self.labels.get(lang) or self.labels.get("de") or self.notation


def packaged_sources() -> tuple[str, dict]:
    """The Turtle text and mapping texts shipped in the package."""
    with open(PACKAGED_TURTLE, encoding="utf-8") as f:
        turtle = f.read()
    mappings = {}
    for key, name in MAPPING_FILES.items():
        with open(os.path.join(DATA_DIR, "mappings", name), encoding="utf-8") as f:
            mappings[key] = f.read()
    return turtle, mappings


def read_sources(turtle_path: Optional[str] = None, mapping_dir: Optional[str] = None) -> tuple[str, dict]:
    turtle, mappings = packaged_sources()
    if turtle_path:
        with open(turtle_path, encoding="utf-8") as f:
            turtle = f.read()
    if mapping_dir:
        for key, name in MAPPING_FILES.items():
            path = os.path.join(mapping_dir, name)
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    mappings[key] = f.read()
    return turtle, mappings


def checksum(turtle: str, mappings: dict) -> str:
    digest = hashlib.sha256(turtle.encode("utf-8"))
    for key in sorted(mappings):
        digest.update(key.encode() + b"\0" + mappings[key].encode("utf-8"))
    return digest.hexdigest()


def _lang_map(graph: Graph, subject, prop) -> dict:
    out = {}
    for value in graph.objects(subject, prop):
        if isinstance(value, Literal):
            out.setdefault(value.language or "de", str(value))
    return out


def _true(graph: Graph, subject, prop) -> bool:
    return any(str(v).lower() in ("true", "1") for v in graph.objects(subject, prop))


class Taxonomy:
    """One version of the taxonomy: schemes, concepts and the mapping tables."""

    def __init__(self, turtle: str, mappings: dict, base_uri: str):
        if not base_uri.endswith("/"):
            base_uri += "/"
        self.base_uri = base_uri
        self.turtle = turtle
        self.mapping_texts = dict(mappings)
        self.checksum = checksum(turtle, mappings)
        self.graph = Graph()
        try:
            self.graph.parse(data=turtle, format="turtle", publicID=base_uri)
        except Exception as exc:  # rdflib raises many types for bad Turtle
            raise TaxonomyError(f"taxonomy Turtle cannot be parsed: {exc}") from exc
        self.mappings = {}
        for key, text in mappings.items():
            try:
                self.mappings[key] = yaml.safe_load(text) or {}
            except yaml.YAMLError as exc:
                raise TaxonomyError(f"mapping table {MAPPING_FILES.get(key, key)} cannot be read: {exc}") from exc
        self._read()

    # -- reading ---------------------------------------------------------------------------
    def notation_of(self, uri) -> str:
        uri = str(uri)
        if uri.startswith(self.base_uri):
            return uri[len(self.base_uri):]
        return uri

    def _read(self) -> None:
        g = self.graph
        self.schemes: dict[str, Scheme] = {}
        self.concepts: dict[str, Concept] = {}
        self.read_problems: list[str] = []
        for s in g.subjects(RDF.type, SKOS.ConceptScheme):
            notation = self.notation_of(s)
            self.schemes[notation] = Scheme(
                notation=notation, uri=str(s), labels=_lang_map(g, s, SKOS.prefLabel),
                definitions=_lang_map(g, s, SKOS.definition),
                version=str(g.value(s, OWL.versionInfo) or ""),
                deprecated=_true(g, s, OWL.deprecated),
                top=sorted(self.notation_of(t) for t in g.objects(s, SKOS.hasTopConcept)))
        for c in g.subjects(RDF.type, SKOS.Concept):
            notation = self.notation_of(c)
            schemes = [self.notation_of(x) for x in g.objects(c, SKOS.inScheme)]
            broader = [self.notation_of(x) for x in g.objects(c, SKOS.broader)]
            if len(schemes) != 1:
                self.read_problems.append(f"concept {notation} must be in exactly one scheme (skos:inScheme)")
            if len(broader) > 1:
                self.read_problems.append(f"concept {notation} has more than one skos:broader")
            matches = []
            for prop in MATCH_ORDER:
                for target in g.objects(c, getattr(SKOS, prop)):
                    matches.append((prop, self.notation_of(target)))
            self.concepts[notation] = Concept(
                notation=notation, uri=str(c), scheme=schemes[0] if schemes else "",
                labels=_lang_map(g, c, SKOS.prefLabel), definitions=_lang_map(g, c, SKOS.definition),
                alt_labels=sorted(str(v) for v in g.objects(c, SKOS.altLabel)),
                broader=broader[0] if broader else None, deprecated=_true(g, c, OWL.deprecated),
                replaced_by=sorted(self.notation_of(x) for x in g.objects(c, DCTERMS.isReplacedBy)),
                matches=matches)
        # RDF is unordered; data officers expect the order of the file, so sort by the position
        # where each concept's description starts.
        position = {}
        for n in self.concepts:
            found = re.search(rf"^<{re.escape(n)}>\s+a\s", self.turtle, re.MULTILINE)
            position[n] = found.start() if found else -1
        self.order = sorted(self.concepts, key=lambda n: (position[n] if position[n] >= 0 else 10**9, n))
        for notation in self.order:
            concept = self.concepts[notation]
            if concept.broader in self.concepts:
                self.concepts[concept.broader].narrower.append(notation)

    # -- questions -------------------------------------------------------------------------
    @property
    def current(self) -> Scheme:
        return self.schemes.get(CURRENT_SCHEME) or Scheme(CURRENT_SCHEME, self.base_uri + CURRENT_SCHEME,
                                                          {}, {}, "", False, [])

    @property
    def version(self) -> str:
        return self.current.version

    def get(self, notation: str) -> Optional[Concept]:
        return self.concepts.get(notation)

    def in_current(self, notation: str) -> bool:
        concept = self.concepts.get(notation)
        return bool(concept and concept.scheme == CURRENT_SCHEME)

    def fields(self, include_deprecated: bool = False) -> list[Concept]:
        return [self.concepts[n] for n in self.order
                if self.in_current(n) and self.concepts[n].is_field
                and (include_deprecated or not self.concepts[n].deprecated)]

    def measures(self, field: str, include_deprecated: bool = False) -> list[Concept]:
        concept = self.concepts.get(field)
        if not concept:
            return []
        return [self.concepts[n] for n in concept.narrower
                if include_deprecated or not self.concepts[n].deprecated]

    def valid_values(self) -> list[str]:
        """Notations a dataset may carry: current, not deprecated concepts."""
        out = []
        for field in self.fields():
            out.append(field.notation)
            out.extend(m.notation for m in self.measures(field.notation))
        return out

    def field_of(self, notation: str) -> Optional[str]:
        concept = self.concepts.get(notation)
        while concept and concept.broader:
            concept = self.concepts.get(concept.broader)
        return concept.notation if concept else None

    def label(self, notation: str, lang: str = "de") -> str:
        concept = self.concepts.get(notation)
        return concept.label(lang) if concept else notation

    def with_fields(self, notations: Iterable[str]) -> list[str]:
        """The notations plus the field of every measure among them, in taxonomy order."""
        wanted = set()
        for n in notations:
            wanted.add(n)
            field = self.field_of(n)
            if field:
                wanted.add(field)
        return [n for n in self.order if n in wanted] + sorted(w for w in wanted if w not in self.concepts)

    def replacement(self, notation: str, _seen: Optional[set] = None) -> tuple[list[str], str]:
        """Where a dataset classified as `notation` belongs in the current scheme.

        Returns (notations, how): how is "current" (nothing to do), "replaced", one of the
        skos match properties, or "unknown"/"unmapped" with no notations.
        """
        seen = _seen or set()
        if notation in seen:
            return [], "unmapped"
        seen.add(notation)
        concept = self.concepts.get(notation)
        if concept is None:
            return [], "unknown"
        if concept.scheme == CURRENT_SCHEME and not concept.deprecated:
            return [notation], "current"
        if concept.replaced_by:
            out = []
            for target in concept.replaced_by:
                found, _how = self.replacement(target, seen)
                out.extend(found)
            if out:
                return out, "replaced"
        for prop in MATCH_ORDER:
            targets = [t for p, t in concept.matches if p == prop]
            out = []
            for target in targets:
                found, _how = self.replacement(target, seen)
                out.extend(found)
            if out:
                return out, prop
        return [], "unmapped"

    # -- mapping tables --------------------------------------------------------------------
    def themes_for(self, notation: str) -> list[str]:
        table = (self.mappings.get("eu_themes") or {}).get("concepts") or {}
        while notation:
            if notation in table:
                return list(table[notation])
            concept = self.concepts.get(notation)
            notation = concept.broader if concept else None
        return []

    # -- checking --------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """Everything that makes this version unfit to be loaded, as sentences."""
        out = list(self.read_problems)
        if CURRENT_SCHEME not in self.schemes:
            out.append(f"the current scheme <{CURRENT_SCHEME}> (skos:ConceptScheme) is missing")
        for notation, scheme in self.schemes.items():
            for lang in LANGUAGES:
                if lang not in scheme.labels:
                    out.append(f"scheme {notation} has no skos:prefLabel in '{lang}'")
        for notation in self.order:
            c = self.concepts[notation]
            if not c.uri.startswith(self.base_uri) or not NOTATION_RE.match(notation):
                out.append(f"concept <{c.uri}> must be a relative IRI of lower-case letters, digits and hyphens")
                continue
            if c.scheme not in self.schemes:
                out.append(f"concept {notation} is in an unknown scheme '{c.scheme}'")
            for lang in LANGUAGES:
                if lang not in c.labels:
                    out.append(f"concept {notation} has no skos:prefLabel in '{lang}'")
                if lang not in c.definitions:
                    out.append(f"concept {notation} has no skos:definition in '{lang}'")
            if c.broader is not None:
                parent = self.concepts.get(c.broader)
                if parent is None:
                    out.append(f"concept {notation} has an unknown broader concept '{c.broader}'")
                elif parent.scheme != c.scheme:
                    out.append(f"concept {notation} and its broader concept {c.broader} are in different schemes")
                elif parent.broader is not None:
                    out.append(f"concept {notation}: measures cannot have measures (two levels only: field and measure)")
            for target in c.replaced_by + [t for _p, t in c.matches]:
                if target not in self.concepts and target not in self.schemes:
                    out.append(f"concept {notation} points at an unknown concept '{target}'")
            if c.deprecated and c.scheme == CURRENT_SCHEME and not c.replaced_by and not c.matches:
                out.append(f"deprecated concept {notation} needs dct:isReplacedBy or a skos match to say where its datasets go")
        labels_seen: dict = {}
        for field in self.fields():
            key = field.label("de").casefold()
            if key in labels_seen:
                out.append(f"fields {labels_seen[key]} and {field.notation} have the same German label")
            labels_seen[key] = field.notation
        out.extend(self._mapping_problems())
        return out

    def _mapping_problems(self) -> list[str]:
        out = []
        # deprecated concepts may stay in the tables (suggestions skip them), unknown ones not
        known = {n for n in self.concepts if self.in_current(n)}

        def check(where: str, notations) -> None:
            for n in notations or []:
                if n not in known:
                    out.append(f"{where}: '{n}' is not a current concept of the taxonomy")

        themes = self.mappings.get("eu_themes") or {}
        for concept, codes in (themes.get("concepts") or {}).items():
            check("eu-themes.yaml concepts", [concept])
            for code in codes or []:
                if code not in EU_THEMES:
                    out.append(f"eu-themes.yaml: '{code}' is not an EU data theme ({', '.join(EU_THEMES)})")
        for code, concepts in (themes.get("themes") or {}).items():
            if code not in EU_THEMES:
                out.append(f"eu-themes.yaml: '{code}' is not an EU data theme")
            check(f"eu-themes.yaml themes {code}", concepts)
        for name, row in ((self.mappings.get("opendata_groups") or {}).get("groups") or {}).items():
            check(f"opendata-groups.yaml {name}", (row or {}).get("action_fields"))
        for key, row in ((self.mappings.get("sensor_categories") or {}).get("categories") or {}).items():
            check(f"sensor-categories.yaml {key}", (row or {}).get("action_fields"))
        for concept in ((self.mappings.get("keywords") or {}).get("keywords") or {}):
            check("keywords.yaml", [concept])
        return out

    # -- output ----------------------------------------------------------------------------
    def serialize(self, fmt: str) -> str:
        graph = Graph()
        for prefix, ns in (("skos", SKOS), ("dct", DCTERMS), ("owl", OWL)):
            graph.bind(prefix, ns)
        for triple in self.graph:
            graph.add(triple)
        if fmt == "json-ld":
            context = {"skos": str(SKOS), "dct": str(DCTERMS), "owl": str(OWL),
                       "xsd": "http://www.w3.org/2001/XMLSchema#"}
            return graph.serialize(format="json-ld", context=context, indent=2)
        return graph.serialize(format=fmt)

    def concept_dict(self, concept: Concept, lang: Optional[str] = None) -> dict:
        out = {
            "id": concept.notation, "uri": concept.uri, "scheme": concept.scheme,
            "broader": concept.broader, "narrower": list(concept.narrower),
            "deprecated": concept.deprecated, "replaced_by": list(concept.replaced_by),
            "matches": [{"property": f"skos:{p}", "target": t} for p, t in concept.matches],
        }
        if lang:
            out["label"] = concept.label(lang)
            out["definition"] = concept.definition(lang)
        else:
            out["labels"] = dict(concept.labels)
            out["definitions"] = dict(concept.definitions)
        if concept.scheme == CURRENT_SCHEME:
            out["eu_themes"] = self.themes_for(concept.notation)
        return out

    def as_dict(self, lang: Optional[str] = None) -> dict:
        schemes = []
        for notation, scheme in sorted(self.schemes.items(), key=lambda kv: kv[0] != CURRENT_SCHEME):
            entry = {"id": notation, "uri": scheme.uri, "version": scheme.version,
                     "deprecated": scheme.deprecated, "current": notation == CURRENT_SCHEME,
                     "concepts": [self.concept_dict(self.concepts[n], lang) for n in self.order
                                  if self.concepts[n].scheme == notation]}
            if lang:
                entry["label"] = scheme.label(lang)
            else:
                entry["labels"] = dict(scheme.labels)
            schemes.append(entry)
        return {"version": self.version, "checksum": self.checksum, "base_uri": self.base_uri,
                "schemes": schemes}


def diff(old: Optional[Taxonomy], new: Taxonomy) -> list[str]:
    """What changes for data officers when `new` replaces `old`, one line each."""
    if old is None:
        return [f"first load: {len(new.concepts)} concepts in {len(new.schemes)} schemes"]
    out = []
    for n in new.order:
        c = new.concepts[n]
        before = old.concepts.get(n)
        if before is None:
            kind = "field" if c.is_field else f"measure of {c.broader}"
            out.append(f"added {kind} {n}: {c.label('de')}")
            continue
        for lang in LANGUAGES:
            if before.label(lang) != c.label(lang):
                out.append(f"renamed {n} ({lang}): {before.label(lang)!r} -> {c.label(lang)!r}")
        if c.deprecated and not before.deprecated:
            target = ", ".join(new.replacement(n)[0]) or "nowhere"
            out.append(f"deprecated {n}; its datasets move to: {target}")
        if before.broader != c.broader:
            out.append(f"moved {n}: broader {before.broader} -> {c.broader}")
    for n in old.order:
        if n not in new.concepts:
            out.append(f"removed {n} (datasets that carry it can no longer be migrated: deprecate instead)")
    for key in sorted(set(old.mapping_texts) | set(new.mapping_texts)):
        if old.mapping_texts.get(key) != new.mapping_texts.get(key):
            out.append(f"changed mapping table {MAPPING_FILES.get(key, key)}")
    if old.version != new.version:
        out.append(f"version {old.version or '-'} -> {new.version or '-'}")
    return out


def dumps_mappings(mappings: dict) -> str:
    return json.dumps(mappings, ensure_ascii=False, sort_keys=True)
