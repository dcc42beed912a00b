"""Explainer text is Markdown without raw HTML, images or unsafe links.

Cleaned when it is stored (so API readers get safe text too) and rendered through CKAN's
``render_markdown``, which escapes and bleaches again when it is shown."""
from __future__ import annotations

import html
import re
from urllib.parse import urlparse

from . import glossary

MAX_SECTION_CHARS = 4000
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
# elements whose content is code, not text: dropped with their content
_CODE_ELEMENT = re.compile(r"<(script|style|iframe|object|template)\b.*?(</\1\s*>|$)", re.S | re.I)
# anything that looks like an HTML tag or autolink: <b>, </script>, <!DOCTYPE, <javascript:...>
_TAG = re.compile(r"</?[A-Za-z!?][^<>]*>?")
# [text](target "title") and ![alt](target)
# (a target may hold balanced parentheses: javascript:alert(1))
_INLINE_LINK = re.compile(r"(!?)\[([^\]]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+\"[^\"]*\")?\s*\)")
# [label]: target  (reference definitions)
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(\S+).*$", re.M)
_SAFE_SCHEMES = {"http", "https", "mailto"}


def safe_target(target: str) -> bool:
    """http(s), mailto, a glossary entry, or a path/anchor inside the portal."""
    # entities and control characters are how "java&#115;cript:" slips past naive checks
    decoded = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(target or ""))
    if decoded.startswith(glossary.LINK_SCHEME):
        return decoded[len(glossary.LINK_SCHEME):] in glossary.ids()
    scheme = urlparse(decoded).scheme.lower()
    if not scheme:
        return not decoded.startswith("//") and ":" not in decoded.split("/")[0].split("#")[0]
    return scheme in _SAFE_SCHEMES


def clean(text: str) -> str:
    """The text without HTML, images and unsafe links; over-long text is cut at a word."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _COMMENT.sub("", text)
    text = _CODE_ELEMENT.sub("", text)
    text = _TAG.sub("", text)

    def link(match: re.Match) -> str:
        image, label, target = match.group(1), match.group(2), match.group(3)
        if image or not safe_target(target):
            return label  # keep what the reader should read, drop where it pointed
        return match.group(0)
    text = _INLINE_LINK.sub(link, text)
    text = _REFERENCE.sub(lambda m: m.group(0) if safe_target(m.group(1)) else "", text)
    text = text.strip()
    if len(text) > MAX_SECTION_CHARS:
        text = text[:MAX_SECTION_CHARS].rsplit(" ", 1)[0] + " …"
    return text
