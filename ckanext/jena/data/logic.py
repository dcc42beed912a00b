"""Tables not yet loaded: xloader submits a resource added with resource_create or whose address
changed, not the resources of a dataset created with them (package_create: the demo, every
harvested dataset), nor those of a portal that had them before the DataStore or a job lost with
Redis. The scheduler's task submits those once."""
from __future__ import annotations

import logging

from ckan import model
from ckan.plugins import toolkit

log = logging.getLogger(__name__)


def missing_tables(limit: int = 500) -> list[str]:
    """Ids of active resources of active datasets in a format xloader loads, not in the DataStore
    and never submitted (no xloader task); sensor tables are filled by sensors.py instead."""
    from ckanext.xloader.utils import XLoaderFormats
    submitted = model.Session.query(model.TaskStatus.entity_id).filter(model.TaskStatus.task_type == "xloader")
    from .sensors import datastream_of
    rows = (model.Session.query(model.Resource.id, model.Resource.format, model.Resource.extras, model.Resource.url)
            .join(model.Package, model.Package.id == model.Resource.package_id)
            .filter(model.Resource.state == "active", model.Package.state == "active")
            .filter(~model.Resource.id.in_(submitted))
            .order_by(model.Resource.created))
    found = []
    for resource_id, resource_format, extras, url in rows:
        if (XLoaderFormats.is_it_an_xloader_format(resource_format)
                and not datastream_of({"url": url, "format": resource_format})
                and not toolkit.asbool((extras or {}).get("datastore_active"))):
            found.append(resource_id)
            if len(found) >= limit:
                break
    return found


def submit_missing_tables() -> str:
    """Submit every table found by missing_tables to xloader (the job worker loads them)."""
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    submitted = 0
    for resource_id in missing_tables():
        context = {"ignore_auth": True, "user": site_user["name"]}
        # "sync" puts the job at the front of the queue (xloader 2.6: rq's at_front, nothing
        # else): a fresh portal's tables load before the quality checks and texts queued with them
        if toolkit.get_action("xloader_submit")(context, {"resource_id": resource_id, "sync": True}):
            submitted += 1
        else:
            log.warning("resource %s: not submitted to xloader", resource_id)
    return f"{submitted} tables submitted for loading"
