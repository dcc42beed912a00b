"""Attack review 3, F3: every new filter of any visitor keeps one row of counts
(jena_search_count_cache); the table stays within ckanext.jena.search.count_cache_rows however
many filters are tried, and the counts stay exact."""
import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories

from tests.search.test_counts import facet, search_as, stored_counts

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


@pytest.mark.ckan_config("ckanext.jena.search.count_cache_rows", "10")
def test_many_distinct_filters_keep_the_count_cache_under_its_bound():
    org = factories.Organization(name="stadtwerke")
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}])
    for number in range(25):
        search_as(fq=f"tags:t{number}")
        assert stored_counts() <= 10
    # the newest are kept, and counts stay exact after a real write
    assert model.Session.execute(sa.text("SELECT count(*) FROM jena_search_count_cache")).scalar() >= 9
    assert facet(search_as(), "tags") == {"Wasser": 1}
    factories.Dataset(owner_org=org["id"], tags=[{"name": "Wasser"}])
    assert facet(search_as(), "tags") == {"Wasser": 2}


@pytest.mark.ckan_config("ckanext.jena.search.count_cache_rows", "10")
def test_visitors_words_take_at_most_half_of_the_count_cache_and_go_first(monkeypatch):
    from ckanext.jena.search import backend
    # no cut of the change log meanwhile (it drops the counts older than the cut, of any kind)
    monkeypatch.setattr(backend, "PRUNE_CHANGES", 10 ** 9)
    model.Session.execute(sa.text("DELETE FROM jena_search_count_cache"))  # an earlier test's counts
    model.Session.commit()
    org = factories.Organization(name="stadtwerke")
    factories.Dataset(owner_org=org["id"], notes="Wasser Strom", tags=[{"name": "Wasser"}])
    for number in range(4):  # counts without words, kept first
        search_as(fq=f"tags:t{number}")
    without_words = {key for (key,) in model.Session.execute(sa.text(
        "SELECT key FROM jena_search_count_cache WHERE key NOT LIKE 't:%'"))}
    assert len(without_words) >= 4
    for number in range(30):  # a bot's distinct words
        search_as(q=f"Wasser wort{number}")
        text_rows = model.Session.execute(sa.text(
            "SELECT count(*) FROM jena_search_count_cache WHERE key LIKE 't:%'")).scalar()
        assert text_rows <= 5
    kept = {key for (key,) in model.Session.execute(sa.text(
        "SELECT key FROM jena_search_count_cache WHERE key NOT LIKE 't:%'"))}
    assert without_words <= kept  # none of the counts without words was pushed out
    assert stored_counts() <= 10
    assert search_as(q="Wasser")["count"] == 1
