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


def unsubscribe(user_id, token):
    """The link in the digest e-mail: a page with one button (a GET changes nothing, so a mail
    scanner that follows links does not unsubscribe anyone); the POST carries CKAN's CSRF token."""
    from . import digest
    if len(user_id) > 100 or len(token) > 100 or not digest.valid_token(user_id, token):
        return toolkit.abort(404, toolkit._("This unsubscribe link is not valid. Use the link from the latest e-mail."))
    done = False
    if toolkit.request.method == "POST":
        done = digest.unsubscribe(user_id)
        if not done:
            return toolkit.abort(404, toolkit._("This unsubscribe link is not valid. Use the link from the latest e-mail."))
    return toolkit.render("jena/freshness/unsubscribe.html", {"done": done})


freshness_blueprint.add_url_rule("/freshness/unsubscribe/<user_id>/<token>", view_func=unsubscribe,
                                 endpoint="unsubscribe", methods=["GET", "POST"])
