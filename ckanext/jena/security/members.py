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
    return {"member_list": member_list}
