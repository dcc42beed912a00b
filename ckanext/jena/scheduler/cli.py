"""`ckan jena scheduler`: the one process for everything periodic (`make run` starts it)."""
from __future__ import annotations

import datetime
import signal
import threading

import click


@click.command(name="scheduler", short_help="Run the periodic tasks (due harvest sources, ...) until stopped")
@click.option("--once", is_flag=True, help="Run every task once and stop.")
def scheduler(once: bool) -> None:
    """Run the periodic tasks of the loaded plugins (interface IPeriodicTasks), each at its own
    interval, until stopped with Ctrl-C or SIGTERM (a running task is finished first)."""
    from . import periodic_tasks
    from .loop import run, run_once

    def echo(message: str) -> None:
        stamp = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        click.echo(f"{stamp} {message}")

    tasks = periodic_tasks()
    stop = threading.Event()
    if once:
        stop.set()
        for task in tasks:
            run_once(task, echo)
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    echo("scheduler started: " + (", ".join(f"{t.name} every {t.every:g} s" for t in tasks) or "no tasks"))
    run(tasks, stop, echo)
    echo("scheduler stopped")
