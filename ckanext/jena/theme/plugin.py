"""Plugin jena_theme: the WISSENsAllmende Jena look — a home page that starts from the
citizen's questions (search, the five Handlungsfelder, newest and most viewed datasets,
"Einfach erklärt"), dataset pages with the explainer, a preview and the download first, the
city's name and colours, a language switch. No third-party assets at run time.
Load it first in ckan.plugins: its templates take precedence."""
from __future__ import annotations

import logging

import ckan.plugins as plugins
from ckan.plugins import toolkit

log = logging.getLogger(__name__)


class JenaThemePlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IConfigurable, inherit=True)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(plugins.IMiddleware, inherit=True)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")
        toolkit.add_public_directory(config, "public")
        toolkit.add_resource("assets", "jena_theme")
        # no third-party requests from the portal's pages: Gravatar images would be one
        # (for every user without an own picture); CKAN then shows its placeholder
        config["ckan.gravatar_default"] = "disabled"

    def configure(self, config) -> None:
        from . import store
        try:
            store.ensure_table()
        except Exception:  # the database may not exist yet (ckan db init runs with the plugins loaded)
            from ckan import model
            model.Session.rollback()

    def get_helpers(self) -> dict:
        from . import helpers
        return helpers.get_helpers()

    def make_middleware(self, app, config):
        # count dataset page views for "most viewed" (Flask app only; CKAN 2.11 has no Pylons)
        if hasattr(app, "after_request"):
            app.after_request(_count_dataset_view)
        return app


def _count_dataset_view(response):
    try:
        if response.status_code != 200 or toolkit.request.endpoint != "dataset.read":
            return response
        pkg = getattr(toolkit.g, "pkg_dict", None) or {}
        if pkg.get("id") and pkg.get("type", "dataset") == "dataset":
            from ckan import model
            from . import store
            store.count_view(pkg["id"])
            model.Session.commit()
    except Exception:  # counting must never cost a visitor the page
        log.warning("could not count a dataset view", exc_info=True)
        try:
            from ckan import model
            model.Session.rollback()
        except Exception:
            pass
    return response
