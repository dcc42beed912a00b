"""Plugin jena_freshness: is each dataset updated as often as it promises? The state for
editors on the dataset page and in package_show, a sentence for citizens, the organisation's
list of overdue datasets for officers (/organization/<id>/freshness), API jena_freshness_show
and jena_freshness_list. Needs jena_schema (the frequency field)."""
from __future__ import annotations

import ckan.plugins as plugins
from ckan.plugins import toolkit

from ckanext.jena.lang import current as current_language
from ckanext.jena.scheduler import IPeriodicTasks, PeriodicTask
from ckanext.jena.schema import vocabularies

from . import core, logic


@toolkit.blanket.config_declarations
class JenaFreshnessPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IBlueprint)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(plugins.IPackageController, inherit=True)
    plugins.implements(plugins.IClick)
    plugins.implements(IPeriodicTasks)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")

    def get_actions(self) -> dict:
        return logic.get_actions()

    def get_auth_functions(self) -> dict:
        return logic.get_auth_functions()

    def get_blueprint(self):
        from .views import freshness_blueprint
        return [freshness_blueprint]

    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import freshness
        return with_subgroup(freshness)

    def periodic_tasks(self) -> list:
        # every hour; each editor gets the digest at most once a week (digest.py keeps the date)
        from .digest import send_digests
        return [PeriodicTask("freshness digest", 3600, send_digests)]

    def get_helpers(self) -> dict:
        return {"jena_freshness": _freshness_for_page, "jena_freshness_may_see_state": _may_see_state,
                "jena_freshness_label": _state_label, "jena_freshness_frequency_label": _frequency_label}

    def after_dataset_show(self, context, pkg_dict: dict) -> None:
        """The state in package_show, for the dataset's editors only (the request's user, never
        a call that skips the auth checks: harvests, indexing and the like get no extra key)."""
        if context.get("ignore_auth") or not context.get("user") or not pkg_dict.get("id"):
            return
        if _may_see_state(pkg_dict, context.get("user")):
            result = logic.freshness_of(pkg_dict)
            pkg_dict["jena_freshness"] = {key: result[key] for key in
                                          ("state", "label", "frequency", "last_change", "expected", "days_overdue")}


def _may_see_state(pkg_dict: dict, user=None) -> bool:
    user = user if user is not None else toolkit.g.user
    if not user:
        return False
    try:
        toolkit.check_access("package_update", {"user": user}, {"id": pkg_dict["id"]})
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return False
    return True


def _state_label(state: str) -> str:
    return core.label(state, current_language())


def _frequency_label(code) -> str:
    labels = vocabularies.vocabulary("frequency")["choices"].get(code or "")
    return (labels.get(current_language()) or labels["de"]) if labels else toolkit._("not stated")


def _freshness_for_page(pkg_dict: dict) -> dict:
    """The sentence for everyone on the dataset page (frequency and last change are public
    fields of the dataset); the template shows the state to editors only."""
    return logic.freshness_of(pkg_dict)
