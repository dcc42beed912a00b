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


def _harvest_object(data_dict: dict):
    """The harvest object harvest_object_show would answer with (by ``id`` or ``dataset_id``)."""
    from ckan import model
    from ckanext.harvest.model import HarvestObject
    if data_dict.get("id"):
        return HarvestObject.get(data_dict["id"], attr=data_dict.get("attr"))
    if data_dict.get("dataset_id"):
        package = model.Package.get(data_dict["dataset_id"])
        if package is None:
            return None
        return (model.Session.query(HarvestObject).filter(HarvestObject.package_id == package.id)
                .filter(HarvestObject.current == True).first())  # noqa: E712
    return None


@toolkit.chained_auth_function
@toolkit.auth_allow_anonymous_access
def harvest_object_show(next_auth, context, data_dict):
    """ckanext-harvest lets everybody read every harvest object, the raw record included. A record
    whose dataset the user may not see (private, or of a source configured ``"private": true``)
    is refused: an attack review read the records of private datasets anonymously (6 December)."""
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    data_dict = data_dict or {}
    try:
        check_params(data_dict)
    except toolkit.ValidationError:
        return result  # the action answers with the validation error
    obj = _harvest_object(data_dict)
    if obj is None:
        return result  # the action answers "not found"
    asker = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
    refused = {"success": False, "msg": _("You may not see this harvest record: its dataset is not public.")}
    if obj.package_id:
        from ckan import model
        if model.Package.get(obj.package_id) is not None:
            try:
                toolkit.check_access("package_show", dict(asker), {"id": obj.package_id})
            except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
                return refused
    from .base import JenaHarvester
    source = obj.source
    if source is not None and JenaHarvester.source_config(source).get("private"):
        try:
            toolkit.check_access("harvest_source_update", dict(asker), {"id": source.id})
        except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
            return refused
    return result


# -- actions ckanext-harvest runs without asking any auth function --------------------------------
# harvest_source_reindex and harvest_abort_failed_jobs call no check_access: anonymous visitors
# reindexed any dataset, a private one included (its name confirmed: true against 404), each call
# seconds of work and a new page-cache generation; and learned whether harvest jobs run (seventh
# attack review, 7 December, F2 and F5). While a web request is answered, both now ask for the
# asker's right to manage harvest sources (harvest_source_update's auth: sysadmins, and the source
# organisation's admins where allowed); a call inside an action that checked already (clearing a
# source) carries that asker and passes. Outside a request (the CLI's `ckan harvester reindex`
# through harvest_sources_reindex, consumers, `ckan jena harvest run`), ckanext-harvest calls them
# with no asker at all (CKAN fills in ''), as it always did: those calls are left alone.

def _from_a_request(context) -> bool:
    import flask
    return flask.has_request_context() and not context.get("ignore_auth")


def check_reindex(context, data_dict) -> None:
    """NotAuthorized unless the asker may manage this harvest source; the same refusal for an id
    that is no harvest source (so strangers learn nothing about datasets), ObjectNotFound for one
    who may manage sources."""
    if not _from_a_request(context):
        return
    data_dict = data_dict or {}
    text_id(data_dict, "id", required=True)
    asker = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
    toolkit.check_access("harvest_source_update", dict(asker), {"id": data_dict["id"]})
    from . import store
    if store.package_type(data_dict["id"]) != "harvest":
        raise toolkit.ObjectNotFound(_("There is no harvest source {id}.").format(id=data_dict["id"][:100]))


@toolkit.chained_action
@auth_audit_exempt  # the check above is the auth check
def harvest_source_reindex(original_action, context, data_dict):
    """Reindex a single harvest source (ckanext-harvest's action; from a request only for those who
    may manage the source).

    :param id: the id of the harvest source
    :type id: string
    """
    check_reindex(context, data_dict)
    return original_action(context, data_dict)


