"""The catalog report: every dataset's score, worst first."""
from __future__ import annotations

import csv
from typing import IO

from ckan.plugins import toolkit

from . import score as score_module


def catalog_scores(include_private: bool = True) -> list[dict]:
    context = {"ignore_auth": True}
    out, start = [], 0
    while True:
        page = toolkit.get_action("package_search")(dict(context), {
            "q": "*:*", "fq": "+dataset_type:dataset", "rows": 200, "start": start,
            "include_private": include_private, "sort": "name asc"})
        if not page["results"]:
            break
        for dataset in page["results"]:
            result = score_module.score(dataset)
            result["organization"] = (dataset.get("organization") or {}).get("title")
            result["private"] = dataset.get("private", False)
            out.append(result)
        start += 200
    out.sort(key=lambda r: (r["points"], r["name"]))
    return out


def withheld() -> list[dict]:
    """Public datasets the DCAT catalog leaves out (see ckanext/jena/dcat/publication.py), with the
    reason: a partner portal's records, and records that cannot be made conformant."""
    from ckanext.jena.dcat import publication
    out, start = [], 0
    while True:
        page = toolkit.get_action("package_search")({"ignore_auth": True}, {
            "q": "*:*", "fq": f"+dataset_type:dataset +{publication.INDEX_FIELD}:true", "rows": 200,
            "start": start, "include_private": False, "sort": "name asc"})
        if not page["results"]:
            break
        for dataset in page["results"]:
            out.append({"name": dataset["name"], "title": dataset.get("title") or dataset["name"],
                        "reason": publication.withheld_reason(dataset) or ""})
        start += 200
    return out


def write_csv(rows: list[dict], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(["name", "title", "organization", "points", "band", "findability", "accessibility",
                     "interoperability", "reusability", "contextuality", "govdata_failed", "fixes",
                     "checked_at"])
    for row in rows:
        dims = row["dimensions"]
        writer.writerow([row["name"], row["title"], row.get("organization") or "", row["points"], row["band"],
                         *(dims[d]["points"] for d in ("findability", "accessibility", "interoperability",
                                                       "reusability", "contextuality")),
                         " ".join(c["check"] for c in row["govdata"] if not c["ok"]),
                         " | ".join(row["fixes"]), row["checked_at"] or ""])


def harvest_gaps(context: dict, source_id=None) -> list[dict]:
    """Harvested datasets with open gaps, by harvest source (see logic.jena_harvest_gaps_list).
    Read from CKAN's own extras: the schema stores a dataset's origin and gaps there."""
    from ckan import model

    from ckanext.jena import extras
    from ckanext.jena.lang import current as current_language
    from ckanext.jena.schema import inbound
    from ckanext.jena.schema.validators import ORIGIN_FIELD

    source = None
    if source_id:
        source = model.Package.get(source_id)
        if source is None or source.type != "harvest":
            raise toolkit.ObjectNotFound(toolkit._("There is no harvest source {source!r}.").format(source=source_id))
    origin, gaps = extras.rows(), extras.rows()
    query = (model.Session.query(model.Package, origin.c.value, gaps.c.value)
             .join(origin, (origin.c.package_id == model.Package.id) & (origin.c.key == ORIGIN_FIELD))
             .join(gaps, (gaps.c.package_id == model.Package.id) & (gaps.c.key == inbound.GAPS_FIELD))
             .filter(model.Package.state == "active", gaps.c.value != "[]")
             .order_by(model.Package.title))
    if source is not None:
        query = query.filter(origin.c.value == source.id)
    lang = current_language()
    by_source: dict = {}
    for package, origin_id, stored in query:
        try:
            toolkit.check_access("package_update", dict(context), {"id": package.id})
        except toolkit.NotAuthorized:
            continue
        entries = inbound.gaps_of({inbound.GAPS_FIELD: stored})
        if not entries:
            continue
        group = by_source.get(origin_id)
        if group is None:
            harvest_source = model.Package.get(origin_id)
            group = by_source[origin_id] = {
                "source": {"id": origin_id, "name": harvest_source.name if harvest_source else origin_id,
                           "title": (harvest_source.title or harvest_source.name) if harvest_source else origin_id},
                "datasets": []}
        group["datasets"].append({
            "id": package.id, "name": package.name, "title": package.title, "private": package.private,
            "gaps": [dict(g, text=inbound.describe(g, lang)) for g in entries]})
    return sorted(by_source.values(), key=lambda g: g["source"]["title"].casefold())
