"""Real catalogs of other portals (tests/data/real, provenance in its README), each imported as a
saved answer (`ckan jena harvest import SOURCE --file PATH`) through the real harvester of its
type into a clean database: how many records arrive, that every refused record is listed with
its reason, and that an unchanged re-run changes nothing.

The expected numbers are what arrives today. Issue 14's goal is that every record arrives except
structurally unusable ones: raise a number when a change lets more records in (and say which)."""
import os
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from ckan import model

from tests.harvest.helpers import harvested, make_source, marks

REAL = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "real")


# file: (source type, the portal's address, source configuration, datasets that arrive today,
#        records refused today, is it a complete catalog?, why the whole document is refused today)
CORPUS = {
    # page 50 of 84: 100 of 8,319 datasets (hydra:next points at the live host)
    "sh-opendata-catalog-page50.rdf": (
        "jena_dcat", "https://opendata.schleswig-holstein.de/catalog.xml?page=50", {}, 100, 0, False, None),
    # 3 datasets; licences only on resources, as URIs or German prose
    "govdata-ckan-package_search-uba.json": (
        "jena_ckan", "https://www.govdata.de/ckan/", {}, 3, 0, True, None),
    # 5 ISO 19139 records; licences as JSON in gmd:otherConstraints
    "gdide-csw-getrecords-iso19139.xml": (
        "jena_csw", "https://gdk.gdi-de.org/gdi-de/srv/eng/csw", {}, 5, 0, True, None),
    # DCAT-US 1.1 data.json of an ArcGIS Hub site: its @context is Project Open Data's address, for
    # which the harvester ships the context (no fetch); licences as HTML text
    "arcgis-hub-evian-data.json": (
        "jena_dcat", "https://ville-d-evian-opendata-ville-evian.hub.arcgis.com/api/feed/dcat-us/1.1.json", {},
        8, 0, True, None),
    # DCAT-AP 3.0.0 JSON-LD feed of a German city's ArcGIS Hub, cut to 3 datasets by the saving project;
    # the licence only as prose in dct:rights
    "arcgis-hub-dessau-rosslau-dcat-ap-3.0.0.json": (
        "jena_dcat", "https://open-data.stadtatlas.dessau-rosslau.de/api/feed/dcat-ap/3.0.0.json", {},
        3, 0, True, None),
    # 1 GeoDCAT-AP dataset as GeoNetwork's DCAT formatter writes it
    "geonetwork-datara-dcat.rdf": (
        "jena_dcat", "https://catalogue.open-datara.fr/geonetwork/srv/api/records/f40c3860-7236-4b30-a141-23b8ae33f7b2"
        "/formatters/dcat", {}, 1, 0, True, None),
    # page 1 of 3 (2 of 6 records) of a GeoNetwork CSW
    "geonetwork-csw-getrecords-iso19139-page1.xml": (
        "jena_csw", "https://geonetwork.geo-ide.invalid/geonetwork/srv/fre/csw", {}, 2, 0,
        False, None),
    # DKAN's package_show: "result" is a list
    "dkan-hautsdefrance-package_show.json": (
        "jena_ckan", "https://opendata.hautsdefrance.fr/", {}, 1, 0, True, None),
    # 2 datasets of an organisation's catalog on data.gouv.fr (udata), harvested there from Opendatasoft
    "datagouvfr-udata-organization-catalog.rdf": (
        "jena_dcat", "https://www.data.gouv.fr/api/1/organizations/54884a24c751df7226a3fc16/catalog.rdf", {},
        2, 0, True, None),
    # pycsw's GetRecords answer (outputSchema gmd) holding 1 ISO 19115-2 record (gmi:MI_Metadata, PacIOOS,
    # written by THREDDS ncISO); complete (1 of 1). It arrives with a gap: its terms of use are a
    # gmd:useLimitation inside gmd:MD_LegalConstraints, which ckanext-spatial's ISODocument reads only inside
    # gmd:MD_Constraints, so the report says "licence: missing" (the text names no licence either)
    "pycsw-getrecords-gmi-pacioos.xml": (
        "jena_csw", "https://pycsw.apiso-suite.invalid/csw", {}, 1, 0, True, None),
    # 1 dataset (7 distributions) of Rostock's CKAN portal as GovData harvested it; its DCAT-AP.de
    # properties sit under https://www.dcat-ap.de/def/dcatde/1.1/ (the schema takes no dcatde property, in
    # any namespace, today); licences as dcat-ap.de licence URIs; arrives without gaps
    "govdata-rostock-dcatde-dataset.rdf": (
        "jena_dcat", "https://www.opendata-hro.de/catalog.rdf", {}, 1, 0, True, None),
    # 1 Potsdam (Opendatasoft) dataset of Brandenburg's DatenAdler catalog as GovData harvested it, next to the
    # class descriptions of the DCAT and RDFS vocabularies the catalog carried (not taken for datasets); language
    # as an id.loc.gov ISO 639-1 URI, publisher a bare literal, licence only as prose ("Nutzungsbedingungen der
    # LHP"), no keywords, no contact: arrives with those gaps reported
    "govdata-brandenburg-potsdam-dcatde-dataset.rdf": (
        "jena_dcat", "https://backend.datenadler.de/internes/kollektionen-startseite/dcat_collection_catalog", {},
        1, 0, True, None),
}

