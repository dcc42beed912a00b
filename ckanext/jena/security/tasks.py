"""A task status is shown only to those who may see what it is about.

CKAN core lets anyone call ``task_status_show`` (its auth function allows everything). A task of
xloader names its resource and keeps the error of the last load, which repeats the resource's
address: an anonymous visitor who knew the id of a private dataset's resource read its full
address, query string and keys in it included (sixth attack review, 7 December, M1), where
``xloader_status`` answers 403. Here the asker must be allowed ``resource_show`` of a resource's
task and ``package_show`` of a dataset's; tasks about anything else only sysadmins see (CKAN lets
sysadmins pass before any auth function)."""
from __future__ import annotations

from ckan.plugins import toolkit

_SHOW = {"resource": "resource_show", "package": "package_show", "dataset": "package_show"}


@toolkit.auth_allow_anonymous_access
@toolkit.chained_auth_function
def task_status_show(next_auth, context, data_dict):
    refused = {"success": False, "msg": toolkit._("Not authorized to see this task")}
    task = context.get("task_status")  # set by CKAN's action before it checks
    if task is None:
        return refused
    action = _SHOW.get(getattr(task, "entity_type", None) or "")
    if action is None:
        return refused
    asker = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
    try:
        toolkit.check_access(action, asker, {"id": task.entity_id})
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return refused
    return next_auth(context, data_dict)


def auth_functions() -> dict:
    return {"task_status_show": task_status_show}
