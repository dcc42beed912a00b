"""Plugin jena_demo: `ckan jena demo load` fills a fresh portal with Jena demo content, harvested
from bundled sources that the portal also serves under /demo-quellen/ (see sources.py)."""
from __future__ import annotations

from flask import Blueprint, Response, request

import ckan.plugins as plugins
from ckan.plugins import toolkit

from . import sources

demo_sources = Blueprint("jena_demo_sources", __name__)


@demo_sources.route(sources.PREFIX + "/<path:path>")
def demo_source(path: str) -> Response:
    base = toolkit.config.get("ckan.site_url", "").rstrip("/") + sources.PREFIX
    status, content_type, body = sources.answer(path, list(request.args.items(multi=True)), base)
    return Response(body, status=status, content_type=content_type)


class JenaDemoPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IClick)
    plugins.implements(plugins.IBlueprint)

    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import demo
        return with_subgroup(demo)

    def get_blueprint(self):
        return [demo_sources]
