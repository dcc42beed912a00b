"""An organisation's member list names only the datasets the asker may see.

CKAN core's ``member_list`` checks only that the organisation or group may be shown, then lists
every member: anonymous visitors got the ids of an organisation's private datasets (third attack
review of 6 December, F6). This chained action leaves out each dataset that is private, a draft or
deleted and that the asker may not ``package_show``."""
from __future__ import annotations

from ckan.plugins import toolkit


@toolkit.side_effect_free
@toolkit.chained_action
def member_list(original_action, context, data_dict):
    members = original_action(context, data_dict)
    packages = [member[0] for member in members if member[1] == "package"]
    if not packages:
        return members
    from ckan import model
    hidden_candidates = [row.id for row in model.Session.query(model.Package.id).filter(
        model.Package.id.in_(packages),
        (model.Package.private.is_(True)) | (model.Package.state != "active"))]
    hidden = set()
    for package_id in hidden_candidates:
        asker = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
        try:
            toolkit.check_access("package_show", asker, {"id": package_id})
        except toolkit.NotAuthorized:
            hidden.add(package_id)
    return [member for member in members if not (member[1] == "package" and member[0] in hidden)]


def actions() -> dict:
    return {"member_list": member_list, "organization_list_for_user": organization_list_for_user_action}


@toolkit.auth_allow_anonymous_access
@toolkit.chained_auth_function
def organization_list_for_user(next_auth, context, data_dict):
    """CKAN core answers anyone, for any account: its offices and its role in each, and a
    sysadmin shows as admin of every office (eighth attack review, F2), which user_list and the
    member lists keep from visitors since the fifth review. Each account may ask for its own
    (sysadmins, whom CKAN lets past auth functions, for any)."""
    asked = (data_dict or {}).get("id")
    if asked not in (None, ""):
        from ckan import model
        me = model.User.get(context.get("user")) if context.get("user") else None
        target = model.User.get(asked) if isinstance(asked, str) else None
        if me is None or target is None or target.id != me.id:
            return {"success": False, "msg": toolkit._("You may only list your own organisations.")}
    return next_auth(context, data_dict)


@toolkit.side_effect_free
@toolkit.chained_action
def organization_list_for_user_action(original_action, context, data_dict):
    """CKAN core looks the account up before its auth check: 404 for an account that does not
    exist against 403 for one that does. Asked first, the auth function answers alike for both."""
    if not context.get("ignore_auth"):
        toolkit.check_access("organization_list_for_user", context, data_dict)
    return original_action(context, data_dict)


def auth_functions() -> dict:
    return {"organization_list_for_user": organization_list_for_user}
