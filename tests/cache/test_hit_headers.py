"""A page served from the cache says what a freshly made one says: ``Cache-Control: private``
(a hit carries the visitor's own CSRF token and session cookie; a shared proxy must not keep it)."""
import pytest

from ckanext.jena.cache import pages
from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks, with_explainer

pytestmark = schema_marks("jena_theme " + with_explainer(SCHEMA_PLUGINS + " jena_dcat")) + [
    pytest.mark.ckan_config("ckanext.jena.cache.enabled", "true"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de"),
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables", "empty_cache"),
]


@pytest.fixture
def empty_cache():
    pages.store.clear()
    yield
    pages.store.clear()


def test_a_hit_is_private_like_the_miss(app):
    miss = app.get("/dataset/?q=tokencheck")
    hit = app.get("/dataset/?q=tokencheck")
    assert miss.headers.get(pages.HEADER) == "miss" and hit.headers.get(pages.HEADER) == "hit"
    assert "private" in miss.headers["Cache-Control"]
    assert "public" not in hit.headers["Cache-Control"] and "private" in hit.headers["Cache-Control"]
