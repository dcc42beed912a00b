"""The background work behind explainers: look into a dataset's resources (size- and time-limited),
store what was found, then renew the automatic draft. Never runs during a page view.

Files uploaded to the portal are read from CKAN's file store: that needs ``ckan.lib.uploader``,
which the toolkit does not offer; it is used only here. Everything else is fetched by the
portal's guarded network client (``ckanext/jena/net.py``: the URL read strictly, the host
resolved once, the connection pinned to the address that was checked, every redirect hop checked)
under the explainer's own rules: public addresses only unless
``ckanext.jena.explainer.allowed_hosts`` opens more (resource links are typed by editors, not
sysadmins, so the harvester's allow-list does not apply), the explainer's time and size limits."""
from __future__ import annotations

import logging
import time
from typing import Callable, Optional

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module, net, settings

from . import core, profile as profile_module, store
from .readers import datastore as datastore_reader

log = logging.getLogger(__name__)
PROFILED_FORMATS = {"CSV", "TSV", "TXT", "XLSX", "JSON", "GEOJSON"}


def max_bytes() -> int:
    return toolkit.asint(settings.get("ckanext.jena.explainer.profile_max_bytes"))


def max_seconds() -> float:
    return float(settings.get("ckanext.jena.explainer.profile_seconds"))


def max_rows() -> int:
    return toolkit.asint(settings.get("ckanext.jena.explainer.profile_max_rows"))


def _read_upload(resource: dict, limit: int) -> bytes:
    from ckan.lib import uploader  # no toolkit equivalent (see the module docstring)
    path = uploader.get_resource_uploader(resource).get_path(resource["id"])
    with open(path, "rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise profile_module.ProfileError(
            f"The file is larger than {limit / 1e6:.1f} MB (ckanext.jena.explainer.profile_max_bytes).",
            f"Die Datei ist größer als {limit / 1e6:.1f} MB (ckanext.jena.explainer.profile_max_bytes).")
    return data


ALLOWED_HOSTS_KEY = "ckanext.jena.explainer.allowed_hosts"


USER_AGENT = "ckanext-jena explainer (WISSENsAllmende Jena)"


def _network(**kwargs) -> dict:
    """The arguments of a request under the explainer's rules; the whole answer gets four times
    the per-read limit, so a quarter of the time limit per read keeps to the time limit."""
    return dict(allowed_hosts_key=ALLOWED_HOSTS_KEY, seconds=max(1.0, max_seconds() / 4), user_agent=USER_AGENT,
                limit_key="ckanext.jena.explainer.profile_max_bytes", **kwargs)


def _download(url: str, limit: int) -> bytes:
    try:
        return net.get(url, **_network(limit=limit)).body
    except net.NetError as exc:
        raise profile_module.ProfileError(exc.english, exc.german) from None


def profile_resource(resource: dict, sensor_cache: Optional[dict] = None) -> Optional[dict]:
    """The profile of one resource, or None when its format is not looked into.
    Raises ProfileError (German and English message) when it cannot be read."""
    url = resource.get("url") or ""
    datastream = profile_module.is_sensorthings_url(url) if url.startswith(("http://", "https://")) else None
    if datastream:
        cache = sensor_cache if sensor_cache is not None else {}
        if datastream not in cache:
            def get_json(address, params=None):
                try:
                    return net.get_json(address, **_network(params=params, limit=max_bytes()))
                except net.NetError as exc:
                    raise profile_module.ProfileError(exc.english, exc.german) from None
            cache[datastream] = profile_module.profile_sensorthings(datastream, get_json)
        return cache[datastream]
    fmt = str(resource.get("format") or "").strip().upper()
    deadline = time.monotonic() + max_seconds()
    if toolkit.asbool(resource.get("datastore_active")):
        # loaded into the DataStore: read the typed table there, no second download
        def search(data_dict):
            return toolkit.get_action("datastore_search")(_site_context(), data_dict)
        try:
            return datastore_reader.read(resource["id"], fmt, search, max_rows(), deadline)
        except profile_module.ProfileError as exc:  # the file is still there: read it as before
            log.info("explainer: resource %s: DataStore table not read (%s), reading the file", resource["id"], exc)
    if fmt not in PROFILED_FORMATS or not url:
        return None
    limit = max_bytes()
    if resource.get("url_type") == "upload":
        data = _read_upload(resource, limit)
    else:
        data = _download(url, limit)
    if time.monotonic() > deadline:
        raise profile_module.ProfileError("Profiling took longer than the time limit.",
                                          "Die Auswertung hat länger als erlaubt gedauert.")
    return profile_module.profile_bytes(data, fmt, name=resource.get("name") or "", max_rows=max_rows(),
                                        deadline=deadline)


