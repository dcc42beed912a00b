"""The coupling to CKAN internals: it must fail loudly when CKAN changes under it."""
import pysolr
import pytest

import ckan
import ckan.lib.search as ckan_search
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


def test_the_seam_checks_what_the_running_ckan_version_does_alone():
    line = ".".join(ckan.__version__.split(".")[:2])
    assert line in ckan_seam.WRITTEN_FOR_CKAN
    assert line in ckan_seam.EXPECTED_SOURCE_BY_VERSION


def test_a_ckan_the_seam_was_not_written_for_is_refused(monkeypatch):
    monkeypatch.setattr(ckan, "__version__", "2.13.0")
    assert any("2.13.0" in problem for problem in ckan_seam.problems())
    monkeypatch.setattr(ckan, "__version__", "2.110.0")
    assert any("2.110.0" in problem for problem in ckan_seam.problems())


@pytest.mark.parametrize("registry", ["_INDICES", "_QUERIES"])
def test_a_replaced_package_index_or_query_is_reported(monkeypatch, registry):
    monkeypatch.setitem(getattr(ckan_search, registry), "package", object)
    assert any(registry in problem for problem in ckan_seam.problems())


def test_a_changed_index_document_of_this_version_is_reported(monkeypatch):
    line = ".".join(ckan.__version__.split(".")[:2])
    monkeypatch.setitem(ckan_seam.EXPECTED_SOURCE_BY_VERSION, line,
                        {"ckan.lib.search.index:PackageSearchIndex.index_package": ["no_such_fragment"]})
    assert any("no_such_fragment" in problem for problem in ckan_seam.problems())


@pytest.mark.ckan_config("ckan.plugins", "jena_search")
@pytest.mark.usefixtures("with_plugins")
def test_cli_check_reports_fit(cli):
    from ckan.cli.cli import ckan
    result = cli.invoke(ckan, ["jena", "search", "check"])
    assert result.exit_code == 0, result.output
    assert "fits this CKAN" in result.output