@toolkit.chained_auth_function
def harvest_abort_failed_jobs_auth(next_auth, context, data_dict):
    """Sysadmins only (they pass every auth function): it aborts every source's stuck jobs.
    (ckanext-harvest 1.6.3 registers its actions as auth functions too: one dictionary, the
    mutable default of its ``_get_logic_functions``, collects both; the one it has for this name
    is the action itself, which is never called as a check here.)"""
    return {"success": False, "msg": _("Only sysadmins may abort harvest jobs of all sources.")}


@toolkit.chained_action
def harvest_abort_failed_jobs(original_action, context, data_dict):
    """Abort the jobs of every source that have run longer than their source's update frequency
    allows (ckanext-harvest's action; sysadmins only, and ``life_span`` must be a whole number).

    :param life_span: days after which a job of a source harvested by hand counts as stuck
        (default 7)
    :type life_span: int
    :param include: only these sources (ids, comma-separated)
    :type include: string
    :param exclude: all but these sources (ids, comma-separated)
    :type exclude: string
    """
    if _from_a_request(context):
        toolkit.check_access("harvest_abort_failed_jobs", context, data_dict)
    data_dict = dict(data_dict or {})
    life_span = data_dict.get("life_span")
    if life_span in (None, ""):
        data_dict["life_span"] = 7  # ckanext-harvest's own default, which int(None) never reached
    elif isinstance(life_span, bool) or not str(life_span).strip().lstrip("-").isdigit():
        raise toolkit.ValidationError({"life_span": [_("Must be a whole number.")]})
    for key in ("include", "exclude"):
        if data_dict.get(key) is not None and not isinstance(data_dict[key], str):
            raise toolkit.ValidationError({key: [_("Give the harvest sources' ids as text, separated by commas.")]})
    return original_action(context, data_dict)


def unchecked_actions() -> dict:
    """The chained actions of the two above (harvest_source_reindex: on CKAN 2.12 indexing.py's
    own version replaces it and calls check_reindex itself)."""
    return {"harvest_source_reindex": harvest_source_reindex, "harvest_abort_failed_jobs": harvest_abort_failed_jobs}


# -- ckanext-harvest's mail helpers, registered as API actions ------------------------------------
# ckanext-harvest 1.6.3 registers every public function of its action modules as an action: the
# helpers that write and send its notification mails, and an exception class too. Their arguments
# are no (context, data_dict), so through the API they answered 500 to anyone (nothing was sent or
# read); and as its action and auth functions share one dictionary (guards above), each is its
# own "auth function" too, so check_access on its name answered 500 as well. ckanext-harvest calls
# them as Python functions (harvest_jobs_run → send_error_email / send_summary_email →
# send_mail), never through get_action: the chains below never see its mails.
INTERNAL_FUNCTIONS = ("send_mail", "send_error_email", "send_summary_email", "prepare_error_mail",
                      "prepare_summary_mail", "get_mail_extra_vars", "InactiveSource")


def _internal_auth(name: str):
    def auth(next_auth, context, data_dict):
        # never next_auth: it is the helper itself, with the wrong arguments; no message of our own
        # (the API answers CKAN's "Access denied", as for ckanext-harvest's sysadmin-only actions)
        return {"success": False}
    auth.__name__ = name
    auth.__doc__ = f"ckanext-harvest's internal {name}: sysadmins only (they pass every auth function)."
    return toolkit.chained_auth_function(auth)


def _internal_action(name: str):
    def action(original_action, context, data_dict):
        if _from_a_request(context):
            toolkit.check_access(name, context, data_dict)
            raise toolkit.ValidationError(
                _("{name} is an internal function of ckanext-harvest and cannot be called through the API.")
                .format(name=name))
        return original_action(context, data_dict)
    action.__name__ = name
    action.__doc__ = (f"ckanext-harvest's internal {name}, no API action: refused to every web request "
                      "(403 unless sysadmin, 409 for sysadmins).")
    return toolkit.chained_action(auth_audit_exempt(action))  # outside a request, as it always was


def internal_auth_functions() -> dict:
    return {name: _internal_auth(name) for name in INTERNAL_FUNCTIONS}


def internal_actions() -> dict:
    return {name: _internal_action(name) for name in INTERNAL_FUNCTIONS}
