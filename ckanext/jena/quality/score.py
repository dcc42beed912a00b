"""The metadata quality score of a dataset, computed from its DCAT-AP.de form.

Dimensions and points follow data.europa.eu's Metadata Quality Assessment (405 points;
bands: excellent 351-405, good 221-350, sufficient 121-220, bad up to 120). Per-distribution
criteria count the share of distributions that meet them. Link reachability and DCAT-AP
conformance come from the last background check (checks.py); without one they score nothing
and the fix list says so. GovData's dashboard checks are listed beside the score.
"""
from __future__ import annotations

import functools
import os

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS as DCT

from ckan.plugins import toolkit

from ckanext.dcat.processors import RDFSerializer
from ckanext.jena.dcat import mapping
from ckanext.jena.lang import current as current_language
from ckanext.jena.schema import inbound

from . import checks

_ = toolkit._
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
GOVDATA = Namespace("http://govdata.de/mqa/#")
BANDS = ((351, "excellent"), (221, "good"), (121, "sufficient"), (0, "bad"))
# with jena_freshness loaded, a sixth dimension (the project's, like data.gouv.fr's "update
# frequency respected"): full points when up to date or when no regular update is promised
FRESHNESS_MAX = 20
FRESHNESS_POINTS = {"current": 20, "due": 10, "overdue": 0, "unknown": 20}
MAXIMA = {"findability": 100, "accessibility": 100, "interoperability": 110, "reusability": 75,
          "contextuality": 20}


def dataset_graph(dataset: dict):
    """The dataset as the portal publishes it: the profiles configured in
    ckanext.dcat.rdf.profiles (dcat_ap_de, and jena_explainer's page where it is chained)."""
    serializer = RDFSerializer()
    ref = serializer.graph_from_dataset(dataset)
    return serializer.g, ref


@functools.lru_cache(maxsize=1)
def _lists() -> tuple:
    graph = Graph()
    for name in ("dashboard-live_shapes_dcat-ap-de-licenses-open.rdf",
                 "dashboard-live_shapes_dcat-ap-de-contributors.rdf"):
        graph.parse(os.path.join(checks.DATA_DIR, name), format="xml")
    open_licenses = {str(s) for s, o in graph.subject_objects(GOVDATA.isOpenLicense) if str(o).lower() == "true"}
    contributors = {str(s) for s in graph.subjects() if str(s).startswith(mapping.CONTRIBUTORS)}
    return open_licenses, contributors


def band(points: int) -> str:
    return next(name for threshold, name in BANDS if points >= threshold)


def _reachable(link: dict) -> bool:
    return bool(link) and link.get("status") is not None and 200 <= int(link["status"]) < 400


