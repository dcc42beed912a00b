"""The compiled assets (CKAN's webassets under ``ckan.webassets.url``) with long cache headers.

Their file names carry a hash of their content (``/webassets/base/78ac888d_ckan.js``): a new
release names them anew, so a browser or proxy may keep each one for a year without asking again.
CKAN's own after-request hook sets ``max-age`` to ``ckan.cache_expires`` (0) for every answer, so
this hook runs after it (first in Flask's list, which runs last to first)."""
from __future__ import annotations

from ckan.plugins import toolkit

YEAR = 365 * 24 * 3600
_EXTENSION = "jena_cache_assets"


def install(app) -> None:
    if not hasattr(app, "after_request_funcs") or app.extensions.get(_EXTENSION):
        return
    app.extensions[_EXTENSION] = True
    app.after_request_funcs.setdefault(None, []).insert(0, _long_lived)


def _long_lived(response):
    prefix = (toolkit.config.get("ckan.webassets.url") or "/webassets").rstrip("/") + "/"
    if toolkit.request.path.startswith(prefix) and response.status_code in (200, 304):
        response.cache_control.no_cache = None
        response.cache_control.must_revalidate = False
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    return response
