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

The login and registration forms are never exempted: both CKANs exempt every request of an
anonymous visitor (2.12: "for anonymous users", ``load_user_from_request``; 2.11 the same through
``exempt_this_request``), so another site could post a visitor's browser into an attacker's
account, whose data requests and follows then land there, or register accounts (fifth attack
review, 6 December, M4). A browser gets the token with the form (CKAN's login view makes one);
scripts log in with API tokens, not through these forms. tests/security/test_login_csrf.py.
The password reset form too (sixth attack review, L6): another site could otherwise make
visitors' browsers send reset e-mails to any account (tests/security/test_password_reset.py).
"""
from __future__ import annotations

import flask


# endpoints whose POST is always CSRF-checked, anonymous or not
ALWAYS_CHECKED = frozenset({"user.login", "user.register", "user.request_reset"})


def _always_checked() -> bool:
    return flask.has_request_context() and flask.request.endpoint in ALWAYS_CHECKED


class _ExemptForThisRequest(set):
    """flask-wtf's set of exempt view locations ("module.function")."""

    def add(self, view_location) -> None:
        if _always_checked():
            return
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
    if protection is None:
        return
    if hasattr(protection, "exempt_this_request"):  # CKAN 2.11 exempts per request itself
        original = protection.exempt_this_request
        if not getattr(original, "jena_checked", False):
            def exempt_this_request():
                if not _always_checked():
                    original()
            exempt_this_request.jena_checked = True
            protection.exempt_this_request = exempt_this_request
        return
    if not isinstance(protection._exempt_views, _ExemptForThisRequest):
        protection._exempt_views = _ExemptForThisRequest(protection._exempt_views)
