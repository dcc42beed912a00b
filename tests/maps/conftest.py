"""Maps tests: the plugins, and a real HTTP server on 127.0.0.1 that plays the city's map
services and misbehaves on request (an endless answer, HTML labelled GeoJSON)."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.data_api.conftest import DATA_PLUGINS
from tests.data_api.conftest import clean_datastore, empty_queue, files  # noqa: F401 (fixtures)
from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

MAPS_PLUGINS = SCHEMA_PLUGINS + " " + DATA_PLUGINS + " jena_maps jena_ortsteil_map"


def maps_marks(plugins: str = MAPS_PLUGINS) -> list:
    from tests.data_api.conftest import data_marks
    return schema_marks(plugins) + data_marks(plugins) + [
        pytest.mark.ckan_config("ckan.views.default_views", "jena_map_view jena_ortsteil_map datatables_view"),
        pytest.mark.ckan_config("ckanext.jena.maps.allowed_hosts", "127.0.0.1"),
        pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1"),
        pytest.mark.ckan_config("ckan.locale_default", "de"),
        pytest.mark.usefixtures("clear_map_cache"),
    ]


@pytest.fixture
def clear_map_cache():
    from ckanext.jena.maps import source
    connection = source.redis_connection()
    for key in connection.scan_iter("jena_maps:*"):
        connection.delete(key)
    yield


class GeoServer:
    """Answers by path (the query is recorded, not matched): body, content type, behaviour."""

    def __init__(self):
        self.routes: dict = {}
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
                server.requests.append((parts.path, query))
                route = server.routes.get((parts.path, query.get("request", "").lower()) if "request" in query
                                          else (parts.path, ""))
                if route is None:
                    route = server.routes.get((parts.path, ""))
                if route is None:
                    self.send_error(404)
                    return
                body, content_type, behaviour = route
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                if behaviour == "endless":  # 500 MB, as fast as the reader takes it
                    self.end_headers()
                    chunk = b"[" * 65536
                    try:
                        for _ in range(500 * 16):
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def add(self, path: str, body, content_type: str = "application/json", request: str = "",
            behaviour: str = "") -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[(path, request.lower())] = (body, content_type, behaviour)
        return self.url(path)

    def asked(self, path: str) -> list[dict]:
        return [query for asked_path, query in self.requests if asked_path == path]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def geo_server():
    server = GeoServer()
    yield server
    server.stop()


def wait_for(check, seconds: float = 60.0):
    """Poll ``check`` until it is true (a generous limit for a busy machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def a_dataset(**fields) -> dict:
    """A dataset of the Jena schema (its own organisation unless one is given)."""
    from ckan.tests import factories
    if "owner_org" not in fields:
        fields["owner_org"] = factories.Organization(org_type="fachdienst")["id"]
    return factories.Dataset(action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0",
                             tags=[{"name": "Bäume"}], **fields)
