"""The security headers of every answer, and the hashes of CKAN core's inline event handlers.

CKAN 2.11's resource form (``package/snippets/resource_upload_field.html``) switches between
link and upload with ``onclick="…"`` attributes. A policy with ``script-src 'self'`` blocks
them, so the form would stop working; they are allowed by their SHA-256 hashes
(``'unsafe-hashes'``), taken from CKAN's own template as it renders here (written against CKAN
2.11.6: if CKAN changes the snippet, the hashes follow). Nothing else inline is allowed: the
project's own pages have no inline script or handler (tests/security/test_web.py checks)."""
from __future__ import annotations

import base64
import hashlib
import html
import logging
import re
import threading

from ckan.plugins import toolkit

log = logging.getLogger(__name__)

CORE_SNIPPET = "package/snippets/resource_upload_field.html"
# every branch of the snippet: uploads on (with and without a current upload) and off
_SNIPPET_VARIANTS = ({"is_upload_enabled": True, "is_upload": True, "is_url": False},
                     {"is_upload_enabled": False, "is_upload": False, "is_url": True})
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_lock = threading.Lock()
_core_hashes: list[str] | None = None


def handler_hashes(markup: str) -> list[str]:
    """CSP hash sources of the inline event handlers in ``markup`` (as the browser reads them)."""
    found = []
    for double, single in _HANDLER.findall(markup):
        value = html.unescape(double or single)
        digest = base64.b64encode(hashlib.sha256(value.encode("utf-8")).digest()).decode("ascii")
        source = f"'sha256-{digest}'"
        if source not in found:
            found.append(source)
    return found


def core_handler_hashes() -> list[str]:
    """The hashes of CKAN core's inline handlers, rendered once (inside a request)."""
    global _core_hashes
    if _core_hashes is None:
        with _lock:
            if _core_hashes is None:
                hashes: list[str] = []
                try:
                    for variant in _SNIPPET_VARIANTS:
                        markup = toolkit.render_snippet(CORE_SNIPPET, dict(variant, data={}, errors={}))
                        hashes += [h for h in handler_hashes(markup) if h not in hashes]
                except Exception:  # the page still gets a policy; only the resource form's buttons break
                    log.exception("could not read the inline handlers of %s", CORE_SNIPPET)
                    return []
                _core_hashes = hashes
    return _core_hashes


def content_security_policy() -> str:
    """The configured policy, with CKAN core's handler hashes added to script-src."""
    configured = " ".join((toolkit.config.get("ckanext.jena.security.content_security_policy") or "").split())
    if not configured:
        return ""
    hashes = core_handler_hashes()
    directives = []
    for directive in (part.strip() for part in configured.split(";")):
        if directive.split(" ", 1)[0].lower() == "script-src" and hashes:
            directive = " ".join([directive, "'unsafe-hashes'", *hashes])
        if directive:
            directives.append(directive)
    return "; ".join(directives)


def add_headers(response):
    """The security headers on every answer (set here unless a view set its own)."""
    headers = response.headers
    policy = content_security_policy()
    if policy:
        headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    referrer = toolkit.config.get("ckanext.jena.security.referrer_policy")
    if referrer:
        headers.setdefault("Referrer-Policy", referrer)
    frames = toolkit.config.get("ckanext.jena.security.frame_options")
    if frames:
        headers.setdefault("X-Frame-Options", frames)
    return response
