"""`ckan jena demo load`: the demo organisations, groups and datasets (idempotent)."""
from __future__ import annotations

import click


@click.group(short_help="Demo content for a local portal (plugin jena_demo)")
def demo() -> None:
    """Demo content: realistic Jena datasets for development and trying the portal."""


@demo.command(name="load")
@click.option("--user", default=None, help="Acting user (default: the site user)")
def load(user) -> None:
    """Create or update the demo organisations, groups and datasets."""
    from ckan.plugins import toolkit
    from .loader import load_demo
    if user is None:
        user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    summary = load_demo(user, echo=click.echo)
    click.secho("demo content: " + ", ".join(f"{k} {v}" for k, v in summary.items() if k != "sources"), fg="green")
    if summary.get("errors"):
        raise click.ClickException("Errors while harvesting the demo sources: see the reports above.")
