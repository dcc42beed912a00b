"""One scheduler process for everything periodic (`ckan jena scheduler`).

A capability adds its periodic work by implementing IPeriodicTasks in its plugin, e.g. the
harvest capability: start the harvest sources whose frequency is due and mark finished jobs
(what `ckan harvester run` does). The scheduler collects the tasks of the loaded plugins and
runs each one every ``every`` seconds, one after another in this one process, so no task runs
twice at the same time and a failing task does not stop the others."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

from ckan.plugins import Interface, PluginImplementations


@dataclasses.dataclass(frozen=True)
class PeriodicTask:
    name: str
    every: float  # seconds between the start of one run and the next
    run: Callable[[], Any]  # its return value, if any, is written to the scheduler's log


class IPeriodicTasks(Interface):
    """Periodic work of a plugin, run by `ckan jena scheduler`."""

    def periodic_tasks(self) -> list[PeriodicTask]:
        """The plugin's tasks; read once when the scheduler starts."""
        return []


def periodic_tasks() -> list[PeriodicTask]:
    """The tasks of every loaded plugin, in plugin order."""
    tasks: list[PeriodicTask] = []
    for plugin in PluginImplementations(IPeriodicTasks):
        tasks.extend(plugin.periodic_tasks())
    return tasks
