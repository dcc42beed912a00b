"""What no request may do.

No NUL byte gets past the door: PostgreSQL refuses it in text ("A string literal cannot
contain NUL (0x00) characters") and CKAN answers that with a 500. A request that holds one in
its path, query string, form fields (not uploaded files) or JSON body is answered 400 here,
with a sentence that says what to do.

No change by GET: the endpoints in ``ckanext.jena.security.post_only_endpoints`` (ckanext-harvest
1.6 re-harvests, clears and deletes a source on a plain GET, which a link on another site can
make a logged-in sysadmin's browser send) answer only POST, and a POST is CSRF-checked.
No JSONP: CKAN's API wraps a GET answer in the function named by ``callback`` and serves it as
``application/javascript`` from the portal's own address, which the Content-Security-Policy's
``script-src 'self'`` admits: any HTML injection could load ``/api/3/action/...?callback=alert(1)//``
as a script (attack review, 6 December). The portal's pages do not use it; CORS is the way for
other sites. An API request with ``callback`` is answered 400."""
from __future__ import annotations

import json
import re

from flask import make_response
from werkzeug.exceptions import MethodNotAllowed

from ckan.plugins import toolkit

MESSAGE = ("The request contains a NUL character (\\x00), which the portal does not accept. "
           "Remove it and send the request again. / "
           "Die Anfrage enthält ein NUL-Zeichen (\\x00), das das Portal nicht annimmt. "
           "Bitte entfernen Sie es und senden Sie die Anfrage erneut.")


SURROGATE_MESSAGE = (
    "The request contains an invalid character (a lone UTF-16 surrogate, e.g. \\udcff in JSON), which "
    "no text can hold. Remove it and send the request again. / "
    "Die Anfrage enthält ein ungültiges Zeichen (ein einzelnes UTF-16-Surrogat, z. B. \\udcff in JSON), "
    "das kein Text enthalten kann. Bitte entfernen Sie es und senden Sie die Anfrage erneut.")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_nul(text: str) -> bool:
    return "\x00" in text


def _has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def _holds(value, test) -> bool:
    if isinstance(value, str):
        return test(value)
    if isinstance(value, dict):
        return any(_holds(key, test) or _holds(item, test) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds(item, test) for item in value)
    return False


def _holds_nul(value) -> bool:
    return _holds(value, _has_nul)


def _request_holds(request, test) -> bool:
    if test(request.path) or any(_holds(key, test) or _holds(values, test) for key, values in request.args.lists()):
        return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            return _holds(request.get_json(silent=True), test)
        if any(_holds(key, test) or _holds(values, test) for key, values in request.form.lists()):
            return True
        if len(request.form) == 1 and request.form.get(next(iter(request.form))) in ("1", ""):
            # JSON posted as a form's only key (curl -d '{...}'): CKAN's API decodes it so
            try:
                return _holds(json.loads(next(iter(request.form))), test)
            except ValueError:
                return False
    return False


def request_holds_nul(request) -> bool:
    return b"\x00" in request.query_string or _request_holds(request, _has_nul)


def refuse_nul_bytes():
    """Flask before_request: 400 for a request with a NUL byte, or with a lone surrogate (JSON
    can escape one, ``"\\udcff"``; PostgreSQL's UTF-8 cannot hold it and CKAN answered 500 when
    saving it, sixth attack review, 7 December), in the API's JSON for the API."""
    request = toolkit.request
    if request_holds_nul(request):
        message = MESSAGE
    elif _request_holds(request, _has_surrogate):
        message = SURROGATE_MESSAGE
    else:
        return None
    return bad_request(message)


def bad_request(message: str):
    """The 400 answer with ``message``: CKAN's JSON error for the API, the error page otherwise."""
    if toolkit.request.path.startswith("/api/"):
        body = {"success": False, "error": {"__type": "Validation Error", "message": message}}
        response = make_response(json.dumps(body), 400)
        response.headers["Content-Type"] = "application/json;charset=utf-8"
        return response
    return toolkit.abort(400, message)


JSONP_MESSAGE = (
    "The API does not answer JSONP (the parameter 'callback'). Leave it out and read the JSON answer. / "
    "Die API antwortet nicht mit JSONP (Parameter 'callback'). Bitte den Parameter weglassen und die "
    "JSON-Antwort lesen.")


