"""/feeds/custom.atom with the Jena facets and /feeds/handlungsfeld/<id>.atom.

CKAN's own custom feed takes one value per field and joins the filters without a space (two
facets make one broken filter); this one takes every value of the Jena facets, quotes them and
refuses what it cannot quote. The Atom document is written by CKAN's ``output_feed`` (public in
ckan.views.feed, CKAN 2.11 and 2.12), so items look like those of CKAN's other feeds."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint

from ckan.plugins import toolkit

from ckanext.jena.schema import helpers as schema_helpers
from ckanext.jena.taxonomy import store as taxonomy_store

from . import query

feeds_blueprint = Blueprint("jena_feeds", __name__)


def _bad_request():
    return toolkit.abort(400, toolkit._(
        "This feed address cannot be read: use the feed link of a search. Filter values must be "
        "at most 200 characters, without quotation marks or backslashes."))


def _filters(args) -> list[tuple[str, str]]:
    try:
        return query.filters(args.getlist)
    except ValueError:
        return _bad_request()


def _feed(q: str, filters: list, title: str, self_path: str, search_args: list):
    from ckan.views import feed as ckan_feed
    try:
        page = int(toolkit.request.args.get("page") or 1)
    except ValueError:
        return _bad_request()
    if page < 1 or page > 10000:
        return _bad_request()
    limit = toolkit.config.get("ckan.feeds.limit")
    answer = toolkit.get_action("package_search")({"user": ""}, {
        "q": q, "fq": query.fq(filters),
        "start": (page - 1) * limit, "rows": limit, "sort": "metadata_modified desc",
        "include_private": False, "include_drafts": False})
    site = toolkit.config.get("ckan.site_url").rstrip("/")
    last = max(1, -(-answer["count"] // limit))

    def page_url(number):
        return f"{site}{self_path}?" + urlencode(search_args + [("page", number)]) if number else None

    navigation = {"previous": page_url(page - 1) if page > 1 else None,
                  "next": page_url(page + 1) if page < last else None,
                  "first": page_url(1), "last": page_url(last)}
    feed_url = page_url(page)
    search_link = f"{site}/dataset/?" + urlencode(([("q", q)] if q else []) + filters)
    site_title = toolkit.config.get("ckan.site_title")
    return ckan_feed.output_feed(
        answer["results"], feed_title=f"{site_title} – {title}",
        feed_description=toolkit._("New and changed datasets: {what}").format(what=title),
        feed_link=search_link, feed_url=feed_url, navigation_urls=navigation,
        feed_guid=f"{site}{self_path}?" + urlencode(search_args) if search_args else f"{site}{self_path}")


def custom():
    args = toolkit.request.args
    q = (args.get("q") or "")[:query.MAX_QUERY]
    try:
        query.check_query(q)
    except ValueError:
        return _bad_request()
    filters = _filters(args)
    if not isinstance(filters, list):
        return filters
    title = query.title(q, filters, toolkit._("All datasets"))
    search_args = ([("q", q)] if q else []) + filters
    return _feed(q, filters, title, "/feeds/custom.atom", search_args)


def action_field(concept_id):
    concept = taxonomy_store.current().get(concept_id) if len(concept_id) <= query.MAX_LENGTH else None
    if concept is None:
        return toolkit.abort(404, toolkit._("There is no action field {id}.").format(id=concept_id[:query.MAX_LENGTH]))
    filters = [("action_fields", concept_id)]
    title = toolkit._("Action field {label}").format(label=schema_helpers.action_field_label(concept_id))
    return _feed("", filters, title, f"/feeds/handlungsfeld/{concept_id}.atom", [])


def search_feed_url() -> str:
    """The feed of the search on the current page (its words and Jena facets, not its page)."""
    args = toolkit.request.args
    pairs = [("q", args.get("q"))] if args.get("q") else []
    pairs += [(field, value) for field in query.FACETS for value in args.getlist(field) if value]
    return toolkit.url_for("jena_feeds.custom") + ("?" + urlencode(pairs) if pairs else "")


def action_field_feed_url(concept_id: str) -> str:
    return toolkit.url_for("jena_feeds.action_field", concept_id=concept_id)


# registered before CKAN's core blueprints, so this rule answers /feeds/custom.atom
feeds_blueprint.add_url_rule("/feeds/custom.atom", view_func=custom, endpoint="custom")
feeds_blueprint.add_url_rule("/feeds/handlungsfeld/<concept_id>.atom", view_func=action_field, endpoint="action_field")
