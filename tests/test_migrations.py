"""The project's tables come from per-plugin migrations (docs/storage.md, issue 20 item 2):
an empty database migrated with CKAN's `ckan db upgrade` has exactly the tables and columns the
code uses; a database whose tables the old code made by hand upgrades to the same schema with
its rows kept; every plugin's migrations go back to nothing; no table is made anywhere else."""
from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from ckan import model

from ckanext.jena import migration
from ckanext.jena.explainer import store as explainer_store
from tests import processes

# the columns the stores read and write (their SQL in */store.py, quality/checks.py, search/)
EXPECTED = {
    "jena_search_document": {
        "index_id", "id", "site_id", "state", "capacity", "dataset_type", "owner_org", "organization", "name",
        "title", "permission_labels", "metadata_created", "metadata_modified", "title_string", "bbox",
        "facet_hashes", "terms", "search_vector", "search_text", "doc", "data_dict", "validated_data_dict",
        "indexed_at", "indexed_xact", "words", "title_folded", "match_vector"},
    "jena_search_term": {"hash", "field", "value"},
    "jena_search_word": {"word"},
    "jena_search_change": {"xact", "seq", "index_id", "old"},
    "jena_search_count_cache": {"key", "snapshot", "total", "counts", "stored_at"},
    "jena_search_meta": {"key", "value"},
    "jena_taxonomy": {"id", "version", "checksum", "turtle", "mappings", "changes", "loaded_at", "loaded_by"},
    "jena_quality_check": {"dataset_id", "checked_at", "links", "dcat_ap_violations", "dcat_ap_messages"},
    "jena_harvest_record": {"source_id", "guid", "package_id", "content_hash", "identifiers", "state", "harvested",
                            "updated"},
    "jena_explainer": set(explainer_store.COLUMNS),
    "jena_explainer_profile": {"resource_id", "dataset_id", "fingerprint", "profile", "error", "profiled_at"},
    "jena_dataset_view": {"dataset_id", "day", "views"},
    "jena_datarequest": {"id", "title", "description", "action_field", "district", "organization_id", "user_id",
                         "state", "answer", "dataset_id", "created", "updated"},
    "jena_datarequest_support": {"datarequest_id", "user_id", "created"},
    "jena_search_miss": {"words", "count", "last_seen"},
    "jena_follow": {"user_id", "kind", "target", "created"},
}
OLD_TABLES = Path(__file__).parent / "data" / "old_tables.sql"
PACKAGE = Path(__file__).resolve().parents[1] / "ckanext" / "jena"


