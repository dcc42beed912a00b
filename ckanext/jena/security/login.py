"""Failed logins slow a password guesser down: after ``ckanext.jena.security.login_attempts``
failed logins for one account from one address within ``login_window_minutes``, or five times as
many from one address for any accounts, that address's further logins are refused (429) until
the window has passed. A successful login clears its account's count for that address.

The attack review of 6 December sent 15 wrong passwords for one account in half a second, each
answered at once, and the 16th, right one, logged in: nothing limited online guessing, and
sysadmins' names were public (``ckan.auth.public_user_details`` is now false in the portal's
configuration). Counting per account *and* address means that a stranger cannot lock an officer
out from elsewhere; an address that tries many accounts is stopped as a whole.

The counts live in Redis (CKAN's own connection, as the page cache's), each with the window as
its time to live. CKAN sends ``failed_login`` with the login name typed (ckan/lib/authenticator.py)
and its ``login`` view asks each IAuthenticator plugin's ``login()`` first, whose answer it
returns (ckan/views/user.py, CKAN 2.11 and 2.12)."""
from __future__ import annotations

import hashlib
import logging

from ckan.plugins import toolkit

log = logging.getLogger(__name__)

MESSAGE = ("Too many failed logins from your address. Please wait {minutes} minutes and try again, "
           "or reset your password. / Zu viele fehlgeschlagene Anmeldungen von Ihrer Adresse. Bitte "
           "warten Sie {minutes} Minuten und versuchen Sie es dann erneut, oder setzen Sie Ihr "
           "Passwort zurück.")
_PREFIX = "jena:login-failures:"


def _redis():
    from ckan.lib.redis import connect_to_redis
    return connect_to_redis()


def _attempts() -> int:
    return toolkit.asint(toolkit.config.get("ckanext.jena.security.login_attempts"))


def _window_seconds() -> int:
    return 60 * toolkit.asint(toolkit.config.get("ckanext.jena.security.login_window_minutes"))


def _address() -> str:
    from ckanext.jena import net  # an IPv6 visitor counted by its /64 network
    return net.client(toolkit.request.remote_addr) or "unknown"


def _account(login_name: str) -> str:
    """The account a login names, the same for its user name and its e-mail address (CKAN logs
    in with either: counted by the name as typed, an attacker had ten guesses with each, sixth
    attack review, 7 December, L5); the value as typed when no account has it."""
    typed = (login_name or "").strip()
    if typed:
        try:
            from ckan import model  # the lookup CKAN's own login makes (ckan.lib.authenticator)
            user = model.User.by_name(typed) or model.User.by_email(typed)
        except Exception:  # the database away: count by the value typed
            log.exception("login throttle: account not looked up")
            user = None
        if user is not None:
            return "user:" + user.id
    return typed.lower()


def _keys(login_name: str, address: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{_account(login_name)}\n{address}".encode()).hexdigest()[:32]
    return _PREFIX + "account:" + digest, _PREFIX + "address:" + address


def _count(key: str) -> int:
    try:
        return int(_redis().get(key) or 0)
    except Exception:  # Redis away: logins are not blocked by the protection itself
        log.exception("login throttle: Redis not readable")
        return 0


def failed(login_name, *args, **kwargs) -> None:
    """CKAN's failed_login signal (sender: the login name typed)."""
    if _attempts() <= 0 or not toolkit.request:
        return
    window = _window_seconds()
    try:
        client = _redis()
        pipe = client.pipeline()
        for key in _keys(str(login_name or ""), _address()):
            pipe.set(key, 0, ex=window, nx=True)  # the window starts with the first failure
            pipe.incr(key)
        pipe.execute()
    except Exception:
        log.exception("login throttle: Redis not writable")


def succeeded(sender=None, *args, **kwargs) -> None:
    """flask-login's user_logged_in (via CKAN's signal): this account's count for this address
    starts again."""
    try:
        login_name = toolkit.request.form.get("login") if toolkit.request else None
        if login_name:
            _redis().delete(_keys(login_name, _address())[0])
    except Exception:
        log.exception("login throttle: Redis not writable")


def refused():
    """IAuthenticator.login(): a 429 page instead of the login when this address has failed too
    often; None otherwise (CKAN's login view goes on)."""
    request = toolkit.request
    if request.method != "POST" or _attempts() <= 0:
        return None
    account, address = _keys(request.form.get("login") or "", _address())
    limit = _attempts()
    if _count(account) < limit and _count(address) < 5 * limit:
        return None
    log.warning("login throttle: login from %s refused after repeated failures", _address())
    message = MESSAGE.format(minutes=max(1, _window_seconds() // 60))
    toolkit.h.flash_error(message)
    from flask import make_response
    return make_response(toolkit.render("user/login.html", {}), 429)

