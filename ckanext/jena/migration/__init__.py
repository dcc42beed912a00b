"""The project's tables, one Alembic migration history per plugin (docs/storage.md).

CKAN finds a plugin's migrations in ``ckanext/<extension>/migration/<plugin name>/`` (see
``ckan.cli.db._resolve_alembic_config``, CKAN 2.11 and 2.12), so ``ckan db upgrade -p
jena_explainer`` runs ``ckanext/jena/migration/jena_explainer/``, and ``ckan db upgrade`` (or
``ckan db init``) runs the pending ones of every loaded plugin. Each history keeps its version in
the table ``<plugin name>_alembic_version``, as CKAN's own plugins do.

The functions below run a history without loading its plugin (CKAN's command needs the plugin
in ``ckan.plugins``): the test fixtures use them after CKAN's database reset dropped every table.
Nothing else creates or changes the project's tables.
"""
from __future__ import annotations

import logging
import os

import sqlalchemy as sa

log = logging.getLogger(__name__)
FOLDER = os.path.dirname(__file__)
# the plugins with tables, and the tables each one's migrations make (tests/test_migrations.py
# checks both against the migrated database)
TABLES = {
    "jena_search": ("jena_search_document", "jena_search_term", "jena_search_meta", "jena_search_word",
                    "jena_search_change", "jena_search_count_cache"),
    "jena_taxonomy": ("jena_taxonomy",),
    "jena_quality": ("jena_quality_check",),
    "jena_harvest": ("jena_harvest_record",),
    "jena_explainer": ("jena_explainer", "jena_explainer_profile"),
    "jena_theme": ("jena_dataset_view",),
    "jena_datarequest": ("jena_datarequest", "jena_datarequest_support", "jena_search_miss"),
    "jena_follow": ("jena_follow",),
}


def alembic_ini(plugin: str) -> str:
    return os.path.join(FOLDER, plugin, "alembic.ini")


def version_table(plugin: str) -> str:
    return f"{plugin}_alembic_version"


def _alembic_config(plugin: str, url: str):
    from alembic.config import Config
    config = Config(alembic_ini(plugin))
    config.set_main_option("script_location", os.path.join(FOLDER, plugin))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _url() -> str:
    from ckan.plugins import toolkit
    return toolkit.config["sqlalchemy.url"]


def upgrade(plugin: str, revision: str = "head", url: str = "") -> None:
    """``ckan db upgrade -p PLUGIN`` without loading the plugin."""
    from alembic import command
    command.upgrade(_alembic_config(plugin, url or _url()), revision)


def downgrade(plugin: str, revision: str = "base", url: str = "") -> None:
    """``ckan db downgrade -p PLUGIN`` without loading the plugin."""
    from alembic import command
    command.downgrade(_alembic_config(plugin, url or _url()), revision)


def missing_tables(connection) -> list[str]:
    """The project's tables this database lacks (one query)."""
    names = [name for tables in TABLES.values() for name in tables]
    present = {row[0] for row in connection.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY(:names)"),
        {"names": names})}
    return [name for name in names if name not in present]


def upgrade_all_if_missing(engine) -> bool:
    """Run every plugin's migrations when one of the project's tables is missing (as after
    CKAN's test reset or ``ckan db clean``, which drop every table and every version table);
    True if they ran. Cheap when nothing is missing."""
    with engine.connect() as connection:
        if not missing_tables(connection):
            return False
    for plugin in TABLES:
        upgrade(plugin, url=engine.url.render_as_string(hide_password=False))
    return True


def run_env(plugin: str) -> None:
    """The body of every ``migration/<plugin>/env.py``: run the migrations online on
    sqlalchemy.url, with the plugin's own version table. Leaves logging alone (CKAN's and
    the tests' loggers stay as they are)."""
    from alembic import context
    config = context.config
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                          version_table=version_table(plugin))
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.",
                                   poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, version_table=version_table(plugin))
        with context.begin_transaction():
            context.run_migrations()
