"""/handlungsfelder pages and the taxonomy as Turtle and JSON-LD."""
from __future__ import annotations

from flask import Blueprint, Response

from ckan.plugins import toolkit

from . import store

_ = toolkit._
taxonomy_blueprint = Blueprint("jena_taxonomy", __name__)
NEWEST = 3


def _search(fq: str, rows: int, facet: bool = False) -> dict:
    return toolkit.get_action("package_search")({}, {
        "fq": fq, "rows": rows, "sort": "metadata_created desc",
        "facet.field": ["action_fields"] if facet else [], "facet.limit": -1,
        "include_private": True})


def _counts() -> dict:
    result = toolkit.get_action("package_search")({}, {
        "rows": 0, "facet.field": ["action_fields"], "facet.limit": -1, "include_private": True})
    items = result.get("search_facets", {}).get("action_fields", {}).get("items", [])
    return {item["name"]: item["count"] for item in items}


def _entry(taxonomy, concept, lang, counts, newest: int) -> dict:
    datasets = []
    if newest and counts.get(concept.notation):
        datasets = _search(f'action_fields:"{concept.notation}"', newest)["results"]
    return {"id": concept.notation, "label": concept.label(lang), "definition": concept.definition(lang),
            "uri": concept.uri, "count": counts.get(concept.notation, 0), "datasets": datasets,
            "is_field": concept.is_field}


def index():
    taxonomy = store.current()
    lang = toolkit.h.lang()
    counts = _counts()
    fields = []
    for field in taxonomy.fields():
        entry = _entry(taxonomy, field, lang, counts, NEWEST)
        entry["measures"] = [_entry(taxonomy, m, lang, counts, 0) for m in taxonomy.measures(field.notation)]
        fields.append(entry)
    return toolkit.render("jena/handlungsfelder/index.html", {
        "fields": fields, "scheme": taxonomy.current, "lang": lang, "version": taxonomy.version})


def read(concept_id: str):
    taxonomy = store.current()
    concept = taxonomy.get(concept_id)
    if concept is None or not taxonomy.in_current(concept_id):
        if concept is not None:
            targets, _how = taxonomy.replacement(concept_id)
            if targets:
                return toolkit.redirect_to("jena_taxonomy.read", concept_id=targets[0])
        return toolkit.abort(404, _("There is no action field or measure '{id}'.").format(id=concept_id))
    if concept.deprecated:
        targets, _how = taxonomy.replacement(concept_id)
        if targets:
            return toolkit.redirect_to("jena_taxonomy.read", concept_id=targets[0])
    lang = toolkit.h.lang()
    counts = _counts()
    entry = _entry(taxonomy, concept, lang, counts, 10)
    field = taxonomy.get(taxonomy.field_of(concept_id))
    entry["measures"] = [_entry(taxonomy, m, lang, counts, 3) for m in taxonomy.measures(concept_id)]
    return toolkit.render("jena/handlungsfelder/read.html", {
        "concept": entry, "field": _entry(taxonomy, field, lang, counts, 0) if field is not concept else None,
        "lang": lang})


def _serialized(fmt: str, mimetype: str) -> Response:
    taxonomy = store.current()
    response = Response(taxonomy.serialize(fmt), mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["ETag"] = f'"{taxonomy.checksum[:32]}"'
    return response


def turtle():
    return _serialized("turtle", "text/turtle")


def jsonld():
    return _serialized("json-ld", "application/ld+json")


def concept_uri(concept_id: str):
    """Concept URIs dereference: people get the Handlungsfeld page."""
    taxonomy = store.current()
    if concept_id in taxonomy.schemes:
        return toolkit.redirect_to("jena_taxonomy.index")
    if taxonomy.get(concept_id) is None:
        return toolkit.abort(404, _("There is no action field or measure '{id}'.").format(id=concept_id))
    return toolkit.redirect_to("jena_taxonomy.read", concept_id=concept_id)


taxonomy_blueprint.add_url_rule("/handlungsfelder", view_func=index)
taxonomy_blueprint.add_url_rule("/handlungsfelder/<concept_id>", view_func=read)
taxonomy_blueprint.add_url_rule("/taxonomy.ttl", view_func=turtle)
taxonomy_blueprint.add_url_rule("/taxonomy.jsonld", view_func=jsonld)
taxonomy_blueprint.add_url_rule("/taxonomy/<concept_id>", view_func=concept_uri)
