"""`ckan jena follow notify`."""
from __future__ import annotations

import click


@click.group(name="follow", short_help="Notifications about what citizens follow")
def follow() -> None:
    """Followed Handlungsfelder, searches, datasets and organisations."""


@follow.command(name="notify")
def notify() -> None:
    """E-mail each follower what changed since their last e-mail (the scheduler runs this hourly)."""
    from .notify import send_notifications
    counts = send_notifications()
    click.echo(", ".join(f"{key.replace('_', ' ')} {value}" for key, value in counts.items()))
