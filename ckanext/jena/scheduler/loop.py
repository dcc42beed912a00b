"""The scheduler's loop: each task when it is due, then sleep until the next one is."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable, Optional

from . import PeriodicTask

log = logging.getLogger(__name__)


def run(tasks: Iterable[PeriodicTask], stop: threading.Event, echo: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic) -> None:
    """Run ``tasks`` until ``stop`` is set. Every task runs once at the start, then every
    ``task.every`` seconds after its last start; a task that raises is logged with its
    traceback and runs again when it is next due."""
    tasks = list(tasks)
    due = {task.name: clock() for task in tasks}
    while not stop.is_set():
        for task in tasks:
            if stop.is_set():
                break
            if due[task.name] <= clock():
                due[task.name] = clock() + task.every
                run_once(task, echo)
        if tasks:
            stop.wait(max(0.05, min(due.values()) - clock()))
        else:
            stop.wait(60)


def run_once(task: PeriodicTask, echo: Callable[[str], None]) -> Optional[object]:
    from ckan import model
    started = time.monotonic()
    try:
        result = task.run()
    except Exception as exc:  # one failing task must not stop the others; it runs again when due
        model.Session.rollback()
        log.exception("scheduled task %s failed", task.name)
        echo(f"{task.name}: failed ({type(exc).__name__}: {exc}); again in {task.every:g} s")
        return None
    finally:
        # the next run reads the database afresh (what consumers and the web wrote meanwhile)
        model.Session.remove()
    echo(f"{task.name}: done in {time.monotonic() - started:.1f} s" + (f": {result}" if result else ""))
    return result
