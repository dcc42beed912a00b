"""Who may harvest what: harvest sources are managed by sysadmins, or by the admins of the
source's organisation when ``ckanext.jena.harvest.org_admins_manage_sources`` is on (never by
editors, unlike ckanext-harvest's default). A source address must be http(s) and, unless
allow-listed, point at a public host."""
from __future__ import annotations

from ckan.plugins import toolkit

from ckanext.jena import lang, purge, settings

from . import fetch, guards, indexing, store

HARVEST_TYPE = "harvest"


def _org_admins_allowed() -> bool:
    return toolkit.asbool(settings.get("ckanext.jena.harvest.org_admins_manage_sources"))


def _refusal() -> dict:
    if _org_admins_allowed():
        msg = toolkit._("Only system administrators and the admins of the organisation may manage harvest sources.")
    else:
        msg = toolkit._("Only system administrators may manage harvest sources.")
    return {"success": False, "msg": msg}


def _may_manage(context: dict, owner_org) -> bool:
    user = context.get("auth_user_obj")
    if user is not None and getattr(user, "sysadmin", False):
        return True
    if not _org_admins_allowed() or not owner_org or not context.get("user"):
        return False
    try:
        toolkit.check_access("organization_update", {"user": context["user"]}, {"id": owner_org})
        return True
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return False


def _source_org(context: dict, data_dict: dict):
    if data_dict.get("owner_org"):
        return data_dict["owner_org"]
    source_id = data_dict.get("id") or data_dict.get("source_id")
    if not source_id:
        return None
    try:
        source = toolkit.get_action("package_show")({"ignore_auth": True}, {"id": source_id})
    except toolkit.ObjectNotFound:
        return None
    return source.get("owner_org")


def _is_harvest_source(data_dict: dict) -> bool:
    if (data_dict or {}).get("type") == HARVEST_TYPE:
        return True
    source_id = (data_dict or {}).get("id")
    return bool(source_id) and store.package_type(source_id) == HARVEST_TYPE


def _guard(next_auth, context, data_dict):
    if not _may_manage(context, _source_org(context, data_dict or {})):
        return _refusal()
    return next_auth(context, data_dict)


@toolkit.chained_auth_function
def harvest_source_create(next_auth, context, data_dict):
    return _guard(next_auth, context, data_dict)


@toolkit.chained_auth_function
def harvest_source_update(next_auth, context, data_dict):
    return _guard(next_auth, context, data_dict)


@toolkit.chained_auth_function
def harvest_source_delete(next_auth, context, data_dict):
    return _guard(next_auth, context, data_dict)


@toolkit.chained_auth_function
def package_create(next_auth, context, data_dict):
    if (data_dict or {}).get("type") == HARVEST_TYPE:
        return _guard(next_auth, context, data_dict)
    return next_auth(context, data_dict)


@toolkit.chained_auth_function
def package_update(next_auth, context, data_dict):
    if _is_harvest_source(data_dict or {}):
        return _guard(next_auth, context, data_dict)
    return next_auth(context, data_dict)


@toolkit.chained_auth_function
def package_delete(next_auth, context, data_dict):
    if _is_harvest_source(data_dict or {}):
        return _guard(next_auth, context, data_dict)
    return next_auth(context, data_dict)


def _check_source_url(data_dict: dict) -> None:
    url = (data_dict or {}).get("url")
    if not url:
        return
    try:
        fetch.check_url(str(url).strip())
    except fetch.FetchError as exc:
        raise toolkit.ValidationError({"url": [exc.in_language(lang.current())]})


# the address is checked only for someone allowed to make or change the source: the check
# resolves the host name, and its answer ("… points to an internal address") told anonymous
# visitors what names resolve to (attack review, 6 December)
@toolkit.chained_action
def package_create_action(next_action, context, data_dict):
    if (data_dict or {}).get("type") == HARVEST_TYPE:
        toolkit.check_access("package_create", dict(context), data_dict)
        _check_source_url(data_dict)
    return next_action(context, data_dict)


@toolkit.chained_action
def package_update_action(next_action, context, data_dict):
    if (data_dict or {}).get("type") == HARVEST_TYPE or ((data_dict or {}).get("url") and
                                                         _is_harvest_source(data_dict)):
        toolkit.check_access("package_update", dict(context), data_dict)
        _check_source_url(data_dict)
    return next_action(context, data_dict)


def get_auth_functions() -> dict:
    return {"harvest_source_create": harvest_source_create, "harvest_source_update": harvest_source_update,
            "harvest_source_delete": harvest_source_delete, "package_create": package_create,
            "package_update": package_update, "package_delete": package_delete,
            "jena_harvest_source_facts": jena_harvest_source_facts_auth,
            "harvest_job_list": guards.harvest_job_list, "harvest_object_show": guards.harvest_object_show,
            "harvest_abort_failed_jobs": guards.harvest_abort_failed_jobs_auth, **guards.internal_auth_functions()}


def _forget(dataset_id: str) -> None:
    from ckan import model
    store.forget_package(dataset_id)
    model.Session.commit()


dataset_purge = purge.after_purge(_forget)


def get_actions() -> dict:
    return {"package_create": package_create_action, "package_update": package_update_action,
            "dataset_purge": dataset_purge, "jena_harvest_source_facts": jena_harvest_source_facts,
            **guards.get_actions(), **guards.unchecked_actions(), **guards.internal_actions(),
            **indexing.get_actions()}


# -- what other capabilities may know about a harvested dataset -----------------------------------
@toolkit.side_effect_free
def jena_harvest_source_facts(context, data_dict):
    """Where a dataset is harvested from: the harvest source its current harvest object belongs
    to (the latest import first), as ckanext-harvest itself finds it. Other capabilities (the
    explainer) ask here instead of reading ckanext-harvest's tables.

    Only the source's id and title, which ckanext-harvest also adds to the dataset in the search
    index; never the source's address or settings.

    :param id: the id or name of the dataset
    :type id: string
    :returns: ``{"harvested": bool, "harvest_source_id": str or None,
        "harvest_source_title": str or None}``
    :rtype: dictionary
    """
    from ckan import model
    dataset_id = toolkit.get_or_bust(data_dict, "id")
    package = model.Package.get(dataset_id)
    if package is None:
        raise toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    toolkit.check_access("jena_harvest_source_facts", context, {"id": package.id})
    source = store.current_source_of(package.id)
    return {"harvested": source is not None, "harvest_source_id": source.id if source else None,
            "harvest_source_title": source.title if source else None}


@toolkit.auth_allow_anonymous_access
def jena_harvest_source_facts_auth(context, data_dict):
    """Whoever may see the dataset may see where it comes from."""
    try:
        toolkit.check_access("package_show", {"user": context.get("user"),
                                              "auth_user_obj": context.get("auth_user_obj")},
                             {"id": data_dict.get("id")})
    except toolkit.NotAuthorized:
        return {"success": False, "msg": toolkit._("You may not see this dataset, so not where it comes from either.")}
    return {"success": True}
