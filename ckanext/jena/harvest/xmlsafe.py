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


# encodings a source's XML may name in its declaration; any other (UTF-7, EBCDIC, ...) is refused:
# the look at the prolog below could not read it, a parser might
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_READABLE = re.compile(r"(utf-?8|utf-?16(-?[lb]e)?|utf-?32(-?[lb]e)?|(iso-?)?8859-\d+|latin-?1|(us-)?ascii|"
                       r"(windows|cp)-?125\d)", re.IGNORECASE)


def _as_utf8(body: bytes) -> bytes:
    """The document's bytes as UTF-8 for the look at its prolog: UTF-16 and UTF-32 in either
    byte order, with or without a byte order mark (XML 1.0, appendix F). Before, UTF-16 was
    read as little-endian only, and a big-endian document without a mark passed with its
    DTD to rdflib, which expanded the entities (a review of session 15)."""
    if b"\x00" not in body[:64] and body[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        return body
    for encoding in ("utf-32", "utf-16", "utf-32-be", "utf-32-le", "utf-16-be", "utf-16-le"):
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.lstrip("\ufeff \t\r\n").startswith("<") and "\x00" not in text[:64]:
            return text.encode("utf-8", "surrogatepass")
    return body


def refuse_declarations(body: bytes, url: str) -> None:
    """FetchError if the document has a DOCTYPE or ENTITY declaration (RDF/XML and CSW answers
    need neither), or names an encoding the portal does not read."""
    body = _as_utf8(body)
    declared = _ENCODING.match(body[3:] if body.startswith(b"\xef\xbb\xbf") else body)
    if declared and not _READABLE.fullmatch(declared.group(1).decode("ascii")):
        name = declared.group(1).decode("ascii")
        raise FetchError(f"The answer of {url} is written in the encoding {name}, which this portal does not read.",
                         f"Die Antwort von {url} ist in der Kodierung {name} geschrieben, die das Portal nicht liest.")
    if _declares(body):
        raise FetchError(
            f"The answer of {url} declares a DTD or XML entities, which this portal refuses for safety "
            "(entity expansion, external entities).",
            f"Die Antwort von {url} enthält eine DTD oder XML-Entitäten; das Portal lehnt sie aus "
            "Sicherheitsgründen ab (Entitätenexpansion, externe Entitäten).")


# rdflib's RDF/XML parser joins a text from the pieces expat hands it (split at every character
# or entity reference and every line break) by adding each to a growing string: time grows with
# the square of the pieces (a review of session 15: 200,000 references in one title, 11 MB, took
# 146 s; 80,000 lines, 4 MB, 21 s). A text of more pieces than this refuses the page.
TEXT_PIECES_MAX = 10_000


def refuse_splintered_text(body: bytes, url: str) -> None:
    """FetchError if one text of the RDF/XML document (between two tags) holds more than
    TEXT_PIECES_MAX references and line breaks. One pass over the bytes, no copy."""
    position, size = 0, len(body)
    while position < size:
        start = body.find(b">", position)
        if start < 0:
            return
        end = body.find(b"<", start)
        end = size if end < 0 else end
        if end - start > TEXT_PIECES_MAX and \
                body.count(b"&", start, end) + body.count(b"\n", start, end) > TEXT_PIECES_MAX:
            raise FetchError(
                f"The answer of {url} holds a text split into more than {TEXT_PIECES_MAX:,} pieces (character "
                "references and line breaks), which the RDF/XML reader would take very long to join.",
                f"Die Antwort von {url} enthält einen Text aus mehr als {TEXT_PIECES_MAX:,} Teilen ".replace(",", ".")
                + "(Zeichenreferenzen und Zeilenumbrüche), die der RDF/XML-Leser nur sehr langsam zusammenfügen würde.")
        position = end + 1


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
