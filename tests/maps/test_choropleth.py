"""A table in the DataStore with an Ortsteil column gets a map of the 30 Ortsteile by itself
(the default view jena_ortsteil_map): names in any spacing or the portal's keys, a legend in
plain words, the values as a table; HTML in the table stays text; a private table stays private."""
import html
import re

import pytest

from ckan.tests import factories, helpers

from ckanext.jena.maps import choropleth
from tests.data_api.conftest import run_jobs
from tests.maps.conftest import a_dataset as _dataset
from tests.maps.conftest import maps_marks

pytestmark = maps_marks()

TABLE = ("Ortsteil;Jahr;Einwohner\n"
         "Neulobeda;2022;21000\nNeulobeda;2023;22189\n"
         "Kunitz / Laasan;2023;904\nJenaprießnitz/Wogau;2023;1154\nkrippendorf;2023;112\n"
         "Jena Zentrum;2023;7657\nWinzerla;2023;10894\n"
         "<script>alert(1)</script>;2023;5\nLobeda;2023;3\n").encode("utf-8")


def loaded_table(files, body: bytes, name: str = "einwohner.csv", **dataset_fields) -> tuple[dict, dict]:
    files.add(f"/{name}", body, content_type="text/csv")
    dataset = _dataset(**dataset_fields)
    resource = factories.Resource(package_id=dataset["id"], url=files.url(f"/{name}"), format="CSV",
                                  name="Einwohner je Ortsteil")
    run_jobs()
    return dataset, resource


def test_names_in_any_spacing_and_keys_find_their_ortsteil():
    assert choropleth.district_for("Kunitz / Laasan") == choropleth.district_for("Kunitz/Laasan") == "kunitz-laasan"
    assert choropleth.district_for("kunitz-laasan") == "kunitz-laasan"
    assert choropleth.district_for("  Jena Zentrum ") == "jena-zentrum"
    assert choropleth.district_for("Lobeda") is None  # not an Ortsteil (Lobeda-Altstadt, Neulobeda are)
    assert choropleth.district_for("<b>Winzerla</b>") is None


def test_a_table_per_ortsteil_gets_a_map_with_a_legend_in_words_and_a_table(app, files):
    dataset, resource = loaded_table(files, TABLE)
    views = [v["view_type"] for v in helpers.call_action("resource_view_list", id=resource["id"])]
    assert views == ["jena_ortsteil_map", "datatables_view"]
    page = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}").get_data(as_text=True)
    text = html.unescape(page)
    # the latest year counts; the text alternative says what the map shows in plain words
    assert "Karte der 30 Ortsteile Jenas nach „Einwohner“." in text
    assert "Am meisten in Neulobeda (22.189), am wenigsten in Krippendorf (112)." in text
    assert "Keine Angabe für 24 Ortsteile." in text
    assert "„Einwohner“ je Ortsteil: je dunkler, desto höher. Jahr 2023." in text
    assert re.search(r"112 bis 904|112 bis 1\.154", text), text
    assert "keine Angabe" in text
    # the table of all 30 Ortsteile
    assert '<th scope="row">Kunitz/Laasan</th><td>904</td>' in page
    assert '<th scope="row">Ammerbach</th><td>keine Angabe</td>' in page
    assert page.count('data-district="') == 30
    # values naming no Ortsteil are listed as text, never markup
    assert "nennen keinen der 30 Ortsteile" in text and "Lobeda" in text
    assert "<script>alert(1)</script>" not in page


def test_a_table_without_an_ortsteil_column_gets_no_ortsteil_map(app, files):
    _dataset_, resource = loaded_table(files, b"Jahr;Einwohner\n2022;110000\n2023;111000\n", name="stadt.csv")
    assert "jena_ortsteil_map" not in [v["view_type"] for v in helpers.call_action("resource_view_list", id=resource["id"])]


def test_the_ortsteil_column_is_found_by_its_values_and_html_in_column_names_is_text(app, files):
    body = ("Gebiet;<img src=x onerror=alert(1)>\nWinzerla;3\nMaua;5\nLeutra;8\nAmmerbach;1\n").encode()
    dataset, resource = loaded_table(files, body, name="gebiet.csv")
    assert "jena_ortsteil_map" in [v["view_type"] for v in helpers.call_action("resource_view_list", id=resource["id"])]
    page = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_a_private_tables_ortsteil_map_shows_nothing_to_those_who_may_not_see_it(app, files, who):
    org = factories.Organization(org_type="fachdienst")
    files.add("/privat.csv", TABLE, content_type="text/csv")
    dataset = _dataset(owner_org=org["id"], private=True)
    resource = factories.Resource(package_id=dataset["id"], url=files.url("/privat.csv"), format="CSV")
    run_jobs()
    views = helpers.call_action("resource_view_list", id=resource["id"])
    view = next(v for v in views if v["view_type"] == "jena_ortsteil_map")
    headers = {} if who == "anonymous" else {"Authorization": factories.APIToken(user=factories.User()["name"])["token"]}
    for path in (f"/dataset/{dataset['id']}/resource/{resource['id']}",
                 f"/dataset/{dataset['id']}/resource/{resource['id']}/view/{view['id']}"):
        answer = app.get(path, headers=headers, expect_errors=True)
        assert answer.status_code in (403, 404), path
        assert "22.189" not in answer.get_data(as_text=True) and "Neulobeda" not in answer.get_data(as_text=True)
