"""The `dcat_ap_de` RDF profile: the Jena schema as DCAT-AP.de 3.0, and back.

Layered on ckanext-dcat's DCAT-AP 3 profile (which already reads the scheming fields): after it
has built the graph, this profile replaces what DCAT-AP.de 3.0 and GovData's dashboard would
reject, and adds what they ask for. Each replacement names the SHACL rule it satisfies.

- dct:publisher: exactly one foaf:Agent, the dataset's organisation, with an ADMS publisher type;
- dcat:contactPoint: one vcard:Organization with a single vcard:fn and an e-mail or web IRI;
- dct:language, dct:format, dcat:mediaType, dct:license: IRIs from their vocabularies
  (EU authority tables, IANA, the dcat-ap.de licence list), never literals;
- dct:spatial: the municipality key of Jena (dcat-ap.de political geocoding) and, for
  districts or drawn areas, a dct:Location with dcat:bbox and dcat:centroid (a locn:geometry
  literal is refused by DCAT-AP 3's shape: the geometry must be a node);
- action fields: dct:subject with the taxonomy's concept URIs. DCAT-AP.de 3.0 requires every
  dcat:theme value to come from the EU data-theme table
  (v3.0_shapes_dcat-ap-de-controlledvocabularies.ttl, "dcat:theme MUSS folgendes Vokabular
  benutzen"), so they go to dct:subject, of which dcat:theme is a sub-property in DCAT. The
  option ckanext.jena.dcat.action_fields_as_theme adds them as dcat:theme as well, for
  consumers that accept it (German validation then reports them);
- dcatde:contributorID from ckanext.jena.dcat.contributor_id, when GovData has assigned one.
"""
from __future__ import annotations

import datetime
import functools
import json
import re
from typing import Any, Optional

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS as DCT, FOAF, RDF, RDFS, SKOS, XSD, NamespaceManager

from ckan.plugins import toolkit

from ckanext.dcat.profiles.base import CleanedURIRef
from ckanext.dcat.profiles.euro_dcat_ap_3 import EuropeanDCATAP3Profile
from ckanext.jena.schema import inbound, places, vocabularies
from ckanext.jena.schema.validators import as_list
from ckanext.jena.taxonomy import store as taxonomy_store

from . import mapping, publication

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DATA_THEME = mapping.EU + "data-theme/"
DATA_THEME_SCHEME = URIRef(mapping.EU + "data-theme")


def _config_bool(key: str) -> bool:
    return toolkit.asbool(toolkit.config.get(key, False))


_ORG_TYPES: dict = {}
ORG_TYPE_SECONDS = 60


def _org_type_of(org_id: str) -> Optional[str]:
    """An organisation's kind of unit; the dataset dict does not carry it. Cached for a minute,
    so a catalog export does not look up the same organisation for every dataset."""
    import time
    cached = _ORG_TYPES.get(org_id)
    if cached and time.monotonic() - cached[1] < ORG_TYPE_SECONDS:
        return cached[0]
    try:
        full = toolkit.get_action("organization_show")(
            {"ignore_auth": True}, {"id": org_id, "include_datasets": False, "include_users": False,
                                    "include_groups": False, "include_tags": False,
                                    "include_followers": False})
        value = full.get("org_type")
    except Exception:
        value = None
    _ORG_TYPES[org_id] = (value, time.monotonic())
    return value


# What this profile writes itself (graph_from_dataset below): left out of the dict the parent
# profile gets, so the parent neither computes (organisation look-ups, GeoJSON to WKT, format
# and licence mapping) nor writes what would be dropped again. The _drop calls stay for values
# the parent finds elsewhere (extras).
_REPLACED_KEYS = frozenset((
    "language", "theme", "source", "contact", "maintainer", "maintainer_email", "author",
    "author_email", "organization", "spatial", "spatial_text", "spatial_uri", "spatial_bbox",
    "spatial_centroid", "license_id", "license_url"))
