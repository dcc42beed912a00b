"""Attack review 3, F4: a chart is drawn once and kept (per resource, its last change and the
language) for the visitors who may see it; a change draws it anew; a private table's kept
drawing is never shown to someone who may not see the dataset."""
import pytest

from ckan.tests import factories, helpers

from ckanext.jena.charts import chart
from tests.charts.test_charts import MOISTURE, TIME_FIELDS, table

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "jena_data datastore jena_chart datatables_view"),
    pytest.mark.ckan_config("ckan.views.default_views", "datatables_view jena_chart"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_datastore", "with_request_context"),
]
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: E402,F401 (fixture)


@pytest.fixture
def draws(monkeypatch):
    """How often the chart was really drawn (the drawing itself runs)."""
    calls = []
    real = chart._line

    def counted(*args):
        calls.append(args[2])
        return real(*args)
    monkeypatch.setattr(chart, "_line", counted)
    return calls


def test_the_second_visitor_gets_the_kept_chart_and_a_change_draws_it_anew(draws):
    resource = table(TIME_FIELDS, MOISTURE)
    first = chart.resource_chart(resource, {"user": ""})
    again = chart.resource_chart(resource, {"user": ""})
    assert len(draws) == 1
    assert str(again["svg"]) == str(first["svg"]) and again["alt"] == first["alt"]
    assert "<polyline" in again["svg"] and hasattr(again["svg"], "__html__")  # still markup, not text
    helpers.call_action("resource_patch", id=resource["id"], name="Bodenfeuchte 20 cm")
    chart.resource_chart(helpers.call_action("resource_show", id=resource["id"]), {"user": ""})
    assert len(draws) == 2


def test_a_private_tables_kept_chart_is_not_shown_to_an_anonymous_visitor_or_an_outsider(draws):
    resource = table(TIME_FIELDS, MOISTURE, private=True)
    assert chart.resource_chart(resource, {"ignore_auth": True}) is not None  # kept now
    assert chart.resource_chart(resource, {"user": ""}) is None
    outsider = factories.User()
    assert chart.resource_chart(resource, {"user": outsider["name"]}) is None
    assert len(draws) == 1
