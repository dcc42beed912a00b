"""Profiles of resources for the plain-language explainers: what a file holds, read from its bytes
(ckanext/jena/explainer/profile.py), and what a SensorThings Datastream measures."""
from __future__ import annotations

import json
import os
import socket
import time

import openpyxl
import pytest

from ckanext.jena.demo import sources as demo_sources
from ckanext.jena.explainer.profile import (PROFILE_VERSION, ProfileError, is_sensorthings_url, profile_bytes,
                                            profile_sensorthings)
from ckanext.jena.harvest import fetch

from tests.harvest.server import FixtureServer

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
DEMO_FILES = os.path.join(os.path.dirname(demo_sources.__file__), "data", "files")


def fixture(name: str) -> bytes:
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def column(profile: dict, name: str) -> dict:
    return next(c for c in profile["columns"] if c["name"] == name)


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.strip().replace("\n", "\r\n").encode(encoding)


# --- delimited text -------------------------------------------------------------------------------

def test_a_german_csv_with_decimal_commas_gives_decimal_columns_with_min_and_max():
    profile = profile_bytes(fixture("ortsteile-kennzahlen-cp1252.csv"), "CSV", name="kennzahlen.csv")
    assert (profile["version"], profile["kind"], profile["format"]) == (PROFILE_VERSION, "table", "CSV")
    assert profile["rows"] == 5 and profile["truncated"] is False
    assert profile["csv"] == {"encoding": "cp1252", "delimiter": ";", "decimal": ","}
    area = column(profile, "Fläche (km²)")
    assert (area["type"], area["min"], area["max"]) == ("decimal", 1.2, 5.6)
    share = column(profile, "Anteil_unter_18_Prozent")
    assert (share["type"], share["min"], share["max"]) == ("decimal", 11.0, 17.25)
    spending = column(profile, "Kaufkraft_EUR")
    assert (spending["type"], spending["min"], spending["max"]) == ("decimal", 18950.0, 22003.1)


def test_in_a_german_csv_a_dot_groups_thousands_in_every_row_of_a_column():
    profile = profile_bytes(fixture("ortsteile-kennzahlen-cp1252.csv"), "csv")
    residents = column(profile, "EW_ges")  # 9.842, 2.700, 3.105, 12.480, 1.050
    assert (residents["type"], residents["min"], residents["max"]) == ("integer", 1050, 12480)
    households = column(profile, "Haushalte")  # 480 beside 1.204
    assert (households["type"], households["min"], households["max"]) == ("integer", 480, 7003)


def test_without_decimal_commas_a_semicolon_file_still_reads_2_700_as_thousands():
    german = profile_bytes(csv_bytes("Ortsteil;Einwohner\nMaua;2.700\nLeutra;1.301"), "CSV")
    assert (column(german, "Einwohner")["type"], column(german, "Einwohner")["max"]) == ("integer", 2700)
    english = profile_bytes(csv_bytes("Ortsteil,Einwohner\nMaua,2.700\nLeutra,1.301"), "CSV")
    assert (column(english, "Einwohner")["type"], column(english, "Einwohner")["max"]) == ("decimal", 2.7)


def test_windows_1252_text_is_read_with_its_umlauts():
    profile = profile_bytes(fixture("ortsteile-kennzahlen-cp1252.csv"), "CSV")
    assert column(profile, "Bemerkung")["examples"] == ["geschätzt", "Grenze geändert"]
    assert column(profile, "Bemerkung")["empty"] == 3


def test_an_english_csv_reads_commas_as_thousands_and_iso_times_as_dates():
    data = csv_bytes('''
timestamp,district,visitors,rain_mm,open
2024-06-01T10:00:00Z,Winzerla,"1,234",0.4,yes
2024-06-02T10:00:00+02:00,Lobeda-Altstadt,980,12.25,no
2024-06-03 10:00,Winzerla,"12,500",0,yes
''')
    profile = profile_bytes(data, "CSV")
    assert profile["csv"]["delimiter"] == "," and profile["csv"]["decimal"] == "."
    assert column(profile, "visitors")["type"] == "integer"
    assert (column(profile, "visitors")["min"], column(profile, "visitors")["max"]) == (980, 12500)
    rain = column(profile, "rain_mm")
    assert (rain["type"], rain["min"], rain["max"], rain["unit"]["symbol"]) == ("decimal", 0, 12.25, "mm")
    assert column(profile, "open")["type"] == "boolean"
    assert (column(profile, "timestamp")["type"], column(profile, "timestamp")["min"]) == ("date", "2024-06-01")
    assert profile["time_span"] == {"start": "2024-06-01", "end": "2024-06-03"}