def refuse_jsonp():
    """Flask before_request: 400 for an API request asking for JSONP."""
    request = toolkit.request
    if not request.path.startswith("/api/") or "callback" not in request.args:
        return None
    body = {"success": False, "error": {"__type": "Validation Error", "message": JSONP_MESSAGE}}
    response = make_response(json.dumps(body), 400)
    response.headers["Content-Type"] = "application/json;charset=utf-8"
    return response


CHANGE_BY_GET_MESSAGE = (
    "This address changes data, so it only answers the button on the portal's page (a POST with "
    "its security token). Open the page and use the button. / "
    "Diese Adresse ändert Daten und antwortet daher nur auf den Knopf auf der Seite des Portals "
    "(POST mit Sicherheitsmerkmal). Bitte die Seite öffnen und den Knopf verwenden.")


def _post_only() -> set[str]:
    return set(toolkit.config.get("ckanext.jena.security.post_only_endpoints") or [])


def accept_post(app) -> None:
    """Let the post-only endpoints take POST where their blueprint registered GET only
    (ckanext-harvest's delete), at the same address and view."""
    post_only = _post_only()
    for rule in list(app.url_map.iter_rules()):
        if rule.endpoint in post_only and "POST" not in (rule.methods or ()):
            app.add_url_rule(rule.rule, endpoint=rule.endpoint, view_func=app.view_functions[rule.endpoint],
                             methods=["POST"], defaults=rule.defaults)


def refuse_changes_by_get():
    """Flask before_request: 405 for GET/HEAD on an endpoint that changes data."""
    request = toolkit.request
    if request.method in ("GET", "HEAD") and request.endpoint in _post_only():
        raise MethodNotAllowed(valid_methods=["POST"], description=CHANGE_BY_GET_MESSAGE)
    return None


LOGOUT_AS_RESOURCE_MESSAGE = (
    "Signing out happens only when you open this address yourself, not when a page loads it as an "
    "image or script. / Abmelden geschieht nur, wenn Sie diese Adresse selbst öffnen, nicht wenn eine "
    "Seite sie als Bild oder Skript lädt.")


def refuse_logout_as_resource():
    """Flask before_request: CKAN signs out on a GET of ``/user/_logout``, and the Markdown of a
    dataset, a resource or an account's "about" may hold ``<img src="/user/_logout">`` (the CSP
    allows images of the portal itself): every visitor of that page was signed out (eighth attack
    review, F1). Browsers say what they fetch an address for (``Sec-Fetch-Dest``); only a page
    the visitor opens ("document") signs out, an image, script, style or frame gets 403. (A
    browser that sends no such header is not protected by this.)"""
    request = toolkit.request
    if request.endpoint != "user.logout":
        return None
    destination = request.headers.get("Sec-Fetch-Dest")
    if destination and destination != "document":
        return toolkit.abort(403, LOGOUT_AS_RESOURCE_MESSAGE)
    return None


# where CKAN's login and logout send the visitor afterwards
_RETURN_PARAMETERS = ("next", "came_from")


def _unusable_return_address(value) -> bool:
    """A value CKAN takes for a local address but can only hand to ``url_for`` as an endpoint
    name: neither a path nor an absolute URL (``\\\\evil.example``, ``daten``)."""
    from urllib.parse import urlsplit
    if value and not value.isprintable():
        # a line break or another control character: no redirect can carry it (werkzeug refuses
        # it in a Location header, 500 after a login that succeeded; eighth attack review, F4)
        return True
    if not value or value.startswith("/"):
        return False
    try:
        return not urlsplit(value).scheme
    except ValueError:
        return True


def drop_unusable_return_address():
    """Flask before_request: the login and logout pages ignore a return address (``next``,
    ``came_from``) that is neither a path nor a URL. CKAN redirected to it after a successful
    login or logout through ``url_for``, which answered 500 for ``came_from=\\\\evil.example``
    (sixth attack review, 7 December, L3); the visitor now lands where CKAN sends them without
    one. A path of the portal and URLs (CKAN follows only its own) are kept."""
    request = toolkit.request
    if request.endpoint not in ("user.login", "user.logout"):
        return None
    unusable = {name for name in _RETURN_PARAMETERS if _unusable_return_address(request.args.get(name))}
    if unusable:
        from werkzeug.datastructures import ImmutableMultiDict
        request.args = ImmutableMultiDict(
            [(name, value) for name, value in request.args.items(multi=True) if name not in unusable])
    return None
