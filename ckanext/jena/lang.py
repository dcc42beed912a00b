"""The language a user reads: the request's locale, else the portal's default."""
from __future__ import annotations

from ckan.plugins import toolkit

SUPPORTED = ("de", "en")


def current() -> str:
    try:
        lang = toolkit.h.lang()
    except Exception:  # outside a request: CLI, background jobs
        lang = toolkit.config.get("ckan.locale_default")
    return lang if lang in SUPPORTED else "de"
