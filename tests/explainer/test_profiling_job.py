"""The background job behind explainers: it looks into a dataset's files within limits, keeps a
failure to itself, profiles again only what changed, and the CLI and API start it."""
import io

import pytest

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.explainer import jobs, store
from ckanext.jena.explainer.cli import explainer as explainer_cli
from tests.harvest.server import FixtureServer
from tests.jena_plugins import EXPLAINER_PLUGINS, schema_marks

pytestmark = schema_marks(EXPLAINER_PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckanext.jena.explainer.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckanext.jena.explainer.profile_seconds", "8"),
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables"),
]
CSV = "Ortsteil;Jahr;Bäume\nWinzerla;2021;120\nLobeda-Altstadt;2022;80\nZwätzen;2023;95\n".encode("utf-8")


@pytest.fixture
def files():
    server = FixtureServer()
    yield server
    server.stop()


def make(org, resources, **fields):
    data = {"name": "baeume", "title": "Bäume je Ortsteil", "owner_org": org["id"], "license_id": "dl-by-de/2.0",
            "notes": "Straßenbäume je Ortsteil.", "tags": [{"name": "Bäume"}],
            "resources": resources}
    data.update(fields)
    return helpers.call_action("package_create", **data)


def contents(dataset_id):
    explainer = helpers.call_action("jena_explainer_show", id=dataset_id, lang="de")
    return next(s["markdown"] for s in explainer["sections"] if s["key"] == "contents")


def test_a_linked_csv_is_profiled_once_and_its_columns_reach_the_explainer(files):
    files.add("/baeume.csv", CSV, content_type="text/csv")
    org = factories.Organization(org_type="fachdienst")
    pkg = make(org, [{"name": "Bäume", "url": files.url("/baeume.csv"), "format": "CSV"}])
    outcome = jobs.explain(pkg["id"])
    assert outcome["profiles"]["profiled"] == 1
    text = contents(pkg["id"])
    assert "3 Zeilen und 3 Spalten" in text and "**Bäume**" in text and "von 80 bis 120" in text
    # unchanged files are not read again
    files.requests.clear()
    assert jobs.explain(pkg["id"])["profiles"] == {"profiled": 0, "unchanged": 1, "failed": 0, "skipped": 0}
    assert files.requests == []


def test_a_file_over_the_size_limit_or_an_internal_address_fails_alone_with_a_bilingual_reason(files, ckan_config,
                                                                                                monkeypatch):
    files.add("/gross.csv", CSV * 200, content_type="text/csv")
    files.add("/klein.csv", CSV, content_type="text/csv")
    monkeypatch.setitem(ckan_config, "ckanext.jena.explainer.profile_max_bytes", "1000")
    org = factories.Organization(org_type="fachdienst")
    pkg = make(org, [{"name": "Groß", "url": files.url("/gross.csv"), "format": "CSV"},
                     {"name": "Intern", "url": "http://10.1.2.3/geheim.csv", "format": "CSV"},
                     {"name": "Klein", "url": files.url("/klein.csv"), "format": "CSV"},
                     {"name": "Bericht", "url": files.url("/bericht.pdf"), "format": "PDF"}])
    outcome = jobs.explain(pkg["id"])
    assert outcome["profiles"] == {"profiled": 1, "unchanged": 0, "failed": 2, "skipped": 1}
    errors = [p["error"] for p in store.profiles(pkg["id"]).values() if p["error"]]
    assert len(errors) == 2 and all(e["de"] and e["en"] and e["de"] != e["en"] for e in errors)
    assert any("MB" in e["en"] for e in errors)                     # the size limit says so
    assert not any(r == "/bericht.pdf" for r in files.requests)     # PDFs are not downloaded
    assert "**Bäume**" in contents(pkg["id"])                       # the small file still counts


def test_an_uploaded_file_is_read_from_the_file_store(app, tmp_path, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckan.storage_path", str(tmp_path))
    org = factories.Organization(org_type="fachdienst")
    pkg = make(org, [], private=True)
    helpers.call_action("resource_create", package_id=pkg["id"], name="Bäume", format="CSV",
                        upload=_upload("baeume.csv", CSV))
    outcome = jobs.explain(pkg["id"])
    assert outcome["profiles"]["profiled"] == 1
    assert "von 80 bis 120" in contents(pkg["id"])


def _upload(name, data):
    from werkzeug.datastructures import FileStorage
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="text/csv")


def test_the_cli_renews_explainers_and_the_api_queues_profiling(files, cli):
    files.add("/baeume.csv", CSV, content_type="text/csv")
    org = factories.Organization(org_type="fachdienst")
    pkg = make(org, [{"name": "Bäume", "url": files.url("/baeume.csv"), "format": "CSV"}])
    result = cli.invoke(explainer_cli, ["generate", "baeume"])
    assert result.exit_code == 0, result.output
    assert "1 explainers renewed; 1 files profiled" in result.output
    assert set(store.explainers(pkg["id"])) == {"de", "en"}
    assert cli.invoke(explainer_cli, ["generate", "gibt-es-nicht"]).exit_code != 0
    shown = cli.invoke(explainer_cli, ["show", "baeume"])
    assert "Worum geht es?" in shown.output and "Flesch" in shown.output
    editor = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    answer = helpers.call_action("jena_explainer_generate", context={"user": editor["name"], "ignore_auth": False},
                                 id=pkg["id"], profile=True)
    assert answer["profiling"] == "queued"
    assert any(job["title"] == "jena explainer profiling" for job in helpers.call_action("job_list"))
    with pytest.raises(toolkit.ObjectNotFound):
        helpers.call_action("jena_explainer_show", id="gibt-es-nicht")


def test_profiling_has_its_own_allow_list_not_the_harvesters(files, ckan_config, monkeypatch):
    """Resource links are typed by editors: the sysadmins' harvest allow-list does not open
    internal addresses to them."""
    files.add("/baeume.csv", CSV, content_type="text/csv")
    monkeypatch.setitem(ckan_config, "ckanext.jena.explainer.allowed_hosts", "")
    monkeypatch.setitem(ckan_config, "ckanext.jena.harvest.allowed_hosts", "127.0.0.1")
    org = factories.Organization(org_type="fachdienst")
    pkg = make(org, [{"name": "Bäume", "url": files.url("/baeume.csv"), "format": "CSV"}])
    assert jobs.explain(pkg["id"])["profiles"]["failed"] == 1
    (error,) = [p["error"] for p in store.profiles(pkg["id"]).values()]
    assert "ckanext.jena.explainer.allowed_hosts" in error["en"] and files.requests == []
