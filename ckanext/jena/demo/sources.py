"""The demo's sources: what `make run` harvests instead of loading datasets directly.

Four sources of the kinds the city has, served over real HTTP from the files bundled here:

- ``ckan/``: the old portal's action API (package_search, package_show), built from
  data/datasets.yaml; its resource files are data/files/;
- ``dcat/catalog.ttl``: a partner catalog (DCAT-AP.de, Turtle);
- ``csw``: the geodata catalogue, three GetRecords pages of ISO 19139 records;
- ``sensorthings/v1.1``: the sensor platform's SensorThings API.

The same answers come from a short-lived server while `ckan jena demo load` runs and, later,
from the portal itself under /demo-quellen/ (plugin jena_demo), so the links harvested into the
demo datasets keep working."""
from __future__ import annotations

import contextlib
import datetime
import json
import math
import mimetypes
import os
import re
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterable, Iterator, Optional
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import requests

SOURCES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "sources")
PREFIX = "/demo-quellen"

# name, title, harvester type, path below the demo base, source configuration, owning organisation,
# frequency (MANUAL unless given: the sensor platform runs daily, so `make run` shows the scheduler
# starting a due source by itself)
# "publish": true marks the city's own systems, whose records the DCAT catalog republishes; the
# partner catalogue's records reach GovData from their origin
SOURCES = [
    {"name": "altes-open-data-portal", "title": "Altes Open-Data-Portal der Stadt Jena (CKAN)",
     "source_type": "jena_ckan", "path": "/ckan/", "org": "smart-city-jena",
     "config": {"page_size": 20, "organizations": "keep", "groups": "keep", "publish": True}},
    {"name": "thueringer-partnerkatalog", "title": "Partnerkatalog Thüringen (DCAT-AP.de)",
     "source_type": "jena_dcat", "path": "/dcat/catalog.ttl", "org": "smart-city-jena", "config": {}},
    {"name": "geodatenkatalog-jena", "title": "Geodatenkatalog der Stadt Jena (CSW)",
     "source_type": "jena_csw", "path": "/csw", "org": "smart-city-jena",
     "config": {"page_size": 3, "license_id": "dl-by-de/2.0", "publish": True}},
    {"name": "urbane-datenplattform", "title": "Urbane Datenplattform Jena (SensorThings)",
     "source_type": "jena_sensorthings", "path": "/sensorthings/v1.1", "org": "smart-city-jena", "frequency": "DAILY",
     "config": {"page_size": 5, "license_id": "dl-by-de/2.0", "contact_name": "Urbane Datenplattform Jena",
                "contact_email": "smartcity@jena.de", "publish": True}},
]


def _route_key(path: str, params: Iterable[tuple]) -> tuple:
    return unquote(path), tuple(sorted(params))


def _manifest(kind: str) -> dict:
    with open(os.path.join(SOURCES_DIR, kind, "manifest.json"), encoding="utf-8") as f:
        entries = json.load(f)
    table = {}
    for entry in entries:
        parts = urlsplit(entry["request"])
        table[_route_key(parts.path, parse_qsl(parts.query, keep_blank_values=True))] = entry
    return table


def package_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://opendata.jena.de/dataset/{name}"))


def old_portal_packages(base: str) -> list[dict]:
    """The public entries of datasets.yaml as the old portal's package_show would answer (a
    portal lists no private datasets to a harvester without credentials)."""
    from .loader import _package_dict, fingerprint, read_yaml
    packages = []
    for entry in read_yaml("datasets.yaml"):
        if entry.get("private"):
            continue
        package = _package_dict(entry, None)
        package.pop("extras", None)
        digest = int(fingerprint(entry)[:8], 16)
        # last_updated_days_ago: the old portal changed this record that many days before today,
        # so the freshness monitor shows a dataset just updated and one whose update is due
        day = "2024-01-01"
        if entry.get("last_updated_days_ago") is not None:
            day = (datetime.date.today() - datetime.timedelta(days=int(entry["last_updated_days_ago"]))).isoformat()
        package.update(
            id=package_id(entry["name"]), organization={"name": entry["owner_org"]},
            metadata_created="2019-05-02T08:00:00",
            # a changed entry (or file) shows as a new modification time, as on a real portal
            metadata_modified=f"{day}T{digest % 24:02d}:{digest // 24 % 60:02d}:{digest // 1440 % 60:02d}."
                              f"{digest % 1000000:06d}")
        resources = []
        for res in entry.get("resources") or []:
            url = f"{base}/files/{res['file']}" if res.get("file") else res["url"]
            resources.append({"name": res["name"], "description": (res.get("description") or "").strip(),
                              "format": res.get("format") or "", "url": url})
        package["resources"] = resources
        packages.append(package)
    return packages


