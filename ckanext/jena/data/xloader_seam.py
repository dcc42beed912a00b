"""The one coupling to ckanext-xloader's internals (written against ckanext-xloader 2.6.0 on
CKAN 2.11.6 and 2.12.0).

Why it exists: xloader's job downloads a linked resource with its own ``requests.get``
(``jobs._download_resource_data`` through ``jobs.get_response``), and its hook
``IXloader.modify_download_request`` may change that request but not stop it. A link an editor
typed or a harvested resource could then make the job worker read the city's internal services.
So :func:`install` replaces, in xloader's job module:

- ``_download_resource_data``: an uploaded file is read from the portal's own file store (no HTTP
  request to the portal itself, no API token in the job); a link is fetched through the
  project's guarded client (``ckanext.jena.net``) with the allow-list
  ``ckanext.jena.data.allowed_hosts`` and xloader's own size limit
  (``ckanext.xloader.max_content_length``). A refused or failed download ends the job with a
  reason in German and English (xloader's ``JobError``: no retry);
- ``get_response``: refuses, so no other path of the job reaches the network unguarded;
- ``callback_xloader_hook``: calls the ``xloader_hook`` action in process instead of posting to
  the portal's own API over HTTP;
- ``get_resource_and_dataset``: reads as the site user (the job acts for the portal; xloader
  did so with the configured API token).

:func:`check` raises :class:`SeamBroken` when what is replaced is no longer there or no longer
called the same way; the plugin calls it at load and tests/data_api/test_xloader_seam.py fails
loudly on a new xloader.
"""
from __future__ import annotations

import hashlib
import inspect
import logging
import os
import shutil
import tempfile
from importlib import metadata

from ckan.plugins import toolkit

from ckanext.jena import net

from . import german

log = logging.getLogger(__name__)

WRITTEN_AGAINST = "2.6.0"
TEXT_FORMATS = ("csv", "text/csv", "tsv", "text/tab-separated-values", "txt")
ALLOWED_HOSTS_KEY = "ckanext.jena.data.allowed_hosts"
SIGNATURES = {
    "_download_resource_data": ["resource", "data", "api_key", "logger"],
    "get_response": ["url", "headers"],
    "callback_xloader_hook": ["result_url", "api_key", "job_dict"],
    "get_resource_and_dataset": ["resource_id", "api_key"],
}
# the callers that must look the replaced names up in the module at call time
CALLS = {
    "xloader_data_into_datastore_": ["_download_resource_data(", "get_resource_and_dataset("],
    "xloader_data_into_datastore": ["callback_xloader_hook("],
}


class SeamBroken(RuntimeError):
    """ckanext-xloader changed underneath the seam: its downloads would no longer be guarded."""


def _jobs():
    from ckanext.xloader import jobs
    return jobs


def check() -> None:
    """SeamBroken unless xloader's job module still has what :func:`install` replaces."""
    jobs = _jobs()
    version = metadata.version("ckanext-xloader")
    for name, parameters in SIGNATURES.items():
        function = getattr(jobs, "_jena_original_" + name, None) or getattr(jobs, name, None)
        if function is None or list(inspect.signature(function).parameters) != parameters:
            raise SeamBroken(f"ckanext-xloader {version}: jobs.{name}{parameters} is gone or changed "
                             f"(ckanext/jena/data/xloader_seam.py was written against {WRITTEN_AGAINST})")
    for caller, calls in CALLS.items():
        source = inspect.getsource(getattr(jobs, caller))
        for call in calls:
            if call not in source:
                raise SeamBroken(f"ckanext-xloader {version}: jobs.{caller} no longer calls {call}...) "
                                 f"(ckanext/jena/data/xloader_seam.py, written against {WRITTEN_AGAINST})")
    if "requests." in inspect.getsource(jobs.xloader_data_into_datastore_):
        raise SeamBroken(f"ckanext-xloader {version}: jobs.xloader_data_into_datastore_ uses requests itself")


def install() -> None:
    """Put the guarded functions into xloader's job module (once; idempotent)."""
    check()
    jobs = _jobs()
    for name in SIGNATURES:
        if not hasattr(jobs, "_jena_original_" + name):
            setattr(jobs, "_jena_original_" + name, getattr(jobs, name))
    jobs._download_resource_data = download_resource_data
    jobs.get_response = refuse_response
    jobs.callback_xloader_hook = callback_xloader_hook
    jobs.get_resource_and_dataset = get_resource_and_dataset