def test_utf8_with_a_byte_order_mark_and_tabs_or_pipes_are_recognised():
    tabbed = profile_bytes(b"\xef\xbb\xbfOrtsteil\tEinwohner\nMaua\t312\nLeutra\t301\n", "TSV")
    assert [c["name"] for c in tabbed["columns"]] == ["Ortsteil", "Einwohner"]
    assert tabbed["csv"]["encoding"] == "utf-8"
    piped = profile_bytes("Ortsteil|Einwohner\nMaua|312\nZwätzen|2.450\n".encode(), "TXT")
    assert piped["csv"]["delimiter"] == "|"
    assert piped["districts"] == ["maua", "zwaetzen"]


def test_german_dates_and_year_columns_give_the_time_span():
    data = csv_bytes('''
Datum;Messwert;Baujahr
31.12.2017;1,5;1898
01.03.2019;2,5;2004
15.07.2018;;1950
''')
    profile = profile_bytes(data, "CSV")
    assert column(profile, "Datum")["type"] == "date"
    assert (column(profile, "Datum")["min"], column(profile, "Datum")["max"]) == ("2017-12-31", "2019-03-01")
    # a building's year of construction describes the building, not the time the data covers
    assert column(profile, "Baujahr")["type"] == "year"
    assert profile["time_span"] == {"start": "2017-12-31", "end": "2019-03-01"}


def test_a_year_column_alone_gives_a_span_of_years_and_months_count_whole():
    years = profile_bytes(csv_bytes("Jahr,Geburten\n2010,1056\n2023,983\n2015,1002"), "CSV")
    assert column(years, "Jahr")["type"] == "year"
    assert years["time_span"] == {"start": "2010", "end": "2023"}
    months = profile_bytes(csv_bytes("Monat,Besuche\n2019-01,26839\n2024-12,24001"), "CSV")
    assert months["time_span"] == {"start": "2019-01-01", "end": "2024-12-31"}


def test_empty_cells_and_missing_markers_do_not_change_a_columns_type():
    data = csv_bytes('''
Einwohner;Wert;Gezaehlt;PLZ
478;;x;07743
;2,5;;07745
-;k.A.;x;07749
''')
    profile = profile_bytes(data, "CSV")
    assert (column(profile, "Einwohner")["type"], column(profile, "Einwohner")["empty"]) == ("integer", 2)
    assert (column(profile, "Wert")["type"], column(profile, "Wert")["empty"]) == ("decimal", 2)
    assert column(profile, "Gezaehlt")["type"] == "boolean"  # a ticked list: x or nothing
    # postcodes keep their leading zero: a code, not an amount
    assert column(profile, "PLZ")["type"] == "text"
    assert column(profile, "PLZ")["label"] == {"de": "Postleitzahl", "en": "postcode"}


def test_districts_are_found_in_text_values_whatever_their_spelling():
    data = csv_bytes('''
Ort;Anzahl
JENA-ZENTRUM;3
Loebstedt;4
Kunitz;1
Lobeda;2
Berlin;9
''')
    profile = profile_bytes(data, "CSV")
    assert profile["districts"] == ["jena-zentrum", "kunitz-laasan", "loebstedt"]
    cp1252 = profile_bytes(fixture("ortsteile-kennzahlen-cp1252.csv"), "CSV")
    assert cp1252["districts"] == ["jena-sued", "jena-zentrum", "kunitz-laasan", "loebstedt", "zwaetzen"]


