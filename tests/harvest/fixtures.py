"""Serving the CSW and SensorThings fixtures: the demo's bundled sources
(ckanext/jena/demo/data/sources/, see their README.md) and the faulty variants kept here."""
import json
import os

from ckanext.jena.demo.sources import SOURCES_DIR

VARIANTS = os.path.join(os.path.dirname(__file__), "fixtures")


def read(kind: str, name: str) -> bytes:
    path = os.path.join(VARIANTS, kind, name)
    if not os.path.exists(path):
        path = os.path.join(SOURCES_DIR, kind, name)
    with open(path, "rb") as f:
        return f.read()


def serve(server, kind: str, replace: dict | None = None) -> None:
    """Every request of ``kind``/manifest.json; ``replace`` maps a file name to another file."""
    with open(os.path.join(SOURCES_DIR, kind, "manifest.json"), encoding="utf-8") as f:
        for entry in json.load(f):
            name = (replace or {}).get(entry["file"], entry["file"])
            server.add(entry["request"], read(kind, name), content_type=entry["content_type"])
