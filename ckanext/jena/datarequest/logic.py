"""API actions and auth functions of data requests ("Datenwünsche")."""
from __future__ import annotations

import functools
import os
import re
import unicodedata
from typing import Optional

import yaml

from ckan.plugins import toolkit

from ckanext.jena import settings
from ckanext.jena.schema import places
from ckanext.jena.taxonomy import store as taxonomy_store

from . import store

_ = toolkit._
# pending: an anonymous request waiting for moderation; rejected: refused by moderation (spam)
PUBLIC_STATES = ("open", "answered", "fulfilled", "declined")
HIDDEN_STATES = ("pending", "rejected")
OFFICER_STATES = PUBLIC_STATES + ("rejected",)
# a request an officer let through in one of these makes its account's next requests public at
# once; a declined one does not (an officer may decline spam instead of rejecting it: a re-attack)
TRUSTED_STATES = ("open", "answered", "fulfilled")
TITLE_MAX, DESCRIPTION_MAX, ANSWER_MAX = 200, 5000, 5000
# set by the form's view only: an anonymous request that passed the form's guards
FORM_CONTEXT = "jena_datarequest_form"


# --- who is who --------------------------------------------------------------------------------

def _user(context):
    from ckan import model
    name = context.get("user")
    return model.User.get(name) if name else None


def is_officer(context, organization_id=None) -> bool:
    """Sysadmins; editors and admins of the organisation (of any organisation when none is given)."""
    from ckan import authz
    user = _user(context)
    if user is None:
        return False
    if user.sysadmin:
        return True
    if organization_id:
        return authz.has_user_permission_for_group_or_org(organization_id, user.name, "update_dataset")
    return bool(toolkit.get_action("organization_list_for_user")(
        {"user": user.name}, {"id": user.id, "permission": "update_dataset"}))


# --- validation ---------------------------------------------------------------------------------

def _clean_text(data_dict, key, maximum, required, errors):
    value = data_dict.get(key)
    if value is None or value == "":
        if required:
            errors[key] = [_("Missing value")]
        return None
    if not isinstance(value, str):
        errors[key] = [_("Give this as text.")]
        return None
    if len(value) > 2 * maximum:  # refused before the character-by-character cleaning below
        errors[key] = [_("At most {maximum} characters, please; this is {length}.").format(
            maximum=maximum, length=len(value))]
        return None
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if required and not value:
        errors[key] = [_("Missing value")]
    elif len(value) > maximum:
        errors[key] = [_("At most {maximum} characters, please; this is {length}.").format(
            maximum=maximum, length=len(value))]
    return value or None


def _validate(data_dict, errors, partial=False) -> dict:
    out = {}
    for key, maximum in (("title", TITLE_MAX), ("description", DESCRIPTION_MAX)):
        if not partial or key in data_dict:
            out[key] = _clean_text(data_dict, key, maximum, True, errors)
    action_field = data_dict.get("action_field")
    if action_field:
        if not isinstance(action_field, str) or taxonomy_store.current().get(action_field) is None:
            errors["action_field"] = [_("There is no action field {id}.").format(id=str(action_field)[:50])]
        out["action_field"] = action_field
    elif "action_field" in data_dict:
        out["action_field"] = None
    district = data_dict.get("district")
    if district:
        if not isinstance(district, str) or district not in places.valid_keys():
            errors["district"] = [_("There is no district {id}.").format(id=str(district)[:50])]
        out["district"] = district
    elif "district" in data_dict:
        out["district"] = None
    organization = data_dict.get("organization")
    if organization:
        org = _organization(organization)
        if org is None:
            errors["organization"] = [_("There is no organisation {id}.").format(id=str(organization)[:50])]
        else:
            out["organization_id"] = org.id
    return out


def _organization(value):
    from ckan import model
    if not isinstance(value, str) or len(value) > 200:
        return None
    group = model.Group.get(value)
    return group if group is not None and group.is_organization and group.state == "active" else None


