"""The search's own bookkeeping (issue 21's kept counts, its change log and word list) is no
change a kept page must show: a search that stores its counts leaves the cache's generation alone,
a real change still renews it at once."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from ckanext.jena.cache import generation, pages

from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks, with_explainer

PLUGINS = "jena_theme " + with_explainer(SCHEMA_PLUGINS + " jena_dcat")

pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckanext.jena.cache.enabled", "true"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de"),
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables"),
]


def test_a_search_storing_its_counts_keeps_the_kept_pages_and_an_edit_still_drops_them(app):
    org = factories.Organization(org_type="fachdienst")
    dataset = factories.Dataset(owner_org=org["id"], title="Baumkataster", license_id="dl-by-de/2.0",
                                action_fields=["stadtentwicklung-umwelt-verkehr"], tags=[{"name": "Bäume"}])
    pages.store.clear()
    app.get("/")  # the watcher is installed with the app
    before = generation.current()
    # facet-only searches (no free text): their counts are kept in jena_search_count_cache
    for fq in ("", "organization:" + org["name"], "license_id:dl-by-de/2.0"):
        helpers.call_action("package_search", {"user": "", "ignore_auth": False},
                            q="", fq=fq, **{"facet.field": ["organization", "license_id", "tags"]})
    app.get("/dataset/")
    assert generation.current() == before
    helpers.call_action("package_patch", id=dataset["id"], title="Baumkataster 2025")
    assert generation.current() != before
