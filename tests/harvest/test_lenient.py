"""Lenient in, strict out: a harvested record arrives unless it is structurally unusable (no
title, no identity); everything else it lacks or gets wrong becomes curation work (gaps) for data
officers, counted in the job report, listed on the fix list and on the "needs attention" page."""
import json

import pytest

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.schema import inbound
from tests.harvest.catalog import PREFIXES
from tests.harvest.helpers import harvested, make_source, marks, run
from tests.jena_plugins import HARVEST_PLUGINS

pytestmark = marks(HARVEST_PLUGINS + " jena_quality")

DATASETS = """
<{base}/catalog> a dcat:Catalog ; dct:title "Fremdkatalog" .
# a licence written with https and www.
<https://portal.example/dataset/zero> a dcat:Dataset ;
    dct:title "Haltestellen"@de ; dct:description "Alle Haltestellen."@de ; dcat:keyword "Verkehr" ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://portal.example/files/h.csv> ;
        dct:format "CSV" ; dct:license <https://www.dcat-ap.de/def/licenses/cc-zero> ] .
# the city's own terms of use as free text; no description, no keywords
<https://portal.example/dataset/terms> a dcat:Dataset ;
    dct:title "Parkplätze"@de ; dct:license "Nutzungsbedingungen der Stadt Musterstadt" ;
    dct:issued "gestern" ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://portal.example/files/p.json> ;
        dct:format "Tabelle" ] .
# a garbage distribution address next to a good one
<https://portal.example/dataset/garbage> a dcat:Dataset ;
    dct:title "Schulen"@de ; dct:description "Schulstandorte."@de ; dcat:keyword "Bildung" ;
    dct:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <http://%3C%21--> ] ,
        [ a dcat:Distribution ; dcat:accessURL <https://portal.example/files/s.csv> ; dct:format "CSV" ] .
# a blank node with an HTML-escaped licence name
[] a dcat:Dataset ; dct:title "Spielplätze"@de ; dct:description "Spielplätze der Stadt."@de ;
    dcat:landingPage <https://portal.example/spielplaetze> ;
    dct:publisher [ a foaf:Agent ; foaf:name "Stadt Musterstadt" ] ;
    dct:license "Datenlizenz Deutschland &#8211; Namensnennung &#8211; Version 2.0" ;
    dcat:distribution [ a dcat:Distribution ; dcat:downloadURL <https://portal.example/files/sp.csv> ] .
# a blank node with an empty licence
[] a dcat:Dataset ; dct:title "Bänke"@de ; dct:license "" ;
    dcat:landingPage <https://portal.example/baenke> .
# structurally unusable: no title in any language
<https://portal.example/dataset/untitled> a dcat:Dataset ; dct:description "Ohne Titel."@de .
"""


def serve(server, body: str = DATASETS) -> str:
    server.add("/catalog.ttl", PREFIXES + body)
    return server.url("/catalog.ttl")


def by_title() -> dict:
    return {d["title"]: d for d in harvested()}


def gaps(dataset) -> set:
    return {(g["field"], g["problem"], g.get("value")) for g in inbound.gaps_of(dataset)}


