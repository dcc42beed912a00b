"""The inbound normaliser (ckanext/jena/schema/inbound.py): licences, formats, languages, themes,
keywords, dates and addresses as other catalogues write them. Spellings with a clear meaning are
recognised; anything else is never mapped to something it is not."""
from __future__ import annotations

import pytest

from ckanext.jena.schema import inbound

LICENCE_SPELLINGS = [
    # dcat-ap.de URIs: http/https, www., trailing slash, case, old ids
    ("http://dcat-ap.de/def/licenses/cc-zero", "cc-zero"),
    ("https://www.dcat-ap.de/def/licenses/cc-zero", "cc-zero"),
    ("https://dcat-ap.de/def/licenses/cc-zero/", "cc-zero"),
    ("HTTP://DCAT-AP.DE/def/licenses/dl-by-de/2.0", "dl-by-de/2.0"),
    ("http://dcat-ap.de/def/licenses/dl-by-de/2_0", "dl-by-de/2.0"),
    ("http://dcat-ap.de/def/licenses/dl-de-by-2.0", "dl-by-de/2.0"),
    ("https://www.dcat-ap.de/def/licenses/dl-zero-de/2.0/", "dl-zero-de/2.0"),
    ("http://dcat-ap.de/def/licenses/cc-by-nc-de/4_0", "cc-by-nc/4.0"),
    # GovData's older ids and pages
    ("dl-de-by-2.0", "dl-by-de/2.0"),
    ("dl-de-zero-2.0", "dl-zero-de/2.0"),
    ("dl-de/by-2-0", "dl-by-de/2.0"),
    ("https://www.govdata.de/dl-de/by-2-0", "dl-by-de/2.0"),
    ("http://www.govdata.de/dl-de/zero-2-0/", "dl-zero-de/2.0"),
    ("cc-by-4.0", "cc-by/4.0"),
    ("odc-odbl", "odbl"),
    # creativecommons.org with version, language, legalcode
    ("https://creativecommons.org/licenses/by/4.0/", "cc-by/4.0"),
    ("http://creativecommons.org/licenses/by/4.0/legalcode", "cc-by/4.0"),
    ("https://creativecommons.org/licenses/by/4.0/legalcode.de", "cc-by/4.0"),
    ("https://creativecommons.org/licenses/by/4.0/deed.de", "cc-by/4.0"),
    ("https://creativecommons.org/licenses/by-sa/4.0/deed.en", "cc-by-sa/4.0"),
    ("https://creativecommons.org/licenses/by/3.0/de/", "cc-by-de/3.0"),
    ("https://creativecommons.org/licenses/by/3.0/de/legalcode", "cc-by-de/3.0"),
    ("http://creativecommons.org/publicdomain/zero/1.0/", "cc-zero"),
    ("https://creativecommons.org/publicdomain/zero/1.0/deed.de", "cc-zero"),
    ("https://creativecommons.org/licenses/by-nc/4.0/", "cc-by-nc/4.0"),
    # SPDX, Open Definition, EU licence vocabulary
    ("CC-BY-4.0", "cc-by/4.0"),
    ("CC0-1.0", "cc-zero"),
    ("ODbL-1.0", "odbl"),
    ("https://spdx.org/licenses/CC-BY-SA-4.0.html", "cc-by-sa/4.0"),
    ("https://spdx.org/licenses/DL-DE-BY-2.0", "dl-by-de/2.0"),
    ("http://www.opendefinition.org/licenses/cc-by", "cc-by"),
    ("http://opendefinition.org/licenses/odc-odbl/", "odbl"),
    ("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0", "cc-by/4.0"),
    ("http://publications.europa.eu/resource/authority/licence/CC0", "cc-zero"),
    ("http://publications.europa.eu/resource/authority/licence/DL_DE_BY_2_0", "dl-by-de/2.0"),
    # names people write
    ("CC BY 4.0", "cc-by/4.0"),
    ("cc by-sa 4.0", "cc-by-sa/4.0"),
    ("Creative Commons Namensnennung 4.0 International", "cc-by/4.0"),
    ("Creative Commons Attribution 4.0 International (CC BY 4.0)", "cc-by/4.0"),
    ("Datenlizenz Deutschland – Namensnennung – Version 2.0", "dl-by-de/2.0"),
    ("Datenlizenz Deutschland - Namensnennung - Version 2.0", "dl-by-de/2.0"),
    ("Datenlizenz Deutschland Namensnennung 2.0", "dl-by-de/2.0"),
    ("Datenlizenz Deutschland &#8211; Zero &#8211; Version 2.0", "dl-zero-de/2.0"),
    ("Datenlizenz Deutschland &amp;ndash; Namensnennung &amp;ndash; Version 2.0", "dl-by-de/2.0"),
    ("<a href='https://www.govdata.de/dl-de/by-2-0'>dl-de/by-2-0</a>", "dl-by-de/2.0"),
    ("Data licence Germany – attribution – version 2.0", "dl-by-de/2.0"),
    ("  cc-zero  ", "cc-zero"),
    ("Open Data Commons Open Database License (ODbL)", "odbl"),
]


