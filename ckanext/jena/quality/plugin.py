"""Plugin jena_quality: the metadata quality score for data officers (API jena_quality_show,
badge on the dataset page for editors, /ckan-admin/quality, `ckan jena quality ...`), with
link and DCAT-AP checks as background jobs. Needs jena_dcat."""
from __future__ import annotations

import logging

import ckan.plugins as plugins
from ckan.plugins import toolkit

from ckanext.jena import after_commit, settings

from . import logic

log = logging.getLogger(__name__)


@toolkit.blanket.config_declarations
class JenaQualityPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IBlueprint)
    plugins.implements(plugins.IClick)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(plugins.IPackageController, inherit=True)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")

    def get_actions(self) -> dict:
        return logic.get_actions()

    def get_auth_functions(self) -> dict:
        return logic.get_auth_functions()

    def get_blueprint(self):
        from .views import quality_blueprint
        return [quality_blueprint]

    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import quality
        return with_subgroup(quality)

    def get_helpers(self) -> dict:
        return {"jena_quality": _quality_for_page}

    # a changed dataset gets its links and DCAT-AP conformance checked in the background
    def after_dataset_create(self, context, pkg_dict):
        self._enqueue(pkg_dict)

    def after_dataset_update(self, context, pkg_dict):
        self._enqueue(pkg_dict)

    @staticmethod
    def _enqueue(pkg_dict) -> None:
        """Queue the check once the change is committed: before that, a fast worker would find
        no dataset, or the previous version of it."""
        if not toolkit.asbool(settings.get("ckanext.jena.quality.background_checks")):
            return
        dataset_id = pkg_dict["id"]

        def enqueue() -> None:
            try:
                from .checks import check_dataset_job
                toolkit.enqueue_job(check_dataset_job, [dataset_id], title="jena quality check")
            except Exception:  # Redis down: the score says "not checked yet", nothing is lost
                log.warning("could not queue the quality check of dataset %s", dataset_id, exc_info=True)

        after_commit.call(("jena quality", dataset_id), enqueue)


def _quality_for_page(pkg_dict: dict):
    """The score for editors on the dataset page (no network, no SHACL: stored checks only)."""
    try:
        return toolkit.get_action("jena_quality_show")({"user": toolkit.g.user}, {"id": pkg_dict["id"]})
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return None
