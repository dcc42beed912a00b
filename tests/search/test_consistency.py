"""`ckan jena search check --consistency` finds where the index and the database disagree, and
`--repair` makes them agree again (issue 16: the fault tests rely on it)."""
import datetime

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ckan import model
from ckan.lib import search as ckan_search
from ckan.tests import factories, helpers

from ckanext.jena.search.cli import search

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


def check(*options):
    return CliRunner().invoke(search, ["check", "--consistency", *options], catch_exceptions=False)


def behind_the_index(sql: str, **params) -> None:
    """A change the index never heard of (a lost write, a crash between database and index)."""
    model.Session.execute(sa.text(sql), params)
    model.Session.commit()


def test_an_index_that_agrees_with_the_database_is_reported_consistent():
    org = factories.Organization()
    factories.Dataset(owner_org=org["id"])
    factories.Dataset(owner_org=org["id"], private=True)
    factories.Dataset(state="draft")
    result = check()
    assert result.exit_code == 0, result.output
    assert "index consistent with the database (missing 0, stale 0, extra 0)" in result.output


def test_missing_stale_and_extra_datasets_are_reported_and_repaired():
    missing, stale, extra, fine = (factories.Dataset(title=f"Datensatz {n}") for n in range(4))
    ckan_search.clear(missing["id"])
    ckan_search.commit()
    model.Session.commit()
    later = datetime.datetime.utcnow() + datetime.timedelta(minutes=5)
    behind_the_index("UPDATE package SET metadata_modified = :t, title = 'Neuer Titel' WHERE id = :id",
                     t=later, id=stale["id"])
    behind_the_index("UPDATE package SET state = 'deleted' WHERE id = :id", id=extra["id"])

    result = check()
    assert result.exit_code == 1
    assert f"fehlt im Index / missing from the index: {missing['id']}" in result.output
    assert f"veraltet im Index / stale in the index: {stale['id']}" in result.output
    assert f"nur im Index / extra in the index: {extra['id']}" in result.output
    assert fine["id"] not in result.output
    assert "index inconsistent (missing 1, stale 1, extra 1); `--repair` fixes it" in result.output

    result = check("--repair")
    assert result.exit_code == 0, result.output
    assert "repaired (missing 1, stale 1, extra 1); index consistent with the database" in result.output
    assert check().exit_code == 0
    found = helpers.call_action("package_search", q="*:*", rows=10)
    assert sorted(d["title"] for d in found["results"]) == ["Datensatz 0", "Datensatz 3", "Neuer Titel"]