def public_file(name: str):
    """The path of a resource file of a public old-portal entry, or None: nothing else (no other
    file, no private dataset's file) is ever served."""
    from .loader import _resource_file, read_yaml
    for entry in read_yaml("datasets.yaml"):
        if entry.get("private"):
            continue
        for res in entry.get("resources") or []:
            if res.get("file") and res["file"] == name:
                path = os.path.realpath(_resource_file(res))
                return path if os.path.isfile(path) else None
    return None


def _json(data) -> tuple[int, str, bytes]:
    return 200, "application/json", json.dumps(data, ensure_ascii=False).encode("utf-8")


def answer(path: str, params: list[tuple], base: str) -> tuple[int, str, bytes]:
    """The demo sources' answer to GET ``path`` (below the demo base) with query ``params``;
    ``base`` is the demo base URL that links in the answers use."""
    path = "/" + unquote(path).lstrip("/")
    if path == "/ping":
        return 200, "text/plain", b"ok"
    if path.startswith("/geoserver/"):
        from .sources_ogc import answer as ogc_answer
        return ogc_answer(path, params, base) or (404, "text/plain", b"not found")
    if path.startswith("/files/"):
        full = public_file(path[len("/files/"):])
        if full is None:
            return 404, "text/plain", b"not found"
        with open(full, "rb") as f:
            return 200, mimetypes.guess_type(full)[0] or "application/octet-stream", f.read()
    if path.startswith("/ckan/dataset/"):
        # the old portal's landing pages: the old portal is this portal now
        from html import escape
        name = escape(path[len("/ckan/dataset/"):].strip("/"))
        portal = escape(base.rsplit(PREFIX, 1)[0])
        page = (f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{name}</title></head><body>'
                f'<p>Dieser Datensatz des alten Open-Data-Portals ist jetzt hier: '
                f'<a href="{portal}/dataset/{name}">{portal}/dataset/{name}</a></p>'
                f'<p lang="en">This dataset of the old open data portal now lives here: '
                f'<a href="{portal}/dataset/{name}">{portal}/dataset/{name}</a></p></body></html>')
        return 200, "text/html; charset=utf-8", page.encode("utf-8")
    if path.startswith("/ckan/api/3/action/"):
        args = dict(params)
        packages = old_portal_packages(base)
        if path.endswith("/package_show"):
            found = [p for p in packages if args.get("id") in (p["id"], p["name"])]
            if not found:
                return 404, "application/json", b'{"success": false, "error": {"message": "Not found"}}'
            return _json({"success": True, "result": found[0]})
        if path.endswith("/package_search"):
            packages.sort(key=lambda p: (p["metadata_modified"], p["id"]), reverse=True)
            try:
                start, rows = int(args.get("start", 0)), int(args.get("rows", 10))
            except ValueError:
                start = rows = -1
            if start < 0 or rows < 0:  # as CKAN's API answers a malformed number
                return 409, "application/json", json.dumps({"success": False, "error": {
                    "__type": "Validation Error",
                    "message": "start and rows must be whole numbers of 0 or more. / "
                               "start und rows müssen ganze Zahlen ab 0 sein."}}, ensure_ascii=False).encode("utf-8")
            page = packages[start:start + rows]
            if args.get("fl"):
                fields = args["fl"].split(",")
                page = [{k: p.get(k) for k in fields} for p in page]
            return _json({"success": True, "result": {"count": len(packages), "results": page}})
        return 400, "application/json", b'{"success": false}'
    if path == "/dcat/catalog.ttl":
        with open(os.path.join(SOURCES_DIR, "dcat", "catalog.ttl"), "rb") as f:
            return 200, "text/turtle", f.read().replace(b"{base}", f"{base}/dcat".encode())
    for kind, prefix in (("csw", ""), ("sensorthings", "/sensorthings")):
        if kind == "csw" and path != "/csw":
            continue
        if kind == "sensorthings" and not path.startswith(prefix + "/"):
            continue
        entry = _manifest(kind).get(_route_key(path[len(prefix):], params))
        if entry is None and kind == "sensorthings":
            return _sensorthings_answer(path[len(prefix):], params, f"{base}{prefix}")
        if entry is None:
            return 404, "text/plain", b"not found"
        with open(os.path.join(SOURCES_DIR, kind, entry["file"]), "rb") as f:
            body = f.read().replace(b"{base}", f"{base}{prefix}".encode())
        return 200, entry["content_type"], body
    return 404, "text/plain", b"not found"


