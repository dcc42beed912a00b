"""A purge takes the dataset's view counts and its explainers with it: both plugins chain
dataset_purge (ckanext/jena/purge.py). With ckanext-harvest loaded, as in the portal, CKAN's purge
also removes the dataset's harvest objects."""
import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import helpers

from ckanext.jena.explainer import jobs, store as explainer_store
from tests.jena_plugins import schema_marks
from tests.theme.test_theme import THEME_PLUGINS, _dataset, view_table, views  # noqa: F401 (fixture)

pytestmark = schema_marks(THEME_PLUGINS + " harvest") + [
    pytest.mark.usefixtures("clean_db", "harvest_tables", "clean_index", "explainer_tables", "view_table"),
]


def test_purging_a_dataset_removes_its_view_counts_and_explainers(app):
    dataset, other = _dataset(), _dataset()
    for each in (dataset, other):
        app.get(f"/dataset/{each['name']}")
        jobs.explain(each["id"], profile=False)
    assert views() == {dataset["id"]: 1, other["id"]: 1}
    assert explainer_store.explainers(dataset["id"])
    helpers.call_action("dataset_purge", id=dataset["name"])  # by name: the chain finds the id
    assert views() == {other["id"]: 1}
    assert explainer_store.explainers(dataset["id"]) == {} and explainer_store.explainers(other["id"])
    assert model.Session.execute(sa.text("SELECT count(*) FROM package WHERE id = :id"),
                                 {"id": dataset["id"]}).scalar() == 0
