"""/folgen: what one follows; POST /folgen (follow), /folgen/entfernen (stop);
/folgen/abbestellen/<user>/<token> (the e-mail's unsubscribe link)."""
from __future__ import annotations

from flask import Blueprint
from markupsafe import Markup

from ckan.plugins import toolkit

from ckanext.jena.feeds import query

follow_blueprint = Blueprint("jena_follow", __name__)


def _context():
    return {"user": toolkit.g.user, "auth_user_obj": toolkit.g.userobj}


def _back(default: str):
    target = toolkit.request.form.get("came_from") or ""
    # only a path of this portal (never another site); no line breaks, tabs or other characters
    # a header cannot carry or a browser may drop (Werkzeug refused them with a 500)
    if (not target.startswith("/") or target.startswith("//") or "\\" in target or len(target) > 2000
            or not target.isprintable()):
        target = default
    return toolkit.redirect_to(target)


def change(remove: bool = False):
    data = {"kind": toolkit.request.form.get("kind"), "target": toolkit.request.form.get("target")}
    try:
        toolkit.get_action("jena_follow_delete" if remove else "jena_follow_create")(_context(), data)
    except toolkit.NotAuthorized:
        return toolkit.abort(403, toolkit._("Sign in to follow an action field or a search."))
    except toolkit.ValidationError as exc:
        return toolkit.abort(400, " ".join(" ".join(m) for m in exc.error_dict.values()))
    toolkit.h.flash_success(toolkit._("You no longer follow it.") if remove else
                            toolkit._("You follow it now: an e-mail tells you of new datasets."))
    return _back(toolkit.url_for("jena_follow.index"))


def index():
    try:
        follows = toolkit.get_action("jena_follow_list")(_context(), {})
    except toolkit.NotAuthorized:
        return toolkit.abort(403, toolkit._("Sign in to follow an action field or a search."))
    from ckanext.jena.freshness import digest as mail_prefs
    followees = toolkit.get_action("followee_list")(_context(), {"id": toolkit.g.userobj.id})
    return toolkit.render("jena/follow/index.html", {"follows": follows, "followees": followees,
                                                     "language": mail_prefs.language_of(toolkit.g.userobj)})


def language():
    """The language of the e-mails a user gets (notifications and the freshness digest)."""
    from ckanext.jena.freshness import digest as mail_prefs
    if not toolkit.g.userobj:
        return toolkit.abort(403, toolkit._("Sign in to follow an action field or a search."))
    chosen = toolkit.request.form.get("language")
    if chosen not in ("de", "en"):
        return toolkit.abort(400, toolkit._("Choose German or English."))
    mail_prefs.set_extras(toolkit.g.userobj, jena_language=chosen)
    toolkit.h.flash_success(toolkit._("Saved: your e-mails come in the language you chose."))
    return toolkit.redirect_to(toolkit.url_for("jena_follow.index"))


def unsubscribe(user_id, token):
    from . import notify
    from ckanext.jena.freshness import digest as mail_prefs
    from ckan import model
    if len(user_id) > 100 or len(token) > 100 or not notify.valid_token(user_id, token):
        return toolkit.abort(404, toolkit._("This unsubscribe link is not valid. Use the link from the latest e-mail."))
    done = False
    if toolkit.request.method == "POST":
        user = model.User.get(user_id)
        if user is None:
            return toolkit.abort(404, toolkit._("This unsubscribe link is not valid. Use the link from the latest e-mail."))
        mail_prefs.set_extras(user, jena_follow_notify=False)
        done = True
    return toolkit.render("jena/follow/unsubscribe.html", {"done": done})


def search_target() -> str:
    """The current search page's search as a followable target ('' when it has no words or facets)."""
    args = toolkit.request.args
    try:
        pairs = query.filters(args.getlist)
    except ValueError:
        return ""
    q = (args.get("q") or "")[:query.MAX_QUERY]
    return query.canonical(q, pairs) if (q.strip() or pairs) else ""


def follow_button(kind: str, target: str):
    """The follow / stop following button (a POST form with the CSRF token), for signed-in users."""
    if not toolkit.g.user or not target:
        return Markup("")
    try:
        follows = toolkit.get_action("jena_follow_list")(_context(), {})
    except toolkit.NotAuthorized:
        return Markup("")
    following = any(f["kind"] == kind and f["target"] == target for f in follows)
    return Markup(toolkit.render_snippet("jena/follow/button.html", {
        "kind": kind, "target": target, "following": following,
        "came_from": toolkit.request.full_path.rstrip("?")}))


follow_blueprint.add_url_rule("/folgen", view_func=index, endpoint="index")
follow_blueprint.add_url_rule("/folgen", view_func=change, endpoint="create", methods=["POST"])
follow_blueprint.add_url_rule("/folgen/entfernen", view_func=lambda: change(remove=True), endpoint="delete",
                              methods=["POST"])
follow_blueprint.add_url_rule("/folgen/sprache", view_func=language, endpoint="language", methods=["POST"])
follow_blueprint.add_url_rule("/folgen/abbestellen/<user_id>/<token>", view_func=unsubscribe, endpoint="unsubscribe",
                              methods=["GET", "POST"])
