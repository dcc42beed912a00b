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
import json
import mimetypes
import os
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterable, Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

import requests

SOURCES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "sources")
PREFIX = "/demo-quellen"

# name, title, harvester type, path below the demo base, source configuration, owning organisation
SOURCES = [
    {"name": "altes-open-data-portal", "title": "Altes Open-Data-Portal der Stadt Jena (CKAN)",
     "source_type": "jena_ckan", "path": "/ckan/", "org": "smart-city-jena",
     "config": {"page_size": 20, "organizations": "keep", "groups": "keep"}},
    {"name": "thueringer-partnerkatalog", "title": "Partnerkatalog Thüringen (DCAT-AP.de)",
     "source_type": "jena_dcat", "path": "/dcat/catalog.ttl", "org": "smart-city-jena", "config": {}},
    {"name": "geodatenkatalog-jena", "title": "Geodatenkatalog der Stadt Jena (CSW)",
     "source_type": "jena_csw", "path": "/csw", "org": "smart-city-jena",
     "config": {"page_size": 3, "license_id": "dl-by-de/2.0"}},
    {"name": "urbane-datenplattform", "title": "Urbane Datenplattform Jena (SensorThings)",
     "source_type": "jena_sensorthings", "path": "/sensorthings/v1.1", "org": "smart-city-jena",
     "config": {"page_size": 5, "license_id": "dl-by-de/2.0", "contact_name": "Urbane Datenplattform Jena",
                "contact_email": "smartcity@jena.de"}},
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
        package.update(
            id=package_id(entry["name"]), organization={"name": entry["owner_org"]},
            metadata_created="2019-05-02T08:00:00",
            # a changed entry (or file) shows as a new modification time, as on a real portal
            metadata_modified=f"2024-01-01T{digest % 24:02d}:{digest // 24 % 60:02d}:{digest // 1440 % 60:02d}."
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
            start, rows = int(args.get("start", 0)), int(args.get("rows", 10))
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
        if entry is None:
            return 404, "text/plain", b"not found"
        with open(os.path.join(SOURCES_DIR, kind, entry["file"]), "rb") as f:
            body = f.read().replace(b"{base}", f"{base}{prefix}".encode())
        return 200, entry["content_type"], body
    return 404, "text/plain", b"not found"


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
