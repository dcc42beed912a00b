import pytest
from ckan.tests import factories, helpers


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_created_dataset_is_found_by_german_word_part():
    factories.Dataset(title="Baumkataster Jena", notes="Alle Bäume im öffentlichen Raum")
    result = helpers.call_action("package_search", q="Baum")
    assert result["count"] == 1
    assert result["results"][0]["title"] == "Baumkataster Jena"
