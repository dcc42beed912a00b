"""An organisation's or group's page whose search fails (a sort or query CKAN cannot use) says so
instead of answering 500 (third attack review of 6 December, F7): CKAN hands its page no facets
then, and the facet list drew them anyway."""
from __future__ import annotations

import pytest

from ckan.plugins import toolkit
from ckan.tests import factories

from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks, with_explainer

pytestmark = schema_marks("jena_theme " + with_explainer(SCHEMA_PLUGINS)) + [
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables")]


@pytest.mark.parametrize("query", [{"sort": "bad"}, {"q": 'title:"a"~5'}, {"q": "*:*) OR (x"}],
                         ids=["sort", "proximity", "brackets"])
@pytest.mark.parametrize("kind", ["organization", "group"])
def test_a_failed_search_on_an_organisation_or_group_page_is_a_page_saying_so(app, kind, query):
    owner = (factories.Organization(org_type="fachdienst", title="Fachdienst Umwelt") if kind == "organization"
             else factories.Group(title="Umwelt und Klima"))
    answer = app.get(f"/{kind}/{owner['name']}", query_string=query, status=None)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200, body[-800:]
    assert owner["title"] in body
    if toolkit.check_ckan_version(min_version="2.12"):  # (2.11 finds nothing and says so)
        assert "Error" in body or "Fehler" in body
