"""Plugin jena_explainer: plain-language explainers ("Einfach erklärt") for every dataset.

The section on the dataset page, the printable page /dataset/<id>/explainer, the editor at
/dataset/<id>/explainer/edit, the glossary at /glossar, a one-line summary in search results,
API actions jena_explainer_show / _update / _generate / _readability, `ckan jena explainer …`,
and a background job that profiles resources and renews the draft after each change.
Needs jena_schema and jena_taxonomy."""
from __future__ import annotations

import logging

import ckan.plugins as plugins
from ckan.plugins import toolkit

from ckanext.jena import after_commit, settings

from . import logic, store

log = logging.getLogger(__name__)


@toolkit.blanket.config_declarations
class JenaExplainerPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IConfigurable, inherit=True)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IBlueprint)
    plugins.implements(plugins.IClick)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(plugins.IPackageController, inherit=True)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")
        toolkit.add_resource("assets", "jena_explainer")

    def get_actions(self) -> dict:
        actions = logic.get_actions()
        actions["dataset_purge"] = logic.dataset_purge
        return actions

    def get_auth_functions(self) -> dict:
        return logic.get_auth_functions()

    def get_blueprint(self):
        from .views import explainer_blueprint
        return [explainer_blueprint]

    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import explainer
        return with_subgroup(explainer)

    def get_helpers(self) -> dict:
        from . import helpers
        return helpers.get_helpers()

    # a changed dataset gets its resources profiled and its draft renewed in the background
    def after_dataset_create(self, context, pkg_dict):
        self._enqueue(pkg_dict)

    def after_dataset_update(self, context, pkg_dict):
        self._enqueue(pkg_dict)

    def after_dataset_search(self, search_results, search_params):
        """The one-line plain summary for each result (one query for the page). Results are
        what the searching user may see, so the summaries are too."""
        results = [r for r in search_results.get("results") or [] if isinstance(r, dict) and r.get("id")]
        if not results:
            return search_results
        from ckanext.jena import lang as lang_module
        from .readability import plain_text
        try:
            with store.savepoint():  # tables not there yet: search must still work, the caller's work stays
                summaries = store.summaries([r["id"] for r in results], lang_module.current())
        except Exception:
            log.warning("explainer summaries unavailable", exc_info=True)
            return search_results
        for result in results:
            if result["id"] in summaries:
                summary, reviewed = summaries[result["id"]]
                result["explainer_summary"] = plain_text(summary)
                result["explainer_reviewed"] = reviewed
        return search_results

    @staticmethod
    def _enqueue(pkg_dict) -> None:
        """Queue once the change is committed: before that a fast worker would read the old
        version of the dataset."""
        if not toolkit.asbool(settings.get("ckanext.jena.explainer.background_jobs")):
            return
        if pkg_dict.get("type", "dataset") != "dataset":  # harvest sources get no explainer
            return
        dataset_id = pkg_dict["id"]

        def enqueue() -> None:
            try:
                from .jobs import explain_dataset_job
                toolkit.enqueue_job(explain_dataset_job, [dataset_id], title="jena explainer")
            except Exception:  # Redis down: the page shows a draft computed on the spot; nothing is lost
                log.warning("could not queue the explainer job of dataset %s", dataset_id, exc_info=True)

        after_commit.call(("jena explainer", dataset_id), enqueue)
