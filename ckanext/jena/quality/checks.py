"""Background checks behind the quality score: are the links reachable, does the dataset's
DCAT output conform to DCAT-AP? Run by a background job after a dataset changes, or by
`ckan jena quality check`; never during a page view. Results live in jena_quality_check.

Uses ckan.model's session for the project's own table (plain SQL); everything else goes
through the toolkit.
"""
from __future__ import annotations

import datetime
import functools
import ipaddress
import json
import logging
import os
import socket
from typing import Optional
from urllib.parse import urljoin, urlparse

import requests
import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit

log = logging.getLogger(__name__)
DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
TABLE_SQL = """
CREATE TABLE IF NOT EXISTS jena_quality_check (
    dataset_id text PRIMARY KEY,
    checked_at timestamptz NOT NULL,
    links jsonb NOT NULL DEFAULT '{}',
    dcat_ap_violations integer,
    dcat_ap_messages jsonb NOT NULL DEFAULT '[]'
)"""


def ensure_table() -> None:
    model.Session.execute(sa.text(TABLE_SQL))
    model.Session.commit()


def table_exists() -> bool:
    return bool(model.Session.execute(sa.text("SELECT to_regclass('public.jena_quality_check') IS NOT NULL")).scalar())


def stored(dataset_id: str) -> Optional[dict]:
    if not table_exists():
        return None
    row = model.Session.execute(sa.text(
        "SELECT checked_at, links, dcat_ap_violations, dcat_ap_messages FROM jena_quality_check "
        "WHERE dataset_id = :id"), {"id": dataset_id}).first()
    if row is None:
        return None
    return {"checked_at": row[0], "links": dict(row[1]), "dcat_ap_violations": row[2],
            "dcat_ap_messages": list(row[3])}


def _private_host(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, ValueError):  # unresolvable or not a host name: the request fails and says so
        return False
    return any(not ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses)


MAX_REDIRECTS = 5


def check_url(url: str, timeout: float) -> dict:
    """{"status": HTTP status or None, "error": text or None, "checked": ISO time}.

    Redirects are followed by hand, so that every hop is checked against internal addresses."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    allow_private = toolkit.asbool(toolkit.config.get("ckanext.jena.quality.check_private_hosts"))
    headers = {"User-Agent": "WISSENsAllmende-Jena-linkcheck/1.0"}
    current = url or ""
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            parsed = urlparse(current)
            host = parsed.hostname
        except ValueError:
            return {"status": None, "error": "invalid address", "checked": now}
        if parsed.scheme not in ("http", "https") or not host:
            return {"status": None, "error": "not an http(s) address", "checked": now}
        if not allow_private and _private_host(host):
            return {"status": None, "error": "internal address, not checked", "checked": now}
        try:
            response = requests.head(current, timeout=timeout, allow_redirects=False, headers=headers)
            if response.status_code in (405, 501) or (response.status_code >= 400 and response.status_code != 404):
                # some servers refuse HEAD; ask for the first byte only
                response = requests.get(current, timeout=timeout, allow_redirects=False, stream=True,
                                        headers=dict(headers, Range="bytes=0-0"))
                response.close()
        except (requests.RequestException, ValueError) as exc:
            return {"status": None, "error": type(exc).__name__, "checked": now}
        if response.is_redirect and response.headers.get("Location"):
            current = urljoin(current, response.headers["Location"])
            continue
        return {"status": response.status_code, "error": None, "checked": now}
    return {"status": None, "error": "too many redirects", "checked": now}


def _upload_exists(resource: dict):
    """True/False for files in CKAN's own filestore; None where another uploader (cloud
    storage) keeps them, which this check cannot see."""
    from ckan.lib import uploader
    upload = uploader.get_resource_uploader(resource)
    if type(upload) is not uploader.ResourceUpload:
        return None
    try:
        return os.path.exists(upload.get_path(resource["id"]))
    except TypeError:  # no ckan.storage_path
        return None


@functools.lru_cache(maxsize=1)
def _dcat_ap_shapes():
    from rdflib import Graph
    graph = Graph()
    graph.parse(os.path.join(DATA_DIR, "semic_3.0.0_dcat-ap-SHACL.ttl"), format="turtle")
    return graph


def dcat_ap_violations(graph) -> list[str]:
    """SHACL violations of the dataset's DCAT graph against DCAT-AP 3 (as data.europa.eu checks)."""
    from pyshacl import validate
    from rdflib import Namespace
    from rdflib.namespace import RDF
    from ckanext.jena.dcat.vocabulary import vocabulary_graph
    sh = Namespace("http://www.w3.org/ns/shacl#")
    data = graph + vocabulary_graph()
    _conforms, report, _text = validate(data, shacl_graph=_dcat_ap_shapes(), inference="none",
                                        allow_warnings=True)
    out = []
    for result in report.subjects(RDF.type, sh.ValidationResult):
        if report.value(result, sh.resultSeverity) == sh.Violation:
            out.append(f"{report.value(result, sh.resultPath)}: {report.value(result, sh.resultMessage)}")
    return out


def check_dataset(dataset_id: str) -> dict:
    """Check one dataset's links and DCAT-AP conformance and store the result."""
    from ckanext.jena.quality.score import dataset_graph
    context = {"ignore_auth": True}
    dataset = toolkit.get_action("package_show")(context, {"id": dataset_id})
    timeout = float(toolkit.config.get("ckanext.jena.quality.link_timeout", 10))
    links: dict = {}
    for resource in dataset.get("resources", []):
        exists = _upload_exists(resource) if resource.get("url_type") == "upload" else None
        if exists is not None:
            now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            links[resource["url"]] = {"status": 200 if exists else 404,
                                      "error": None if exists else "file missing from the filestore",
                                      "checked": now}
            continue
        for key in ("url", "access_url", "download_url"):
            url = resource.get(key)
            if url and url not in links:
                links[url] = check_url(url, timeout)
    graph, _ref = dataset_graph(dataset)
    violations = dcat_ap_violations(graph)
    ensure_table()
    model.Session.execute(sa.text(
        "INSERT INTO jena_quality_check (dataset_id, checked_at, links, dcat_ap_violations, dcat_ap_messages) "
        "VALUES (:id, now(), CAST(:links AS jsonb), :n, CAST(:messages AS jsonb)) "
        "ON CONFLICT (dataset_id) DO UPDATE SET checked_at = now(), links = EXCLUDED.links, "
        "dcat_ap_violations = EXCLUDED.dcat_ap_violations, dcat_ap_messages = EXCLUDED.dcat_ap_messages"),
        {"id": dataset["id"], "links": json.dumps(links), "n": len(violations),
         "messages": json.dumps(violations[:20])})
    model.Session.commit()
    return stored(dataset["id"])


def check_dataset_job(dataset_id: str) -> None:
    """Background job (CKAN's RQ queue)."""
    try:
        check_dataset(dataset_id)
    except toolkit.ObjectNotFound:
        pass
    except Exception:
        log.exception("quality check of dataset %s failed", dataset_id)
        raise
