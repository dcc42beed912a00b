"""Plugin jena_taxonomy: the Smart City action-field taxonomy, its pages, API and CLI."""
from __future__ import annotations

import ckan.plugins as plugins
from ckan.plugins import toolkit

from . import logic


@toolkit.blanket.config_declarations
class JenaTaxonomyPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IBlueprint)
    plugins.implements(plugins.IClick)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")

    def get_actions(self) -> dict:
        return logic.get_actions()

    def get_auth_functions(self) -> dict:
        return logic.get_auth_functions()

    def get_blueprint(self):
        from .views import taxonomy_blueprint
        return [taxonomy_blueprint]

    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import taxonomy
        return with_subgroup(taxonomy)
