"""CKAN reads one dataset's indexed copy by name or id (``ckan.lib.search.show``: package_show
asks it before reading the database, for every dataset page and every package_show of a harvest).
Issue 21: that look-up is one statement, not a search with hit and facet counts; it answers
exactly what the search answers for the same query, and nothing that only resembles it takes
the short way."""
import pytest

import ckan.lib.search as search
from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.search import backend, db

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


def recorded(function, *args, **kwargs):
    db.statement_recorder = []
    try:
        result = function(*args, **kwargs)
        return result, [sql for sql, _params in db.statement_recorder]
    finally:
        db.statement_recorder = None


def index_reads(statements):
    return [sql for sql in statements if "jena_search_document" in sql]


def lookup_query(reference):
    site_id = toolkit.config.get("ckan.site_id")
    return {"q": f'name:"{reference}" OR id:"{reference}"', "rows": 1, "wt": "json",
            "fq": f'+site_id:"{site_id}" +entity_type:package'}


def test_a_dataset_is_read_by_name_and_by_id_in_one_statement_with_what_a_search_finds():
    org = factories.Organization()
    public = factories.Dataset(name="baumkataster", owner_org=org["id"], tags=[{"name": "Baum"}])
    hidden = factories.Dataset(name="intern", owner_org=org["id"], private=True)
    for dataset in (public, hidden):
        for reference in (dataset["name"], dataset["id"]):
            doc, statements = recorded(search.show, reference)
            assert doc["id"] == dataset["id"] and doc["name"] == dataset["name"]
            assert "validated_data_dict" in doc and "data_dict" in doc
            # one read of the index, no statement timeout, no hit or facet counts
            assert len(index_reads(statements)) == 1, statements
            assert not any("statement_timeout" in sql or "count_cache" in sql or "facet_hashes" in sql
                           for sql in statements), statements
            # the same query as a search (any other parameter makes it one) finds the same document
            searched, search_statements = recorded(
                backend.PostgresSearchConnection(decode_dates=False).search, **lookup_query(reference),
                facet="false")
            assert any("statement_timeout" in sql for sql in search_statements)
            assert searched.hits == 1 and searched.docs == [doc]


def test_a_dataset_not_in_the_index_is_not_found():
    factories.Dataset(name="vorhanden")
    with pytest.raises(search.SearchError):
        search.show("nicht-vorhanden")


@pytest.mark.parametrize("q", [
    'name:"vorhanden" OR id:"anderer"',  # two different references
    'name:"vorhanden" OR id:"vorhanden" OR name:"zweiter"',  # one clause more
    'name:"vorhanden" OR id:"vorhanden") OR (name:*',  # an attempt to widen it
    'name:"vorh\\" OR id:\\"anden" OR id:"vorh\\" OR id:\\"anden"',  # escaped quotes
    'name:vorhanden OR id:vorhanden',  # without quotes
])
def test_queries_that_only_resemble_a_lookup_are_searches(q):
    factories.Dataset(name="vorhanden")
    factories.Dataset(name="zweiter")
    connection = backend.PostgresSearchConnection(decode_dates=False)
    params = dict(lookup_query("vorhanden"), q=q)
    try:
        _result, statements = recorded(connection.search, **params)
    except search.SearchQueryError:
        return  # refused as a search refuses it
    assert any("statement_timeout" in sql for sql in statements), statements


def test_package_show_reads_the_indexed_copy_without_a_search():
    dataset = factories.Dataset(name="haltestellen", notes="Haltestellen der Straßenbahn")
    shown, statements = recorded(helpers.call_action, "package_show", id="haltestellen")
    assert shown["id"] == dataset["id"] and shown["notes"] == "Haltestellen der Straßenbahn"
    assert len(index_reads(statements)) == 1, statements  # it asked the index, in one statement
    assert not any("count_cache" in sql or "statement_timeout" in sql for sql in statements), statements
