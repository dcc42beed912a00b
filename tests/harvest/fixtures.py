"""Serving the CSW and SensorThings fixture folders (see their README.md)."""
import json
import os

HERE = os.path.join(os.path.dirname(__file__), "fixtures")


def read(kind: str, name: str) -> bytes:
    with open(os.path.join(HERE, kind, name), "rb") as f:
        return f.read()


def serve(server, kind: str, replace: dict | None = None) -> None:
    """Every request of ``kind``/manifest.json; ``replace`` maps a file name to another file."""
    with open(os.path.join(HERE, kind, "manifest.json"), encoding="utf-8") as f:
        for entry in json.load(f):
            name = (replace or {}).get(entry["file"], entry["file"])
            server.add(entry["request"], read(kind, name), content_type=entry["content_type"])