def test_column_names_become_plain_labels_and_units():
    header = ("EW_ges;OT;Flaeche_km2;Hoehe (m);Preis_EUR;Anteil_Prozent;Temperatur_C;PM10_ug_m3;Strom_kWh;"
              "Anzahl_Baeume;lat;lon;Einwohner_je_km2;Stammumfang_cm;Vitalitaets_stufe")
    data = csv_bytes(header + "\n1.000;Maua;1,5;3,2;2,50;12,5;18,4;21,3;120,5;7;50,9;11,6;312;4;2")
    profile = profile_bytes(data, "CSV")
    labels = {c["name"]: c["label"] for c in profile["columns"]}
    units = {c["name"]: (c["unit"] or {}).get("symbol") for c in profile["columns"]}
    assert labels["EW_ges"] == {"de": "Einwohner insgesamt", "en": "residents in total"}
    assert labels["OT"] == {"de": "Ortsteil", "en": "district"}
    assert labels["Flaeche_km2"] == {"de": "Fläche", "en": "area"}
    assert column(profile, "Flaeche_km2")["unit"] == {"de": "Quadratkilometer", "en": "square kilometres",
                                                      "symbol": "km²"}
    assert units == {"EW_ges": None, "OT": None, "Flaeche_km2": "km²", "Hoehe (m)": "m", "Preis_EUR": "€",
                     "Anteil_Prozent": "%", "Temperatur_C": "°C", "PM10_ug_m3": "µg/m³", "Strom_kWh": "kWh",
                     "Anzahl_Baeume": None, "lat": None, "lon": None, "Einwohner_je_km2": None,
                     "Stammumfang_cm": "cm", "Vitalitaets_stufe": None}
    assert labels["Anzahl_Baeume"] == {"de": "Anzahl Baeume", "en": "number of Baeume"}
    assert (labels["lat"]["de"], labels["lon"]["de"]) == ("Breitengrad", "Längengrad")
    assert labels["Einwohner_je_km2"] == {"de": "Einwohner je km²", "en": "residents per km²"}
    assert labels["Stammumfang_cm"] == {"de": "Stammumfang", "en": "Stammumfang"}
    # a name columns.yaml does not explain stays as written, with spaces for underscores
    assert labels["Vitalitaets_stufe"] == {"de": "Vitalitaets stufe", "en": "Vitalitaets stufe"}


def test_only_number_columns_carry_a_unit_and_only_text_columns_examples():
    profile = profile_bytes(csv_bytes("Strom_kWh,Name\nviel,Kita Burgau\nwenig,Kita Maua"), "CSV")
    assert (column(profile, "Strom_kWh")["type"], column(profile, "Strom_kWh")["unit"]) == ("text", None)
    assert column(profile, "Name")["examples"] == ["Kita Burgau", "Kita Maua"]
    numbers = profile_bytes(csv_bytes("Wert\n1\n2"), "CSV")
    assert column(numbers, "Wert")["examples"] == []


def test_the_profile_is_plain_json():
    profile = profile_bytes(fixture("ortsteile-kennzahlen-cp1252.csv"), "CSV")
    assert json.loads(json.dumps(profile)) == profile


# --- limits -------------------------------------------------------------------------------------

def test_reading_stops_at_max_rows_and_says_so():
    data = ("Nr;Wert\n" + "".join(f"{n};{n},5\n" for n in range(1000))).encode()
    profile = profile_bytes(data, "CSV", max_rows=100)
    assert (profile["rows"], profile["truncated"]) == (100, True)
    assert column(profile, "Nr")["max"] == 99
    complete = profile_bytes(data, "CSV", max_rows=1000)
    assert (complete["rows"], complete["truncated"]) == (1000, False)


def test_reading_stops_at_the_deadline_and_says_so():
    data = ("Nr;Wert\n" + "".join(f"{n};{n}\n" for n in range(1000))).encode()
    profile = profile_bytes(data, "CSV", deadline=time.monotonic() - 1)
    assert profile["truncated"] is True and profile["rows"] < 1000
    assert [c["name"] for c in profile["columns"]] == ["Nr", "Wert"]


# --- errors -------------------------------------------------------------------------------------

def test_an_unsupported_format_is_refused_in_both_languages():
    with pytest.raises(ProfileError) as error:
        profile_bytes(b"%PDF-1.7", "PDF")
    assert "Format PDF cannot be profiled" in error.value.english
    assert "Das Format PDF kann nicht ausgewertet werden" in error.value.german
    assert str(error.value) == error.value.english


