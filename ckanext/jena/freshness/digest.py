"""The weekly digest: each editor (or admin) of an organisation gets one e-mail listing the
organisation's overdue datasets, in their language, with a link to unsubscribe. Sent by CKAN's
mailer; run by the scheduler (every hour, each user at most once a week) or by
`ckan jena freshness digest`.

What a user chose is kept in CKAN's user.plugin_extras: ``jena_freshness_digest`` (false:
unsubscribed), ``jena_freshness_digest_sent`` (when the last one went out) and
``jena_language`` ("de" or "en"; else the portal's default language)."""
from __future__ import annotations

import datetime
import hashlib
import hmac
import logging

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module

from . import core, logic

log = logging.getLogger(__name__)
WEEK = datetime.timedelta(days=7)
# a run a little early (the scheduler's hour, a restart) still counts as a week
SLACK = datetime.timedelta(hours=2)


# the e-mail's parts (msgids, German in the catalogue); placeholders in braces filled by compose()
TEXTS = {
    "subject": "Data portal: {count} overdue datasets",
    "greeting": "Hello {name},",
    "intro": "these datasets of your organisation are overdue: the promised update is missing. "
             "Please update the data, or correct the stated frequency.",
    "line": "- {title}: {sentence} Overdue by {days} days.\n  {url}",
    "overview": "All the organisation's datasets by freshness: {url}",
    "unsubscribe": "You receive this reminder weekly as an editor. Unsubscribe: {url}",
}


def text(key: str, lang: str, **values) -> str:
    """A part of the e-mail in the user's language (not the request's: a background job)."""
    return lang_module.gettext_for(TEXTS[key], lang, **values)


def _secret() -> bytes:
    secret = toolkit.config.get("SECRET_KEY") or toolkit.config.get("beaker.session.secret")
    if not secret:
        raise RuntimeError("SECRET_KEY is not set: the unsubscribe links of the freshness digest need it")
    return str(secret).encode("utf-8")


def unsubscribe_token(user_id: str) -> str:
    return hmac.new(_secret(), f"jena-freshness-digest:{user_id}".encode("utf-8"), hashlib.sha256).hexdigest()


def valid_token(user_id: str, token: str) -> bool:
    return isinstance(token, str) and hmac.compare_digest(unsubscribe_token(user_id), token)


def site_url(path: str) -> str:
    return (toolkit.config.get("ckan.site_url") or "").rstrip("/") + (toolkit.config.get("ckan.root_path") or "").replace(
        "/{{LANG}}", "").rstrip("/") + path


def language_of(user) -> str:
    chosen = (user.plugin_extras or {}).get("jena_language")
    default = toolkit.config.get("ckan.locale_default")
    for lang in (chosen, default):
        if lang in ("de", "en"):
            return lang
    return "de"


def display_name(user) -> str:
    """The user's name for the greeting and the To: header, without line breaks or other control
    characters (CKAN accepts them in the full name; the e-mail package refuses them in a header)."""
    name = "".join(ch if ch.isprintable() else " " for ch in (user.fullname or "")).strip()
    return " ".join(name.split()) or user.name


def mail_user(user, subject: str, body: str, headers: dict) -> bool:
    """Send one e-mail to a user; False (logged) when it could not be sent, so one recipient's
    failure never stops a run for everyone after them."""
    from ckan.lib import mailer
    try:
        mailer.mail_recipient(display_name(user), user.email, subject, body, headers=headers)
    except Exception:  # MailerException, and anything the e-mail package refuses in an address
        log.exception("e-mail to user %s could not be sent", user.id)
        return False
    return True


def subscribed(user) -> bool:
    return (user.plugin_extras or {}).get("jena_freshness_digest", True) is not False


def set_extras(user, **values) -> None:
    from ckan import model
    extras = dict(user.plugin_extras or {})
    extras.update(values)
    user.plugin_extras = extras  # a new dict, so SQLAlchemy sees the change
    model.Session.add(user)
    model.Session.commit()


def unsubscribe(user_id: str) -> bool:
    from ckan import model
    user = model.User.get(user_id)
    if user is None:
        return False
    set_extras(user, jena_freshness_digest=False)
    return True


def recipients():
    """(user, [organisation]) for every active user with an e-mail address who edits or
    administers at least one organisation."""
    from ckan import model
    rows = (model.Session.query(model.User, model.Group)
            .join(model.Member, model.Member.table_id == model.User.id)
            .join(model.Group, model.Group.id == model.Member.group_id)
            .filter(model.Member.table_name == "user", model.Member.state == "active",
                    model.Member.capacity.in_(("editor", "admin")),
                    model.Group.is_organization.is_(True), model.Group.state == "active",
                    model.User.state == "active")
            .order_by(model.User.name, model.Group.name))
    found: dict = {}
    for user, group in rows:
        if user.email:
            found.setdefault(user.id, (user, []))[1].append(group)
    return list(found.values())


def compose(user, overdue_by_org: list[tuple], lang: str) -> tuple[str, str]:
    """(subject, body) of one user's digest; ``overdue_by_org``: [(organisation, [rows])]."""
    count = sum(len(rows) for _org, rows in overdue_by_org)
    parts = [text("greeting", lang, name=display_name(user)), "", text("intro", lang)]
    for org, rows in overdue_by_org:
        parts += ["", f"{org.title or org.name}:"]
        for row in rows:
            parts.append(text("line", lang, title=row["title"], sentence=row["sentence"], days=row["days_overdue"],
                              url=site_url(f"/dataset/{row['name']}")))
        parts += ["", text("overview", lang, url=site_url(f"/organization/{org.name}/freshness"))]
    parts += ["", "-- ", text("unsubscribe", lang, url=unsubscribe_url(user.id))]
    return text("subject", lang, count=count), "\n".join(parts) + "\n"


def unsubscribe_url(user_id: str) -> str:
    return site_url(f"/freshness/unsubscribe/{user_id}/{unsubscribe_token(user_id)}")


def send_digests(force: bool = False) -> dict:
    """Send the digest to every subscribed editor whose last one is a week old (``force``: to
    all now). Returns {"sent", "skipped", "failed", "nothing_overdue"}."""
    when = logic.now()
    counts = {"sent": 0, "skipped": 0, "failed": 0, "nothing_overdue": 0}
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    overdue_of: dict = {}  # organisation id -> its overdue datasets (asked once per run)
    for user, orgs in recipients():
        last = core.parse_time((user.plugin_extras or {}).get("jena_freshness_digest_sent"))
        if not subscribed(user) or (not force and last is not None and when - last < WEEK - SLACK):
            counts["skipped"] += 1
            continue
        lang = language_of(user)
        found = []
        for org in orgs:
            key = (org.id, lang)
            if key not in overdue_of:
                listing = toolkit.get_action("jena_freshness_list")(
                    {"user": site_user}, {"organization": org.id, "state": "overdue"})
                for row in listing["datasets"]:
                    row["sentence"] = core.sentence(row, when, lang)
                overdue_of[key] = listing["datasets"]
            if overdue_of[key]:
                found.append((org, overdue_of[key]))
        if not found:
            counts["nothing_overdue"] += 1
            continue
        subject, body = compose(user, found, lang)
        if not mail_user(user, subject, body, {"List-Unsubscribe": f"<{unsubscribe_url(user.id)}>"}):
            counts["failed"] += 1
            continue
        set_extras(user, jena_freshness_digest_sent=when.isoformat())
        counts["sent"] += 1
    return counts