def score(dataset: dict) -> dict:
    graph, ref = dataset_graph(dataset)
    check = checks.stored(dataset["id"])
    links = (check or {}).get("links") or {}
    distributions = list(graph.objects(ref, DCAT.distribution))
    items: list[dict] = []

    def add(dimension: str, key: str, points: float, maximum: int, fix=None) -> None:
        points = round(points)
        items.append({"dimension": dimension, "criterion": key, "points": points, "max": maximum,
                      "fix": fix if points < maximum else None})

    def has(prop, subject=ref) -> bool:
        return any(graph.objects(subject, prop))

    def share(test) -> float:
        return sum(1 for d in distributions if test(d)) / len(distributions) if distributions else 0.0

    # Findability
    add("findability", "keywords", 30 * has(DCAT.keyword), 30, _("Add keywords that citizens would search for."))
    add("findability", "themes", 30 * has(DCAT.theme), 30, _("Choose at least one EU theme."))
    add("findability", "spatial", 20 * has(DCT.spatial), 20, _("Say which area the data covers (districts or the whole city)."))
    add("findability", "temporal", 20 * has(DCT.temporal), 20, _("Say which period of time the data covers."))

    # Accessibility
    broken = []
    for d in distributions:
        for prop in (DCAT.accessURL, DCAT.downloadURL):
            for url in graph.objects(d, prop):
                link = links.get(str(url))
                if link and not _reachable(link):
                    what = f"HTTP {link['status']}" if link.get("status") else link.get("error")
                    broken.append(_("The link {url} did not work on {date} ({what}).").format(
                        url=url, date=str(link.get("checked", ""))[:10], what=what))
    unchecked = _("The links have not been checked yet; the check runs in the background after each change.")
    access_fix = " ".join(dict.fromkeys(broken)) or (unchecked if check is None else _("Make the access links work."))
    add("accessibility", "access_url_reachable",
        50 * share(lambda d: any(graph.objects(d, DCAT.accessURL)) and all(
            _reachable(links.get(str(u))) for u in graph.objects(d, DCAT.accessURL))),
        50, access_fix)
    add("accessibility", "download_url", 20 * share(lambda d: has(DCAT.downloadURL, d)), 20,
        _("Give every file a direct download link."))
    add("accessibility", "download_url_reachable",
        30 * share(lambda d: any(graph.objects(d, DCAT.downloadURL)) and all(
            _reachable(links.get(str(u))) for u in graph.objects(d, DCAT.downloadURL))),
        30, access_fix if broken or check is None else _("Make the download links work."))

    # Interoperability
    def format_row(d):
        fmt = graph.value(d, DCT.format)
        return mapping.format_info(str(fmt)) if fmt else None

    add("interoperability", "format", 20 * share(lambda d: has(DCT.format, d)), 20, _("Give every file a format (e.g. CSV)."))
    add("interoperability", "media_type", 10 * share(lambda d: has(DCAT.mediaType, d)), 10, _("Give every file a media type (e.g. text/csv)."))
    add("interoperability", "format_vocabulary",
        10 * share(lambda d: str(graph.value(d, DCT.format) or "").startswith(mapping.FILE_TYPE)), 10,
        _("Use a format from the EU list of file types."))
    add("interoperability", "non_proprietary",
        20 * share(lambda d: bool((format_row(d) or {}).get("non_proprietary"))), 20,
        _("Offer an open format (CSV, JSON, GeoJSON) besides Excel or shapefiles."))
    add("interoperability", "machine_readable",
        20 * share(lambda d: bool((format_row(d) or {}).get("machine_readable"))), 20,
        _("Offer a machine-readable format (CSV, JSON) besides PDF or HTML."))
    if check is None or check.get("dcat_ap_violations") is None:
        add("interoperability", "dcat_ap", 0, 30, unchecked)
    else:
        add("interoperability", "dcat_ap", 30 if check["dcat_ap_violations"] == 0 else 0, 30,
            _("The DCAT-AP description has {n} error(s); ask the portal team.").format(n=check["dcat_ap_violations"]))

    # Reusability
    add("reusability", "license", 20 * share(lambda d: has(DCT.license, d)), 20, _("Choose a licence."))
    add("reusability", "license_vocabulary",
        10 * share(lambda d: str(graph.value(d, DCT.license) or "").startswith(mapping.LICENSES)), 10,
        _("Choose a licence from the dcat-ap.de list."))
    add("reusability", "access_rights", 10 * has(DCT.accessRights), 10, _("Say who may access the data (access rights)."))
    add("reusability", "access_rights_vocabulary",
        5 * str(graph.value(ref, DCT.accessRights) or "").startswith(mapping.EU + "access-right/"), 5,
        _("Choose the access rights from the list."))
    add("reusability", "contact_point", 20 * has(DCAT.contactPoint), 20, _("Add a contact point with an e-mail address."))
    add("reusability", "publisher", 10 * has(DCT.publisher), 10, _("Assign the dataset to an organisation."))

    # Contextuality
    add("contextuality", "rights", 5 * share(lambda d: has(DCT.rights, d)), 5,
        _("Describe the rights of use of each file (e.g. the attribution to give)."))
    add("contextuality", "byte_size", 5 * share(lambda d: has(DCAT.byteSize, d)), 5, _("Give the size of every file."))
    add("contextuality", "issued", 5 * has(DCT.issued), 5, _("Give the release date."))
    add("contextuality", "modified", 5 * has(DCT.modified), 5, _("Give the date of the last change."))

    # Freshness (plugin jena_freshness, where loaded): is the promised update frequency kept?
    maxima = dict(MAXIMA)
    freshness = _freshness(dataset)
    if freshness is not None:
        maxima["freshness"] = FRESHNESS_MAX
        if freshness["state"] == "unknown" and not freshness.get("frequency"):
            add("freshness", "frequency", 0, FRESHNESS_MAX, _("Say how often the data is updated."))
        else:
            add("freshness", "frequency_kept", FRESHNESS_POINTS[freshness["state"]], FRESHNESS_MAX,
                _("Update the data: the update expected {days} day(s) ago is missing, or correct the update "
                  "frequency.").format(days=freshness.get("days_overdue", 0)))

    if not distributions:
        items.insert(0, {"dimension": "accessibility", "criterion": "distributions", "points": 0, "max": 0,
                         "fix": _("Add a file or a link to the data.")})

    dimensions = {name: {"points": sum(i["points"] for i in items if i["dimension"] == name), "max": maximum}
                  for name, maximum in maxima.items()}
    total = sum(d["points"] for d in dimensions.values())
    return {
        "id": dataset["id"], "name": dataset["name"], "title": dataset.get("title"),
        "points": total, "max": sum(maxima.values()), "band": band(total), "band_label": band_label(band(total)),
        "dimensions": dimensions, "criteria": items,
        # gaps a harvest brought in come first: the source's original value next to each
        "fixes": harvest_fixes(dataset) + [i["fix"] for i in items if i["fix"]],
        "gaps": inbound.gaps_of(dataset),
        "govdata": govdata_checks(graph, ref, distributions),
        "checked_at": check["checked_at"].isoformat() if check and check.get("checked_at") else None,
    }


