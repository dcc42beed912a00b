"""`ckan jena backup DIR` and `ckan jena restore DIR` (issue 16): a backup of a portal with
harvested datasets, an explainer, a taxonomy version and an upload, restored by a separate
`ckan` process into an empty database and another storage path, holds everything again, and
the search index agrees with it."""
from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ckan import model
from ckan.tests import helpers

from ckanext.jena.backup.cli import backup
from tests import processes
from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks, run
from tests.jena_plugins import HARVEST_PLUGINS, with_explainer

PLUGINS = with_explainer(HARVEST_PLUGINS)
pytestmark = marks(PLUGINS) + [pytest.mark.usefixtures("explainer_tables")]
TABLES = ("jena_explainer", "jena_taxonomy", "jena_harvest_record", "harvest_object", "harvest_source", "resource")


def restore_url() -> str:
    """A database of its own beside this run's test database: the two CI lanes run this module at
    the same time, and a shared restore database let one lane's pg_restore race the other's."""
    url = sa.engine.make_url(model.meta.engine.url)
    return url.set(database=f"{url.database}_restore").render_as_string(hide_password=False)


def empty(url: str) -> None:
    name = sa.engine.make_url(url).database
    subprocess.run([str(processes.ROOT / "scripts" / "setup.sh"), "database", name], check=True,
                   capture_output=True)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP OWNED BY CURRENT_USER"))  # everything but the superuser's pg_trgm
    engine.dispose()


def counts(engine) -> dict:
    with engine.connect() as conn:
        found = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
        found["datasets"] = sorted(conn.execute(sa.text(
            "SELECT name FROM package WHERE type = 'dataset' AND state = 'active'")).scalars())
        found["indexed"] = sorted(conn.execute(sa.text(
            "SELECT name FROM jena_search_document WHERE dataset_type = 'dataset'")).scalars())
    return found


def restore(directory, url: str, storage, *options) -> subprocess.CompletedProcess:
    ini = processes.harvest_ini(storage.parent / "restore.ini", PLUGINS, {"ckan.storage_path": str(storage)})
    env = processes.service_env()
    env["CKAN_SQLALCHEMY_URL"] = url
    return subprocess.run([processes.CKAN, "-c", str(ini), "jena", "restore", str(directory), *options], env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_backup_restored_into_an_empty_database_holds_everything_again(source_server, create_with_upload,
                                                                          tmp_path):
    from ckanext.jena.explainer import jobs
    from ckanext.jena.taxonomy import store as taxonomy_store
    run(make_source(catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 4)])))
    first = harvested()[0]
    jobs.explain_dataset_job(first["id"])
    taxonomy_store.store(taxonomy_store.packaged(), [], "test")
    upload = create_with_upload(b"Ortsteil;Baeume\nLobeda;120\n", "baeume.csv", url="baeume.csv",
                                package_id=first["id"], name="Bäume je Ortsteil")
    before = counts(model.meta.engine)
    # (CKAN's database reset leaves the project's own tables: earlier tests' rows may be there too)
    assert before["jena_explainer"] >= 1 and before["jena_taxonomy"] >= 1 and before["jena_harvest_record"] >= 3
    assert len(before["datasets"]) == 3 and before["indexed"] == before["datasets"]

    result = CliRunner().invoke(backup, [str(tmp_path / "sicherung")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "3 datasets, uploads included" in result.output
    url = restore_url()
    empty(url)
    storage = tmp_path / "restored" / "storage"
    storage.parent.mkdir()
    result = restore(tmp_path / "sicherung", url, storage)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "3 datasets (3 when it was made); search index rebuilt" in result.stdout

    engine = sa.create_engine(url)
    try:
        assert counts(engine) == before
    finally:
        engine.dispose()
    stored = storage / "resources" / upload["id"][:3] / upload["id"][3:6] / upload["id"][6:]
    assert stored.read_bytes() == b"Ortsteil;Baeume\nLobeda;120\n"

    # a second restore would overwrite a portal: refused unless --replace
    result = restore(tmp_path / "sicherung", url, storage)
    assert result.returncode == 1
    assert "Die Datenbank enthält schon Datensätze" in result.stderr
    assert "The database already holds datasets" in result.stderr


def test_a_backup_never_overwrites_another(tmp_path):
    (tmp_path / "alt").mkdir()
    (tmp_path / "alt" / "manifest.json").write_text("{}")
    result = CliRunner().invoke(backup, [str(tmp_path / "alt")])
    assert result.exit_code == 1
    assert "eine Sicherung überschreibt nie eine andere" in result.output
    assert (tmp_path / "alt" / "manifest.json").read_text() == "{}"
