"""The notification e-mail: what changed in what a citizen follows, batched (one e-mail per
user and run; the scheduler runs it every hour), with a link to unsubscribe.

What matters (not every metadata edit): a new dataset in a followed Handlungsfeld, search,
organisation or group; new or changed files of a followed dataset. Public datasets only, as an
anonymous visitor sees them. CKAN's own follows (datasets, organisations, groups) count too.

Kept in CKAN's user.plugin_extras: ``jena_follow_sent`` (news after this moment go into the
next e-mail), ``jena_follow_notify`` (false: unsubscribed); the language as for the
freshness digest (``jena_language``, else the portal's default)."""
from __future__ import annotations

import datetime
import hashlib
import hmac
import logging

from ckan.plugins import toolkit

from ckanext.jena import lang as lang_module
from ckanext.jena.feeds import query
from ckanext.jena.freshness import core as freshness_core
from ckanext.jena.freshness import digest as mail_prefs

from . import logic, store

log = logging.getLogger(__name__)
ROWS = 50  # newest datasets looked at per followed thing and run


# the e-mail's parts (msgids, German in the catalogue); placeholders in braces filled below
TEXTS = {
    "subject": "Data portal: news about what you follow",
    "greeting": "Hello {name},",
    "intro": "since our last message, this happened on the data portal:",
    "new_in_action_field": "New dataset in the action field {label}: {title}\n  {url}",
    "new_in_search": "New dataset for your search \"{label}\": {title}\n  {url}",
    "new_in_organization": "New dataset from {label}: {title}\n  {url}",
    "new_files": "New or changed files in the dataset {title}: {files}\n  {url}",
    "manage": "What you follow: {url}",
    "unsubscribe": "No more such e-mails: {url}",
}


def text(key: str, lang: str, **values) -> str:
    """A part of the e-mail in the user's language (not the request's: a background job)."""
    return lang_module.gettext_for(TEXTS[key], lang, **values)


def unsubscribe_token(user_id: str) -> str:
    secret = toolkit.config.get("SECRET_KEY") or toolkit.config.get("beaker.session.secret")
    if not secret:
        raise RuntimeError("SECRET_KEY is not set: the unsubscribe links of notifications need it")
    return hmac.new(str(secret).encode(), f"jena-follow:{user_id}".encode(), hashlib.sha256).hexdigest()


def valid_token(user_id: str, token: str) -> bool:
    return isinstance(token, str) and hmac.compare_digest(unsubscribe_token(user_id), token)


def unsubscribe_url(user_id: str) -> str:
    return mail_prefs.site_url(f"/folgen/abbestellen/{user_id}/{unsubscribe_token(user_id)}")


def _after(value, since) -> bool:
    moment = freshness_core.parse_time(value)
    return moment is not None and moment > since


def _new_datasets(q: str, pairs: list, since) -> list[dict]:
    found = toolkit.get_action("package_search")({"user": ""}, {
        "q": q, "fq": query.fq(pairs), "sort": "metadata_created desc", "rows": ROWS,
        "include_private": False, "include_drafts": False})["results"]
    return [d for d in found if _after(d.get("metadata_created"), since)]


def news_for(user, since: datetime.datetime, lang: str) -> list[str]:
    """The lines of one user's e-mail: each dataset once, for the first reason found."""
    lines, seen = [], set()

    def add(dataset, key, **values):
        if dataset["id"] not in seen:
            seen.add(dataset["id"])
            lines.append(text(key, lang, title=dataset.get("title") or dataset["name"],
                              url=mail_prefs.site_url(f"/dataset/{dataset['name']}"), **values))

    for follow in store.of_user(user.id):
        try:
            if follow["kind"] == "action_field":
                pairs, q, key = [("action_fields", follow["target"])], "", "new_in_action_field"
            else:
                (q, pairs), key = query.parse(follow["target"]), "new_in_search"
        except ValueError:
            continue
        for dataset in _new_datasets(q, pairs, since):
            add(dataset, key, label=logic.label(follow["kind"], follow["target"]))
    for followee in toolkit.get_action("followee_list")({"ignore_auth": True}, {"id": user.id}):
        kind, thing = followee.get("type"), followee.get("dict") or {}
        if kind in ("organization", "group"):
            field = "organization" if kind == "organization" else "groups"
            for dataset in _new_datasets("", [(field, thing["name"])], since):
                add(dataset, "new_in_organization", label=thing.get("title") or thing["name"])
        elif kind == "dataset":
            try:  # as anyone sees it now: a dataset made private since is no news
                dataset = toolkit.get_action("package_show")({"user": ""}, {"id": thing["id"]})
            except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
                continue
            files = [r.get("name") or r.get("url") or "" for r in dataset.get("resources") or []
                     if _after(r.get("created"), since) or _after(r.get("last_modified"), since)]
            if files and dataset["id"] not in seen:
                add(dataset, "new_files", files=", ".join(files[:10]))
    return lines


def _users():
    from ckan import model
    ids = set(store.followers())
    ids |= {row[0] for row in model.Session.query(model.UserFollowingDataset.follower_id).distinct()}
    ids |= {row[0] for row in model.Session.query(model.UserFollowingGroup.follower_id).distinct()}
    return [user for user in (model.User.get(i) for i in sorted(ids)) if user is not None and user.state == "active"]


def send_notifications() -> dict:
    """One e-mail per user with news since their last one. Returns {"sent", "nothing_new",
    "unsubscribed", "failed", "started"} ("started": first run for a user: news from now on)."""
    now = datetime.datetime.utcnow()
    counts = {"sent": 0, "nothing_new": 0, "unsubscribed": 0, "failed": 0, "started": 0}
    for user in _users():
        extras = user.plugin_extras or {}
        if extras.get("jena_follow_notify") is False or not user.email:
            counts["unsubscribed"] += 1
            continue
        since = freshness_core.parse_time(extras.get("jena_follow_sent"))
        if since is None:
            mail_prefs.set_extras(user, jena_follow_sent=now.isoformat())
            counts["started"] += 1
            continue
        lang = mail_prefs.language_of(user)
        lines = news_for(user, since, lang)
        if lines:
            body = "\n".join([text("greeting", lang, name=mail_prefs.display_name(user)), "", text("intro", lang), "",
                              *lines, "", text("manage", lang, url=mail_prefs.site_url("/folgen")), "-- ",
                              text("unsubscribe", lang, url=unsubscribe_url(user.id))]) + "\n"
            if not mail_prefs.mail_user(user, text("subject", lang), body,
                                        {"List-Unsubscribe": f"<{unsubscribe_url(user.id)}>"}):
                counts["failed"] += 1
                continue  # the same news go into the next try
            counts["sent"] += 1
        else:
            counts["nothing_new"] += 1
        mail_prefs.set_extras(user, jena_follow_sent=now.isoformat())
    return counts