def _freshness(dataset: dict):
    """The dataset's freshness from jena_freshness (through its action), None where the plugin
    is not loaded. The caller has already checked who may see the score."""
    from ckan import plugins
    if not plugins.plugin_loaded("jena_freshness"):
        return None
    return toolkit.get_action("jena_freshness_show")({"ignore_auth": True}, {"id": dataset["id"]})


def harvest_fixes(dataset: dict) -> list[str]:
    """The gaps of a harvested dataset (schema/inbound.py) as items of the fix list."""
    lang = current_language()
    return [_("From the harvest: {gap}.").format(gap=inbound.describe(gap, lang))
            for gap in inbound.gaps_of(dataset)]


def band_label(name: str) -> str:
    return {"excellent": _("excellent"), "good": _("good"), "sufficient": _("sufficient"), "bad": _("bad")}[name]


def govdata_checks(graph, ref, distributions) -> list[dict]:
    open_licenses, contributors = _lists()
    contributor_ids = [str(c) for c in graph.objects(ref, DCATDE.contributorID)]
    licences_ok = bool(distributions) and all(
        any(str(lic) in open_licenses for lic in graph.objects(d, DCT.license)) for d in distributions)
    return [
        {"check": "keyword", "ok": any(graph.objects(ref, DCAT.keyword)), "fix": _("Add at least one keyword.")},
        {"check": "contributor_id", "ok": len(contributor_ids) == 1 and contributor_ids[0] in contributors,
         "fix": _("The portal has no GovData contributor ID yet (setting ckanext.jena.dcat.contributor_id).")},
        {"check": "publisher", "ok": any(graph.objects(ref, DCT.publisher)), "fix": _("Assign the dataset to an organisation.")},
        {"check": "open_license", "ok": licences_ok, "fix": _("Give every file an open licence from GovData's list.")},
    ]
