"""Changing the taxonomy file and running the CLI: load, then migrate existing datasets."""
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ckan import model as ckan_model
from ckan.tests import factories, helpers

from ckanext.jena.taxonomy.cli import taxonomy
from ckanext.jena.taxonomy import model, store
from tests.jena_plugins import schema_marks

pytestmark = schema_marks() + [pytest.mark.usefixtures("clean_db", "clean_index", "loaded_taxonomy")]


@pytest.fixture
def loaded_taxonomy():
    ckan_model.Session.execute(sa.text("DELETE FROM jena_taxonomy"))
    ckan_model.Session.commit()
    store.forget_current()
    yield
    ckan_model.Session.execute(sa.text("DELETE FROM jena_taxonomy"))
    ckan_model.Session.commit()
    store.forget_current()


REQUIRED = {"license_id": "dl-by-de/2.0", "tags": [{"name": "Test"}]}


def run(*args, check=True):
    """`ckan jena taxonomy ...`, in this process, so it runs with the plugins of these tests."""
    assert args[0] == "taxonomy"
    result = CliRunner().invoke(taxonomy, list(args[1:]), catch_exceptions=False)
    if check:
        assert result.exit_code == 0, result.output
    return result


def edited_file(tmp_path, replacements: dict, extra: str = "") -> str:
    turtle, _mappings = model.packaged_sources()
    for old, new in replacements.items():
        assert old in turtle
        turtle = turtle.replace(old, new)
    path = tmp_path / "taxonomy.ttl"
    path.write_text(turtle + extra, encoding="utf-8")
    return str(path)


@pytest.mark.ckan_config("ckan.locale_default", "de")
def test_editing_the_file_and_loading_it_changes_the_taxonomy_and_migrate_moves_datasets(tmp_path, app):
    org = factories.Organization(org_type="fachdienst")
    helpers.call_action("package_create", name="logistik", title="Lieferzonen", notes="x",
                        owner_org=org["id"], action_fields=["wirtschaft", "smart-city-logistik"], **REQUIRED)
    helpers.call_action("package_create", name="handel", title="Handel", notes="x",
                        owner_org=org["id"], action_fields=["wirtschaft"], **REQUIRED)
    first = run("taxonomy", "load")
    assert first.exit_code == 0 and "first load" in first.output
    assert "already loaded" in run("taxonomy", "load").output

    # a data officer renames a field, adds a measure and retires another one
    path = edited_file(tmp_path, {
        '"Wirtschaft"@de': '"Wirtschaft und Handel"@de',
        '<smart-city-logistik> a skos:Concept ;':
            '<smart-city-logistik> a skos:Concept ; owl:deprecated true ; dct:isReplacedBy <innenstadt-handel> ;',
        'owl:versionInfo "2021.1"': 'owl:versionInfo "2026.1"'},
        extra='<innenstadt-handel> a skos:Concept ; skos:inScheme <handlungsfelder> ; '
              'skos:broader <wirtschaft> ; skos:notation "innenstadt-handel" ; '
              'skos:prefLabel "Digitaler Innenstadthandel"@de, "Digital city-centre retail"@en ; '
              'skos:definition "Läden in der Innenstadt."@de, "Shops in the city centre."@en .\n')
    dry = run("taxonomy", "load", "--file", path, "--dry-run")
    assert "dry run" in dry.output and store.current().version == "2021.1"
    loaded = run("taxonomy", "load", "--file", path)
    assert loaded.exit_code == 0, loaded.output
    assert "renamed wirtschaft (de): 'Wirtschaft' -> 'Wirtschaft und Handel'" in loaded.output
    assert "1 dataset(s) use retired concepts" in loaded.output
    assert store.current().version == "2026.1"
    assert "innenstadt-handel" in store.current().valid_values()

    # the dataset on the retired measure can no longer be saved as it is ...
    with pytest.raises(Exception) as raised:
        helpers.call_action("package_patch", id="logistik", title="Lieferzonen 2026")
    assert "is no longer used" in str(raised.value)
    # ... and migrate shows, then makes, the change
    dry = run("taxonomy", "migrate", "--dry-run")
    assert "logistik: wirtschaft, smart-city-logistik -> wirtschaft, innenstadt-handel" in dry.output
    assert helpers.call_action("package_show", id="logistik")["action_fields"] == ["wirtschaft", "smart-city-logistik"]
    done = run("taxonomy", "migrate")
    assert done.exit_code == 0 and "migrated 1 dataset(s); 0 failed" in done.output
    assert helpers.call_action("package_show", id="logistik")["action_fields"] == ["wirtschaft", "innenstadt-handel"]
    assert helpers.call_action("package_show", id="handel")["action_fields"] == ["wirtschaft"]
    # the renamed label is what search shows on this German portal, in the API and on the page
    facets = helpers.call_action("package_search", **{"facet.field": '["action_fields"]'})["search_facets"]
    labels = {i["name"]: i["display_name"] for i in facets["action_fields"]["items"]}
    assert labels["wirtschaft"] == "Wirtschaft und Handel"
    page = app.get("/dataset/").body
    assert "Wirtschaft und Handel" in page
    assert "Economy" not in page and ">Wirtschaft<" not in page
    history = run("taxonomy", "show", "--history").output
    assert "version 2021.1" in history and "version 2026.1" in history


def test_a_broken_file_is_refused_and_nothing_is_stored(tmp_path):
    path = edited_file(tmp_path, {'"Economy"@en': '"Economy"@fr'})
    result = run("taxonomy", "load", "--file", path, check=False)
    assert result.exit_code != 0
    assert "wirtschaft has no skos:prefLabel in 'en'" in result.output
    assert store.loaded_current() is None


def test_migrate_moves_datasets_classified_under_an_earlier_scheme():
    org = factories.Organization(org_type="fachdienst")
    pkg = helpers.call_action("package_create", name="ampeln", title="Ampeln", notes="x", owner_org=org["id"],
                              **REQUIRED)
    # stored before the 2021 scheme existed: written directly, as an old import would have
    ckan_model.Package.get(pkg["id"]).extras["action_fields"] = '["acht-punkte-2018-verkehrsrechner"]'
    ckan_model.Session.commit()
    result = run("taxonomy", "migrate")
    assert "acht-punkte-2018-verkehrsrechner -> verkehrsmanagement (closeMatch)" in result.output
    migrated = helpers.call_action("package_show", id="ampeln")["action_fields"]
    assert migrated == ["stadtentwicklung-umwelt-verkehr", "verkehrsmanagement"]
