"""Explainer text is Markdown without raw HTML, images or unsafe links.

Cleaned when it is stored (so API and DCAT readers get safe text too), and rendered through
CKAN's ``render_markdown`` (bleach) when it is shown. Cleaning repeats until nothing changes —
removing one thing must not assemble another (``<[](x)script>``) — and the result is then
checked the way it will be read: Python-Markdown renders it, and every link and image it would
produce is inspected. Text an officer wrote that still holds something unsafe is refused with a
message instead of being silently changed; generated text falls back to inert, escaped text."""
from __future__ import annotations

import html
import re
from urllib.parse import urlparse
from xml.etree import ElementTree

import markdown
from markdown.treeprocessors import Treeprocessor

from ckanext.jena import urls

from . import glossary

MAX_SECTION_CHARS = 4000
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
# elements whose content is code, not text: dropped with their content
_CODE_ELEMENT = re.compile(r"<(script|style|iframe|object|template)\b.*?(</\1\s*>|$)", re.S | re.I)
# anything that looks like an HTML tag or autolink: <b>, </script>, <!DOCTYPE, <javascript:...>
_TAG = re.compile(r"</?[A-Za-z!?][^<>]*>?")
# [text](target "title") and ![alt](target); a target may hold balanced parentheses
_INLINE_LINK = re.compile(r"(!?)\[([^\[\]\n]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
# [label]: target  (reference definitions, also inside quotes and list items)
_REFERENCE = re.compile(r"^[ \t>*+-]*\[[^\[\]\n]+\]:[ \t]*(\S+).*$", re.M)


class UnsafeText(ValueError):
    """Text that would render to an image, raw HTML or an unsafe link."""


def safe_target(target: str) -> bool:
    """http(s), mailto, a glossary entry, or a path/anchor inside the portal."""
    decoded = html.unescape(target or "")
    # entities, control characters, whitespace and backslashes are how "java&#115;cript:" and
    # "/\evil.example" slip past naive checks: such targets are refused, not repaired
    if re.search(r"[\x00-\x20\x7f\\]", decoded):
        return False
    if decoded.startswith(glossary.LINK_SCHEME):
        return decoded[len(glossary.LINK_SCHEME):] in glossary.ids()
    if decoded.startswith("//"):
        return False
    if urlparse(decoded).scheme.lower() == "mailto":
        return True
    # http(s) or a path: the portal's one rule for links (ckanext/jena/urls.py)
    return urls.is_safe_link(decoded)


def _one_pass(text: str) -> str:
    text = _COMMENT.sub("", text)
    text = _CODE_ELEMENT.sub("", text)
    text = _TAG.sub("", text)

    def link(match: re.Match) -> str:
        image, label, target = match.group(1), match.group(2), match.group(3)
        if image or not safe_target(target):
            return label  # keep what the reader should read, drop where it pointed
        return match.group(0)
    text = _INLINE_LINK.sub(link, text)
    return _REFERENCE.sub(lambda m: m.group(0) if safe_target(m.group(1)) else "", text)


class _Collect(Treeprocessor):
    def run(self, root):
        self.md.jena_found = [(element.tag, element.get("href") or element.get("src") or "")
                              for element in root.iter() if element.tag in ("a", "img")]


def problems(text: str) -> list[str]:
    """What rendering ``text`` would produce that is not allowed (empty: nothing)."""
    renderer = markdown.Markdown()
    renderer.treeprocessors.register(_Collect(renderer), "jena_collect", 0)
    renderer.jena_found = []
    try:
        renderer.convert(text)
    except (ValueError, ElementTree.ParseError):
        return ["unreadable Markdown"]
    found = []
    if renderer.htmlStash.rawHtmlBlocks:
        found.append("HTML")
    for tag, target in renderer.jena_found:
        if tag == "img":
            found.append("image")
        elif not safe_target(target):
            found.append(f"link {target!r}")
    return found


def _inert(text: str) -> str:
    """Markdown that cannot form links, images or HTML any more."""
    return re.sub(r"([\\\[\]()<>!`])", r"\\\1", text)


def clean(text: str, strict: bool = False) -> str:
    """The text without HTML, images and unsafe links.

    ``strict`` (officers' text): raise UnsafeText when the text is too long or something unsafe
    survives cleaning, so that nothing is lost without the writer knowing. Otherwise over-long
    text is cut at a word and unsafe leftovers are made inert."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_SECTION_CHARS:
        if strict:
            raise UnsafeText(f"Each section may have at most {MAX_SECTION_CHARS} characters. / "
                             f"Jeder Abschnitt darf höchstens {MAX_SECTION_CHARS} Zeichen haben.")
        text = text[:MAX_SECTION_CHARS].rsplit(" ", 1)[0] + " …"
    for _round in range(10):
        cleaned = _one_pass(text)
        if cleaned == text:
            break
        text = cleaned
    text = text.strip()
    left = problems(text)
    if left:
        if strict:
            raise UnsafeText(
                f"The text still contains something the portal does not allow ({', '.join(left)}). Use plain "
                "text and links to http(s) addresses or [word](glossar:id). / Der Text enthält noch etwas, "
                f"das das Portal nicht erlaubt ({', '.join(left)}). Bitte nur Text und Links auf http(s)-Adressen "
                "oder [Wort](glossar:id) verwenden.")
        text = _inert(text)
    return text