@pytest.mark.parametrize("data, fmt, english, german", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "CSV", "binary data", "Binärdaten"),
    (b"<!DOCTYPE html><html><body>Seite nicht gefunden</body></html>", "CSV", "web page", "Webseite"),
    (b"", "CSV", "is empty", "ist leer"),
    (b'{"data": [{"a": 1}, ', "JSON", "not valid JSON", "kein gültiges JSON"),
    (b'{"zahl": 3}', "JSON", "no list of records", "keine Liste"),
    (b"PK\x03\x04 kein Arbeitsblatt", "XLSX", "Excel workbook", "Excel-Arbeitsmappe"),
])
def test_a_broken_file_gives_a_bilingual_error(data, fmt, english, german):
    with pytest.raises(ProfileError) as error:
        profile_bytes(data, fmt, name="kaputt")
    assert english in error.value.english and "kaputt" in error.value.english
    assert german in error.value.german


# --- workbooks and JSON -----------------------------------------------------------------------

def test_an_xlsx_workbook_is_read_from_its_first_filled_sheet(tmp_path):
    import datetime
    workbook = openpyxl.Workbook()
    workbook.active.title = "Hinweise"  # empty: skipped
    sheet = workbook.create_sheet("Daten")
    sheet.append(["Stichtag", "Ortsteil", "Einwohner", "Anteil_Prozent", "Kita"])
    sheet.append([datetime.datetime(2023, 12, 31), "Winzerla", 12120, 17.5, True])
    sheet.append([datetime.datetime(2022, 12, 31), "Wöllnitz", 1650, 21.25, False])
    sheet.append([None, None, None, None, None])
    sheet.append([datetime.datetime(2021, 12, 31), "Maua", 312, None, True])
    path = tmp_path / "einwohner.xlsx"
    workbook.save(path)
    profile = profile_bytes(path.read_bytes(), "xlsx", name="einwohner.xlsx")
    assert (profile["kind"], profile["format"], profile["sheet"], profile["rows"]) == ("table", "XLSX", "Daten", 3)
    assert [c["type"] for c in profile["columns"]] == ["date", "text", "integer", "decimal", "boolean"]
    assert (column(profile, "Einwohner")["min"], column(profile, "Einwohner")["max"]) == (312, 12120)
    assert column(profile, "Anteil_Prozent")["empty"] == 1
    assert profile["time_span"] == {"start": "2021-12-31", "end": "2023-12-31"}
    assert profile["districts"] == ["maua", "winzerla", "woellnitz"]
    truncated = profile_bytes(path.read_bytes(), "XLSX", max_rows=2)
    assert (truncated["rows"], truncated["truncated"]) == (2, True)


def test_a_workbook_that_unpacks_beyond_the_limit_is_not_opened(tmp_path, monkeypatch):
    from ckanext.jena.explainer.readers import xlsx as xlsx_reader
    workbook = openpyxl.Workbook()
    workbook.active.append(["Ortsteil", "Einwohner"])
    path = tmp_path / "gross.xlsx"
    workbook.save(path)
    monkeypatch.setattr(xlsx_reader, "MAX_XLSX_UNPACKED", 1024)
    with pytest.raises(ProfileError) as error:
        profile_bytes(path.read_bytes(), "XLSX")
    assert "unpacks to more than" in error.value.english and "entpackt" in error.value.german


def test_a_json_list_of_objects_is_profiled_like_a_table():
    records = [{"name": "Kita Sonnenschein", "ortsteil": "Winzerla", "plaetze": 40, "adresse": {"plz": "07745"}},
               {"name": "Kita Regenbogen", "ortsteil": "Neulobeda", "plaetze": 95.0, "integrativ": True},
               {"name": "Kita Abbe", "ortsteil": None, "plaetze": 120}]
    for document in (records, {"meta": {"count": 3}, "data": records}):
        profile = profile_bytes(json.dumps(document).encode(), "JSON")
        assert (profile["kind"], profile["rows"]) == ("table", 3)
        assert [c["name"] for c in profile["columns"]] == ["name", "ortsteil", "plaetze", "adresse.plz", "integrativ"]
        assert (column(profile, "plaetze")["type"], column(profile, "plaetze")["max"]) == ("integer", 120)
        assert column(profile, "adresse.plz")["empty"] == 2
        assert column(profile, "integrativ")["type"] == "boolean"
        assert profile["districts"] == ["neulobeda", "winzerla"]