def _public_dataset(value):
    """The id of an active public dataset; None for anything else (private datasets are never linked)."""
    from ckan import model
    if not isinstance(value, str) or len(value) > 200:
        return None
    package = model.Package.get(value)
    if package is None or package.state != "active" or package.private:
        return None
    return package.id


# --- output -------------------------------------------------------------------------------------

def _dictize(request: dict, context) -> dict:
    """What anyone may read about a request; the asker stays anonymous to others."""
    from ckan import model
    out = {key: request[key] for key in ("id", "title", "description", "action_field", "district", "state",
                                         "answer", "created", "updated", "supporters")}
    org = model.Group.get(request["organization_id"]) if request.get("organization_id") else None
    out["organization"] = {"id": org.id, "name": org.name, "title": org.title} if org else None
    dataset = model.Package.get(request["dataset_id"]) if request.get("dataset_id") else None
    # a linked dataset made private (or deleted) later is not shown
    out["dataset"] = ({"id": dataset.id, "name": dataset.name, "title": dataset.title}
                      if dataset is not None and dataset.state == "active" and not dataset.private else None)
    user = _user(context)
    out["supported"] = bool(user and store.supported_by(request["id"], user.id))
    out["mine"] = bool(user and request.get("user_id") == user.id)
    return out


def _visible(request: dict, context) -> bool:
    """Public states to everyone; a request waiting for moderation or rejected to its author and
    the officers who may act on it: those of its organisation, of any while none is assigned
    (an editor of another office read citizens' unmoderated texts: eighth attack review, F3)."""
    if request["state"] in PUBLIC_STATES:
        return True
    user = _user(context)
    if user is not None and request.get("user_id") == user.id:
        return True
    return is_officer(context, request.get("organization_id") or None)


def _officer_organizations(context) -> Optional[list]:
    """The ids of the organisations whose hidden requests the asker may list; None: all (sysadmins)."""
    user = _user(context)
    if user is None:
        return []
    if user.sysadmin:
        return None
    return [o["id"] for o in toolkit.get_action("organization_list_for_user")(
        {"user": user.name}, {"id": user.id, "permission": "update_dataset"})]


def _get(data_dict) -> dict:
    request_id = data_dict.get("id")
    if not isinstance(request_id, str) or not request_id or len(request_id) > 100:
        raise toolkit.ValidationError({"id": [_("Give the data request's id as text.")]})
    request = store.get(request_id)
    if request is None:
        raise toolkit.ObjectNotFound(_("There is no such data request."))
    return request


# --- actions ------------------------------------------------------------------------------------

def jena_datarequest_create(context, data_dict):
    """File a data request: data the portal does not have yet. Officers' requests are public at
    once; so are those of a signed-in user of whom an officer has already let one request through.
    An account's first request waits for an officer's approval
    (ckanext.jena.datarequest.moderate_first_request; at most
    ckanext.jena.datarequest.pending_per_user waiting at a time); only its author and officers see
    it meanwhile. Anonymous requests (where ckanext.jena.datarequest.allow_anonymous) come only
    through the form /datenwuensche/neu (its hidden field, a limit per address) and always wait
    for approval: the API refuses anonymous callers.

    :param title: what data is wanted (at most 200 characters)
    :type title: string
    :param description: what for, in what form (at most 5,000 characters)
    :type description: string
    :param action_field: a Handlungsfeld (taxonomy notation; optional)
    :type action_field: string
    :param district: an Ortsteil (key; optional)
    :type district: string
    :param organization: the responsible organisation (id or name; optional)
    :type organization: string
    :returns: the request
    :rtype: dictionary
    """
    toolkit.check_access("jena_datarequest_create", context, data_dict)
    errors: dict = {}
    values = _validate(data_dict, errors)
    if errors:
        raise toolkit.ValidationError(errors)
    user = _user(context)
    waits = user is None or waits_for_approval(context)
    if user is not None and waits:
        _approved, waiting = store.user_counts(user.id, PUBLIC_STATES, "pending")
        limit = toolkit.asint(settings.get("ckanext.jena.datarequest.pending_per_user"))
        if waiting >= limit:
            raise toolkit.ValidationError({"moderation": [_(
                "You have {n} data requests waiting for an officer's approval. Please wait until they have "
                "been looked at; after that your requests are shown at once.").format(n=waiting)]})
    values.update(user_id=user.id if user else None, state="pending" if waits else "open")
    return _dictize(store.create(**values), context)


