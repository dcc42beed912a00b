"""`ckan jena freshness digest|list`."""
from __future__ import annotations

import json

import click


@click.group(name="freshness", short_help="Freshness of datasets: the weekly digest to editors")
def freshness() -> None:
    """Is each dataset updated as often as it promises?"""


@freshness.command(name="digest")
@click.option("--force", is_flag=True, help="Send to every subscribed editor now, even if the last digest is not a week old.")
def digest(force: bool) -> None:
    """E-mail each organisation's editors their overdue datasets (at most once a week each;
    the scheduler runs this every hour)."""
    from .digest import send_digests
    counts = send_digests(force=force)
    click.echo(", ".join(f"{key.replace('_', ' ')} {value}" for key, value in counts.items()))


@freshness.command(name="list")
@click.option("--organization", default=None, help="Only this organisation (id or name).")
@click.option("--state", default=None, type=click.Choice(["current", "due", "overdue", "unknown"]))
def list_(organization, state) -> None:
    """The datasets by freshness as JSON lines (all datasets, as a sysadmin sees them)."""
    from ckan.plugins import toolkit
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    data = {key: value for key, value in (("organization", organization), ("state", state)) if value}
    for row in toolkit.get_action("jena_freshness_list")({"user": site_user}, data)["datasets"]:
        click.echo(json.dumps(row, ensure_ascii=False))
