"""Plugin jena_dcat: DCAT-AP.de 3.0 output (profile `dcat_ap_de`), the streaming export and
the metadata quality score. Needs ckanext-dcat's `dcat` plugin and `jena_schema`."""
from __future__ import annotations

import ckan.plugins as plugins
from ckan.plugins import toolkit


@toolkit.blanket.config_declarations
class JenaDcatPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IConfigurable, inherit=True)
    plugins.implements(plugins.IClick)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")
        # this profile by default, and content negotiation on /dataset/<id>
        if not config.get("ckanext.dcat.rdf.profiles"):
            config["ckanext.dcat.rdf.profiles"] = "dcat_ap_de"

    def configure(self, config) -> None:
        missing = [name for name in ("dcat", "jena_schema", "jena_taxonomy") if not plugins.plugin_loaded(name)]
        if missing:
            raise RuntimeError("jena_dcat needs these plugins in ckan.plugins: " + ", ".join(missing))

    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import dcat
        return with_subgroup(dcat)
