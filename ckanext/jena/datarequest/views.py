"""Pages of data requests: /datenwuensche (list), /datenwuensche/neu (form),
/datenwuensche/<id> (one request; support; the officers' answer), /datenwuensche/gesucht
(searched, not found; officers). Thin: every change goes through the actions."""
from __future__ import annotations

from flask import Blueprint

from ckan.plugins import toolkit

from ckanext.jena import net, settings
from ckanext.jena.schema import places
from ckanext.jena.taxonomy import store as taxonomy_store

from . import logic, store

datarequest_blueprint = Blueprint("jena_datarequest", __name__)
# the hidden field bots fill in (people never see it)
HONEYPOT = "website"


def _context():
    return {"user": toolkit.g.user, "auth_user_obj": toolkit.g.userobj}


def _choices() -> dict:
    lang = toolkit.h.lang() if toolkit.h.lang() in ("de", "en") else "de"
    taxonomy = taxonomy_store.current()
    fields = [{"value": c.notation, "label": c.label(lang)} for c in taxonomy.fields()]
    return {"action_fields": fields, "districts": places.choices(lang)}


def index():
    state = toolkit.request.args.get("state") or None
    try:
        page = max(1, min(1000, int(toolkit.request.args.get("page") or 1)))
    except ValueError:
        page = 1
    try:
        listing = toolkit.get_action("jena_datarequest_list")(_context(), {
            "state": state, "limit": 20, "offset": (page - 1) * 20})
    except toolkit.ValidationError:
        return toolkit.abort(400, toolkit._("This list cannot be shown: choose a state from the list."))
    officer = logic.is_officer(_context())
    pending = toolkit.get_action("jena_datarequest_list")(_context(), {"state": "pending"})["count"] if officer else 0
    misses = toolkit.get_action("jena_search_miss_list")(_context(), {"limit": 10}) if officer else []
    return toolkit.render("jena/datarequest/index.html", {
        "listing": listing, "state": state, "page": page, "officer": officer, "pending": pending,
        "misses": misses, "states": logic.PUBLIC_STATES + (logic.HIDDEN_STATES if officer else ())})


def new():
    data, errors, done = {}, {}, None
    if toolkit.request.method == "POST":
        form = toolkit.request.form
        data = {key: form.get(key, "") for key in ("title", "description", "action_field", "district")}
        if form.get(HONEYPOT):
            # a bot: it is told what a person is told, and nothing is kept
            return toolkit.render("jena/datarequest/thanks.html", {"request": None, "pending": True})
        context = _context()
        if not toolkit.g.user:
            limit = toolkit.asint(settings.get("ckanext.jena.datarequest.anonymous_per_hour"))
            if store.count_anonymous(net.client(toolkit.request.remote_addr)) > limit:
                return toolkit.abort(429, toolkit._(
                    "Too many data requests from your address in the last hour. Please try again later, "
                    "or sign in."))
            context[logic.FORM_CONTEXT] = True
        try:
            done = toolkit.get_action("jena_datarequest_create")(context, dict(data))
        except toolkit.NotAuthorized:
            return toolkit.abort(403, toolkit._("Sign in to file a data request."))
        except toolkit.ValidationError as exc:
            errors = exc.error_dict
        else:
            return toolkit.render("jena/datarequest/thanks.html", {"request": done, "pending": done["state"] == "pending"})
    try:
        toolkit.check_access("jena_datarequest_create", {**_context(), logic.FORM_CONTEXT: True}, {})
    except toolkit.NotAuthorized:
        return toolkit.abort(403, toolkit._("Sign in to file a data request."))
    return toolkit.render("jena/datarequest/new.html", {"data": data, "errors": errors, "honeypot": HONEYPOT,
                                                        "moderated": logic.waits_for_approval(_context()),
                                                        **_choices()})


def read(id):
    try:
        request = toolkit.get_action("jena_datarequest_show")(_context(), {"id": id})
    except (toolkit.ObjectNotFound, toolkit.ValidationError):
        return toolkit.abort(404, toolkit._("There is no such data request."))
    errors = {}
    if toolkit.request.method == "POST":
        form = toolkit.request.form
        try:
            if form.get("action") == "support":
                request = toolkit.get_action("jena_datarequest_support")(_context(), {"id": request["id"]})
            else:
                update = {key: form.get(key) for key in ("state", "answer", "dataset", "organization") if form.get(key)}
                if "answer" in form:
                    update["answer"] = form.get("answer") or ""
                request = toolkit.get_action("jena_datarequest_update")(_context(), {"id": request["id"], **update})
        except toolkit.NotAuthorized as exc:
            return toolkit.abort(403, str(exc) or toolkit._("You may not change this data request."))
        except toolkit.ValidationError as exc:
            errors = exc.error_dict
    may_answer = True
    try:
        toolkit.check_access("jena_datarequest_update", _context(), {"id": request["id"]})
    except toolkit.NotAuthorized:
        may_answer = False
    organizations = toolkit.get_action("organization_list_for_user")(
        _context(), {"permission": "update_dataset"}) if may_answer and toolkit.g.user else []
    return toolkit.render("jena/datarequest/read.html", {
        "request": request, "errors": errors, "may_answer": may_answer, "organizations": organizations,
        "states": logic.OFFICER_STATES, **_choices()})


def misses():
    try:
        rows = toolkit.get_action("jena_search_miss_list")(_context(), {"limit": 200})
    except toolkit.NotAuthorized:
        return toolkit.abort(403, toolkit._("Only officers see what was searched and not found."))
    return toolkit.render("jena/datarequest/misses.html", {"rows": rows})


datarequest_blueprint.add_url_rule("/datenwuensche", view_func=index, endpoint="index")
datarequest_blueprint.add_url_rule("/datenwuensche/neu", view_func=new, endpoint="new", methods=["GET", "POST"])
datarequest_blueprint.add_url_rule("/datenwuensche/gesucht", view_func=misses, endpoint="misses")
datarequest_blueprint.add_url_rule("/datenwuensche/<id>", view_func=read, endpoint="read", methods=["GET", "POST"])
