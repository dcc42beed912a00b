"""Sensor observations in the DataStore: each harvested SensorThings Datastream's table resource
(the harvester's "CSV-Export" link, ``…/Datastreams(<id>)/Observations?$resultFormat=CSV``)
holds that Datastream's recent observations, fetched by the scheduler's task through the guarded
client (ckanext/jena/net.py), never by the visitor's browser.

A run asks ``<Datastream>/Observations`` for the newest observations first
(``$orderby=phenomenonTime desc``, ``$select=phenomenonTime,result``), follows ``@iot.nextLink``
until it reaches the observations it already has or ones older than the history kept
(``ckanext.jena.data.sensor_history_days`` before the newest), upserts them (the time is the
primary key) and deletes the rows that fell out of the history. Every page is checked: an answer
that is not a SensorThings collection, a page over the size limit, more pages than allowed, a
paging loop or an address the allow-list does not open stops the run for that Datastream with
the reason in German and English; what was stored stays. xloader does not load these resources
(plugin.can_upload): the platform's CSV export is not what the portal keeps."""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Optional

from ckan import model
from ckan.plugins import toolkit

from ckanext.jena import net
from ckanext.jena.lang import BilingualError

log = logging.getLogger(__name__)

TIME, VALUE = "Zeitpunkt", "Messwert"
ALLOWED_HOSTS_KEY = "ckanext.jena.data.allowed_hosts"
USER_AGENT = "ckanext-jena sensor observations (WISSENsAllmende Jena)"
_OBSERVATIONS = re.compile(
    r"(?P<datastream>https?://[^?#\s]+?/Datastreams\((?:\d+|'[^'/?#]+')\))/Observations/?\?(?P<query>[^#]*)", re.I)


class SensorError(BilingualError):
    """A Datastream's observations could not be read (English and German)."""


def datastream_of(resource: dict) -> Optional[str]:
    """The Datastream URL of a sensor table resource (the SensorThings CSV export link), else None."""
    if str(resource.get("format") or "").strip().upper() != "CSV":
        return None
    match = _OBSERVATIONS.fullmatch(str(resource.get("url") or "").strip())
    if not match or "$resultformat=csv" not in match["query"].lower():
        return None
    return match["datastream"]


def sensor_resources() -> list[dict]:
    """Active sensor table resources of active datasets: [{"id", "url", "format"}]."""
    rows = (model.Session.query(model.Resource.id, model.Resource.url, model.Resource.format)
            .join(model.Package, model.Package.id == model.Resource.package_id)
            .filter(model.Resource.state == "active", model.Package.state == "active")
            .filter(model.Resource.url.ilike("%/Datastreams(%)/Observations%"))
            .order_by(model.Resource.created))
    return [{"id": rid, "url": url, "format": fmt} for rid, url, fmt in rows
            if datastream_of({"url": url, "format": fmt})]


def _instant(value) -> Optional[dt.datetime]:
    """A phenomenonTime (an instant or the start of an interval) as an aware UTC datetime."""
    if not isinstance(value, str) or not value.strip() or len(value) > 80:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().partition("/")[0].replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


