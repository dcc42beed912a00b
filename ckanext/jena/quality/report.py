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
