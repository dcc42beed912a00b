"""/ckan-admin/quality: the catalog's metadata quality for sysadmins."""
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
    return toolkit.render("jena/quality/report.html", {"rows": rows, "bands": bands})


quality_blueprint.add_url_rule("/ckan-admin/quality", view_func=catalog_report)
