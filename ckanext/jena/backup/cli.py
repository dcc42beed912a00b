"""`ckan jena backup DIR` and `ckan jena restore DIR` (see the package's docstring)."""
from __future__ import annotations

import click


def _fail(exc) -> click.ClickException:
    return click.ClickException(f"{exc.german}\n{exc.english}")


@click.command(name="backup", short_help="Back the portal up into DIR (database, uploads)")
@click.argument("directory", type=click.Path(file_okay=False))
def backup(directory: str) -> None:
    """Back up the database (datasets, explainers, taxonomy versions, harvest sources and
    records, search index, ...) and the uploads into DIR, a new or empty directory."""
    from . import BackupError, backup as make_backup
    try:
        manifest = make_backup(directory, echo=lambda line: click.echo(line, err=True))
    except BackupError as exc:
        raise _fail(exc)
    click.secho(f"backup in {directory}: {manifest['datasets']} datasets, "
                f"uploads {'included' if manifest['uploads'] else 'none'}", fg="green")


@click.command(name="restore", short_help="Restore a backup from DIR into an empty database")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--replace", is_flag=True, help="Replace what the database holds (else it must hold no datasets).")
def restore(directory: str, replace: bool) -> None:
    """Restore the backup in DIR into the configured database (sqlalchemy.url) and storage
    path (ckan.storage_path), then rebuild the search index. The database is restored in one
    transaction: if that fails, it stays as it was."""
    from . import BackupError, restore as restore_backup
    try:
        manifest = restore_backup(directory, replace=replace, echo=lambda line: click.echo(line, err=True))
    except BackupError as exc:
        raise _fail(exc)
    click.secho(f"restored the backup of {manifest['created']}: {manifest['datasets_restored']} datasets "
                f"({manifest['datasets']} when it was made); search index rebuilt", fg="green")
