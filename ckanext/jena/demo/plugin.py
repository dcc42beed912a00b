"""Plugin jena_demo: `ckan jena demo load` fills a fresh portal with Jena demo content."""
from __future__ import annotations

import ckan.plugins as plugins


class JenaDemoPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IClick)

    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import demo
        return with_subgroup(demo)
