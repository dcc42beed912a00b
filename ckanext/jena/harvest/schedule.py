"""The harvest capability's periodic task for `ckan jena scheduler`: what `ckan harvester run`
does. It starts every active source whose frequency (DAILY, WEEKLY, ...) is due, sending a job
to the gather queue for the consumers, marks jobs whose records are all done as finished, ends
jobs idle beyond ckan.harvest.timeout and re-queues records missing from Redis."""
from __future__ import annotations

from typing import Optional

from ckan import model
from ckan.plugins import toolkit

from ckanext.jena.scheduler import PeriodicTask

UNDER_WAY = ("New", "Running")


def _jobs_under_way() -> dict[str, str]:
    from ckanext.harvest.model import HarvestJob, HarvestSource
    # a harvest source is a dataset of type harvest with the same id: its name is the package's
    rows = (model.Session.query(HarvestJob.id, model.Package.name)
            .join(HarvestSource, HarvestJob.source_id == HarvestSource.id)
            .join(model.Package, model.Package.id == HarvestSource.id)
            .filter(HarvestJob.status.in_(UNDER_WAY)))
    return dict(rows)


def run_due_sources() -> Optional[str]:
    """Run ckanext-harvest's harvest_jobs_run; for the log, the sources whose jobs it started and
    finished."""
    before = _jobs_under_way()
    model.Session.commit()
    user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    toolkit.get_action("harvest_jobs_run")({"user": user["name"], "ignore_auth": True}, {})
    model.Session.commit()
    after = _jobs_under_way()
    started = sorted(name for job, name in after.items() if job not in before)
    finished = sorted(name for job, name in before.items() if job not in after)
    parts = [f"started {', '.join(started)}" if started else "", f"finished {', '.join(finished)}" if finished else ""]
    return "; ".join(p for p in parts if p) or None


def periodic_tasks() -> list[PeriodicTask]:
    return [PeriodicTask("harvest", toolkit.config["ckanext.jena.harvest.schedule_interval"], run_due_sources)]
