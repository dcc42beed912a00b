"""The coupling to CKAN internals: it must fail loudly when CKAN changes under it."""
import pysolr
import pytest

from ckan.lib.search import common, index, query
from ckanext.jena.search import ckan_seam
from ckanext.jena.search.backend import PostgresSearchConnection


def test_the_running_ckan_is_the_one_the_seam_was_written_for():
    assert ckan_seam.problems() == []


def test_ckan_search_modules_reach_postgres():
    assert ckan_seam.is_installed()
    for module in (common, index, query):
        assert isinstance(module.make_connection(), PostgresSearchConnection)


@pytest.mark.ckan_config("ckanext.jena.search.backend", "solr")
def test_solr_stays_selectable():
    assert isinstance(common.make_connection(), pysolr.Solr)
    assert isinstance(query.make_connection(), pysolr.Solr)


def test_a_changed_ckan_is_reported(monkeypatch):
    monkeypatch.setitem(ckan_seam.EXPECTED_SOURCE,
                        "ckan.lib.search.query:PackageSearchQuery.run", ["conn.search_v2("])
    found = ckan_seam.problems()
    assert any("PackageSearchQuery.run" in problem for problem in found)
    with pytest.raises(RuntimeError):
        ckan_seam.install()


@pytest.mark.ckan_config("ckan.plugins", "jena_search")
@pytest.mark.usefixtures("with_plugins")
def test_cli_check_reports_fit(cli):
    from ckan.cli.cli import ckan
    result = cli.invoke(ckan, ["jena", "search", "check"])
    assert result.exit_code == 0, result.output
    assert "fits this CKAN" in result.output