def test_every_usable_record_arrives_and_its_gaps_are_curation_work(source_server):
    summary = run(make_source(serve(source_server)))
    assert (summary["created"], summary["errors"]) == (5, 1), summary["messages"]
    assert summary["with_gaps"] == 5, summary["messages"]  # none names a contact point
    assert any("Titel" in m and "title" in m for m in summary["messages"])
    datasets = by_title()
    assert set(datasets) == {"Haltestellen", "Parkplätze", "Schulen", "Spielplätze", "Bänke"}

    assert datasets["Haltestellen"]["license_id"] == "cc-zero"
    assert gaps(datasets["Haltestellen"]) == {("contact", "missing", None)}

    parking = datasets["Parkplätze"]
    assert parking["license_id"] == "Nutzungsbedingungen der Stadt Musterstadt"  # as written
    assert {("notes", "missing", None), ("tags", "missing", None),
            ("license_id", "unknown", "Nutzungsbedingungen der Stadt Musterstadt"),
            ("issued", "invalid", "gestern"), ("resources.format", "unknown", "Tabelle")} <= gaps(parking)
    assert parking["harvested_from"]

    schools = datasets["Schulen"]
    assert [r["url"] for r in schools["resources"]] == ["https://portal.example/files/s.csv"]
    assert ("resources", "invalid", "http://%3C%21--") in gaps(schools)

    assert datasets["Spielplätze"]["license_id"] == "dl-by-de/2.0"
    assert ("license_id", "missing", None) in gaps(datasets["Bänke"])

    # the job report lists each record's gaps with the original value, in German and English
    assert any("Mit Lücken übernommen" in m and "Nutzungsbedingungen der Stadt Musterstadt" in m
               and "Arrived with gaps" in m for m in summary["messages"])
    # the fix list of the quality score starts with them
    quality = helpers.call_action("jena_quality_show", id=parking["id"])
    assert any("Nutzungsbedingungen der Stadt Musterstadt" in fix for fix in quality["fixes"][:6])


def test_an_unchanged_rerun_changes_nothing_and_a_blank_node_keeps_its_dataset_after_a_title_fix(source_server):
    url = serve(source_server)
    source = make_source(url)
    run(source)
    before = by_title()
    summary = run(source)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 5), summary["messages"]

    serve(source_server, DATASETS.replace('"Spielplätze"@de', '"Spielplätze der Stadt"@de'))
    summary = run(source)
    assert (summary["created"], summary["withdrawn"]) == (0, 0), summary["messages"]
    after = by_title()
    assert after["Spielplätze der Stadt"]["id"] == before["Spielplätze"]["id"]


def test_a_blank_node_whose_identity_changed_is_reported_as_replaced(source_server):
    source = make_source(serve(source_server), config={"max_withdrawal_share": 1})
    run(source)
    serve(source_server, DATASETS.replace('"Bänke"@de', '"Sitzbänke"@de').replace(
        "https://portal.example/baenke", "https://portal.example/sitzbaenke"))
    summary = run(source)
    assert (summary["created"], summary["withdrawn"]) == (1, 1), summary["messages"]
    assert any("Ersetzt oder entfernt" in m and "Replaced or gone" in m for m in summary["messages"])


def test_an_officer_can_save_a_harvested_dataset_with_gaps_and_filling_one_closes_it(source_server):
    org = factories.Organization(org_type="fachdienst")
    editor = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    run(make_source(serve(source_server), org=org))
    parking = by_title()["Parkplätze"]
    context = {"user": editor["name"], "ignore_auth": False}
    # the editor changes the title only: the gaps do not stop the save
    updated = helpers.call_action("package_patch", context=dict(context), id=parking["id"], title="Parkplätze (P+R)")
    assert updated["harvested_from"] == parking["harvested_from"]
    assert ("notes", "missing", None) in gaps(updated)
    # an API user cannot make the dataset the city's own or another source's
    updated = helpers.call_action("package_patch", context=dict(context), id=parking["id"],
                                  harvested_from="", notes="Park-and-ride-Plätze am Stadtrand.")
    assert updated["harvested_from"] == parking["harvested_from"]
    assert ("notes", "missing", None) not in gaps(updated)
    assert ("license_id", "unknown", "Nutzungsbedingungen der Stadt Musterstadt") in gaps(updated)

    # the page for data officers lists the dataset under its source, with the original value
    groups = helpers.call_action("jena_harvest_gaps_list", context=dict(context))
    assert [g["source"]["title"] for g in groups] == ["Quelle quelle"]
    listed = {d["title"]: d for d in groups[0]["datasets"]}
    assert "Parkplätze (P+R)" in listed
    assert any("Nutzungsbedingungen der Stadt Musterstadt" in g["text"] for g in listed["Parkplätze (P+R)"]["gaps"])


