"""Which URLs the portal may render as a link: http(s) addresses and paths inside the portal.

One rule for every link built from data (resource and download URLs, landing pages, contact
pages, harvested addresses): a ``javascript:``, ``data:`` or ``vbscript:`` URL would run script
on the portal's own origin when clicked, so such a value is shown as text, never as a link.

Browsers forgive a lot before they read the scheme: they drop leading and trailing control
characters and spaces, remove tabs and newlines anywhere, ignore case, and (where the value went
through a Markup string) decode character references. The check reads the value the same way and
refuses what it cannot read plainly (control characters, backslashes) instead of repairing it."""
from __future__ import annotations

import html
import re

LINK_SCHEMES = ("http", "https")
# what the URL parser of a browser strips from both ends (C0 controls and space)
_EDGES = "".join(chr(code) for code in range(0x21))
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_UNREADABLE = re.compile(r"[\x00-\x1f\x7f\\]")


def _plain(value: str) -> bool:
    value = value.strip(_EDGES)
    if _UNREADABLE.search(value):
        return False
    scheme = _SCHEME.match(value)
    return scheme is None or scheme.group(1).lower() in LINK_SCHEMES


def is_safe_link(url) -> bool:
    """True for an http(s) URL or a relative one (a path, ``?query`` or ``#anchor``)."""
    if not isinstance(url, str) or not url.strip(_EDGES):
        return False
    return _plain(url) and _plain(html.unescape(url))


def link_url(url) -> str:
    """``url`` when it may be a link's href, else the empty string (render the value as text).
    Template helper ``h.jena_link_url``."""
    return url if is_safe_link(url) else ""
