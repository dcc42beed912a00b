"""The one place where jena_search reaches into CKAN internals.

Written for CKAN 2.11 and 2.12 (checked against 2.11.6 and 2.12.0) with ckanext-harvest 1.6.3,
on what both versions share. CKAN has no
pluggable search backend (ISearchProvider is only a proposal, ckan/ckan#8441), so the
PostgreSQL backend enters through the seam CKAN itself uses to reach Solr:
``ckan.lib.search.common.make_connection()``, which ``index.py``, ``query.py`` and
ckanext-harvest import as module globals. CKAN keeps building every index document and every
query; only the connection changes. ``check_solr_schema_version`` is replaced too, because
it would otherwise fetch Solr's schema over HTTP at start-up. The package index and query are
CKAN's own classes, registered in ``ckan.lib.search._INDICES`` / ``_QUERIES`` in both versions
(``index_for`` / ``query_for`` read them); the seam checks they still are.

``problems()`` lists what no longer matches the CKAN this was written for; the test suite
asserts it is empty, so an upgrade of CKAN fails loudly instead of searching wrongly.
"""
from __future__ import annotations

import importlib
import inspect
import logging
import sys
from typing import Any, Callable

import ckan
import ckan.lib.search as ckan_search
import ckan.lib.search.common as search_common
from ckan.plugins import toolkit

from ckanext.jena import settings

log = logging.getLogger(__name__)

WRITTEN_FOR_CKAN = ("2.11", "2.12")
# modules holding their own reference to make_connection (``from .common import ...``);
# ckanext-harvest's is patched only where its plugin is in use: importing it registers its
# tables on CKAN's model, which must not happen in a portal without them.
HARVEST_MODULE = "ckanext.harvest.logic.action.update"
CONNECTION_USERS = (
    "ckan.lib.search",
    "ckan.lib.search.common",
    "ckan.lib.search.index",
    "ckan.lib.search.query",
    HARVEST_MODULE,
)
# what the backend relies on CKAN doing, as source fragments of the functions involved
EXPECTED_SOURCE = {
    "ckan.lib.search.index:PackageSearchIndex.index_package": ["conn.add(docs=[pkg_dict]", "permission_labels"],
    "ckan.lib.search.index:PackageSearchIndex.delete_package": ["conn.delete(q=query"],
    "ckan.lib.search.index:clear_index": ["conn.delete(q=query)", "conn.commit()"],
    "ckan.lib.search.query:PackageSearchQuery.run": ["conn.search(**query)", "solr_response.hits",
                                                     "solr_response.facets"],
    "ckan.lib.search.query:PackageSearchQuery.get_index": ["conn.search(**query)"],
    "ckan.config.environment:update_config": ["search.check_solr_schema_version()"],
}
# what only one version does: the package document's validated form comes from package_show
# (2.11) or is handed in by the logic layer as ``with_custom_schema`` (2.12)
EXPECTED_SOURCE_BY_VERSION = {
    "2.11": {"ckan.lib.search.index:PackageSearchIndex.index_package": ["package_show"]},
    "2.12": {"ckan.lib.search.index:PackageSearchIndex.index_package": ["with_custom_schema"]},
}
# the registries index_for / query_for read, and what they must hold
REGISTRIES = {
    "_INDICES": ("package", "ckan.lib.search.index:PackageSearchIndex"),
    "_QUERIES": ("package", "ckan.lib.search.query:PackageSearchQuery"),
}

_original_make_connection: Callable[..., Any] = search_common.make_connection
_original_check_schema: Callable[..., Any] = ckan_search.check_solr_schema_version
_installed = False


def backend_name() -> str:
    return str(settings.get("ckanext.jena.search.backend")).strip().lower()


def uses_postgres() -> bool:
    return backend_name() == "postgres"


def make_connection(decode_dates: bool = True):
    """``make_connection`` as CKAN calls it: our backend, or Solr when configured so."""
    if not uses_postgres():
        return _original_make_connection(decode_dates=decode_dates)
    from .backend import PostgresSearchConnection
    return PostgresSearchConnection(decode_dates=decode_dates)


def check_solr_schema_version(schema_file=None) -> bool:
    if not uses_postgres():
        return _original_check_schema(schema_file)
    return False  # no Solr schema to check: CKAN treats False as "check does not apply"


def install() -> None:
    """Route CKAN's search through ``make_connection`` above (idempotent).

    Once installed it stays for the life of the process: CKAN's test runner unloads
    non-system plugins between tests, but datasets are still indexed then, and the choice
    between PostgreSQL and Solr is read from the config on every call.
    """
    global _installed
    found = problems()
    if found:
        raise RuntimeError("jena_search cannot hook into this CKAN: " + "; ".join(found))
    for name in _loaded_users():
        sys.modules[name].make_connection = make_connection
    if _installed:
        return
    ckan_search.check_solr_schema_version = check_solr_schema_version
    _installed = True
    log.info("jena_search: CKAN search routed through ckanext.jena.search (backend=%s)",
             backend_name())


def _loaded_users() -> list[str]:
    plugins = toolkit.aslist(toolkit.config.get("ckan.plugins", []) or [])
    if "harvest" in plugins:
        try:
            importlib.import_module(HARVEST_MODULE)
        except ImportError:
            pass
    return [name for name in CONNECTION_USERS if name in sys.modules]


def is_installed() -> bool:
    return _installed


def _resolve(path: str):
    module_name, _, attr_path = path.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr_path.split("."):
        obj = getattr(obj, part)
    return obj


def problems() -> list[str]:
    """Differences between the running CKAN and the one this seam was written for."""
    found = []
    version = ckan.__version__
    if not version.startswith(tuple(line + "." for line in WRITTEN_FOR_CKAN)):
        found.append(f"CKAN {version} is not one of {WRITTEN_FOR_CKAN}")
    params = inspect.signature(_original_make_connection).parameters
    if "decode_dates" not in params:
        found.append("make_connection() lost its decode_dates parameter")
    for name in CONNECTION_USERS:
        module = sys.modules.get(name)
        if module is None:
            continue  # not loaded (ckanext-harvest without its plugin)
        if not hasattr(module, "make_connection"):
            found.append(f"{name} no longer imports make_connection")
    for registry, (key, path) in REGISTRIES.items():
        registered = getattr(ckan_search, registry, {}).get(key)
        try:
            expected_class = _resolve(path)
        except (AttributeError, ImportError):
            expected_class = None
        if registered is None or registered is not expected_class:
            found.append(f"ckan.lib.search.{registry}[{key!r}] is no longer {path}")
    expected = [(path, fragments) for path, fragments in EXPECTED_SOURCE.items()]
    for prefix, version_source in EXPECTED_SOURCE_BY_VERSION.items():
        if version.startswith(prefix + "."):
            expected.extend(version_source.items())
    for path, fragments in expected:
        try:
            source = inspect.getsource(_resolve(path))
        except (AttributeError, ImportError, OSError, TypeError) as error:
            found.append(f"{path} is gone ({error})")
            continue
        for fragment in fragments:
            if fragment not in source:
                found.append(f"{path} no longer contains {fragment!r}")
    if not hasattr(ckan_search, "check_solr_schema_version"):
        found.append("ckan.lib.search.check_solr_schema_version is gone")
    return found
