"""The controlled vocabularies of the dataset form (data/vocabularies.yaml, data/licenses.json)."""
from __future__ import annotations

import functools
import json
import os

import yaml

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
LICENSES_FILE = os.path.join(DATA_DIR, "licenses.json")


@functools.lru_cache(maxsize=1)
def _vocabularies() -> dict:
    with open(os.path.join(DATA_DIR, "vocabularies.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def vocabulary(name: str) -> dict:
    return _vocabularies()[name]


def uris(name: str) -> list[str]:
    vocab = vocabulary(name)
    return [vocab["base"] + code for code in vocab["choices"]]


def choices(name: str) -> list[dict]:
    """scheming choices: value = concept URI, label = {de, en}."""
    vocab = vocabulary(name)
    return [{"value": vocab["base"] + code, "label": dict(labels)} for code, labels in vocab["choices"].items()]


def normalise(name: str, value: str):
    """The concept URI for a URI, a code (any case) or a German/English label; None if unknown."""
    vocab = vocabulary(name)
    text = str(value).strip()
    if text in uris(name):
        return text
    code = text.rsplit("/", 1)[-1].upper()
    if code in vocab["choices"]:
        return vocab["base"] + code
    folded = text.casefold()
    for code, labels in vocab["choices"].items():
        if folded in (labels.get("de", "").casefold(), labels.get("en", "").casefold()):
            return vocab["base"] + code
    return None


def default(name: str):
    code = vocabulary(name).get("default")
    return vocabulary(name)["base"] + code if code else None


@functools.lru_cache(maxsize=1)
def licenses() -> dict:
    with open(LICENSES_FILE, encoding="utf-8") as f:
        return {lic["id"]: lic for lic in json.load(f)}

