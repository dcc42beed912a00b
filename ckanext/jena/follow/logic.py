"""API actions and auth functions: follow a Handlungsfeld or a saved search (CKAN's own
follow_dataset / follow_group cover datasets and organisations)."""
from __future__ import annotations

import datetime

from ckan.plugins import toolkit

from ckanext.jena.feeds import query
from ckanext.jena.freshness import digest as mail_prefs
from ckanext.jena.taxonomy import store as taxonomy_store

from . import store

_ = toolkit._
KINDS = ("action_field", "search")
MAX_FOLLOWS = 100


def _user(context):
    from ckan import model
    return model.User.get(context.get("user")) if context.get("user") else None


def _target(data_dict) -> tuple[str, str]:
    kind, target = data_dict.get("kind"), data_dict.get("target")
    if kind not in KINDS:
        raise toolkit.ValidationError({"kind": [_("Not in the list: {values}. Valid choices: {choices}").format(
            values=str(kind)[:50], choices=", ".join(KINDS))]})
    if not isinstance(target, str) or not target or len(target) > 2000:
        raise toolkit.ValidationError({"target": [_("Say what to follow: an action field or a search.")]})
    if kind == "action_field":
        if taxonomy_store.current().get(target) is None:
            raise toolkit.ValidationError({"target": [_("There is no action field {id}.").format(id=target[:50])]})
        return kind, target
    try:
        q, pairs = query.parse(target)
    except ValueError:
        raise toolkit.ValidationError({"target": [_("This search cannot be followed: save it from the search page.")]})
    if not q and not pairs:
        raise toolkit.ValidationError({"target": [_("This search cannot be followed: save it from the search page.")]})
    return kind, query.canonical(q, pairs)


def jena_follow_create(context, data_dict):
    """Follow a Handlungsfeld or a search: an e-mail tells you of new datasets in it.

    :param kind: ``action_field`` or ``search``
    :type kind: string
    :param target: the Handlungsfeld's id, or the search as the search page's address has it
        (``q=...&districts=...``)
    :type target: string
    :returns: what you follow (as jena_follow_list)
    :rtype: list
    """
    toolkit.check_access("jena_follow_create", context, data_dict)
    kind, target = _target(data_dict)
    user = _user(context)
    if store.count_of_user(user.id) >= MAX_FOLLOWS:
        raise toolkit.ValidationError({"target": [_("You follow {n} things already; stop following one first.").format(
            n=MAX_FOLLOWS)]})
    store.add(user.id, kind, target)
    if not (user.plugin_extras or {}).get("jena_follow_sent"):
        # news from now on, not everything ever published in it
        mail_prefs.set_extras(user, jena_follow_sent=datetime.datetime.utcnow().isoformat())
    return jena_follow_list(context, {})


def jena_follow_delete(context, data_dict):
    """Stop following a Handlungsfeld or a search.

    :param kind: ``action_field`` or ``search``
    :type kind: string
    :param target: as given to jena_follow_create
    :type target: string
    :rtype: list
    """
    toolkit.check_access("jena_follow_delete", context, data_dict)
    kind, target = _target(data_dict)
    store.remove(_user(context).id, kind, target)
    return jena_follow_list(context, {})


@toolkit.side_effect_free
def jena_follow_list(context, data_dict):
    """What you follow here (Handlungsfelder and searches), with a label for each.

    :returns: ``[{"kind", "target", "label", "created"}]``
    :rtype: list
    """
    toolkit.check_access("jena_follow_list", context, data_dict)
    rows = store.of_user(_user(context).id)
    for row in rows:
        row["label"] = label(row["kind"], row["target"])
    return rows


def label(kind: str, target: str) -> str:
    if kind == "action_field":
        return query.label("action_fields", target)
    q, pairs = query.parse(target)
    return query.title(q, pairs, _("All datasets"))


def _signed_in(context, data_dict):
    if _user(context) is None:
        return {"success": False, "msg": _("Sign in to follow an action field or a search.")}
    return {"success": True}


def get_actions() -> dict:
    return {"jena_follow_create": jena_follow_create, "jena_follow_delete": jena_follow_delete,
            "jena_follow_list": jena_follow_list}


def get_auth_functions() -> dict:
    return {"jena_follow_create": _signed_in, "jena_follow_delete": _signed_in, "jena_follow_list": _signed_in}
