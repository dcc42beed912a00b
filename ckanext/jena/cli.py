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
    """Commands of no single capability (they serve the whole portal: scheduler, backup,
    restore), registered by entry point (group ``ckanext.jena.commands`` in setup.py), so this
    shared module imports no capability above it."""
    from importlib.metadata import entry_points
    for entry_point in sorted(entry_points(group="ckanext.jena.commands"), key=lambda e: e.name):
        jena.add_command(entry_point.load(), entry_point.name)


_add_common_commands()
