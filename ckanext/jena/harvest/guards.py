"""ckanext-harvest's actions, chained with a type check on their ids (issue 15, finding 9).

ckanext-harvest hands an id that is a number, list, object or boolean to SQL or to
``package_show`` and answers 500; here it is a ValidationError (409) saying what to send. An
anonymous ``harvest_job_list`` without ``source_id`` failed in ckanext-harvest's auth function
with a KeyError; it is refused (403) here."""
from __future__ import annotations

from ckan.logic import auth_audit_exempt
from ckan.plugins import toolkit

from ckanext.jena.search.guards import text_id

_ = toolkit._

# parameters that name one thing (an id or name) or a filter value, and must be text
_TEXT_KEYS = ("id", "source_id", "organization_id", "harvest_object_id", "job_id", "guid", "level", "status")
# numbers that ckanext-harvest converts with int() and a ValueError handler only
_NUMBER_KEYS = ("limit", "offset", "per_page", "page")

ACTIONS = ("harvest_source_show", "harvest_source_update", "harvest_source_delete",
           "harvest_source_clear", "harvest_source_job_history_clear", "harvest_source_list",
           "harvest_job_create", "harvest_job_show", "harvest_job_report", "harvest_job_list",
           "harvest_job_abort", "harvest_object_show", "harvest_object_list", "harvest_log_list")


def check_params(data_dict: dict) -> None:
    for key in _TEXT_KEYS:
        text_id(data_dict, key, required=False)
    for key in _NUMBER_KEYS:
        value = data_dict.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, str))):
            raise toolkit.ValidationError({key: [_("Must be a whole number.")]})


def _checked(name: str):
    def action(original_action, context, data_dict):
        check_params(data_dict or {})
        return original_action(context, data_dict)
    action.__name__ = name
    action.__doc__ = f"ckanext-harvest's {name}, refusing ids that are not text with a ValidationError."
    # the original runs its own auth check; some of ckanext-harvest's (harvest_source_show) are
    # exempt from CKAN's audit that one was called, which a chained action must say again
    wrapped = toolkit.chained_action(auth_audit_exempt(action))
    if name.endswith(("_show", "_list", "_report")):
        wrapped = toolkit.side_effect_free(wrapped)
    return wrapped


def get_actions() -> dict:
    return {name: _checked(name) for name in ACTIONS}


@toolkit.chained_auth_function
def harvest_job_list(next_auth, context, data_dict):
    """Without ``source_id`` only sysadmins (who pass every auth function) list jobs."""
    if not (data_dict or {}).get("source_id"):
        return {"success": False, "msg": _("Give the harvest source (source_id) whose jobs to list.")}
    return next_auth(context, data_dict)
