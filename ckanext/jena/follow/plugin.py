"""Plugin jena_follow: citizens follow a Handlungsfeld or a saved search (CKAN's own follow
covers datasets, organisations and groups) and get one e-mail per hour at most with what
changed that matters: new datasets, new or changed files. API jena_follow_create/_delete/_list;
/folgen lists what one follows; the scheduler sends the e-mails (`ckan jena follow notify`
by hand). Tables from `ckan db upgrade -p jena_follow`. Needs jena_feeds and jena_taxonomy."""
from __future__ import annotations

import ckan.plugins as plugins
from ckan.plugins import toolkit

from ckanext.jena.scheduler import IPeriodicTasks, PeriodicTask

from . import logic


class JenaFollowPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IBlueprint)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(plugins.IClick)
    plugins.implements(IPeriodicTasks)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")

    def get_actions(self) -> dict:
        return logic.get_actions()

    def get_auth_functions(self) -> dict:
        return logic.get_auth_functions()

    def get_blueprint(self):
        from .views import follow_blueprint
        return [follow_blueprint]

    def get_helpers(self) -> dict:
        from . import views
        return {"jena_follow_button": views.follow_button, "jena_follow_search_target": views.search_target}

    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import follow
        return with_subgroup(follow)

    def periodic_tasks(self) -> list:
        from .notify import send_notifications
        return [PeriodicTask("follow notifications", 3600, send_notifications)]
