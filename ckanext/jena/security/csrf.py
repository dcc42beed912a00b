"""CSRF exemptions that CKAN makes while answering a request hold for that request only.

Why this reaches into CKAN: CKAN 2.12.0 exempts the view of every request without a session
(a visitor's, or a script's with an API token) from the CSRF check by calling flask-wtf's
``csrf.exempt(view)`` in ``ckan_before_request`` (ckan/config/middleware/flask_app.py). That
exemption is for good: after one anonymous visit to a form, the process accepts cross-site posts
to it from signed-in officers' browsers. CKAN 2.11 exempted the current request only
(``CSRFProtectPerRequest.exempt_this_request``). Here the exempted views of CKAN's CSRFProtect
become a set where what is added during a request counts for that request only; what is added
outside a request (an extension exempting its view at start-up) stays for good.

Written against CKAN 2.12.0 with flask-wtf 1.2; on a CKAN with ``exempt_this_request`` (2.11)
nothing changes. tests/security/test_web.py (one anonymous visit does not switch off a form's
CSRF check) fails if this stops working.
"""
from __future__ import annotations

import flask


class _ExemptForThisRequest(set):
    """flask-wtf's set of exempt view locations ("module.function")."""

    def add(self, view_location) -> None:
        if flask.has_request_context():
            exempt = flask.g.setdefault("jena_csrf_exempt_views", set())
            exempt.add(view_location)
            return
        super().add(view_location)

    def __contains__(self, view_location) -> bool:
        if super().__contains__(view_location):
            return True
        return flask.has_request_context() and view_location in flask.g.get("jena_csrf_exempt_views", ())


def install(app) -> None:
    """On the CSRF protection of ``app`` (CKAN's Flask app), where CKAN exempts for good."""
    protection = app.extensions.get("csrf")
    if protection is None or hasattr(protection, "exempt_this_request"):
        return  # no CSRF protection, or CKAN exempts per request itself (2.11)
    if not isinstance(protection._exempt_views, _ExemptForThisRequest):
        protection._exempt_views = _ExemptForThisRequest(protection._exempt_views)