@pytest.mark.parametrize("written, expected", LICENCE_SPELLINGS)
def test_every_spelling_of_a_known_licence_is_recognised(written, expected):
    assert inbound.licence(written) == expected


@pytest.mark.parametrize("written", [
    "Nutzungsbedingungen der Stadt Musterstadt",
    "https://www.musterstadt.de/nutzungsbedingungen",
    "javascript:alert(1)",
    "cc-by-nc-nd/4.0",            # not on the dcat-ap.de list: not the same as cc-by-nc/4.0
    "https://creativecommons.org/licenses/by/2.0/",
    "Datenlizenz Deutschland Namensnennung 3.0",  # no such version
    "CC BY 5.0",
    "GPL",
])
def test_an_unknown_licence_is_not_mapped_to_another(written):
    assert inbound.licence(written) is None
    assert not inbound.states_no_licence(written)


@pytest.mark.parametrize("written", ["", "   ", None, "notspecified", "License not specified", "&nbsp;"])
def test_no_licence_is_no_licence_not_a_closed_one(written):
    assert inbound.licence(written) is None
    assert inbound.states_no_licence(written)


@pytest.mark.parametrize("written, expected", [
    ("csv", "CSV"), (".CSV", "CSV"), ("text/csv", "CSV"), ("text/csv; charset=utf-8", "CSV"),
    ("https://www.iana.org/assignments/media-types/text/csv", "CSV"),
    ("http://publications.europa.eu/resource/authority/file-type/CSV", "CSV"),
    ("https://publications.europa.eu/resource/authority/file-type/GEOJSON", "GEOJSON"),
    ("application/vnd.geo+json", "GEOJSON"), ("WMS_SRVC", "WMS"), ("OGC WFS", "WFS"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    ("Esri Shapefile", "SHP"), ("json-ld", "JSONLD"),
])
def test_formats_and_media_types_as_catalogues_write_them(written, expected):
    assert inbound.format_info(written)["name"] == expected


@pytest.mark.parametrize("written", ["Tabelle", "esri rest", "", None, "<script>"])
def test_an_unknown_format_is_unknown(written):
    assert inbound.format_info(written) is None


@pytest.mark.parametrize("vocabulary, written, expected", [
    ("language", "de", "DEU"), ("language", "DE-de", "DEU"), ("language", "ger", "DEU"),
    ("language", "Deutsch", "DEU"), ("language", "German", "DEU"),
    ("language", "http://publications.europa.eu/resource/authority/language/ENG", "ENG"),
    ("language", "http://id.loc.gov/vocabulary/iso639-1/en", "ENG"),
    ("eu_themes", "ECON", "ECON"), ("eu_themes", "Umwelt", "ENVI"),
    ("eu_themes", "https://publications.europa.eu/resource/authority/data-theme/TRAN", "TRAN"),
    ("frequency", "http://publications.europa.eu/resource/authority/frequency/ANNUAL", "ANNUAL"),
])
def test_vocabulary_spellings(vocabulary, written, expected):
    assert inbound.concept(vocabulary, written).rsplit("/", 1)[-1] == expected


@pytest.mark.parametrize("vocabulary, written", [
    ("language", "Klingonisch"), ("language", "xx"), ("eu_themes", "http://example.org/theme/1"),
    ("eu_themes", ""), ("frequency", "sometimes"),
])
def test_unknown_vocabulary_values_are_unknown(vocabulary, written):
    assert inbound.concept(vocabulary, written) is None


@pytest.mark.parametrize("written, expected", [
    ("2021-01-28", "2021-01-28"), ("2021-01-28 GMT 01:51:03.349", "2021-01-28T01:51:03"),
    ("2021-01-28T10:00:00.123456", "2021-01-28T10:00:00"), ("2021-01-28T10:00:00+01:00", "2021-01-28T10:00:00"),
    ("2021", "2021"), ("2021-03", "2021-03"), ("28.01.2021", "2021-01-28"),
])
def test_dates_as_catalogues_write_them(written, expected):
    assert inbound.date(written) == expected


@pytest.mark.parametrize("written", ["gestern", "2021-13-45", "31.02.2021", "", None, "0000-00-00"])
def test_a_malformed_date_is_no_date(written):
    assert inbound.date(written) is None


@pytest.mark.parametrize("written, expected", [
    ("http://%3C%21--", None), ("javascript:alert(1)", None), ("ftp://example.org/x", None),
    ("https://example.org/a b", None), ("http://user:pw@example.org/", None), ("data:text/html,hi", None),
    ("https://example.org/x?a=1", "https://example.org/x?a=1"),
    ("HTTPS://Example.org:8443/x", "https://example.org:8443/x"),
    ("https://www.müllheim.de/daten", "https://www.xn--mllheim-n2a.de/daten"),
])
def test_web_addresses(written, expected):
    assert inbound.web_url(written) == expected


@pytest.mark.parametrize("written, expected", [
    ("mailto:daten@jena.de", "daten@jena.de"), ("https://portal.example/daten@jena.de", "daten@jena.de"),
    ("daten@jena.de", "daten@jena.de"), ("keine", None), ("a@@b", None),
])
def test_email_addresses(written, expected):
    assert inbound.email(written) == expected


@pytest.mark.parametrize("written, expected", [
    ("PM 2,5", "PM 2.5"), ("Luft/Qualität", "Luft Qualität"), ("a", None), ("&lt;b&gt;Bäume&lt;/b&gt;", "Bäume"),
])
def test_keywords(written, expected):
    assert inbound.tag(written) == expected


def test_a_record_with_gaps_is_normalised_and_every_gap_listed_with_the_original_value():
    record = {
        "title": "Bäume", "license_id": "Nutzungsbedingungen der Stadt Musterstadt",
        "language": ["Deutsch", "Klingonisch"], "theme": ["ENVI", "http://example.org/theme/x"],
        "issued": "gestern", "modified": "2021-01-28 GMT 01:51:03.349",
        "resources": [{"url": "http://%3C%21--", "format": "CSV"},
                      {"url": "https://example.org/b.csv", "format": "Tabelle", "size": "12.0"},
                      {"url": "https://example.org/c", "format": "text/csv", "access_url": "javascript:x"}],
    }
    out = inbound.dataset(record)
    assert out["license_id"] == "Nutzungsbedingungen der Stadt Musterstadt"  # kept as written
    assert out["language"] == ["http://publications.europa.eu/resource/authority/language/DEU"]
    assert out["theme"] == ["http://publications.europa.eu/resource/authority/data-theme/ENVI"]
    assert "issued" not in out and out["modified"] == "2021-01-28T01:51:03"
    assert [r["url"] for r in out["resources"]] == ["https://example.org/b.csv", "https://example.org/c"]
    assert out["resources"][0] == {"url": "https://example.org/b.csv", "format": "Tabelle", "size": 12}
    assert "access_url" not in out["resources"][1] and out["resources"][1]["format"] == "CSV"
    gaps = {(g["field"], g["problem"], g.get("value")) for g in inbound.gaps_of(out)}
    assert gaps == {
        ("notes", "missing", None), ("tags", "missing", None), ("contact", "missing", None),
        ("license_id", "unknown", "Nutzungsbedingungen der Stadt Musterstadt"),
        ("language", "unknown", "Klingonisch"), ("theme", "unknown", "http://example.org/theme/x"),
        ("issued", "invalid", "gestern"), ("resources", "invalid", "http://%3C%21--"),
        ("resources.format", "unknown", "Tabelle"), ("resources.access_url", "invalid", "javascript:x"),
    }
    # applying it again changes nothing
    assert inbound.dataset(out) == out


def test_a_complete_record_has_no_gaps():
    out = inbound.dataset({"title": "T", "notes": "N", "tags": [{"name": "Bäume"}], "license_id": "dl-de-by-2.0",
                           "contact": [{"name": "Team", "email": "mailto:daten@jena.de"}],
                           "resources": [{"url": "https://example.org/a.csv", "format": "csv"}]})
    assert inbound.gaps_of(out) == []
    assert out["license_id"] == "dl-by-de/2.0" and out["contact"] == [{"name": "Team", "email": "daten@jena.de"}]


def test_gaps_close_when_a_data_officer_fills_them_in():
    gaps = [inbound.gap("notes", "missing"), inbound.gap("license_id", "unknown", "Eigene Bedingungen"),
            inbound.gap("issued", "invalid", "gestern")]
    assert inbound.open_gaps(gaps, {"notes": "", "license_id": "Eigene Bedingungen"}) == gaps
    assert inbound.open_gaps(gaps, {"notes": "Jetzt beschrieben", "license_id": "dl-by-de/2.0"}) == [gaps[2]]


@pytest.mark.parametrize("vocabulary, written, expected", [
    ("access_rights", "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations", "PUBLIC"),
    ("access_rights", "Es gelten keine Zugriffsbeschränkungen", "PUBLIC"),
    ("frequency", "http://inspire.ec.europa.eu/metadata-codelist/MaintenanceFrequencyCode/annually", "ANNUAL"),
])
def test_inspire_codes(vocabulary, written, expected):
    assert inbound.concept(vocabulary, written).rsplit("/", 1)[-1] == expected


def test_a_record_without_a_licence_of_its_own_takes_the_one_its_distributions_carry():
    out = inbound.dataset({"title": "T", "resources": [
        {"url": "https://example.org/a", "license": "http://dcat-ap.de/def/licenses/cc-by/4.0"},
        {"url": "https://example.org/b", "license": "CC BY 4.0"},
        {"url": "https://example.org/c", "license": "Eigene Bedingungen"}]})
    assert out["license_id"] == "cc-by/4.0"
    assert [r.get("license") for r in out["resources"]] == [None, None, "Eigene Bedingungen"]
    assert ("resources.license", "unknown", "Eigene Bedingungen") in {
        (g["field"], g["problem"], g.get("value")) for g in inbound.gaps_of(out)}
