"""`ckan jena search …`: maintain the PostgreSQL search index."""
from __future__ import annotations

import click


@click.group(short_help="PostgreSQL search index (plugin jena_search)")
def search() -> None:
    """Maintain the PostgreSQL search index. Rebuild and clear it with CKAN's own
    `ckan search-index rebuild|clear`."""


@click.command(name="init-schema")
def init_schema() -> None:
    """Create the index table, its indexes and functions (idempotent)."""
    from .backend import ensure_schema
    ensure_schema(force=True)
    click.secho("jena_search: index schema ready", fg="green")


@click.command(name="check")
def check() -> None:
    """Report whether this CKAN still matches what the search seam was written for."""
    from . import ckan_seam
    found = ckan_seam.problems()
    if found:
        for problem in found:
            click.secho(f"- {problem}", fg="red")
        raise click.exceptions.Exit(1)
    click.secho(f"jena_search fits this CKAN (backend={ckan_seam.backend_name()})", fg="green")


search.add_command(init_schema)
search.add_command(check)
