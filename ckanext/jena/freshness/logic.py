"""API actions and auth functions of the freshness monitor."""
from __future__ import annotations

import datetime
from typing import Optional

from ckan.plugins import toolkit

from ckanext.jena import settings
from ckanext.jena.lang import current as current_language
from ckanext.jena.search.guards import text_id

from . import core

STATE_FILTER = set(core.STATES)
PAGE = 500


def now() -> datetime.datetime:
    """The moment freshness is judged at: ckanext.jena.freshness.now where set, else the clock."""
    configured = core.parse_time(settings.get("ckanext.jena.freshness.now") or None)
    return configured or datetime.datetime.utcnow()


def last_harvest(dataset: dict, cache: Optional[dict] = None) -> Optional[datetime.datetime]:
    """The end of the last finished harvest of the dataset's source (None if not harvested),
    asked through ckanext-harvest's action, never its tables. Only a date leaves here."""
    source_id = dataset.get("harvested_from")
    if not source_id or not isinstance(source_id, str) or not _harvest_loaded():
        return None
    cache = {} if cache is None else cache
    if source_id not in cache:
        try:
            status = toolkit.get_action("harvest_source_show_status")({"ignore_auth": True}, {"id": source_id})
        except (toolkit.ObjectNotFound, toolkit.ValidationError):
            status = {}
        job = status.get("last_job") or {}
        cache[source_id] = core.parse_time(job.get("finished")) if job.get("status") == "Finished" else None
    return cache[source_id]


def _harvest_loaded() -> bool:
    from ckan import plugins
    return plugins.plugin_loaded("harvest")


def freshness_of(dataset: dict, when: Optional[datetime.datetime] = None, cache: Optional[dict] = None,
                 lang: Optional[str] = None) -> dict:
    """The freshness of a dataset dict (as package_show answers) with the sentence citizens read."""
    when = when or now()
    result = core.judge(dataset.get("frequency"), core.last_change(dataset, last_harvest(dataset, cache)), when)
    result["sentence"] = core.sentence(result, when, lang or current_language())
    result["label"] = core.label(result["state"], lang or current_language())
    return result


@toolkit.side_effect_free
def jena_freshness_show(context, data_dict):
    """Whether a dataset is updated as often as it promises, for its editors.

    :param id: the dataset's id or name
    :type id: string
    :returns: ``{"state": "current"|"due"|"overdue"|"unknown", "label", "frequency",
        "last_change", "expected", "due_until", "days_overdue", "sentence"}``; the state in
        German: aktuell, fällig, überfällig, keine Angabe
    :rtype: dictionary
    """
    dataset_id = text_id(data_dict)
    toolkit.check_access("jena_freshness_show", context, data_dict)
    # a fresh context (no cached dictization), keeping a caller's ignore_auth (the quality score)
    dataset = toolkit.get_action("package_show")(
        {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj"),
         "ignore_auth": bool(context.get("ignore_auth"))}, {"id": dataset_id})
    return freshness_of(dataset)


@toolkit.side_effect_free
def jena_freshness_list(context, data_dict):
    """The freshness of the datasets of the organisations the user edits (sysadmins: all
    datasets), overdue first and the longest overdue on top.

    :param organization: only this organisation (id or name; optional); its editors and
        sysadmins only
    :type organization: string
    :param state: only datasets in this state: ``current``, ``due``, ``overdue`` or ``unknown``
        (optional)
    :type state: string
    :returns: ``{"count", "now", "datasets": [{"id", "name", "title", "private",
        "organization", "state", "label", "frequency", "last_change", "expected",
        "days_overdue", "sentence"}]}``
    :rtype: dictionary
    """
    organization = text_id(data_dict, "organization", required=False)  # before the auth check looks it up
    state = data_dict.get("state")
    if state not in (None, "") and state not in STATE_FILTER:
        raise toolkit.ValidationError({"state": [toolkit._("Not in the list: {values}. Valid choices: {choices}").format(
            values=str(state)[:50], choices=", ".join(core.STATES))]})
    toolkit.check_access("jena_freshness_list", context, data_dict)
    user = context.get("user")
    user_context = {"user": user, "auth_user_obj": context.get("auth_user_obj")}
    if organization:
        org_ids = [toolkit.get_action("organization_show")(
            dict(user_context), {"id": organization, "include_datasets": False})["id"]]
    elif _is_sysadmin(context):
        org_ids = None  # every dataset, including those of no organisation
    else:
        org_ids = [o["id"] for o in toolkit.get_action("organization_list_for_user")(
            dict(user_context), {"id": user, "permission": "update_dataset"})]
        if not org_ids:
            return {"count": 0, "now": now().isoformat(), "datasets": []}
    when, cache, rows = now(), {}, []
    for dataset in _datasets(user_context, org_ids):
        result = freshness_of(dataset, when, cache)
        if state and result["state"] != state:
            continue
        result.update(id=dataset["id"], name=dataset["name"], title=dataset.get("title") or dataset["name"],
                      private=bool(dataset.get("private")),
                      organization=(dataset.get("organization") or {}).get("name"))
        rows.append(result)
    rows = core.worst_first(rows)
    return {"count": len(rows), "now": when.isoformat(), "datasets": rows}


def _datasets(user_context: dict, org_ids):
    fq = "+dataset_type:dataset"
    if org_ids is not None:
        fq += " +owner_org:(" + " OR ".join(f'"{org_id}"' for org_id in org_ids) + ")"
    start = 0
    while True:
        page = toolkit.get_action("package_search")(dict(user_context), {
            "fq": fq, "include_private": True, "rows": PAGE, "start": start, "sort": "name asc"})
        yield from page["results"]
        start += PAGE
        if start >= page["count"] or not page["results"]:
            return


def _is_sysadmin(context) -> bool:
    from ckan import authz
    return authz.is_sysadmin(context.get("user"))


def jena_freshness_show_auth(context, data_dict):
    # for the people who keep the dataset up to date: its editors (and sysadmins)
    return toolkit.check_access("package_update", context, {"id": data_dict.get("id")}) and {"success": True}


def jena_freshness_list_auth(context, data_dict):
    """Signed-in users (the list holds only the organisations they edit); with an organisation,
    only its editors."""
    from ckan import authz
    user = context.get("user")
    if not (user and context.get("auth_user_obj")):
        return {"success": False, "msg": toolkit._("Sign in to see how up to date your datasets are.")}
    organization = data_dict.get("organization")
    if organization:
        from ckan import model
        group = model.Group.get(organization)
        if group is None or not group.is_organization or not authz.has_user_permission_for_group_or_org(
                group.id, user, "update_dataset"):
            return {"success": False, "msg": toolkit._("Only the organisation's editors can see how up to date its datasets are.")}
    return {"success": True}


def get_actions() -> dict:
    return {"jena_freshness_show": jena_freshness_show, "jena_freshness_list": jena_freshness_list}


def get_auth_functions() -> dict:
    return {"jena_freshness_show": jena_freshness_show_auth, "jena_freshness_list": jena_freshness_list_auth}
