"""The harvest capability's periodic task for `ckan jena scheduler`: what `ckan harvester run`
does. It starts every active source whose frequency (DAILY, WEEKLY, ...) is due, sending a job
to the gather queue for the consumers, marks jobs whose records are all done as finished, ends
jobs idle beyond ckan.harvest.timeout and re-queues records missing from Redis."""
from __future__ import annotations

from ckan.plugins import toolkit

from ckanext.jena.scheduler import PeriodicTask


def run_due_sources() -> None:
    user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    toolkit.get_action("harvest_jobs_run")({"user": user["name"], "ignore_auth": True}, {})


def periodic_tasks() -> list[PeriodicTask]:
    return [PeriodicTask("harvest", toolkit.config["ckanext.jena.harvest.schedule_interval"], run_due_sources)]