def waits_for_approval(context) -> bool:
    """Whether a signed-in user's new request waits for an officer's approval: with
    ckanext.jena.datarequest.moderate_first_request (default) it does until an officer has let
    one of theirs through as open, answered or fulfilled (anyone can register an account, so an
    account's first request is moderated like an anonymous one; a declined one earns no trust);
    officers' never do."""
    user = _user(context)
    if user is None:
        return True
    if not toolkit.asbool(settings.get("ckanext.jena.datarequest.moderate_first_request")) or is_officer(context):
        return False
    approved, _waiting = store.user_counts(user.id, TRUSTED_STATES, "pending")
    return not approved


@toolkit.side_effect_free
@toolkit.auth_allow_anonymous_access
def jena_datarequest_show(context, data_dict):
    """One data request with its state, answer, linked dataset and number of supporters.

    :param id: the request's id
    :type id: string
    :rtype: dictionary
    """
    request = _get(data_dict)
    toolkit.check_access("jena_datarequest_show", context, data_dict)
    if not _visible(request, context):
        raise toolkit.ObjectNotFound(_("There is no such data request."))
    return _dictize(request, context)


@toolkit.side_effect_free
def jena_datarequest_list(context, data_dict):
    """Data requests, newest first. Everyone sees the public states (open, answered,
    fulfilled, declined); officers may also ask for ``pending`` (awaiting moderation) and
    ``rejected``.

    :param state: only this state (optional)
    :type state: string
    :param organization: only this responsible organisation (id or name; optional)
    :type organization: string
    :param limit: at most this many (1-100, default 20)
    :type limit: int
    :param offset: skip this many (default 0)
    :type offset: int
    :returns: ``{"count", "results": [request]}``
    :rtype: dictionary
    """
    toolkit.check_access("jena_datarequest_list", context, data_dict)
    state = data_dict.get("state")
    allowed = PUBLIC_STATES + (HIDDEN_STATES if is_officer(context) else ())
    if state not in (None, "") and state not in allowed:
        raise toolkit.ValidationError({"state": [_("Not in the list: {values}. Valid choices: {choices}").format(
            values=str(state)[:50], choices=", ".join(allowed))]})
    try:
        limit = int(data_dict.get("limit", 20))
        offset = int(data_dict.get("offset", 0))
    except (TypeError, ValueError):
        raise toolkit.ValidationError({"limit": [_("Give limit and offset as whole numbers.")]})
    if not 1 <= limit <= 100 or not 0 <= offset <= 100000:
        raise toolkit.ValidationError({"limit": [_("Give limit and offset as whole numbers.")]})
    organization_id = None
    if data_dict.get("organization"):
        org = _organization(data_dict["organization"])
        if org is None:
            raise toolkit.ObjectNotFound(_("There is no organisation {id}.").format(id=str(data_dict["organization"])[:50]))
        organization_id = org.id
    states = [state] if state else list(PUBLIC_STATES)
    hidden_for = _officer_organizations(context) if set(states) & set(HIDDEN_STATES) else None
    count, rows = store.listing(states, organization_id, limit, offset, HIDDEN_STATES, hidden_for)
    return {"count": count, "results": [_dictize(row, context) for row in rows]}