def test_the_city_s_own_datasets_keep_today_s_rules():
    org = factories.Organization(org_type="fachdienst")
    with pytest.raises(toolkit.ValidationError) as error:
        helpers.call_action("package_create", name="eigen", title="Eigener Datensatz", owner_org=org["id"],
                            license_id="Nutzungsbedingungen der Stadt Musterstadt",
                            resources=[{"url": "https://example.org/a.csv"}])
    assert {"notes", "license_id", "tag_string"} <= set(error.value.error_dict)
    # nor can the API make a dataset harvested to slip past them without the harvester
    created = helpers.call_action("package_create", context={"user": factories.Sysadmin()["name"], "ignore_auth": False},
                                  name="eigen2", title="Eigener Datensatz", owner_org=org["id"], notes="Text.",
                                  tag_string="Bäume", license_id="dl-by-de/2.0", harvested_from="irgendwas",
                                  harvest_gaps=json.dumps([{"field": "notes", "problem": "missing"}]))
    assert "harvested_from" not in created and "harvest_gaps" not in created


def test_the_page_for_data_officers_needs_a_sign_in(app, source_server):
    run(make_source(serve(source_server)))
    assert app.get("/ckan-admin/quality/gaps", status=403)
    sysadmin = factories.SysadminWithToken()
    page = app.get("/harvest/quelle/gaps", headers={"Authorization": sysadmin["token"]}, status=200)
    assert "Nutzungsbedingungen der Stadt Musterstadt" in page.body
    assert "Parkplätze" in page.body


def test_an_unknown_licence_is_shown_as_written_and_a_script_address_never_as_a_link(app, source_server):
    serve(source_server, """
<https://portal.example/dataset/script> a dcat:Dataset ; dct:title "Skript"@de ;
    dct:license "javascript:alert(1)" ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://portal.example/files/x.csv> ] .
<https://portal.example/dataset/terms> a dcat:Dataset ; dct:title "Bedingungen"@de ;
    dct:license <https://www.musterstadt.de/nutzungsbedingungen> ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://portal.example/files/z.csv> ] .
<https://portal.example/dataset/escaped> a dcat:Dataset ; dct:title "Maskiert"@de ;
    dct:license "<b>Eigene</b> Bedingungen &amp; mehr" ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://portal.example/files/y.csv> ] .
""")
    summary = run(make_source(source_server.url("/catalog.ttl")))
    assert summary["created"] == 3, summary["messages"]
    datasets = by_title()
    assert datasets["Skript"]["license_id"] == "javascript:alert(1)"
    assert datasets["Maskiert"]["license_id"] == "Eigene Bedingungen & mehr"
    page = app.get(f"/dataset/{datasets['Skript']['name']}", status=200).body
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page
    page = app.get(f"/dataset/{datasets['Maskiert']['name']}", status=200).body
    assert "<b>Eigene" not in page
    # an unknown licence that is a web address is a link to it
    terms = datasets["Bedingungen"]
    assert terms["license_id"] == terms["license_url"] == "https://www.musterstadt.de/nutzungsbedingungen"
    page = app.get(f"/dataset/{terms['name']}", status=200).body
    assert 'href="https://www.musterstadt.de/nutzungsbedingungen"' in page
    assert "license_url" not in datasets["Skript"]


def test_the_edit_form_keeps_an_unknown_licence_selected_so_saving_does_not_swap_it(app, source_server):
    import re
    run(make_source(serve(source_server)))
    parking = by_title()["Parkplätze"]
    sysadmin = factories.SysadminWithToken()
    page = app.get(f"/dataset/edit/{parking['name']}", headers={"Authorization": sysadmin["token"]},
                   status=200).body
    options = re.findall(r'<option value="([^"]*)"([^>]*)>', page[page.index('id="field-license_id"'):][:20000])
    selected = [value for value, attrs in options if "selected" in attrs]
    assert selected == ["Nutzungsbedingungen der Stadt Musterstadt"]
    assert "dl-by-de/2.0" in [value for value, _attrs in options]
