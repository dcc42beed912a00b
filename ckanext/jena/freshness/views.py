"""/organization/<id>/freshness: the organisation's datasets by freshness, overdue first, for
its editors."""
from __future__ import annotations

from flask import Blueprint

from ckan.plugins import toolkit

freshness_blueprint = Blueprint("jena_freshness", __name__)


def organization_freshness(id):
    context = {"user": toolkit.g.user, "auth_user_obj": toolkit.g.userobj}
    try:
        group_dict = toolkit.get_action("organization_show")(dict(context), {"id": id, "include_datasets": False})
        listing = toolkit.get_action("jena_freshness_list")(dict(context), {"organization": group_dict["id"]})
    except toolkit.ObjectNotFound:
        return toolkit.abort(404, toolkit._("Organization not found"))
    except toolkit.NotAuthorized:
        return toolkit.abort(403, toolkit._("Only the organisation's editors can see how up to date its datasets are."))
    counts = {state: 0 for state in ("overdue", "due", "current", "unknown")}
    for row in listing["datasets"]:
        counts[row["state"]] += 1
    return toolkit.render("jena/freshness/organization.html", {
        "group_dict": group_dict, "group_type": "organization", "listing": listing, "counts": counts})


freshness_blueprint.add_url_rule("/organization/<id>/freshness", view_func=organization_freshness,
                                 endpoint="organization")
