"""A loaded table gets a filterable table view by itself (datatables_view, the default view) and
its resource page a ready-to-copy Data API example in curl and Python, German first."""
import html

import pytest

from ckan.tests import factories, helpers

from tests.data_api.conftest import DATA_PLUGINS, data_marks, run_jobs
from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks
from tests.theme.test_theme import _dataset

# with the Jena schema: jena_schema brings the German catalogue
pytestmark = schema_marks(SCHEMA_PLUGINS + " " + DATA_PLUGINS) + data_marks(SCHEMA_PLUGINS + " " + DATA_PLUGINS) + [
    pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckan.locale_default", "de"),
]


def test_a_loaded_table_gets_a_table_view_and_an_api_example(app, files):
    files.add("/baeume.csv", b"Ortsteil;Baeume\nWinzerla;120\n<script>alert(1)</script>;3\n", content_type="text/csv")
    dataset = _dataset()
    resource = factories.Resource(package_id=dataset["id"], url=files.url("/baeume.csv"), format="CSV")
    before = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}").get_data(as_text=True)
    assert "datastore_search" not in before  # nothing to call before the table is loaded
    run_jobs()
    views = helpers.call_action("resource_view_list", id=resource["id"])
    assert [v["view_type"] for v in views] == ["datatables_view"]
    page = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}").get_data(as_text=True)
    text = html.unescape(page)
    assert "Die Zeilen dieser Tabelle über die Daten-API" in text and "Mit Python" in text
    assert f"curl 'http://test.ckan.net/api/3/action/datastore_search?resource_id={resource['id']}&limit=5'" in text
    assert "import requests" in text and "datastore_search_sql" in text
    assert "<script>alert(1)</script>" not in page