# Single Datastreams and their Observations (what the explainer's profiler asks the platform).
# The bundled pages hold the Datastreams, inside their Things, but no observations: those are
# made up on request, the same on every request, at the rate the Datastream's description names
# and ending where its phenomenonTime ends (for Datastream 31, which states none, where its
# bundled first and last observation say).
_DATASTREAM_PATH = re.compile(r"/v1\.1/Datastreams\((\d+)\)(/Observations)?")
_RATES = (("minütlich", 60), ("5-minuten", 300), ("10-minuten", 600), ("15-minuten", 900),
          ("viertelstündlich", 900), ("stündlich", 3600), ("stundenmittel", 3600))
_LEVELS = {"%": 40.0, "µg/m³": 18.0, "°C": 9.0, "hPa": 990.0, "dB(A)": 58.0, "Stellplätze": 150.0}
_MAX_TOP = 1000  # as SensorThings servers cap $top


def _datastreams() -> dict:
    """id -> Datastream as the bundled Things pages expand it."""
    streams = {}
    for entry in _manifest("sensorthings").values():
        if not entry["file"].startswith("things-"):
            continue
        with open(os.path.join(SOURCES_DIR, "sensorthings", entry["file"]), encoding="utf-8") as f:
            for thing in json.load(f)["value"]:
                for stream in thing.get("Datastreams") or []:
                    streams[stream["@iot.id"]] = stream
    return streams


def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _observed_span(stream: dict) -> Optional[tuple]:
    """(first, last) observation time: the phenomenonTime, or the bundled first/last answers."""
    span = stream.get("phenomenonTime")
    if not span:
        ends = []
        for order in ("asc", "desc"):
            entry = _manifest("sensorthings").get(_route_key(
                f"/v1.1/Datastreams({stream['@iot.id']})/Observations",
                [("$orderby", f"phenomenonTime {order}"), ("$top", "1"), ("$select", "phenomenonTime")]))
            if entry is None:
                return None
            with open(os.path.join(SOURCES_DIR, "sensorthings", entry["file"]), encoding="utf-8") as f:
                ends.append(json.load(f)["value"][0]["phenomenonTime"])
        span = "/".join(ends)
    start, _, end = span.partition("/")
    return _moment(start), _moment(end or start)


def _rate(stream: dict) -> int:
    description = (stream.get("description") or "").lower()
    return next((seconds for phrase, seconds in _RATES if phrase in description), 3600)


def _result(stream: dict, moment: datetime.datetime, number: int):
    """A plausible reading: the unit's usual level with a daily swing and a little noise."""
    level = _LEVELS.get((stream.get("unitOfMeasurement") or {}).get("symbol"), 10.0)
    day = (moment.hour * 3600 + moment.minute * 60 + moment.second) / 86400
    value = level * (1 + 0.2 * math.sin(2 * math.pi * (day - 0.375)) + 0.01 * ((number * 7919) % 11 - 5))
    if stream.get("observationType", "").endswith("OM_CountObservation"):
        return int(round(value))
    return round(value, 1)


