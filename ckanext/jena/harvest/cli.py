"""`ckan jena harvest run SOURCE`: one source, synchronously, with a progress bar and a summary."""
from __future__ import annotations

import sys

import click


@click.group(name="harvest", short_help="Harvest the city's sources")
def harvest() -> None:
    """Harvest sources of the WISSENsAllmende Jena (plugin jena_harvest)."""


@harvest.command(name="run")
@click.argument("source")
@click.option("--force", is_flag=True, help="Import every record, also those whose content is unchanged.")
@click.option("--allow-mass-withdrawal", is_flag=True,
              help="Withdraw records gone from the source even above max_withdrawal_share.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run(source: str, force: bool, allow_mass_withdrawal: bool, quiet: bool) -> None:
    """Harvest SOURCE (name or id of a harvest source) now, in this process."""
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
        summary = run_source(source, progress=progress, force=force, allow_mass_withdrawal=allow_mass_withdrawal)
    except RunError as exc:
        raise click.ClickException(f"{exc.german}\n{exc.english}")
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"created {summary['created']} · updated {summary['updated']} · unchanged {summary['unchanged']} · "
               f"withdrawn {summary['withdrawn']} · errors {summary['errors'] + summary['gather_errors']}")
    for message in summary["messages"]:
        click.echo(f"  - {message}")
    click.echo(f"job {summary['job_id']}")
    if summary["gather_errors"]:
        sys.exit(2)
