"""Dataset extras in SQL on either CKAN (ckanext/jena/extras.py): a table in 2.11, a column in 2.12."""
import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories, helpers

from ckanext.jena import extras

pytestmark = pytest.mark.usefixtures("clean_db")


def stored(package_id: str) -> list:
    return model.Session.execute(sa.text(
        f"SELECT e.key, e.value FROM {extras.rows_sql()} e WHERE e.package_id = :id ORDER BY e.key"),
        {"id": package_id}).fetchall()


def test_the_running_ckan_keeps_extras_where_the_module_looks():
    tables = sa.inspect(model.meta.engine).get_table_names()
    assert extras.in_package_column() is ("package_extra" not in tables)


def test_a_datasets_extras_are_found_and_removed_ones_are_gone():
    dataset = factories.Dataset(extras=[{"key": "herkunft", "value": "quelle-1"}, {"key": "luecken", "value": "[]"}])
    assert [tuple(row) for row in stored(dataset["id"])] == [("herkunft", "quelle-1"), ("luecken", "[]")]
    helpers.call_action("package_patch", id=dataset["id"], extras=[{"key": "luecken", "value": "[1]"}])
    assert [tuple(row) for row in stored(dataset["id"])] == [("luecken", "[1]")]
    subquery = extras.rows()
    found = model.Session.query(subquery.c.value).filter(subquery.c.package_id == dataset["id"]).all()
    assert [row[0] for row in found] == ["[1]"]