def _sensorthings_answer(path: str, params: list[tuple], base: str) -> tuple[int, str, bytes]:
    """GET Datastreams(<id>) ($expand=ObservedProperty,Sensor) and Datastreams(<id>)/Observations
    ($top, $skip, $orderby=phenomenonTime asc|desc, $select)."""
    match = _DATASTREAM_PATH.fullmatch(path)
    stream = _datastreams().get(int(match[1])) if match else None
    if stream is None:
        return 404, "text/plain", b"not found"
    args = dict(params)
    if set(args) - {"$expand", "$top", "$skip", "$orderby", "$select", "$resultFormat"} or \
            args.get("$resultFormat", "CSV") != "CSV" or (not match[2] and "$resultFormat" in args):
        return 404, "text/plain", b"not found"
    link = f"{base}/v1.1/Datastreams({stream['@iot.id']})"
    if not match[2]:
        expand = {name.strip() for name in args.get("$expand", "").split(",") if name.strip()}
        answer = {k: v for k, v in stream.items() if k not in ("Sensor", "ObservedProperty") or k in expand}
        for member in ("Sensor", "ObservedProperty"):
            if member not in expand:
                answer[f"{member}@iot.navigationLink"] = f"{link}/{member}"
        return 200, "application/json", json.dumps(answer, ensure_ascii=False).replace(
            "{base}", base).encode("utf-8")
    try:
        top = min(int(args.get("$top", 100)), _MAX_TOP)
        skip = int(args.get("$skip", 0))
    except ValueError:
        return 400, "text/plain; charset=utf-8", ("$top and $skip must be whole numbers. / "
                                                  "$top und $skip müssen ganze Zahlen sein.").encode("utf-8")
    order = args.get("$orderby", "phenomenonTime asc").split() or [""]
    if order[0] != "phenomenonTime" or order[1:] not in ([], ["asc"], ["desc"]) or top < 0 or skip < 0:
        return 400, "text/plain; charset=utf-8", (
            "Supported: $orderby=phenomenonTime asc|desc, $top and $skip of 0 or more. / "
            "Unterstützt: $orderby=phenomenonTime asc|desc, $top und $skip ab 0.").encode("utf-8")
    span = _observed_span(stream)
    if span is None:
        return _json({"value": []})
    first, last = span
    rate = _rate(stream)
    count = int((last - first).total_seconds()) // rate + 1
    numbers = range(count - 1 - skip, max(count - 1 - skip - top, -1), -1) if order[1:] == ["desc"] else \
        range(skip, min(skip + top, count))
    selected = [name.strip() for name in args.get("$select", "").split(",") if name.strip()]
    values = []
    for number in numbers:  # number 0 is the first observation; the last is at phenomenonTime's end
        moment = last - datetime.timedelta(seconds=rate * (count - 1 - number))
        identifier = stream["@iot.id"] * 10_000_000 + number
        observation = {"@iot.id": identifier, "@iot.selfLink": f"{base}/v1.1/Observations({identifier})",
                       "phenomenonTime": _stamp(moment), "resultTime": _stamp(moment),
                       "result": _result(stream, moment, number)}
        values.append({k: v for k, v in observation.items() if k in selected} if selected else observation)
    if "$resultFormat" in args:  # the CSV export as FROST writes it: one line per observation
        columns = selected or ["@iot.id", "phenomenonTime", "resultTime", "result"]
        lines = [",".join(columns)] + [",".join(str(value.get(c, "")) for c in columns) for value in values]
        return 200, "text/csv; charset=utf-8", ("\n".join(lines) + "\n").encode("utf-8")
    answer = {"value": values}
    if skip + top < count:
        following = dict(args, **{"$top": str(top), "$skip": str(skip + top)})
        answer["@iot.nextLink"] = f"{link}/Observations?" + urlencode(following, quote_via=quote, safe="$,")
    return _json(answer)


class _Handler(BaseHTTPRequestHandler):
    base = ""

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        path = parts.path[len(PREFIX):] if parts.path.startswith(PREFIX) else parts.path
        status, content_type, body = answer(path, parse_qsl(parts.query, keep_blank_values=True), self.base)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


_SHARED = None


@contextlib.contextmanager
def serving(site_url: str) -> Iterator[str]:
    """The demo base URL, served for the duration: the portal's own /demo-quellen/ when it is
    running, else a short-lived server on the portal's address (so links stay valid once the
    portal starts), else one on a free port (tests)."""
    permanent = site_url.rstrip("/") + PREFIX
    try:
        if requests.get(permanent + "/ping", timeout=2).text == "ok":
            yield permanent
            return
    except requests.RequestException:
        pass
    parts = urlsplit(site_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host in ("127.0.0.1", "localhost"):
        if not _free("127.0.0.1", port):
            raise RuntimeError(
                f"Port {port} of {site_url} is in use by a program that is not this portal. Stop it, or start "
                "the portal and run the demo load again (it then harvests from the running portal).")
        base, bind = permanent, ("127.0.0.1", port)
    else:
        # a portal elsewhere (tests): one server on a free port for the life of this process,
        # so that a second load sees the same addresses
        global _SHARED
        if _SHARED is None:
            handler = type("DemoHandler", (_Handler,), {})
            _SHARED = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            handler.base = f"http://127.0.0.1:{_SHARED.server_address[1]}{PREFIX}"
            threading.Thread(target=_SHARED.serve_forever, daemon=True).start()
        yield _SHARED.RequestHandlerClass.base
        return
    handler = type("DemoHandler", (_Handler,), {"base": base})
    server = ThreadingHTTPServer(bind, handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