# the portals' host names are allowed without a DNS look-up (tests run offline; a saved document
# is never fetched from them)
PORTALS = " ".join(sorted({urlsplit(url).hostname for _, url, *_ in CORPUS.values()}))
pytestmark = [m for m in marks() if m.args[:1] != ("ckanext.jena.harvest.allowed_hosts",)] + [
    pytest.mark.ckan_config("ckanext.jena.harvest.allowed_hosts", "127.0.0.1 " + PORTALS)]


def _objects(job_id: str) -> list[tuple]:
    """(guid, report status, reasons) of each record of a job."""
    rows = model.Session.execute(sa.text(
        "SELECT o.guid, coalesce(o.report_status, o.state), "
        "       array_remove(array_agg(e.message), NULL) "
        "FROM harvest_object o LEFT JOIN harvest_object_error e ON e.harvest_object_id = o.id "
        "WHERE o.harvest_job_id = :j GROUP BY o.id, o.guid, o.report_status, o.state"), {"j": job_id})
    return [(r[0], r[1], list(r[2] or [])) for r in rows]


def _import(source: dict, name: str) -> dict:
    from ckanext.jena.harvest.runner import run_source
    return run_source(source["id"], document=os.path.join(REAL, name))


def _snapshot() -> dict:
    return {d["id"]: (d["metadata_modified"], d["state"]) for d in harvested()}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_real_catalog_arrives_and_an_unchanged_rerun_changes_nothing(name):
    source_type, url, config, arrive, refused, complete, refused_whole = CORPUS[name]
    source = make_source(url, source_type, config)
    summary = _import(source, name)
    objects = _objects(summary["job_id"])
    assert (summary["created"], summary["errors"]) == (arrive, refused), summary["messages"]
    assert len(harvested()) == arrive
    # every refused record is listed with its reason
    for guid, status, reasons in objects:
        if status in ("errored", "ERROR"):
            assert reasons and all(r.strip() for r in reasons), guid
    # a page of a paged catalog (or one announcing more than it holds) is incomplete
    assert bool(summary["incomplete"]) is (not complete), summary["messages"]
    if refused_whole:
        assert any(refused_whole in m and "no dataset was changed" in m for m in summary["messages"])
    assert summary["withdrawn"] == 0

    before = _snapshot()
    again = _import(source, name)
    assert (again["created"], again["updated"], again["withdrawn"]) == (0, 0, 0), again["messages"]
    assert again["unchanged"] == arrive
    assert _snapshot() == before
