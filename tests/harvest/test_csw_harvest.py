"""jena_csw: the city's geodata catalogue (CSW 2.0.2, ISO 19139)."""
import json

from ckan.tests import helpers

from tests.harvest import fixtures
from tests.harvest.helpers import harvested, make_source, marks, run

pytestmark = marks()
CONFIG = {"page_size": 3, "license_id": "dl-by-de/2.0"}


def test_a_paged_csw_catalogue_becomes_jena_datasets(source_server):
    fixtures.serve(source_server, "csw")
    summary = run(make_source(source_server.url("/csw"), "jena_csw", CONFIG))
    assert (summary["created"], summary["errors"], summary["gather_errors"]) == (7, 0, 0), summary["messages"]
    by_title = {d["title"]: d for d in harvested()}
    # licences as German catalogues write them, onto the dcat-ap.de list
    assert by_title["Ortsteilgrenzen Jena"]["license_id"] == "dl-by-de/2.0"               # GDI-DE JSON
    assert by_title["Bebauungspläne der Stadt Jena (WMS)"]["license_id"] == "dl-by-de/2.0"  # free text
    assert by_title["Digitale Orthophotos 2023"]["license_id"] == "dl-zero-de/2.0"
    assert by_title["Baumkataster Jena (WFS)"]["license_id"] == "cc-by/4.0"
    assert by_title["Denkmalliste Jena"]["license_id"] == "dl-by-de/2.0"                  # source default
    lobeda = by_title["Smartes Quartier Jena-Lobeda – Gebäude und Freiflächen"]
    assert lobeda["license_id"] == "cc-by/4.0"
    assert "neulobeda" in lobeda["districts"]                                            # from the bbox
    assert json.loads(lobeda["spatial"])["type"] in ("Polygon", "MultiPolygon")
    parking = by_title["Parkraumbewirtschaftung Innenstadt Jena"]
    assert "jena-zentrum" in parking["districts"]
    ortho = by_title["Digitale Orthophotos 2023"]
    assert ortho["temporal_coverage"][0]["start"].startswith("2023-04-12")
    wms = by_title["Bebauungspläne der Stadt Jena (WMS)"]
    assert "WMS" in [r["format"] for r in wms["resources"]]
    assert all(d["tags"] for d in by_title.values())


def test_a_changed_record_is_updated_and_the_rest_cost_nothing(source_server):
    fixtures.serve(source_server, "csw")
    source = make_source(source_server.url("/csw"), "jena_csw", CONFIG)
    run(source)
    fixtures.serve(source_server, "csw", replace={"page-2.xml": "page-2-changed.xml"})
    summary = run(source)
    assert (summary["updated"], summary["unchanged"], summary["created"]) == (1, 6, 0)


def test_a_record_without_a_licence_arrives_with_the_gap_when_the_source_sets_no_default(source_server):
    fixtures.serve(source_server, "csw")
    summary = run(make_source(source_server.url("/csw"), "jena_csw", {"page_size": 3}))
    assert (summary["created"], summary["errors"]) == (7, 0)
    assert any("7b4e1f08" in m and "Lizenz: fehlt" in m and "licence: missing" in m
               for m in summary["messages"]), summary["messages"]


def test_an_exception_report_on_a_later_page_keeps_the_first_page_with_its_text(source_server):
    fixtures.serve(source_server, "csw", replace={"page-2.xml": "exception.xml"})
    summary = run(make_source(source_server.url("/csw"), "jena_csw", CONFIG))
    assert (summary["created"], summary["withdrawn"], summary["gather_errors"]) == (3, 0, 1), summary["messages"]
    assert any("catalogue reported an error" in m and "NoApplicableCode" in m and m.startswith("Unvollständig")
               for m in summary["messages"])
    assert len(harvested()) == 3


def test_an_exception_report_on_the_first_page_ends_the_run_with_its_text(source_server):
    fixtures.serve(source_server, "csw", replace={"page-1.xml": "exception.xml"})
    summary = run(make_source(source_server.url("/csw"), "jena_csw", CONFIG))
    assert summary["created"] == 0 and summary["gather_errors"] == 1
    assert any("catalogue reported an error" in m and "NoApplicableCode" in m for m in summary["messages"])
    assert harvested() == []
