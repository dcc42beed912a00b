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
