"""The `ckan jena …` command group. Each capability's plugin adds its own sub-group."""
from __future__ import annotations

import click


@click.group(name="jena", short_help="WISSENsAllmende Jena: search, demo content and more")
def jena() -> None:
    """Commands of the ckanext-jena plugins."""


def with_subgroup(group: click.Command) -> list:
    """For IClick.get_commands(): the shared `jena` group with ``group`` added."""
    jena.add_command(group)
    return [jena]


def _add_common_commands() -> None:
    """Commands of no single capability (they serve the whole portal)."""
    from .backup.cli import backup, restore
    from .scheduler.cli import scheduler
    jena.add_command(scheduler)
    jena.add_command(backup)
    jena.add_command(restore)


_add_common_commands()