@pytest.fixture(scope="module")
def scratch_url():
    """A database of its own beside this run's test database, emptied by each test."""
    url = sa.engine.make_url(model.meta.engine.url)
    name = f"{url.database}_migrations"
    subprocess.run([str(processes.ROOT / "scripts" / "setup.sh"), "database", name], check=True,
                   capture_output=True)
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def scratch(scratch_url):
    engine = sa.create_engine(scratch_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP OWNED BY CURRENT_USER"))  # all but the superuser's pg_trgm
    yield engine
    engine.dispose()


def schema(engine) -> dict:
    """Every column (type, nullable, default) and index of the project's tables, and the
    version row of the search index."""
    with engine.connect() as conn:
        columns = conn.execute(sa.text(
            "SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name LIKE 'jena%' "
            "AND table_name NOT LIKE '%alembic_version' ORDER BY 1, 2")).fetchall()
        indexes = conn.execute(sa.text(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename LIKE 'jena%' AND tablename NOT LIKE '%alembic_version' ORDER BY 1, 2")).fetchall()
        version = None
        if conn.execute(sa.text("SELECT to_regclass('jena_search_meta') IS NOT NULL")).scalar():
            version = conn.execute(sa.text(
                "SELECT value FROM jena_search_meta WHERE key = 'schema_version'")).scalar()
    tables: dict = {}
    for table, column, *rest in columns:
        tables.setdefault(table, {})[column] = tuple(rest)
    return {"tables": tables, "indexes": [tuple(row) for row in indexes], "search_schema_version": version}


def upgrade_all(engine) -> None:
    for plugin in migration.TABLES:
        migration.upgrade(plugin, url=engine.url.render_as_string(hide_password=False))


def test_ckan_db_upgrade_makes_exactly_the_tables_and_columns_the_code_uses(scratch, tmp_path):
    env = processes.service_env()
    env["CKAN_SQLALCHEMY_URL"] = scratch.url.render_as_string(hide_password=False)
    # CKAN's own tables, then each plugin's migrations found by CKAN's lookup (ckan db upgrade -p)
    ini = processes.harvest_ini(tmp_path / "migrate.ini", "jena_search jena_schema jena_taxonomy jena_explainer "
                                "dcat scheming_datasets scheming_organizations spatial_metadata jena_quality "
                                "harvest jena_harvest jena_theme jena_datarequest jena_follow jena_feeds")
    command = [processes.CKAN, "-c", str(ini), "db", "upgrade"]
    done = subprocess.run([*command, "--skip-plugins"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert schema(scratch)["tables"] == {}
    for plugin in ("jena_explainer", "jena_theme"):
        done = subprocess.run([*command, "-p", plugin], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)  # the other plugins
    assert done.returncode == 0, done.stderr[-3000:]

    found = schema(scratch)
    assert {table: set(columns) for table, columns in found["tables"].items()} == EXPECTED
    assert set(EXPECTED) == {name for tables in migration.TABLES.values() for name in tables}
    assert found["search_schema_version"] == "11"
    with scratch.connect() as conn:
        versions = {plugin: conn.execute(sa.text(f"SELECT version_num FROM {migration.version_table(plugin)}")).scalar()
                    for plugin in migration.TABLES}
    assert all(versions.values()), versions


def test_a_database_with_the_old_hand_made_tables_upgrades_to_the_same_schema_keeping_its_rows(scratch):
    upgrade_all(scratch)
    migrated = schema(scratch)
    with scratch.begin() as conn:
        conn.execute(sa.text("DROP OWNED BY CURRENT_USER"))
        conn.exec_driver_sql(OLD_TABLES.read_text(encoding="utf-8"))
        conn.execute(sa.text("INSERT INTO jena_dataset_view (dataset_id, day, views) VALUES ('d1', '2026-12-01', 3)"))
        conn.execute(sa.text(
            "INSERT INTO jena_explainer (dataset_id, lang, sections, draft, draft_fingerprint, generator, generated_at) "
            "VALUES ('d1', 'de', '{\"summary\": \"Bäume\"}', '{}', 'f', 'rules', now())"))
    old = schema(scratch)
    assert "owned" not in old["tables"]["jena_explainer"]  # the old code's first explainer table

    upgrade_all(scratch)
    assert schema(scratch) == migrated
    with scratch.connect() as conn:
        assert conn.execute(sa.text("SELECT views FROM jena_dataset_view")).scalar() == 3
        assert conn.execute(sa.text("SELECT sections->>'summary', owned FROM jena_explainer")).one() == ("Bäume", [])


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_an_index_of_another_schema_version_is_made_anew_empty(scratch, monkeypatch):
    # the migration's own logger, heard directly: whatever logging set-up earlier tests left
    # (an ini's fileConfig disabling existing loggers, a higher level) must not hide its line
    logger = logging.getLogger("ckanext.jena.migration.jena_search")
    records = _Records()
    monkeypatch.setattr(logger, "disabled", False)
    monkeypatch.setattr(logger, "level", logging.INFO)
    monkeypatch.setattr(logger, "handlers", [*logger.handlers, records])  # the old list comes back
    with scratch.begin() as conn:
        conn.exec_driver_sql(OLD_TABLES.read_text(encoding="utf-8"))
        conn.execute(sa.text("UPDATE jena_search_meta SET value = '6'"))
        conn.execute(sa.text("ALTER TABLE jena_search_document ADD COLUMN gone text"))
    migration.upgrade("jena_search", url=scratch.url.render_as_string(hide_password=False))
    found = schema(scratch)
    assert found["search_schema_version"] == "11"
    assert set(found["tables"]["jena_search_document"]) == EXPECTED["jena_search_document"]
    assert any("run `ckan search-index rebuild`" in message for message in records.messages)


def test_every_plugins_migrations_go_back_to_nothing_and_up_again(scratch):
    upgrade_all(scratch)
    url = scratch.url.render_as_string(hide_password=False)
    for plugin in migration.TABLES:
        migration.downgrade(plugin, url=url)
    assert schema(scratch)["tables"] == {}
    upgrade_all(scratch)
    assert {table: set(columns) for table, columns in schema(scratch)["tables"].items()} == EXPECTED


def test_the_search_backend_refuses_a_database_without_the_index_and_says_what_to_run():
    from ckanext.jena.search import backend
    with pytest.raises(backend.SearchBackendError, match="ckan db upgrade -p jena_search"):
        backend._schema_ready = False
        engine = model.meta.engine
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE jena_search_meta RENAME TO jena_search_meta_away"))
        try:
            backend.require_schema()
        finally:
            with engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE jena_search_meta_away RENAME TO jena_search_meta"))
    backend.require_schema()


def test_no_table_is_made_outside_the_migrations():
    """No CREATE TABLE (nor ALTER TABLE) in the package or the scripts outside ckanext/jena/migration/."""
    statement = re.compile(r"\b(CREATE|ALTER)\s+(UNLOGGED\s+)?TABLE\b", re.I)
    found = []
    for root in (PACKAGE, processes.ROOT / "scripts"):
        for folder, _dirs, files in os.walk(root):
            if Path(folder).is_relative_to(PACKAGE / "migration"):
                continue
            for name in files:
                if name.endswith((".py", ".sql", ".sh")):
                    path = Path(folder) / name
                    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                        if statement.search(line):
                            found.append(f"{path.relative_to(processes.ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_ckan_db_clean_works_on_a_database_without_any_table_and_with_them(scratch, tmp_path):
    """`ckan db clean` clears the search index: with no index tables there is nothing to clear
    (it failed with "the search index tables are missing" before, e.g. for `make bench-dcat` on a
    new database); with the tables it still empties them."""
    env = processes.service_env()
    env["CKAN_SQLALCHEMY_URL"] = scratch.url.render_as_string(hide_password=False)
    ini = processes.harvest_ini(tmp_path / "clean.ini", "jena_search")
    command = [processes.CKAN, "-c", str(ini), "db"]
    done = subprocess.run([*command, "clean", "--yes"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert schema(scratch)["tables"] == {}
    upgrade_all(scratch)
    with scratch.begin() as conn:
        conn.execute(sa.text("INSERT INTO jena_search_term (hash, field, value) VALUES (1, 'tags', 'x')"))
    done = subprocess.run([*command, "clean", "--yes"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert schema(scratch)["tables"] == {}  # `ckan db clean` drops every table, the index's too