def test_a_geojson_file_gives_a_geo_profile_with_geometry_types_and_districts():
    profile = profile_bytes(fixture("spielorte.geojson"), "GeoJSON")
    assert (profile["kind"], profile["format"], profile["rows"]) == ("geo", "GeoJSON", 5)
    assert profile["geometry_types"] == ["LineString", "Point", "Polygon"]
    assert [c["name"] for c in profile["columns"]] == ["name", "zustaendig", "geraete"]
    assert (column(profile, "geraete")["type"], column(profile, "geraete")["empty"]) == ("integer", 2)
    # "Burgau" from a property value; the rest from where the geometries lie
    assert profile["districts"] == ["burgau", "jena-zentrum", "neulobeda", "wenigenjena", "winzerla"]


def test_geojson_is_recognised_in_a_resource_that_says_json():
    profile = profile_bytes(fixture("spielorte.geojson"), "json")
    assert (profile["kind"], profile["format"]) == ("geo", "GeoJSON")


# --- SensorThings -------------------------------------------------------------------------------

@pytest.mark.parametrize("url, datastream", [
    ("http://host/sta/v1.1/Datastreams(12)/Observations", "http://host/sta/v1.1/Datastreams(12)"),
    ("https://udp.jena.de/sta/v1.1/Datastreams(12)/Observations?$resultFormat=CSV&$select=phenomenonTime,result",
     "https://udp.jena.de/sta/v1.1/Datastreams(12)"),
    ("http://host/v1.1/Datastreams('luft-7')/Observations/", "http://host/v1.1/Datastreams('luft-7')"),
    ("http://host/sta/v1.1/Datastreams(12)", None),
    ("http://host/sta/v1.1/Things(1)/Datastreams", None),
    ("http://host/files/Datastreams(12)/Observations.csv", None),
    ("ftp://host/v1.1/Datastreams(12)/Observations", None),
])
def test_sensorthings_observations_urls_are_recognised(url, datastream):
    assert is_sensorthings_url(url) == datastream


def test_the_harvested_sensorthings_resources_are_recognised():
    from ckanext.jena.harvest.sources.sensorthings import JenaSensorThingsHarvester
    content = json.dumps({"category": "air_temprature", "district": "jena-zentrum", "base": "http://udp/v1.1",
                          "streams": [{"id": 71, "name": "Lufttemperatur", "unit": {}, "observed_property": {},
                                       "thing": {"id": 7, "name": "Station"}, "point": None}]})
    dataset = JenaSensorThingsHarvester().to_dataset(content, {"license_id": "dl-by-de/2.0"}, "http://udp/v1.1")
    assert [is_sensorthings_url(r["url"]) for r in dataset["resources"]] == ["http://udp/v1.1/Datastreams(71)"] * 2


