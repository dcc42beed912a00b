"""`ckan jena harvest run SOURCE`: one source, synchronously, with a progress bar and a summary.
`ckan jena harvest import SOURCE --file PATH`: the same with a saved answer of the source."""
from __future__ import annotations

import sys
from typing import Optional

import click


@click.group(name="harvest", short_help="Harvest the city's sources")
def harvest() -> None:
    """Harvest sources of the WISSENsAllmende Jena (plugin jena_harvest)."""


def _options(command):
    command = click.option("--quiet", is_flag=True, help="No progress bar.")(command)
    command = click.option("--allow-mass-withdrawal", is_flag=True,
                           help="Withdraw records gone from the source even above max_withdrawal_share.")(command)
    command = click.option("--force", is_flag=True,
                           help="Import every record, also those whose content is unchanged.")(command)
    return click.argument("source")(command)


@harvest.command(name="run")
@_options
def run(source: str, force: bool, allow_mass_withdrawal: bool, quiet: bool) -> None:
    """Harvest SOURCE (name or id of a harvest source) now, in this process."""
    _run(source, force, allow_mass_withdrawal, quiet, None)


@harvest.command(name="import")
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False),
              help="A saved answer of the source: DCAT (Turtle, RDF/XML, JSON-LD, N-Triples), a CSW GetRecords "
                   "response, a CKAN package_search or package_show JSON, a SensorThings JSON.")
@_options
def import_(source: str, path: str, force: bool, allow_mass_withdrawal: bool, quiet: bool) -> None:
    """Import a saved answer of SOURCE (name or id of a harvest source) from a file, with the
    source's mapping, bookkeeping and curation rules. It withdraws records gone from the source
    only when the file is a complete catalog (no link to a next page, as many records as it
    announces)."""
    _run(source, force, allow_mass_withdrawal, quiet, path)


def _run(source: str, force: bool, allow_mass_withdrawal: bool, quiet: bool, document: Optional[str]) -> None:
    from .runner import RunError, run_source

    bar = None

    def progress(stage: str, done: int, total) -> None:
        nonlocal bar
        if quiet:
            return
        if stage == "gather":
            if done % 100 == 0:
                click.echo(f"\rgelesen / read: {done} records", nl=False, err=True)
            return
        if bar is None:
            click.echo("", err=True)
            bar = click.progressbar(length=total, label="Import", file=sys.stderr, show_pos=True, show_eta=True)
            bar.__enter__()
        bar.update(1)

    try:
        summary = run_source(source, progress=progress, force=force, allow_mass_withdrawal=allow_mass_withdrawal,
                             document=document)
    except RunError as exc:
        raise click.ClickException(f"{exc.german}\n{exc.english}")
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"created {summary['created']} · updated {summary['updated']} · unchanged {summary['unchanged']} · "
               f"withdrawn {summary['withdrawn']} · errors {summary['errors'] + summary['gather_errors']}")
    if summary.get("incomplete"):
        click.echo("unvollständig, nichts wurde zurückgezogen / incomplete, nothing was withdrawn")
    for message in summary["messages"]:
        click.echo(f"  - {message}")
    click.echo(f"job {summary['job_id']}")
    if summary["gather_errors"] and not summary.get("incomplete"):
        sys.exit(2)
    if summary.get("incomplete"):
        sys.exit(3)