def jena_datarequest_update(context, data_dict):
    """An officer answers a request: approves or rejects an anonymous one, assigns the
    responsible organisation, answers, links a public dataset that fulfils it, or declines
    it with a reason. Editors of the responsible organisation (of any organisation while none
    is assigned) and sysadmins.

    :param id: the request's id
    :type id: string
    :param state: ``open``, ``answered``, ``fulfilled`` (needs ``dataset``), ``declined``
        (needs ``answer``: the reason) or ``rejected`` (moderation)
    :type state: string
    :param answer: the officer's answer (at most 5,000 characters)
    :type answer: string
    :param dataset: a public dataset that fulfils the request (id or name)
    :type dataset: string
    :param organization: the responsible organisation (id or name)
    :type organization: string
    :param title: a corrected title; ``description``, ``action_field``, ``district`` likewise
    :type title: string
    :rtype: dictionary
    """
    request = _get(data_dict)
    toolkit.check_access("jena_datarequest_update", context, data_dict)
    errors: dict = {}
    values = _validate(data_dict, errors, partial=True)
    if "organization_id" in values and not is_officer(context, values["organization_id"]):
        errors["organization"] = [_("You may assign only an organisation you edit.")]
    if "answer" in data_dict:
        values["answer"] = _clean_text(data_dict, "answer", ANSWER_MAX, False, errors)
    if data_dict.get("dataset"):
        dataset_id = _public_dataset(data_dict["dataset"])
        if dataset_id is None:
            errors["dataset"] = [_("Link a public dataset of the portal (its name or address); private datasets cannot fulfil a request.")]
        values["dataset_id"] = dataset_id
    state = data_dict.get("state")
    if state not in (None, ""):
        if state not in OFFICER_STATES:
            errors["state"] = [_("Not in the list: {values}. Valid choices: {choices}").format(
                values=str(state)[:50], choices=", ".join(OFFICER_STATES))]
        elif state == "fulfilled" and "dataset" not in errors and not (values.get("dataset_id") or request.get("dataset_id")):
            errors["dataset"] = [_("Link the dataset that fulfils the request.")]
        elif state == "declined" and not (values.get("answer") or request.get("answer")):
            errors["answer"] = [_("Give the reason why the request is declined.")]
        values["state"] = state
    if errors:
        raise toolkit.ValidationError(errors)
    return _dictize(store.update(request["id"], **values), context)


def jena_datarequest_support(context, data_dict):
    """Support a public data request ("me too"); once per user.

    :param id: the request's id
    :type id: string
    :returns: the request, with ``supporters`` and ``supported``
    :rtype: dictionary
    """
    request = _get(data_dict)
    toolkit.check_access("jena_datarequest_support", context, data_dict)
    if request["state"] not in PUBLIC_STATES:
        raise toolkit.ObjectNotFound(_("There is no such data request."))
    store.support(request["id"], _user(context).id)
    return _dictize(store.get(request["id"]), context)


@toolkit.side_effect_free
def jena_search_miss_list(context, data_dict):
    """Searched, not found ("gesucht, nicht gefunden"): the words of anonymous visitors' searches
    on the dataset search page that found nothing, most frequent first. Only the words are kept
    (words that look personal dropped); each visitor counts once a day, and words are shown once
    ckanext.jena.datarequest.search_miss_min_visitors counted them. Officers (sysadmins, editors
    and admins of any organisation).

    :param limit: at most this many (1-200, default 50)
    :type limit: int
    :returns: ``[{"words", "count", "last_seen"}]``
    :rtype: list
    """
    toolkit.check_access("jena_search_miss_list", context, data_dict)
    try:
        limit = max(1, min(200, int(data_dict.get("limit", 50))))
    except (TypeError, ValueError):
        raise toolkit.ValidationError({"limit": [_("Give limit and offset as whole numbers.")]})
    return store.misses(limit, toolkit.asint(settings.get("ckanext.jena.datarequest.search_miss_min_visitors")))