def _result(value):
    """A result the table keeps: a number, or a short text (category observations); else None."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, str) and value.strip() and len(value) <= 200:
        return value.strip()
    return None


def _settings() -> dict:
    get = toolkit.config.get
    return {"days": int(get("ckanext.jena.data.sensor_history_days")),
            "pages": int(get("ckanext.jena.data.sensor_max_pages")),
            "page_bytes": int(get("ckanext.jena.data.sensor_page_max_bytes")),
            "seconds": float(get("ckanext.jena.data.download_seconds"))}


def fetch_observations(datastream: str, known_newest: Optional[dt.datetime] = None) -> list[tuple]:
    """[(time, result)] newest first, from the newest observation back to ``sensor_history_days``
    before it (or to ``known_newest``, which is included so a changed last value is updated).
    Raises SensorError; a refused address or a network failure is one too."""
    limits = _settings()
    url: Optional[str] = f"{datastream}/Observations"
    params: Optional[dict] = {"$orderby": "phenomenonTime desc", "$select": "phenomenonTime,result", "$top": 1000}
    seen: set = set()
    found: list[tuple] = []
    oldest_kept: Optional[dt.datetime] = None
    pages = 0
    while url:
        if url in seen:
            raise SensorError(f"Paging loop: {url} was already read.",
                              f"Endlosschleife beim Blättern: {url} wurde schon gelesen.")
        seen.add(url)
        pages += 1
        if pages > limits["pages"]:
            raise SensorError(
                f"More than {limits['pages']} pages of observations (ckanext.jena.data.sensor_max_pages).",
                f"Mehr als {limits['pages']} Seiten Beobachtungen (ckanext.jena.data.sensor_max_pages).")
        try:
            answer = net.get_json(url, params=params, allowed_hosts_key=ALLOWED_HOSTS_KEY,
                                  seconds=limits["seconds"], limit=limits["page_bytes"], user_agent=USER_AGENT,
                                  limit_key="ckanext.jena.data.sensor_page_max_bytes")
        except net.NetError as exc:
            raise SensorError(exc.english, exc.german) from None
        if not isinstance(answer, dict) or not isinstance(answer.get("value"), list):
            raise SensorError(f"{url} is not a SensorThings collection of observations (no 'value' list).",
                              f"{url} ist keine SensorThings-Sammlung von Beobachtungen (keine 'value'-Liste).")
        done = False
        for observation in answer["value"]:
            moment = _instant(observation.get("phenomenonTime")) if isinstance(observation, dict) else None
            result = _result(observation.get("result")) if moment else None
            if moment is None or result is None:
                continue  # an unreadable observation is left out, the others are kept
            if oldest_kept is None:
                oldest_kept = moment - dt.timedelta(days=limits["days"])
            if moment < oldest_kept or (known_newest is not None and moment < known_newest):
                done = True
                break
            found.append((moment, result))
        next_link = answer.get("@iot.nextLink")
        url, params = (next_link, None) if (not done and isinstance(next_link, str) and next_link) else (None, None)
        if url and not url.startswith(("http://", "https://")):
            raise SensorError(f"The next page's address {url[:200]!r} is not an http(s) address.",
                              f"Die Adresse der nächsten Seite {url[:200]!r} ist keine http(s)-Adresse.")
    return found


def _site_context() -> dict:
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def _stored_newest(resource_id: str) -> Optional[dt.datetime]:
    try:
        rows = toolkit.get_action("datastore_search")(_site_context(), {
            "resource_id": resource_id, "sort": f'"{TIME}" desc', "limit": 1, "fields": [TIME]})["records"]
    except toolkit.ObjectNotFound:
        return None
    return _instant(rows[0][TIME]) if rows else None


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat()


def load_datastream(resource: dict) -> int:
    """Fetch one sensor resource's recent observations into its DataStore table; returns the
    number of observations written. Raises SensorError (the table is then left as it was)."""
    datastream = datastream_of(resource)
    if not datastream:
        raise SensorError(f"Resource {resource['id']} is not a SensorThings Datastream.",
                          f"Die Ressource {resource['id']} ist kein SensorThings-Datastream.")
    known = _stored_newest(resource["id"])
    observations = fetch_observations(datastream, known)
    if not observations:
        return 0
    numeric = all(isinstance(value, (int, float)) for _moment, value in observations)
    context = _site_context()
    if known is None:
        toolkit.get_action("datastore_create")(dict(context), {
            "resource_id": resource["id"], "force": True, "primary_key": [TIME],
            "fields": [{"id": TIME, "type": "timestamp"}, {"id": VALUE, "type": "numeric" if numeric else "text"}]})
    records = {_stamp(moment): value for moment, value in observations}
    toolkit.get_action("datastore_upsert")(dict(context), {
        "resource_id": resource["id"], "force": True, "method": "upsert",
        "records": [{TIME: moment, VALUE: value} for moment, value in records.items()]})
    _forget_older_than(resource["id"], max(moment for moment, _value in observations)
                       - dt.timedelta(days=_settings()["days"]), context)
    if known is None:
        # the table exists only now: its views (datatables_view, the chart) can be made
        toolkit.get_action("resource_create_default_resource_views")(dict(context), {
            "resource": toolkit.get_action("resource_show")(dict(context), {"id": resource["id"]}),
            "create_datastore_views": True})
    return len(records)


def _forget_older_than(resource_id: str, cutoff: dt.datetime, context: dict) -> None:
    """Delete the rows before ``cutoff`` (the history kept), oldest first, a thousand at a time."""
    while True:
        rows = toolkit.get_action("datastore_search")(dict(context), {
            "resource_id": resource_id, "sort": f'"{TIME}" asc', "limit": 1000, "fields": [TIME]})["records"]
        old = [row[TIME] for row in rows if (_instant(row[TIME]) or cutoff) < cutoff]
        if not old:
            return
        toolkit.get_action("datastore_delete")(dict(context), {
            "resource_id": resource_id, "force": True, "filters": {TIME: old}})
        if len(old) < len(rows):
            return


def load_all_datastreams() -> str:
    """The scheduler's task: every sensor resource's recent observations into the DataStore."""
    written, failed = 0, 0
    for resource in sensor_resources():
        try:
            written += load_datastream(resource)
        except SensorError as exc:
            failed += 1
            log.warning("sensor resource %s (%s): observations not loaded: %s", resource["id"], resource["url"], exc)
        except Exception:  # one broken Datastream must not stop the others
            failed += 1
            model.Session.rollback()
            log.exception("sensor resource %s (%s): observations not loaded", resource["id"], resource["url"])
    return f"{written} sensor observations written, {failed} Datastreams failed"
