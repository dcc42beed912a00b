"""Plugin jena_harvest (who may harvest what, `ckan jena harvest run`, the record table) and the
four harvester types, each a plugin of its own because ckanext-harvest finds a harvester by the
plugin that implements IHarvester: enable

    ckan.plugins = ... harvest jena_harvest jena_harvest_ckan jena_harvest_dcat jena_harvest_csw
                   jena_harvest_sensorthings

The types they register are jena_ckan, jena_dcat, jena_csw and jena_sensorthings."""
from __future__ import annotations

import ckan.plugins as plugins
from ckan.plugins import toolkit

from ckanext.harvest.interfaces import IHarvester
from ckanext.jena.dcat.publication import IDcatPublication
from ckanext.jena.scheduler import IPeriodicTasks

from . import logic
from .sources.ckan import JenaCkanHarvester
from .sources.csw import JenaCswHarvester
from .sources.dcat import JenaDcatHarvester
from .sources.sensorthings import JenaSensorThingsHarvester


@toolkit.blanket.config_declarations
class JenaHarvestPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IConfigurable, inherit=True)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IClick)
    plugins.implements(IPeriodicTasks)
    plugins.implements(IDcatPublication)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")

    def configure(self, config) -> None:
        enabled = config.get("ckan.plugins") or []
        enabled = set(enabled.split() if isinstance(enabled, str) else enabled)
        if "harvest" not in enabled:
            raise RuntimeError("jena_harvest needs ckanext-harvest: add `harvest` to ckan.plugins.")
        # the table jena_harvest_record comes from `ckan db upgrade -p jena_harvest` (docs/storage.md)
        from . import redis_queue
        redis_queue.install()  # consumers that outlive an idle queue on CKAN 2.12 (why: redis_queue.py)

    def get_auth_functions(self) -> dict:
        return logic.get_auth_functions()

    def get_actions(self) -> dict:
        return logic.get_actions()

    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import harvest
        return with_subgroup(harvest)

    def dcat_withheld(self, dataset_dict: dict):
        from .publication import withheld
        return withheld(dataset_dict)

    def dcat_origin(self, dataset_dict: dict):
        from .publication import origin
        return origin(dataset_dict)

    def periodic_tasks(self) -> list:
        from .schedule import periodic_tasks
        return periodic_tasks()


class JenaCkanHarvesterPlugin(JenaCkanHarvester):
    plugins.implements(IHarvester)


class JenaDcatHarvesterPlugin(JenaDcatHarvester):
    plugins.implements(IHarvester)


class JenaCswHarvesterPlugin(JenaCswHarvester):
    plugins.implements(IHarvester)


class JenaSensorThingsHarvesterPlugin(JenaSensorThingsHarvester):
    plugins.implements(IHarvester)