def _failed(error: net.NetError | str, german: str = ""):
    from ckanext.xloader.job_exceptions import JobError
    if isinstance(error, net.NetError):
        return JobError(error.report())
    return JobError(f"{german} / {error}")


def download_resource_data(resource: dict, data: dict, api_key, logger):
    """The resource's file as a temporary file and its MD5 (what xloader's own returned)."""
    jobs = _jobs()
    limit = int(jobs.max_content_length)
    tmp_file = tempfile.NamedTemporaryFile(suffix=os.path.basename(resource.get("url") or "")[-40:]
                                           .split("?")[0].split("#")[0])
    try:
        if resource.get("url_type") == "upload":
            _copy_upload(resource, tmp_file, limit)
        else:
            url = resource.get("url") or ""
            logger.info("Fetching from: %s", url)
            try:
                answer = net.get(url, allowed_hosts_key=ALLOWED_HOSTS_KEY,
                                 seconds=toolkit.config.get("ckanext.jena.data.download_seconds"),
                                 limit=limit, user_agent="ckanext-jena data loader",
                                 limit_key="ckanext.xloader.max_content_length")
            except net.NetError as error:
                logger.warning("Download refused or failed: %s", error.report())
                raise _failed(error)
            tmp_file.write(_german_numbers(resource, answer.body))
    except BaseException:
        tmp_file.close()
        raise
    tmp_file.flush()
    data["datastore_contains_all_records_of_source_file"] = True
    digest = hashlib.md5(usedforsecurity=False)
    tmp_file.seek(0)
    for chunk in iter(lambda: tmp_file.read(64 * 1024), b""):
        digest.update(chunk)
    tmp_file.seek(0)
    logger.info("Downloaded ok - %s bytes", os.path.getsize(tmp_file.name))
    return tmp_file, digest.hexdigest()


def _copy_upload(resource: dict, tmp_file, limit: int) -> None:
    from ckan.lib import uploader
    path = uploader.get_resource_uploader(resource).get_path(resource["id"])
    if not path or not os.path.isfile(path):
        raise _failed(f"The uploaded file of resource {resource['id']} is missing from the file store.",
                      f"Die hochgeladene Datei der Ressource {resource['id']} fehlt im Dateispeicher.")
    size = os.path.getsize(path)
    if size > limit:
        mb = limit / (1024 * 1024)
        raise _failed(f"The file is larger than the limit of {mb:.1f} MB (ckanext.xloader.max_content_length).",
                      f"Die Datei ist größer als die Grenze von {mb:.1f} MB (ckanext.xloader.max_content_length).")
    with open(path, "rb") as source:
        if (resource.get("format") or "").lower() in TEXT_FORMATS:
            tmp_file.write(_german_numbers(resource, source.read()))
        else:
            shutil.copyfileobj(source, tmp_file)


def _german_numbers(resource: dict, body: bytes) -> bytes:
    """CSV and TSV with German decimal commas as numbers (german.py); other files unchanged."""
    if (resource.get("format") or "").lower() not in TEXT_FORMATS:
        return body
    return german.normalise(body) or body


def refuse_response(url, headers):
    """xloader's own download, never used: every download goes through download_resource_data."""
    raise _failed(f"{url} was not fetched: the loader only downloads through the portal's guarded client.",
                  f"{url} wurde nicht abgerufen: Der Lader lädt nur über den geprüften Zugang des Portals.")


def _site_context() -> dict:
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"ignore_auth": True, "user": site_user["name"]}


def callback_xloader_hook(result_url, api_key, job_dict) -> bool:
    """The job's status to CKAN in process (xloader posts it to the portal's API)."""
    job_dict.pop("api_key", None)
    try:
        toolkit.get_action("xloader_hook")(_site_context(), job_dict)
    except Exception:  # xloader treats False as "status not saved"
        log.exception("xloader status of resource %s not saved",
                      (job_dict.get("metadata") or {}).get("resource_id"))
        return False
    return True


def get_resource_and_dataset(resource_id, api_key):
    resource = toolkit.get_action("resource_show")(_site_context(), {"id": resource_id})
    dataset = toolkit.get_action("package_show")(_site_context(), {"id": resource["package_id"]})
    return resource, dataset