@pytest.fixture
def sensor_server(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.harvest.allowed_hosts", "127.0.0.1")
    monkeypatch.setitem(ckan_config, "ckanext.jena.harvest.timeout", "5")
    server = FixtureServer()
    server.add("/sta/v1.1/Datastreams(7)?$expand=ObservedProperty", fixture("datastream-7.json"),
               content_type="application/json")
    yield server
    server.stop()


LATEST = "/sta/v1.1/Datastreams(7)/Observations?$top=3&$orderby=phenomenonTime desc&$select=phenomenonTime,result"


def test_a_sensorthings_datastream_is_profiled_with_its_property_unit_and_interval(sensor_server):
    sensor_server.add(LATEST, fixture("observations-7-latest.json"), content_type="application/json")
    profile = profile_sensorthings(sensor_server.url("/sta/v1.1/Datastreams(7)"), fetch.get_json)
    assert (profile["version"], profile["kind"], profile["format"]) == (PROFILE_VERSION, "sensor", "SensorThings")
    sensor = profile["sensor"]
    assert sensor["observed_property"] == {"de": "Lufttemperatur", "en": "Lufttemperatur"}
    assert sensor["unit"] == {"symbol": "°C", "name": "Grad Celsius"}
    assert sensor["interval_seconds"] == 600
    assert sensor["description"] == "Lufttemperatur in 2 m Höhe, 10-Minuten-Mittel"
    # the latest observation is newer than the Datastream's stated end
    assert (sensor["first"], sensor["last"]) == ("2023-03-20T00:00:00Z", "2025-06-30T23:50:00Z")
    assert profile["time_span"] == {"start": "2023-03-20", "end": "2025-06-30"}
    result = column(profile, "result")
    assert (result["type"], result["unit"]["symbol"]) == ("decimal", "°C")
    assert json.loads(json.dumps(profile)) == profile


def test_a_failing_observations_request_still_gives_a_sensor_profile(sensor_server):
    sensor_server.add(LATEST, b"Interner Fehler", content_type="text/plain", status=500)
    profile = profile_sensorthings(sensor_server.url("/sta/v1.1/Datastreams(7)"), fetch.get_json)
    assert profile["sensor"]["observed_property"]["de"] == "Lufttemperatur"
    assert profile["sensor"]["interval_seconds"] is None
    assert profile["sensor"]["last"] == "2025-06-30T23:40:00Z"
    assert any("/Observations" in r for r in sensor_server.requests)


def test_an_unreadable_datastream_is_a_bilingual_error(sensor_server):
    with pytest.raises(ProfileError) as error:
        profile_sensorthings(sensor_server.url("/sta/v1.1/Datastreams(8)"), fetch.get_json)
    assert "could not be read" in error.value.english and "404" in error.value.english
    assert "konnte nicht gelesen werden" in error.value.german


def test_the_demo_sensor_platform_answers_what_the_profile_asks(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.harvest.allowed_hosts", "127.0.0.1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with demo_sources.serving(f"http://127.0.0.1:{port}") as base:
        temperature = profile_sensorthings(f"{base}/sensorthings/v1.1/Datastreams(71)", fetch.get_json)
        soil = profile_sensorthings(f"{base}/sensorthings/v1.1/Datastreams(31)", fetch.get_json)
    assert temperature["sensor"]["observed_property"]["de"] == "Lufttemperatur"
    assert temperature["sensor"]["unit"]["symbol"] == "°C"
    assert temperature["sensor"]["interval_seconds"] == 600  # "10-Minuten-Mittel"
    assert temperature["sensor"]["last"] == "2026-11-20T23:50:00Z"
    # Datastream 31 states no phenomenonTime: its latest observation says when it last measured
    assert soil["sensor"]["interval_seconds"] == 900  # "viertelstündlich"
    assert soil["sensor"]["last"] == "2026-11-20T22:45:00Z"


# --- the demo's files ------------------------------------------------------------------------------

PROFILED = sorted(name for name in os.listdir(DEMO_FILES)
                  if name.rsplit(".", 1)[-1].lower() in ("csv", "xlsx", "json", "geojson"))


@pytest.mark.parametrize("name", PROFILED)
def test_every_demo_file_is_profiled(name):
    with open(os.path.join(DEMO_FILES, name), "rb") as f:
        profile = profile_bytes(f.read(), name.rsplit(".", 1)[-1], name=name)
    assert profile["rows"] > 0 and profile["columns"], name
    assert profile["kind"] == ("geo" if name.endswith(".geojson") else "table")


def test_a_profile_is_stale_when_its_file_changes_but_not_when_only_the_portal_address_does():
    from ckanext.jena.explainer.profile import fingerprint
    upload = {"url": "http://127.0.0.1:5000/dataset/x/resource/r/download/baeume.csv", "url_type": "upload",
              "format": "CSV", "size": 120, "last_modified": "2026-01-02T10:00:00"}
    same_file = dict(upload, url="https://daten.jena.de/en/dataset/x/resource/r/download/baeume.csv")
    assert fingerprint(same_file) == fingerprint(upload)
    assert fingerprint(dict(upload, size=121)) != fingerprint(upload)
    assert fingerprint(dict(upload, last_modified="2026-02-01T10:00:00")) != fingerprint(upload)
    assert fingerprint(dict(upload, url=upload["url"].replace("baeume.csv", "baeume-2026.csv"))) != fingerprint(upload)
    link = {"url": "https://example.org/a.csv", "format": "CSV"}
    assert fingerprint(dict(link, url="https://example.org/b.csv")) != fingerprint(link)
