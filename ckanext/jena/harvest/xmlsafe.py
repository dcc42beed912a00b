"""XML from sources is parsed without DTDs, entities or network access: a document that declares
entities (the "billion laughs" expansion, external entities reading local files) is refused
before any parser sees it, and lxml is told never to resolve or fetch anything."""
from __future__ import annotations

import re

from lxml import etree

from .fetch import FetchError

_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# what may stand before a document's root element besides a DOCTYPE: the XML declaration,
# processing instructions, comments, white space (XML 1.0, "prolog")
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def _declares(body: bytes) -> bool:
    """Whether the prolog, the only place XML allows a DOCTYPE (and with it ENTITY declarations),
    holds one. "<!DOCTYPE" in a CDATA section or comment of the document is text (a CSW
    abstract quoting HTML), and refusing the page for it lost every record on it (a second
    review of the harvesters); one after the root element is a syntax error to the parser."""
    position = 3 if body.startswith(b"\xef\xbb\xbf") else 0
    while True:
        item = _PROLOG_ITEM.match(body, position)
        if item is None or item.end() == position:
            break
        position = item.end()
    return _DECLARATION.match(body, position) is not None


def refuse_declarations(body: bytes, url: str) -> None:
    """FetchError if the document has a DOCTYPE or ENTITY declaration (RDF/XML and CSW answers
    need neither)."""
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in body[:64]:
        try:  # UTF-16: look at the characters, not the bytes
            body = body.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            pass
    if _declares(body):
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
