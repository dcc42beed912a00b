"""The glossary behind the explainers (data/glossary.yaml): plain definitions of the jargon that
cannot be avoided (CSV, API, licence, ...), in German and English.

Explainer text links a term as ``[CSV](glossar:csv)``; the link is turned into the glossary
page's address (``/glossar#csv``, under the reader's locale) only when the text is shown, so the
stored text stays independent of the portal's address and language prefix."""
from __future__ import annotations

import functools
import os
import re

import yaml

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
LINK_SCHEME = "glossar:"
# ](glossar:csv) inside a Markdown link
_LINK = re.compile(r"\]\(glossar:([a-z0-9-]+)\)")


@functools.lru_cache(maxsize=None)
def _entries() -> tuple:
    with open(os.path.join(DATA_DIR, "glossary.yaml"), encoding="utf-8") as stream:
        entries = yaml.safe_load(stream)
    for entry in entries:
        for lang in ("de", "en"):
            if not entry.get(lang, {}).get("term") or not entry[lang].get("text"):
                raise ValueError(f"glossary entry {entry.get('id')!r} lacks a {lang} term or text")
    return tuple(entries)


def ids() -> frozenset:
    return frozenset(entry["id"] for entry in _entries())


def entries(lang: str) -> list[dict]:
    """[{id, term, text}] sorted by term, in ``lang``."""
    rows = [{"id": e["id"], "term": e[lang]["term"], "text": e[lang]["text"]} for e in _entries()]
    return sorted(rows, key=lambda row: row["term"].casefold())


def term(entry_id: str, lang: str) -> str:
    for entry in _entries():
        if entry["id"] == entry_id:
            return entry[lang]["term"]
    raise KeyError(entry_id)


def resolve_links(markdown: str, page_url: str) -> str:
    """Point glossary links at the glossary page (``page_url``, e.g. ``/en/glossar``); links
    to unknown entries keep their text and lose the link."""
    known = ids()

    def replace(match: re.Match) -> str:
        entry_id = match.group(1)
        return f"]({page_url}#{entry_id})" if entry_id in known else "](#)"
    return _LINK.sub(replace, markdown or "")
