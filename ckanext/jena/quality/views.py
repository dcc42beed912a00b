"""/ckan-admin/quality: the catalog's metadata quality for sysadmins; /ckan-admin/quality/gaps and
/harvest/<source>/gaps: harvested datasets that need attention, for data officers."""
from __future__ import annotations

import io

from flask import Blueprint, Response

from ckan.plugins import toolkit

from . import report

quality_blueprint = Blueprint("jena_quality", __name__)


def catalog_report():
    try:
        toolkit.check_access("jena_quality_report", {"user": toolkit.g.user}, {})
    except toolkit.NotAuthorized:
        return toolkit.abort(403, toolkit._("Only sysadmins can see the quality report."))
    rows = report.catalog_scores()
    if toolkit.request.args.get("format") == "csv":
        buffer = io.StringIO()
        report.write_csv(rows, buffer)
        return Response(buffer.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=quality.csv"})
    bands = {}
    for row in rows:
        bands[row["band"]] = bands.get(row["band"], 0) + 1
    return toolkit.render("jena/quality/report.html", {"rows": rows, "bands": bands,
                                                       "withheld": report.withheld()})


def harvest_gaps(source=None):
    """Harvested, needs attention: the gaps harvested datasets arrived with, per source."""
    try:
        groups = toolkit.get_action("jena_harvest_gaps_list")({"user": toolkit.g.user}, {"source_id": source})
    except toolkit.NotAuthorized:
        return toolkit.abort(403, toolkit._("Sign in to see the harvested datasets that need attention."))
    except toolkit.ObjectNotFound as exc:
        return toolkit.abort(404, str(exc))
    return toolkit.render("jena/quality/gaps.html", {"groups": groups, "source": source})


quality_blueprint.add_url_rule("/ckan-admin/quality", view_func=catalog_report)
quality_blueprint.add_url_rule("/ckan-admin/quality/gaps", view_func=harvest_gaps, endpoint="harvest_gaps")
quality_blueprint.add_url_rule("/harvest/<source>/gaps", view_func=harvest_gaps, endpoint="source_gaps")
