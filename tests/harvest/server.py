"""A real HTTP server on 127.0.0.1 that serves fixture payloads to the harvesters, and misbehaves
on request (slow, truncated, huge, error status), the way real sources do."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional, Union
from urllib.parse import parse_qsl, unquote, urlsplit


def route_key(path_query: str) -> tuple:
    parts = urlsplit(path_query)
    return unquote(parts.path), tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


class FixtureServer:
    def __init__(self):
        self.routes: dict = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                route = server.routes.get(route_key(self.path))
                if route is None:
                    self.send_error(404)
                    return
                status, content_type, body, behaviour = route
                body = body.replace(b"{base}", server.base.encode()) if isinstance(body, bytes) else body
                if behaviour == "slow":
                    time.sleep(3)
                if behaviour == "slow headers":  # each header line well within the read timeout
                    try:
                        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                        for number in range(30):
                            self.wfile.write(f"X-Langsam-{number}: ja\r\n".encode())
                            self.wfile.flush()
                            time.sleep(0.3)
                    except OSError:
                        pass
                    return
                if behaviour == "huge":
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.end_headers()
                    try:
                        for _ in range(64):
                            self.wfile.write(b"#" * 65536)
                    except OSError:
                        pass
                    return
                if behaviour and behaviour.startswith("redirect:"):
                    self.send_response(302)
                    self.send_header("Location", behaviour[len("redirect:"):])
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body) * (2 if behaviour == "truncate" else 1)))
                self.end_headers()
                if behaviour == "trickle":  # a few bytes at a time, each well within the read timeout
                    try:
                        for start in range(0, len(body), 40):
                            self.wfile.write(body[start:start + 40])
                            self.wfile.flush()
                            time.sleep(0.3)
                    except OSError:
                        pass
                    return
                self.wfile.write(body)
                if behaviour == "truncate":
                    self.wfile.flush()
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path_query: str, body: Union[str, bytes], content_type: str = "text/turtle", status: int = 200,
            behaviour: Optional[str] = None) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[route_key(path_query)] = (status, content_type, body, behaviour)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
