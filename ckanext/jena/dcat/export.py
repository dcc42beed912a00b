"""Stream the whole public catalog as DCAT-AP.de to a file, a page of datasets at a time.

Memory stays flat however large the catalog: each page of datasets is turned into its own
small graph, written out and dropped. Turtle chunks are concatenated (prefix directives may
repeat anywhere in a Turtle document; blank-node labels are unique per chunk), N-Triples
lines simply follow each other.
"""
from __future__ import annotations

from typing import Callable, IO, Optional

from rdflib import Graph, URIRef
from rdflib.namespace import Namespace, NamespaceManager

from ckan.plugins import toolkit

from ckanext.dcat.processors import RDFSerializer

from . import publication

DCAT = Namespace("http://www.w3.org/ns/dcat#")
FORMATS = {"ttl": "turtle", "nt": "nt"}


def _profiles(profile: Optional[str]) -> Optional[list]:
    return profile.split() if profile else None


class _Namespaces(NamespaceManager):
    """rdflib's Turtle writer asks for a prefixed name of every URI it writes. For a URI that no
    bound namespace starts (every dataset's and distribution's own address) rdflib 7 files a
    part of the URI in a trie and walks that trie again at every ask, without remembering the
    answer, and the trie grows with every dataset of the page: most of the export's time at
    200 datasets a page. Such a URI has no prefixed name whatever the trie holds, so the
    answer (KeyError, as rdflib's) is given at once; everything else goes to rdflib."""

    def __init__(self, graph):
        self._bound: Optional[tuple] = None
        super().__init__(graph)

    def bind(self, *args, **kwargs):
        self._bound = None
        return super().bind(*args, **kwargs)

    def compute_qname(self, uri, generate=True):
        if not generate:
            if self._bound is None:
                self._bound = tuple(str(namespace) for _prefix, namespace in self.namespaces())
            if not str.startswith(uri, self._bound):
                raise KeyError(f"No known prefix for {uri}")
        return super().compute_qname(uri, generate)


def _serializer(profile: Optional[str], page: bool = False) -> RDFSerializer:
    """ckanext-dcat's serializer. For a page of datasets whose profiles all declare
    ``jena_page_store_safe`` (dcat_ap_de, jena_explainer: they only add to the page's graph),
    its graph is kept in rdflib's SimpleMemory store instead of the default ConjunctiveGraph:
    no contexts and no event per added triple (docs/benchmarks.md). The stock DCAT-AP profiles
    build in the page's graph and rewrite dcat:byteSize triples while iterating over them,
    which that store refuses, so they keep the default store."""
    serializer = RDFSerializer(profiles=_profiles(profile))
    if page and all(getattr(p, "jena_page_store_safe", False) for p in serializer._profiles):
        graph = Graph(store="SimpleMemory", bind_namespaces="none")
        for prefix, namespace in serializer.g.namespaces():
            graph.bind(prefix, namespace, override=True, replace=True)
        serializer.g = graph
    serializer.g.namespace_manager = _Namespaces(serializer.g)
    return serializer


def export_catalog(out: IO[bytes], fmt: str = "ttl", page_size: int = 200,
                   profile: Optional[str] = None,
                   progress: Optional[Callable[[int, int], None]] = None) -> int:
    """Write the catalog and every public, active dataset it publishes (publication.py); returns the number of datasets."""
    rdf_format = FORMATS[fmt]
    header = _serializer(profile)
    catalog_ref = header.graph_from_catalog({})
    out.write(header.g.serialize(format=rdf_format, encoding="utf-8"))
    context = {"user": "", "ignore_auth": False}
    written = start = 0
    total = None
    while True:
        page = toolkit.get_action("package_search")(dict(context), {
            "q": "*:*", "fq": publication.with_filter("+dataset_type:dataset"), "rows": page_size, "start": start,
            "sort": "metadata_created asc, id asc", "include_private": False})
        total = page["count"] if total is None else total
        if not page["results"]:
            break
        serializer = _serializer(profile, page=True)
        for dataset in page["results"]:
            dataset_ref = serializer.graph_from_dataset(dataset)
            serializer.g.add((URIRef(catalog_ref), DCAT.dataset, dataset_ref))
        out.write(serializer.g.serialize(format=rdf_format, encoding="utf-8"))
        written += len(page["results"])
        start += page_size
        if progress:
            progress(written, total)
        del serializer
    return written
