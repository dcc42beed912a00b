"""Charts of DataStore tables: a line over time, bars per category, each with a sentence and a
table of its values, drawn on the server; set up as a default view where a table fits."""
import pytest

from ckan.tests import factories, helpers

from ckanext.jena.charts import chart

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "jena_data datastore jena_chart datatables_view"),
    pytest.mark.ckan_config("ckan.views.default_views", "datatables_view jena_chart"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_datastore", "with_request_context"),
]
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: E402,F401 (fixture)


def table(fields: list, records: list, private: bool = False) -> dict:
    organization = factories.Organization()
    dataset = factories.Dataset(owner_org=organization["id"], private=private)
    resource = factories.Resource(package_id=dataset["id"], url_type="datastore", url="", format="CSV",
                                  name="Bodenfeuchte Paradiespark 10 cm")
    helpers.call_action("datastore_create", resource_id=resource["id"], force=True, fields=fields, records=records)
    helpers.call_action("resource_create_default_resource_views", create_datastore_views=True,
                        resource=helpers.call_action("resource_show", id=resource["id"]))
    return helpers.call_action("resource_show", id=resource["id"])


MOISTURE = [{"Zeitpunkt": f"2026-11-20T{hour:02d}:00:00", "Messwert": 30 + hour * 0.5} for hour in range(24)]
TIME_FIELDS = [{"id": "Zeitpunkt", "type": "timestamp"}, {"id": "Messwert", "type": "numeric"}]


def test_the_plan_follows_the_column_types():
    assert chart.chart_plan(TIME_FIELDS) == {"kind": "line", "x": "Zeitpunkt", "y": "Messwert"}
    assert chart.chart_plan([{"id": "Ortsteil", "type": "text"}, {"id": "Jahr", "type": "int"},
                             {"id": "Bäume", "type": "numeric"}]) == {"kind": "bar", "x": "Ortsteil", "y": "Bäume"}
    assert chart.chart_plan([{"id": "Ortsteil", "type": "text"}, {"id": "Jahr", "type": "int"}]) is None
    assert chart.chart_plan([{"id": "Name", "type": "text"}]) is None
    # a year column and a number beside it: a line over the years (the demo's yearly tables)
    assert chart.chart_plan([{"id": "Jahr", "type": "int"}, {"id": "Einwohner", "type": "numeric"}]) == {
        "kind": "line", "x": "Jahr", "y": "Einwohner", "years": True}
    assert chart.chart_plan([{"id": "Jahr", "type": "int"}]) is None
    assert chart.chart_plan([{"id": "Nr", "type": "int"}, {"id": "Wert", "type": "int"}]) is None


def test_german_numbers():
    assert [chart.german_number(v) for v in (1234.5, 1000000, 0.25, -3)] == ["1.234,5", "1.000.000", "0,25", "-3"]


@pytest.mark.ckan_config("ckan.locale_default", "de")
def test_a_sensor_table_gets_a_line_chart_view_with_its_values_as_a_table(app):
    resource = table(TIME_FIELDS, MOISTURE)
    views = helpers.call_action("resource_view_list", id=resource["id"])
    view = next(v for v in views if v["view_type"] == "jena_chart")
    assert view["title"] == "Diagramm"  # made outside a request: in the portal's language
    page = app.get(f"/dataset/{resource['package_id']}/resource/{resource['id']}?view_id={view['id']}").body
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "<polyline" in page
    assert 'role="img" aria-labelledby=' in page
    # the sentence (the text alternative) and the table alternative
    assert "20.11.2026 00:00" in page and "20.11.2026 23:00" in page and "41,5" in page
    assert "<th scope=\"row\">20.11.2026 05:00</th><td>32,5</td>" in page
    assert "<script" not in page.split('class="jena-chart"')[1].split("</figure>")[0]


def test_a_yearly_table_gets_a_line_over_the_years_and_skips_cells_that_are_no_year(app):
    rows = [{"Jahr": year, "Einnahmen": 100 + year - 2015} for year in range(2015, 2024)]
    rows += [{"Jahr": 2019.5, "Einnahmen": 1}, {"Jahr": 99999, "Einnahmen": 2}, {"Jahr": None, "Einnahmen": 3},
             {"Jahr": -4, "Einnahmen": 4}]
    resource = table([{"id": "Jahr", "type": "numeric"}, {"id": "Einnahmen", "type": "numeric"}], rows)
    views = helpers.call_action("resource_view_list", id=resource["id"])
    view = next(v for v in views if v["view_type"] == "jena_chart")
    page = app.get(f"/dataset/{resource['package_id']}/resource/{resource['id']}?view_id={view['id']}").body
    assert "<polyline" in page
    figure = page.split('<figure class="jena-chart">')[1].split("</figure>")[0]
    # (this plugin set has no German catalogue; tests/theme/test_translations.py checks the German)
    assert "over the years 2015 to 2023 (9 values): lowest 100 in 2015, highest 108 in 2023" in figure
    assert "of 13 values" not in figure  # the cells that are no year are skipped, not "cut"
    assert '<th scope="row">2016</th><td>101</td>' in figure
    assert "01.01." not in figure and "99999" not in figure and "2019.5" not in figure


def test_a_table_per_ortsteil_gets_bars():
    resource = table([{"id": "Ortsteil", "type": "text"}, {"id": "Bäume", "type": "int"}],
                     [{"Ortsteil": "Winzerla", "Bäume": 120}, {"Ortsteil": "Lobeda-Altstadt", "Bäume": 80},
                      {"Ortsteil": "Zwätzen", "Bäume": 1250}])
    drawn = chart.resource_chart(resource)
    assert drawn["kind"] == "bar" and drawn["svg"].count("<rect") == 3
    assert "Zwätzen (1.250)" in drawn["alt"] and "Lobeda-Altstadt (80)" in drawn["alt"]


@pytest.mark.ckan_config("ckanext.jena.charts.max_categories", "2")
def test_too_many_categories_and_unfit_tables_get_no_chart():
    many = table([{"id": "Ortsteil", "type": "text"}, {"id": "Bäume", "type": "int"}],
                 [{"Ortsteil": f"Ort {n}", "Bäume": n} for n in range(3)])
    assert chart.resource_chart(many) is None
    words = table([{"id": "Name", "type": "text"}], [{"Name": "Linde"}])
    assert chart.resource_chart(words) is None
    assert "jena_chart" not in [v["view_type"] for v in helpers.call_action("resource_view_list", id=words["id"])]


@pytest.mark.ckan_config("ckanext.jena.charts.max_points", "10")
def test_a_long_series_draws_its_newest_points_and_says_so():
    drawn = chart.resource_chart(table(TIME_FIELDS, MOISTURE))
    assert len(drawn["rows"]) == 10 and drawn["rows"][-1] == ("20.11.2026 23:00", "41,5")
    assert "10" in drawn["alt"] and "24" in drawn["alt"]


def test_hostile_cell_text_is_escaped_in_the_picture():
    drawn = chart.resource_chart(table([{"id": "Ortsteil", "type": "text"}, {"id": "Wert", "type": "int"}],
                                       [{"Ortsteil": "<script>alert(1)</script>", "Wert": 3},
                                        {"Ortsteil": "a\" onload=\"x", "Wert": 4}]))
    assert "<script>" not in drawn["svg"] and 'onload="x' not in drawn["svg"]


def test_a_private_tables_chart_is_not_drawn_for_an_anonymous_visitor():
    resource = table(TIME_FIELDS, MOISTURE, private=True)
    assert chart.resource_chart(resource, {"user": ""}) is None
    assert chart.resource_chart(resource, {"ignore_auth": True}) is not None