_REPLACED_RESOURCE_KEYS = frozenset(("license", "format", "mimetype", "size"))
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$")


def _for_parent(dataset_dict: dict) -> dict:
    lean = {k: v for k, v in dataset_dict.items() if k not in _REPLACED_KEYS}
    lean["resources"] = [{k: v for k, v in resource.items() if k not in _REPLACED_RESOURCE_KEYS}
                         for resource in dataset_dict.get("resources") or []]
    return lean


@functools.lru_cache(maxsize=128)
def _bbox_and_centroid(geometry: str) -> Optional[tuple]:
    """dcat:bbox and dcat:centroid (WKT) of a GeoJSON geometry; None when it cannot be read.
    Kept per geometry: datasets of the same districts share theirs."""
    try:
        shape = places.parse_geometry(geometry)
    except Exception:
        return None
    minx, miny, maxx, maxy = shape.bounds
    centroid = shape.centroid
    return (f"POLYGON(({minx} {miny},{maxx} {miny},{maxx} {maxy},{minx} {maxy},{minx} {miny}))",
            f"POINT({centroid.x} {centroid.y})")


class _NoBinding(NamespaceManager):
    def bind(self, prefix, namespace, override=True, replace=False) -> None:
        pass


class DcatApDeProfile(EuropeanDCATAP3Profile):
    """DCAT-AP.de 3.0 for the Jena schema (entry point `dcat_ap_de`)."""

    # Only adds to the graph it is given (each dataset is built in a graph of its own and then
    # added, graph_from_dataset): the streamed export may keep its pages in rdflib's
    # SimpleMemory store (export.py), which refuses changes to a graph during an iteration over
    # it but adds and finds triples at a fraction of the cost.
    jena_page_store_safe = True

    # -- helpers ---------------------------------------------------------------------------
    def _bind(self) -> None:
        for prefix, ns in (("dcatde", DCATDE), ("prov", PROV), ("dcat", DCAT), ("vcard", VCARD),
                           ("locn", LOCN), ("gsp", GSP)):
            self.g.bind(prefix, ns)

    def _drop(self, subject, predicate) -> None:
        """Remove (subject, predicate, *) and what hangs from the removed objects (agents,
        contact points, locations) unless something else still points at them."""
        for obj in list(self.g.objects(subject, predicate)):
            self.g.remove((subject, predicate, obj))
            # (ckanext-dcat even types literal licence ids: "cc-by/4.0" dct:type ...)
            if not any(self.g.subjects(None, obj)):
                self._drop_node(obj)

    def _drop_node(self, node) -> None:
        for predicate, obj in list(self.g.predicate_objects(node)):
            self.g.remove((node, predicate, obj))
            if isinstance(obj, BNode) and not any(self.g.subjects(None, obj)):
                self._drop_node(obj)

    _list = staticmethod(as_list)

    # -- output ----------------------------------------------------------------------------
    def graph_from_dataset(self, dataset_dict, dataset_ref):
        """The dataset is built in a small graph of its own and then added to the serializer's
        graph (a page of a catalog): ckanext-dcat's DCAT-AP 3 profile and the replacements
        below look up and scan the graph they write to (every dcat:byteSize of the graph for
        each dataset), which costs more with every dataset of a page. When another profile
        before this one already described the dataset, it is built in place as before."""
        target = self.g
        # Not built in the page itself, even where the page's store makes that cheap
        # (export.py): the replacements below drop and look up statements of a distribution
        # or an agent, and two datasets may name the same ones (a harvested distribution's own
        # address); each dataset says what it would say alone, and the page is their union.
        if (dataset_ref, None, None) in target:
            self._graph_from_dataset(dataset_dict, dataset_ref)
            return
        bound = getattr(target, "_jena_dcat_bound", False)
        self.g = Graph(store="SimpleMemory", bind_namespaces="none")
        if bound:  # the page's graph has the prefixes already: binding them again costs time
            self.g.namespace_manager = _NoBinding(self.g, bind_namespaces="none")
        try:
            self._graph_from_dataset(dataset_dict, dataset_ref)
            scratch = self.g
        finally:
            self.g = target
        if not bound:
            for prefix, namespace in scratch.namespaces():
                target.bind(prefix, namespace)
            target._jena_dcat_bound = True
        target.addN((s, p, o, target) for s, p, o in scratch)

    def _add_date_triple(self, subject, predicate, value, _type=Literal):
        # CKAN's own timestamps ("2026-11-01T09:30:00.123456") read without dateutil's parser,
        # with the value ckanext-dcat writes for them; every other spelling goes to it
        if _type is Literal and isinstance(value, str) and _ISO_DATETIME.match(value):
            self.g.add((subject, predicate, Literal(
                datetime.datetime.fromisoformat(value).isoformat(), datatype=XSD.dateTime)))
            return
        super()._add_date_triple(subject, predicate, value, _type)

    def _graph_from_dataset(self, dataset_dict, dataset_ref):
        super().graph_from_dataset(_for_parent(dataset_dict), dataset_ref)
        self._bind()
        g = self.g

        # dct:identifier is a literal (SEMIC: sh:nodeKind sh:Literal)
        for value in list(g.objects(dataset_ref, DCT.identifier)):
            g.remove((dataset_ref, DCT.identifier, value))
            g.add((dataset_ref, DCT.identifier, Literal(str(value))))
        # a republished harvested dataset keeps its original identifier (publication.py)
        publication.add_origin(g, dataset_ref, dataset_dict)

        # languages as EU language IRIs
        self._drop(dataset_ref, DCT.language)
        languages = [v for v in self._list(dataset_dict.get("language")) if v in vocabularies.uris("language")]
        for uri in languages or [vocabularies.default("language")]:
            g.add((dataset_ref, DCT.language, URIRef(uri)))
            g.add((URIRef(uri), RDF.type, DCT.LinguisticSystem))

        # themes: EU data themes only; action fields as dct:subject
        self._drop(dataset_ref, DCAT.theme)
        for uri in self._list(dataset_dict.get("theme")):
            if uri.startswith(DATA_THEME):
                g.add((dataset_ref, DCAT.theme, URIRef(uri)))
        taxonomy = taxonomy_store.current()
        as_theme = _config_bool("ckanext.jena.dcat.action_fields_as_theme")
        for notation in taxonomy.with_fields(self._list(dataset_dict.get("action_fields"))):
            concept = taxonomy.get(notation)
            if concept is None:
                continue
            g.add((dataset_ref, DCT.subject, URIRef(concept.uri)))
            if as_theme:
                g.add((dataset_ref, DCAT.theme, URIRef(concept.uri)))

        # dct:source must point at a typed dcat:Dataset; the source address is provenance
        self._drop(dataset_ref, DCT.source)
        source = dataset_dict.get("source")
        if source and str(source).startswith("http"):
            g.add((dataset_ref, PROV.wasDerivedFrom, CleanedURIRef(source)))

        self._add_publisher(dataset_dict, dataset_ref)
        self._add_contact(dataset_dict, dataset_ref)
        self._add_spatial(dataset_dict, dataset_ref)

        contributor = toolkit.config.get("ckanext.jena.dcat.contributor_id")
        if contributor:
            g.add((dataset_ref, DCATDE.contributorID, URIRef(mapping.CONTRIBUTORS + contributor)))

        # The dataset's own licence (CKAN keeps one per dataset; DCAT-AP puts licences on the
        # distributions, where they are all set below): kept so a harvester gets it back.
        self._drop(dataset_ref, DCT.license)
        dataset_license = mapping.license_uri(dataset_dict.get("license_id"))
        if dataset_license:
            g.add((dataset_ref, DCT.license, URIRef(dataset_license)))
            g.add((URIRef(dataset_license), RDF.type, DCT.LicenseDocument))
        organization = dataset_dict.get("organization") or {}
        attribution = "Stadt Jena" + (f", {organization['title']}" if organization.get("title") else "")
        for resource in dataset_dict.get("resources", []):
            distribution = self._distribution_ref(dataset_ref, resource)
            if distribution is not None:
                self._fix_distribution(distribution, resource, dataset_dict, attribution)

    def _distribution_ref(self, dataset_ref, resource):
        # the parent profile's distribution of this resource; its address without asking
        # resource_uri again (it walks every plugin for each resource) where it is the usual one
        suffix = f"/resource/{resource.get('id')}"
        for ref in self.g.objects(dataset_ref, DCAT.distribution):
            if str(ref).endswith(suffix) and not resource.get("uri"):
                return ref
        from ckanext.dcat.utils import resource_uri
        ref = URIRef(resource_uri(resource))
        return ref if (dataset_ref, DCAT.distribution, ref) in self.g else None

    def _fix_distribution(self, distribution, resource, dataset_dict, attribution) -> None:
        g = self.g
        # exactly one licence IRI from the dcat-ap.de list (German additions: minCount 1)
        self._drop(distribution, DCT.license)
        uri = mapping.license_uri(resource.get("license")) or mapping.license_uri(dataset_dict.get("license_id"))
        if uri:
            g.add((distribution, DCT.license, URIRef(uri)))
            g.add((URIRef(uri), RDF.type, DCT.LicenseDocument))
            g.add((distribution, DCATDE.licenseAttributionByText, Literal(attribution)))
        # every distribution needs a dcat:accessURL (DCAT-AP: minCount 1): the resource's URL
        if not any(g.objects(distribution, DCAT.accessURL)):
            fallback = resource.get("url") or resource.get("download_url")
            if fallback:
                g.add((distribution, DCAT.accessURL, CleanedURIRef(fallback)))
        # uploaded files: the URL is a direct download; rights: whom to name when reusing
        if resource.get("url_type") == "upload" and resource.get("url") and not any(g.objects(distribution, DCAT.downloadURL)):
            g.add((distribution, DCAT.downloadURL, CleanedURIRef(resource["url"])))
        if uri and not any(g.objects(distribution, DCT.rights)):
            rights = BNode()
            g.add((distribution, DCT.rights, rights))
            g.add((rights, RDF.type, DCT.RightsStatement))
            g.add((rights, RDFS.label, Literal(f"Quellenvermerk: {attribution}", lang="de")))
        for prop in (DCAT.accessURL, DCAT.downloadURL):  # DCAT-AP: sh:class rdfs:Resource
            for url in list(g.objects(distribution, prop)):
                g.add((url, RDF.type, RDFS.Resource))
        # format and media type as IRIs (EU file-type table, IANA)
        self._drop(distribution, DCT.format)
        self._drop(distribution, DCAT.mediaType)
        info = mapping.format_info(resource.get("format")) or mapping.format_info(resource.get("mimetype"))
        if info:
            # typed, for DCAT-AP's class checks (data.europa.eu validates plain DCAT-AP 3)
            file_type = URIRef(mapping.FILE_TYPE + info["file_type"])
            g.add((distribution, DCT.format, file_type))
            g.add((file_type, RDF.type, DCT.MediaTypeOrExtent))
            if info.get("media_type"):
                media_type = URIRef(mapping.IANA + info["media_type"])
                g.add((distribution, DCAT.mediaType, media_type))
                g.add((media_type, RDF.type, DCT.MediaType))
        # byteSize: one xsd:nonNegativeInteger
        self._drop(distribution, DCAT.byteSize)
        try:
            size = int(float(str(resource["size"]))) if resource.get("size") not in (None, "") else None
        except (TypeError, ValueError):
            size = None
        if size is not None and size >= 0:
            g.add((distribution, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
        for language in list(g.objects(distribution, DCT.language)):
            if not isinstance(language, URIRef):
                g.remove((distribution, DCT.language, language))

    def _add_publisher(self, dataset_dict, dataset_ref) -> None:
        g = self.g
        self._drop(dataset_ref, DCT.publisher)
        organization = dataset_dict.get("organization") or {}
        if not organization:
            return
        site = toolkit.config.get("ckan.site_url", "").rstrip("/")
        agent = URIRef(f"{site}/organization/{organization.get('name') or organization.get('id')}")
        self._drop_node(agent)
        g.add((dataset_ref, DCT.publisher, agent))
        g.add((agent, RDF.type, FOAF.Agent))
        g.add((agent, RDF.type, FOAF.Organization))
        g.add((agent, FOAF.name, Literal(organization.get("title") or organization.get("name"))))
        kind = mapping.PUBLISHER_TYPES.get(self._org_type(organization), "LocalAuthority")
        g.add((agent, DCT.type, URIRef(mapping.PUBLISHER_TYPE + kind)))
        if organization.get("email"):
            g.add((agent, FOAF.mbox, CleanedURIRef("mailto:" + organization["email"].strip())))
        if organization.get("url"):
            g.add((agent, FOAF.homepage, CleanedURIRef(organization["url"])))

    @staticmethod
    def _org_type(organization: dict) -> Optional[str]:
        if organization.get("org_type"):
            return organization["org_type"]
        return _org_type_of(organization["id"])

    def _add_contact(self, dataset_dict, dataset_ref) -> None:
        g = self.g
        self._drop(dataset_ref, DCAT.contactPoint)
        contacts = [c for c in dataset_dict.get("contact") or [] if isinstance(c, dict)]
        contact = next((c for c in contacts if c.get("email") or c.get("url")), None)
        if contact is None and dataset_dict.get("maintainer_email"):
            contact = {"name": dataset_dict.get("maintainer"), "email": dataset_dict["maintainer_email"]}
        organization = dataset_dict.get("organization") or {}
        if contact is None and organization.get("email"):
            contact = {"name": organization.get("title"), "email": organization["email"]}
        if contact is None:
            return
        node = BNode()
        g.add((dataset_ref, DCAT.contactPoint, node))
        g.add((node, RDF.type, VCARD.Organization))
        g.add((node, RDF.type, VCARD.Kind))
        g.add((node, VCARD.fn, Literal(contact.get("name") or organization.get("title") or "Stadt Jena")))
        if contact.get("email"):
            g.add((node, VCARD.hasEmail, CleanedURIRef("mailto:" + contact["email"].strip())))
        if contact.get("url"):
            g.add((node, VCARD.hasURL, CleanedURIRef(contact["url"].strip())))

    def _add_spatial(self, dataset_dict, dataset_ref) -> None:
        g = self.g
        self._drop(dataset_ref, DCT.spatial)
        districts = self._list(dataset_dict.get("districts"))
        geometry = dataset_dict.get("spatial")
        if not districts and not geometry:
            return
        city = URIRef(mapping.municipality_uri())
        g.add((dataset_ref, DCT.spatial, city))
        g.add((city, RDF.type, DCT.Location))
        g.add((city, SKOS.prefLabel, Literal("Jena", lang="de")))
        g.add((dataset_ref, DCATDE.politicalGeocodingLevelURI, URIRef(mapping.MUNICIPALITY_LEVEL)))
        parts = [d for d in districts if d != places.WHOLE_CITY]
        if not parts and not geometry:
            return
        node = BNode()
        g.add((dataset_ref, DCT.spatial, node))
        g.add((node, RDF.type, DCT.Location))
        if parts:
            g.add((node, SKOS.prefLabel, Literal(", ".join(places.label(d) for d in parts), lang="de")))
        if geometry:
            found = _bbox_and_centroid(geometry if isinstance(geometry, str) else json.dumps(geometry, sort_keys=True))
            if found is None:
                return
            g.add((node, DCAT.bbox, Literal(found[0], datatype=GSP.wktLiteral)))
            g.add((node, DCAT.centroid, Literal(found[1], datatype=GSP.wktLiteral)))

    def graph_from_catalog(self, catalog_dict, catalog_ref):
        super().graph_from_catalog(catalog_dict, catalog_ref)
        self._bind()
        g = self.g
        self._drop(catalog_ref, DCT.language)
        g.add((catalog_ref, DCT.language, URIRef(vocabularies.default("language"))))
        if not any(g.objects(catalog_ref, DCT.description)):
            g.add((catalog_ref, DCT.description, Literal("Die urbane Datenplattform der Stadt Jena", lang="de")))
        self._drop(catalog_ref, DCT.publisher)
        agent = URIRef("https://www.jena.de")
        g.add((catalog_ref, DCT.publisher, agent))
        g.add((agent, RDF.type, FOAF.Agent))
        g.add((agent, FOAF.name, Literal("Stadt Jena", lang="de")))
        g.add((agent, DCT.type, URIRef(mapping.PUBLISHER_TYPE + "LocalAuthority")))
        g.add((agent, FOAF.homepage, URIRef("https://www.jena.de")))
        city = URIRef(mapping.municipality_uri())
        g.add((catalog_ref, DCT.spatial, city))
        g.add((city, RDF.type, DCT.Location))
        g.add((catalog_ref, DCAT.themeTaxonomy, DATA_THEME_SCHEME))
        g.add((catalog_ref, DCAT.themeTaxonomy, URIRef(taxonomy_store.current().current.uri)))

    # -- input (harvesting) ----------------------------------------------------------------
    def parse_dataset(self, dataset_dict, dataset_ref):
        parsed = super().parse_dataset(dataset_dict, dataset_ref)
        jena = jena_dataset_from_parsed(self.g, parsed, dataset_ref)
        # ckanext-dcat's parser ignores the return value: change the dict in place
        dataset_dict.clear()
        dataset_dict.update(jena)
        return dataset_dict


SCHEMA_KEYS = {
    "title", "name", "notes", "tags", "url", "version", "resources", "action_fields", "theme",
    "contact", "license_id", "access_rights", "frequency", "temporal_coverage", "districts",
    "spatial", "language", "provenance", "source", "issued", "modified", "identifier", "uri",
}
RESOURCE_KEYS = {"url", "name", "description", "format", "mimetype", "size", "license",
                 "access_url", "download_url", "uri"}

def _licence_text(graph, node) -> Optional[str]:
    """A licence as the source wrote it: its IRI, its text, or the label of a licence node."""
    if node is None:
        return None
    if isinstance(node, BNode):
        for predicate in (RDFS.label, DCT.title, DCT.identifier, SKOS.prefLabel):
            label = graph.value(node, predicate)
            if label is not None:
                return str(label).strip() or None
        return None
    return str(node).strip() or None


def _drawn(geometry, districts: list) -> bool:
    """Whether the area parsed beside named districts is one of its own (drawn on the map): its
    bounding box is not that of the districts' polygons, which the output also carries."""
    try:
        bounds = places.parse_geometry(geometry).bounds
        derived = places.parse_geometry(places.geometry_for(districts)).bounds
    except Exception:  # no GeoJSON, or districts without polygons: keep the districts
        return False
    return any(abs(a - b) > 1e-7 for a, b in zip(bounds, derived))


def jena_dataset_from_parsed(graph, parsed: dict, dataset_ref) -> dict:
    """A dataset dict of the Jena schema from what ckanext-dcat's DCAT-AP 3 parser read: this
    maps the structure (which node holds what); the values are normalised, and what is missing,
    unknown or invalid listed as gaps, by the schema's inbound normaliser (inbound.dataset)."""
    out: dict = {k: v for k, v in parsed.items() if k in SCHEMA_KEYS and v not in (None, "", [])}
    taxonomy = taxonomy_store.current()
    concepts = [str(o) for p in (DCT.subject, DCAT.theme) for o in graph.objects(dataset_ref, p)]
    action_fields = [taxonomy.notation_of(c) for c in concepts if c.startswith(taxonomy.base_uri)]
    action_fields = [n for n in action_fields if n in taxonomy.valid_values()]
    if action_fields:
        out["action_fields"] = taxonomy.with_fields(action_fields)
    # EU data themes only: other dcat:theme values are the taxonomy's (action fields, above)
    out["theme"] = [t for t in DcatApDeProfile._list(parsed.get("theme")) if not t.startswith(taxonomy.base_uri)]
    out["language"] = DcatApDeProfile._list(parsed.get("language"))
    tags = inbound.tags(parsed.get("tags") or [])
    if not tags:
        # no keywords at the source: the meaning is clear from its EU themes (else none is
        # invented: the missing keywords are a gap for a data officer)
        for theme in out["theme"]:
            uri = inbound.concept("eu_themes", theme) or ""
            label = vocabularies.vocabulary("eu_themes")["choices"].get(uri.rsplit("/", 1)[-1], {}).get("de")
            tags.extend(inbound.tags([label]))
    out["tags"] = [{"name": t} for t in tags]
    out["temporal_coverage"] = parsed.get("temporal_coverage") or []
    out["contact"] = [{k: contact[k] for k in ("name", "email", "url") if contact.get(k)}
                      for contact in parsed.get("contact") or []]
    derived = graph.value(dataset_ref, PROV.wasDerivedFrom)
    if derived:
        out["source"] = str(derived)
    # places: Jena's municipality key, district names, geometry
    districts, geometry = [], None
    labels = {places.district_key(label): key for key, label in places.districts().items()}
    for spatial in graph.objects(dataset_ref, DCT.spatial):
        if str(spatial) == mapping.municipality_uri():
            districts.append(places.WHOLE_CITY)
        for label in graph.objects(spatial, SKOS.prefLabel):
            for part in str(label).split(","):
                key = labels.get(places.district_key(part.strip()))
                if key:
                    districts.append(key)
    for coverage in parsed.get("spatial_coverage") or []:
        geometry = geometry or coverage.get("geom") or coverage.get("bbox")
    if districts:
        specific = [d for d in districts if d != places.WHOLE_CITY]
        out["districts"] = list(dict.fromkeys(specific or [places.WHOLE_CITY]))
    if out.get("districts"):
        # the area of named districts is derived from them again, unless the output carried an
        # area of its own (drawn on the map) as its bounding box: the schema then derives the
        # districts from that area
        extras = {e.get("key"): e.get("value") for e in parsed.get("extras") or [] if isinstance(e, dict)}
        geometry = geometry or extras.get("spatial") or extras.get("spatial_bbox")
        if geometry and not _drawn(geometry, out["districts"]):
            geometry = None
    if geometry:
        out["spatial"] = geometry if isinstance(geometry, str) else json.dumps(geometry)
    # the dataset's own dct:license as written (inbound.dataset falls back to its distributions')
    written = _licence_text(graph, graph.value(dataset_ref, DCT.license))
    resources = []
    for resource in parsed.get("resources") or []:
        entry = {k: v for k, v in resource.items() if k in RESOURCE_KEYS and v not in (None, "", [])}
        if not entry.get("url"):
            entry["url"] = entry.get("download_url") or entry.get("access_url") or ""
        resources.append(entry)
    out["resources"] = resources
    if written:
        out["license_id"] = written
    out = inbound.dataset({k: v for k, v in out.items() if k not in ("uri", "identifier")})
    # as ckanext-dcat's own profiles do: the dataset's URI and dct:identifier as extras, which
    # other harvesters (ckanext-dcat's dcat_rdf) take their guid from
    identifier = graph.value(dataset_ref, DCT.identifier)
    out["extras"] = [{"key": key, "value": value} for key, value in (
        ("uri", str(dataset_ref) if isinstance(dataset_ref, URIRef) else None),
        ("identifier", str(identifier).strip() if identifier is not None else None)) if value]
    return out
