"""The explainer generator interface: how a draft explainer is made.

A generator turns a dataset (as ``package_show`` returns it), the profiles of its resources and
the action-field taxonomy into Markdown text per section and language. It must be deterministic
and must not touch the network: it runs inside requests and jobs alike. The packaged one is
``rules`` (rules.py: sentences from data/sentences.yaml). Another package can offer its own
generator — for example one that asks a language model the city runs — under the entry point
group ``ckanext.jena.explainer_generators`` and select it with ``ckanext.jena.explainer.generator``.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from importlib.metadata import entry_points
from typing import Any, Optional, Protocol

from ckanext.jena import settings

LANGS = ("de", "en")
SECTIONS = ("summary", "about", "source", "freshness", "contents", "questions", "usage", "limits",
            "smart_city")
ENTRY_POINT_GROUP = "ckanext.jena.explainer_generators"


@dataclasses.dataclass
class Inputs:
    dataset: dict                       # package_show's result
    profiles: list                      # [{"resource_id", "name", "format", "url", "profile"}]
    taxonomy: Any                       # ckanext.jena.taxonomy.model.Taxonomy
    harvest_source: Optional[str] = None  # the title of the harvest source it came from


class Generator(Protocol):
    name: str
    version: str

    def generate(self, inputs: Inputs, lang: str) -> dict:
        """{section: Markdown} for every key in SECTIONS (empty string where nothing applies)."""


@functools.lru_cache(maxsize=None)
def _load(name: str) -> Generator:
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name == name:
            return entry_point.load()()
    raise RuntimeError(f"No explainer generator {name!r} (entry point group {ENTRY_POINT_GROUP}); "
                       "check ckanext.jena.explainer.generator.")


def current() -> Generator:
    return _load(settings.get("ckanext.jena.explainer.generator"))


def fingerprint(sections_by_lang: dict) -> str:
    """Identifies a draft by its text: a new draft is one whose text differs."""
    text = json.dumps(sections_by_lang, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