# --- search misses ------------------------------------------------------------------------------

WORD = re.compile(r"[^\W\d_][\w-]{1,39}", re.UNICODE)
ADDRESS = re.compile(r"\S+@\S+|\w+://\S+|www\.\S+", re.I)
PERSONAL_PATTERNS_FILE = os.path.join(os.path.dirname(__file__), "data", "personal_patterns.yaml")


@functools.lru_cache(maxsize=1)
def personal_patterns() -> tuple:
    """The patterns of words that look personal (data/personal_patterns.yaml)."""
    with open(PERSONAL_PATTERNS_FILE, encoding="utf-8") as f:
        return tuple(re.compile(entry["pattern"]) for entry in yaml.safe_load(f))


def miss_words(q) -> str:
    """The words of a search, lower-cased, without addresses, numbers, operators or words that
    look personal (IBAN, phone, file numbers, number plates); '' if none."""
    if not isinstance(q, str):
        return ""
    text = ADDRESS.sub(" ", q[:500])
    words = [w.lower() for w in WORD.findall(text) if w.upper() not in ("AND", "OR", "NOT")]
    words = [w for w in words if not any(p.search(w) for p in personal_patterns())]
    return " ".join(dict.fromkeys(words[:8]))


def count_search_miss(q, visitor: str) -> None:
    """Count an anonymous visitor's search that found nothing, once per visitor (address, kept
    only as a keyed hash for the day) and day."""
    if not toolkit.asbool(settings.get("ckanext.jena.datarequest.count_search_misses")):
        return
    words = miss_words(q)
    if words and store.first_miss_today(words, visitor):
        store.count_miss(words)


# --- auth ---------------------------------------------------------------------------------------

@toolkit.auth_allow_anonymous_access
def jena_datarequest_create_auth(context, data_dict):
    if _user(context) is None:
        if not toolkit.asbool(settings.get("ckanext.jena.datarequest.allow_anonymous")):
            return {"success": False, "msg": _("Sign in to file a data request.")}
        # the form's view sets this after its spam guard and the limit per address; an API
        # caller cannot (CKAN builds the API's context)
        if not context.get(FORM_CONTEXT):
            return {"success": False, "msg": _(
                "Sign in to file a data request through the API; without an account, use the form at "
                "/datenwuensche/neu.")}
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def jena_datarequest_public_auth(context, data_dict):
    return {"success": True}  # what each one shows is decided by the request's state


def jena_datarequest_update_auth(context, data_dict):
    request = store.get(data_dict.get("id")) if isinstance(data_dict.get("id"), str) else None
    if request is not None and is_officer(context, request.get("organization_id")):
        return {"success": True}
    return {"success": False, "msg": _("Only officers of the responsible organisation can answer a data request.")}


def jena_datarequest_support_auth(context, data_dict):
    if _user(context) is None:
        return {"success": False, "msg": _("Sign in to support a data request.")}
    return {"success": True}


def jena_search_miss_list_auth(context, data_dict):
    if is_officer(context):
        return {"success": True}
    return {"success": False, "msg": _("Only officers see what was searched and not found.")}


def get_actions() -> dict:
    return {"jena_datarequest_create": jena_datarequest_create, "jena_datarequest_show": jena_datarequest_show,
            "jena_datarequest_list": jena_datarequest_list, "jena_datarequest_update": jena_datarequest_update,
            "jena_datarequest_support": jena_datarequest_support, "jena_search_miss_list": jena_search_miss_list}


def get_auth_functions() -> dict:
    return {"jena_datarequest_create": jena_datarequest_create_auth,
            "jena_datarequest_show": jena_datarequest_public_auth,
            "jena_datarequest_list": jena_datarequest_public_auth,
            "jena_datarequest_update": jena_datarequest_update_auth,
            "jena_datarequest_support": jena_datarequest_support_auth,
            "jena_search_miss_list": jena_search_miss_list_auth}
