"""Plugin jena_datarequest: data requests ("Datenwünsche") citizens file and officers answer
(pages under /datenwuensche, API jena_datarequest_create/_show/_list/_update/_support), and the
words of searches that found nothing for officers (jena_search_miss_list). Tables from
`ckan db upgrade -p jena_datarequest`. Needs jena_schema and jena_taxonomy."""
from __future__ import annotations

import ckan.plugins as plugins
from ckan.plugins import toolkit

from . import logic


@toolkit.blanket.config_declarations
class JenaDatarequestPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IBlueprint)
    plugins.implements(plugins.IPackageController, inherit=True)
    plugins.implements(plugins.ITemplateHelpers)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")

    def get_actions(self) -> dict:
        return logic.get_actions()

    def get_auth_functions(self) -> dict:
        return logic.get_auth_functions()

    def get_blueprint(self):
        from .views import datarequest_blueprint
        return [datarequest_blueprint]

    def get_helpers(self) -> dict:
        return {"jena_datarequest_state_label": state_label}

    def after_dataset_search(self, search_results: dict, search_params: dict) -> dict:
        """An anonymous search on the dataset search page that found nothing: count its words."""
        if search_results.get("count") == 0 and search_params.get("q") and not search_params.get("start"):
            try:
                path = toolkit.request.path
            except (RuntimeError, AttributeError, TypeError):  # no request: API in a job, CLI
                return search_results
            # only anonymous visitors: officers' and citizens' own searches are not recorded
            if path.rstrip("/") == "/dataset" and not toolkit.g.user:
                logic.count_search_miss(search_params.get("q"), toolkit.request.remote_addr or "")
        return search_results


def state_label(state: str) -> str:
    _ = toolkit._
    return {"pending": _("awaiting approval"), "open": _("open"), "answered": _("answered"),
            "fulfilled": _("fulfilled"), "declined": _("declined"), "rejected": _("rejected")}.get(state, state)
