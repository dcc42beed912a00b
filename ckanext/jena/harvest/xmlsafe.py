"""XML from sources is parsed without DTDs, entities or network access: a document that declares
entities (the "billion laughs" expansion, external entities reading local files) is refused
before any parser sees it, and lxml is told never to resolve or fetch anything."""
from __future__ import annotations

import re

from lxml import etree

from .fetch import FetchError

_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def refuse_declarations(body: bytes, url: str) -> None:
    """FetchError if the document has a DOCTYPE or ENTITY declaration (RDF/XML and CSW answers
    need neither)."""
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in body[:64]:
        try:  # UTF-16: look at the characters, not the bytes
            body = body.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            pass
    if _DECLARATION.search(body[:1024 * 1024]) or (len(body) > 1024 * 1024 and _DECLARATION.search(body)):
        raise FetchError(
            f"The answer of {url} declares a DTD or XML entities, which this portal refuses for safety "
            "(entity expansion, external entities).",
            f"Die Antwort von {url} enthält eine DTD oder XML-Entitäten; das Portal lehnt sie aus "
            "Sicherheitsgründen ab (Entitätenexpansion, externe Entitäten).")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=True)


def parse(body: bytes, url: str):
    """The root element of ``body``; FetchError if it is refused or not well-formed."""
    refuse_declarations(body, url)
    try:
        return etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise FetchError(f"The answer of {url} is not well-formed XML ({exc}).",
                         f"Die Antwort von {url} ist kein wohlgeformtes XML ({exc}).")
