"""What xloader makes of German files (';' separators, decimal commas, dd.mm.yyyy dates, Latin-1
or UTF-8 with BOM, XLSX) and of hostile ones (over the size limit, a million columns, one endless
line): the columns get the right types, and a file that cannot be loaded is reported failed with a
reason, never blocking the next load."""
import io

import openpyxl
import pytest

from ckan.tests import factories, helpers

from ckanext.jena.data import german
from tests.data_api.conftest import data_marks, run_jobs

pytestmark = data_marks() + [pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1")]

# realistic: how the city's offices export from Excel (Latin-1 or UTF-8 with BOM, ';', ',' decimals)
GERMAN = ("Messstelle;Ortsteil;Datum;Bodenfeuchte (Vol.-%);Niederschlag (mm);Bemerkung\r\n"
          "UDP-BF-01;Jena-Nord;01.06.2024;24,4;0,0;gut versorgt\r\n"
          "UDP-BF-01;Jena-Nord;02.06.2024;24,1;0,4;\r\n"
          "UDP-BF-02;Lobeda-Altstadt;13.06.2024;19,75;12,3;Gießen nötig\r\n"
          "UDP-BF-03;Zwätzen;28.06.2024;31,0;1.250,5;Starkregen; Keller geflutet\r\n")


def load(files, path: str, body: bytes, fmt: str = "CSV", content_type: str = "text/csv") -> str:
    files.add(path, body, content_type=content_type)
    resource = factories.Resource(package_id=factories.Dataset()["id"], url=files.url(path), format=fmt)
    run_jobs()
    return resource["id"]


def columns(resource_id: str) -> dict:
    info = helpers.call_action("datastore_search", resource_id=resource_id, limit=0)
    return {f["id"]: f["type"] for f in info["fields"] if f["id"] != "_id"}


def status(resource_id: str) -> dict:
    return helpers.call_action("xloader_status", resource_id=resource_id)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8-sig"])
def test_a_german_csv_gets_numbers_dates_and_umlauts_right(files, encoding):
    rid = load(files, f"/bodenfeuchte-{encoding}.csv", GERMAN.replace("Starkregen; Keller", "Starkregen, Keller")
               .encode(encoding))
    assert status(rid)["status"] == "complete", status(rid)
    types = columns(rid)
    assert types["Datum"] == "timestamp"
    assert types["Bodenfeuchte (Vol.-%)"] == "numeric"
    rows = helpers.call_action("datastore_search", resource_id=rid, sort="_id")["records"]
    assert [r["Ortsteil"] for r in rows] == ["Jena-Nord", "Jena-Nord", "Lobeda-Altstadt", "Zwätzen"]
    assert rows[2]["Datum"].startswith("2024-06-13")
    assert float(rows[2]["Bodenfeuchte (Vol.-%)"]) == 19.75
    assert rows[2]["Bemerkung"] == "Gießen nötig"
    assert float(rows[3]["Niederschlag (mm)"]) == 1250.5


@pytest.mark.parametrize("body", [
    b"Station;Wert\nA;24.4\nB;3.25\n",  # ';' with decimal points: international, left alone
    b"Station,Wert\nA,24.4\nB,1\n",  # ',' separated
    b"Kennziffer;Name\n01;Jena\n02;Weimar\n",  # integers and text need nothing
])
def test_files_without_german_numbers_are_not_rewritten(body):
    assert german.normalise(body) is None


def test_an_xlsx_sheet_is_loaded(files):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ortsteil", "Einwohner"])
    sheet.append(["Winzerla", 11802])
    sheet.append(["Löbstedt", 1250])
    out = io.BytesIO()
    book.save(out)
    rid = load(files, "/einwohner.xlsx", out.getvalue(), "XLSX",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert status(rid)["status"] == "complete", status(rid)
    rows = helpers.call_action("datastore_search", resource_id=rid, filters={"Ortsteil": "Löbstedt"})["records"]
    assert [int(r["Einwohner"]) for r in rows] == [1250]


def test_a_file_over_the_size_limit_is_reported_and_the_next_one_loads(files):
    too_big = load(files, "/riesig.csv", b"a;b\n" + b"1;2\n" * 60000)  # 240 kB > 200 kB (test.ini)
    outcome = status(too_big)
    assert outcome["status"] == "error"
    assert "200000" in str(outcome["error"]) or "0.2 MB" in str(outcome["error"])
    assert "größer als die Grenze" in str(outcome["error"])
    fine = load(files, "/klein.csv", b"a;b\n1;2\n")
    assert status(fine)["status"] == "complete"


@pytest.mark.parametrize("body", [
    b";".join(b"s%d" % i for i in range(40000)) + b"\n" + b"1;" * 39999 + b"1\n",  # 40,000 columns
    b"kopf\n" + b"x" * 190000 + b"\n",  # one line of 190 kB
    b"\x00\xff\xfe" * 1000,  # no text at all
])
def test_a_hostile_csv_fails_alone_with_a_reason(files, body):
    rid = load(files, f"/boese-{len(body)}.csv", body)
    outcome = status(rid)
    assert outcome["status"] in ("error", "complete")
    if outcome["status"] == "error":
        assert outcome["error"]
    fine = load(files, f"/danach-{len(body)}.csv", b"a;b\n1;2\n")
    assert status(fine)["status"] == "complete"