def profile_dataset(dataset: dict, force: bool = False) -> dict:
    """Profile the resources that changed since they were last profiled; returns
    {"profiled", "unchanged", "failed", "skipped"} counts. The caller commits."""
    counts = {"profiled": 0, "unchanged": 0, "failed": 0, "skipped": 0}
    store.delete_profiles_except(dataset["id"], [r["id"] for r in dataset.get("resources") or []])
    stored = store.profiles(dataset["id"])
    sensor_cache: dict = {}
    for resource in dataset.get("resources") or []:
        fingerprint = profile_module.fingerprint(resource)
        if not force and stored.get(resource["id"], {}).get("fingerprint") == fingerprint:
            counts["unchanged"] += 1
            continue
        try:
            found = profile_resource(resource, sensor_cache)
        except profile_module.ProfileError as exc:
            log.info("explainer: resource %s of dataset %s not profiled: %s", resource["id"], dataset["id"], exc)
            store.save_profile(resource["id"], dataset["id"], fingerprint, None,
                               exc.as_dict())
            counts["failed"] += 1
            continue
        except Exception:  # a bug in a profiler must not stop the explainer
            log.exception("explainer: profiling resource %s of dataset %s failed", resource["id"], dataset["id"])
            store.save_profile(resource["id"], dataset["id"], fingerprint, None,
                               lang_module.gettext_both("The file could not be read."))
            counts["failed"] += 1
            continue
        if found is None:
            counts["skipped"] += 1
        else:
            counts["profiled"] += 1
        store.save_profile(resource["id"], dataset["id"], fingerprint, found, None)
    return counts


def _site_context() -> dict:
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def explain(dataset_id: str, profile: bool = True, force: bool = False) -> Optional[dict]:
    """Profile (optionally) and regenerate one dataset's explainer, committing at the end.
    Returns None when the dataset is gone."""
    from ckan import model
    try:
        dataset = toolkit.get_action("package_show")(_site_context(), {"id": dataset_id})
    except toolkit.ObjectNotFound:  # purged: nothing of it may stay behind
        store.delete(dataset_id)
        model.Session.commit()
        return None
    if dataset.get("type") != "dataset":
        return None
    counts = profile_dataset(dataset, force=force) if profile else {}
    result = core.regenerate(dataset)
    model.Session.commit()
    return {"profiles": counts, "languages": result}


def explain_dataset_job(dataset_id: str) -> None:
    """Background job queued after a dataset is created or changed."""
    try:
        explain(dataset_id)
    except Exception:
        from ckan import model
        model.Session.rollback()
        log.exception("explainer job for dataset %s failed", dataset_id)
        raise


def explain_all(dataset_ids: list, profile: bool = True, force: bool = False,
                progress: Optional[Callable[[int], None]] = None) -> dict:
    totals = {"datasets": 0, "profiled": 0, "failed": 0, "offered": 0}
    for dataset_id in dataset_ids:
        outcome = explain(dataset_id, profile=profile, force=force)
        if outcome:
            totals["datasets"] += 1
            totals["profiled"] += outcome["profiles"].get("profiled", 0)
            totals["failed"] += outcome["profiles"].get("failed", 0)
            totals["offered"] += int(any(lang["offered"] for lang in outcome["languages"].values()))
        if progress:
            progress(1)
    return totals
