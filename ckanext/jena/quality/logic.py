"""API action and auth function of the quality score."""
from __future__ import annotations

from ckan.plugins import toolkit

from ckanext.jena import purge
from ckanext.jena.search.guards import text_id

from . import report
from . import score as score_module


@toolkit.side_effect_free
def jena_quality_show(context, data_dict):
    """The metadata quality of a dataset: data.europa.eu's five dimensions (405 points, band),
    GovData's dashboard checks, and what to fix, in plain words.

    Link reachability and DCAT-AP conformance come from the last background check
    (``checked_at``); they are never tested while you wait.

    :param id: the dataset's id or name
    :type id: string
    :returns: ``{"points", "max", "band", "dimensions", "criteria", "fixes", "govdata", "checked_at"}``
    :rtype: dictionary
    """
    dataset_id = text_id(data_dict)  # before the auth check, which looks the id up
    toolkit.check_access("jena_quality_show", context, data_dict)
    dataset = toolkit.get_action("package_show")(dict(context), {"id": dataset_id})
    return score_module.score(dataset)


@toolkit.side_effect_free
def jena_harvest_gaps_list(context, data_dict):
    """Harvested datasets that need attention: the gaps each arrived with (missing, unknown or
    invalid values, with the source's original value), grouped by harvest source. Lists only the
    datasets the user may edit.

    :param source_id: only this harvest source (id or name; optional)
    :type source_id: string
    :returns: ``[{"source": {"id", "name", "title"}, "datasets": [{"id", "name", "title", "private",
        "gaps": [{"field", "problem", "value", "text"}]}]}]``
    :rtype: list
    """
    toolkit.check_access("jena_harvest_gaps_list", context, data_dict)
    return report.harvest_gaps(context, data_dict.get("source_id"))


def jena_harvest_gaps_list_auth(context, data_dict):
    # any signed-in user: the list holds only the datasets the user may edit
    return {"success": bool(context.get("user") and context.get("auth_user_obj"))}


def jena_quality_show_auth(context, data_dict):
    # for the people who can fix it: editors of the dataset (and sysadmins)
    return toolkit.check_access("package_update", context, {"id": data_dict.get("id")}) and {"success": True}


def jena_quality_report_auth(context, data_dict):
    return {"success": False}  # sysadmins only (they pass every auth function)


def _forget(dataset_id: str) -> None:
    from . import checks
    checks.forget(dataset_id)


dataset_purge = purge.after_purge(_forget)


def get_actions() -> dict:
    return {"jena_quality_show": jena_quality_show, "jena_harvest_gaps_list": jena_harvest_gaps_list,
            "dataset_purge": dataset_purge}


def get_auth_functions() -> dict:
    return {"jena_quality_show": jena_quality_show_auth, "jena_quality_report": jena_quality_report_auth,
            "jena_harvest_gaps_list": jena_harvest_gaps_list_auth}
