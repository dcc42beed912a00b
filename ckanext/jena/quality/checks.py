"""Background checks behind the quality score: are the links reachable, does the dataset's
DCAT output conform to DCAT-AP? Run by a background job after a dataset changes, or by
`ckan jena quality check`; never during a page view. Results live in jena_quality_check (made by
the plugin's migrations, ckanext/jena/migration/jena_quality/).

Uses ckan.model's session for the project's own table (plain SQL); everything else goes
through the toolkit.
"""
from __future__ import annotations

import datetime
import functools
import json
import logging
import os
from typing import Optional

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit

from ckanext.jena import net, settings

log = logging.getLogger(__name__)
DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
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


def forget(dataset_id: str) -> None:
    """A purged dataset's check results go (they name its resources' addresses)."""
    if table_exists():
        model.Session.execute(sa.text("DELETE FROM jena_quality_check WHERE dataset_id = :id"), {"id": dataset_id})
    model.Session.commit()


ALLOWED_HOSTS_KEY = "ckanext.jena.quality.allowed_hosts"
USER_AGENT = "WISSENsAllmende-Jena-linkcheck/1.0"
# what a link that was not requested shows in the fix list
NOT_REQUESTED = {"invalid": "invalid address", "scheme": "not an http(s) address",
                 "internal": "internal address, not checked", "redirects": "too many redirects"}


def check_url(url: str, timeout: float) -> dict:
    """{"status": HTTP status or None, "error": text or None, "checked": ISO time}; a link the
    portal refused to request (not http(s), malformed, or an internal address not opened by
    ``ckanext.jena.quality.allowed_hosts``) also has "refused": True and never a status.

    Goes through the portal's guarded client (ckanext/jena/net.py): every redirect hop is
    checked and the connection goes to the address that was checked."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    options = dict(allowed_hosts_key=ALLOWED_HOSTS_KEY, seconds=timeout, limit=0, user_agent=USER_AGENT,
                   read_body=False, raise_for_status=False)
    try:
        answer = net.request(url or "", method="HEAD", **options)
        if answer.status in (405, 501) or (answer.status >= 400 and answer.status != 404):
            # some servers refuse HEAD; ask for the first byte only
            answer = net.request(url, headers={"Range": "bytes=0-0"}, **options)
    except net.Refused as exc:
        return {"status": None, "error": NOT_REQUESTED.get(exc.code, exc.english), "refused": True,
                "checked": now}
    except net.NetError as exc:
        return {"status": None, "error": NOT_REQUESTED.get(exc.code, exc.english), "checked": now}
    return {"status": answer.status, "error": None, "checked": now}


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


def check_dataset(dataset_id: str) -> Optional[dict]:
    """Check one dataset's links and DCAT-AP conformance and store the result (None: the dataset
    was purged meanwhile, and nothing is stored)."""
    from ckanext.jena.quality.score import dataset_graph
    context = {"ignore_auth": True}
    dataset = toolkit.get_action("package_show")(context, {"id": dataset_id})
    timeout = float(settings.get("ckanext.jena.quality.link_timeout"))
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
    # the dataset may have been purged while its links were checked: the row is written only if
    # the dataset is still there, in the transaction that writes it; the lock makes a purge that
    # comes now wait for the row and then remove it with the dataset
    if model.Session.execute(sa.text("SELECT 1 FROM package WHERE id = :id FOR KEY SHARE"),
                             {"id": dataset["id"]}).first() is None:
        model.Session.rollback()
        log.info("dataset %s was purged while its quality was checked: nothing stored", dataset["id"])
        return None
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
