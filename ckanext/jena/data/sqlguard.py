"""Limits of the Data API that CKAN's DataStore leaves to the site (attack review, issue 18):

- every datastore_search and datastore_search_sql runs under a statement time limit of
  ``ckanext.jena.data.sql_seconds`` (CKAN's is 60 s, as long as a web worker lives, so one
  anonymous query held a worker until it was killed);
- datastore_search_sql takes at most ``ckanext.jena.data.sql_max_chars`` characters and may call
  only the functions of ``data/allowed_sql_functions.txt`` (CKAN's list without those that make
  an answer of any size out of a short query);
- the DataStore's list of all tables (``_table_metadata``, which names private datasets' tables
  too) is for sysadmins only;
- datastore_search_sql runs at most ``ckanext.jena.data.sql_concurrent_per_client`` queries per
  address and ``ckanext.jena.data.sql_concurrent`` for all visitors together (sysadmins and the
  portal's own calls are not counted); more are refused at once with a message (fifth attack
  review, 6 December: 12 parallel anonymous queries, each stopped after 5 s, held every web
  worker and took the home page to 9 s). The counts are in Redis;
- only sysadmins give a table aliases (third attack review, 6 December, F4): an alias is a name in
  the DataStore's one namespace, shared by every organisation, and CKAN checks none. A publisher
  named an alias after another office's resource id: that resource's Data API answered with the
  publisher's rows, and its own table could no longer be made (500).
"""
from __future__ import annotations

import os

from ckan.plugins import toolkit

from ckanext.jena import concurrency, settings

ALLOWED_FUNCTIONS_FILE = os.path.join(os.path.dirname(__file__), "data", "allowed_sql_functions.txt")
CKAN_DEFAULT_FUNCTIONS_FILE = os.path.join("ckanext", "datastore", "allowed_functions.txt")
TABLE_LIST = "_table_metadata"


def use_allowed_functions(config) -> None:
    """Point the DataStore at the project's function list unless the site named its own."""
    current = config.get("ckan.datastore.sqlsearch.allowed_functions_file") or ""
    if not current or current.endswith(CKAN_DEFAULT_FUNCTIONS_FILE):
        config["ckan.datastore.sqlsearch.allowed_functions_file"] = ALLOWED_FUNCTIONS_FILE


def _time_limit(context) -> None:
    context["query_timeout"] = int(settings.get("ckanext.jena.data.sql_seconds") * 1000)


def _is_sysadmin(context) -> bool:
    user = context.get("auth_user_obj")
    if user is None and context.get("user"):
        from ckan import model
        user = model.User.get(context["user"])
    return bool(getattr(user, "sysadmin", False))


_RUNNING = "jena:sql-running:"


def _redis():
    from ckan.lib.redis import connect_to_redis
    return connect_to_redis()


def _slots(context):
    """The Redis keys that count this caller's running SQL queries (the caller's address, and
    all callers together), or () when no limit applies: a sysadmin, an internal call, no request."""
    if context.get("ignore_auth") or _is_sysadmin(context):
        return ()
    try:
        from ckanext.jena import net
        address = net.client(toolkit.request.remote_addr) if toolkit.request else None
    except RuntimeError:  # outside a request
        address = None
    if not address:
        return ()
    return (_RUNNING + "address:" + address, _RUNNING + "all")


def _take(keys) -> bool:
    """One more running query on each key, unless that passes a limit (then nothing is taken).
    Each count lives at most a little longer than a query may run, so a worker killed in the
    middle of one does not hold its place for good."""
    limits = (settings.get("ckanext.jena.data.sql_concurrent_per_client"), settings.get("ckanext.jena.data.sql_concurrent"))
    ttl = int(settings.get("ckanext.jena.data.sql_seconds")) + 30
    # Redis away (None): the query runs, the time limit still holds it
    return concurrency.take(_redis, keys, limits, ttl) is not False


def _give_back(keys) -> None:
    concurrency.give_back(_redis, keys)


@toolkit.side_effect_free
@toolkit.chained_action
def datastore_search(original, context, data_dict):
    if (data_dict or {}).get("resource_id") == TABLE_LIST:
        if not _is_sysadmin(context):
            raise toolkit.NotAuthorized(toolkit._(
                "The list of all tables is for sysadmins only."))
        # CKAN's datastore_search checks no access for this table; a sysadmin passes every check,
        # and the check is on record for CKAN's audit of actions
        toolkit.check_access("datastore_search", context, data_dict)
    _time_limit(context)
    return original(context, data_dict)


@toolkit.side_effect_free
@toolkit.chained_action
def datastore_search_sql(original, context, data_dict):
    sql = (data_dict or {}).get("sql") or ""
    limit = settings.get("ckanext.jena.data.sql_max_chars")
    if len(sql) > limit:
        raise toolkit.ValidationError({"sql": [toolkit._(
            "The query is too long (at most {limit} characters).").format(limit=limit)]})
    if TABLE_LIST in sql and not _is_sysadmin(context):
        raise toolkit.NotAuthorized(toolkit._(
            "The list of all tables is for sysadmins only."))
    _time_limit(context)
    keys = _slots(context)
    if keys and not _take(keys):
        raise toolkit.ValidationError({"sql": [toolkit._(
            "Too many SQL queries are running at the moment (yours or others'). Please wait for "
            "your running query and try again in a few seconds.")]})
    try:
        return original(context, data_dict)
    finally:
        if keys:
            _give_back(keys)


@toolkit.chained_action
def datastore_create(original, context, data_dict):
    aliases = (data_dict or {}).get("aliases")
    if aliases and not _is_sysadmin(context):
        raise toolkit.NotAuthorized(toolkit._(
            "Only sysadmins may give a table aliases: an alias is a name shared by every "
            "organisation's tables."))
    return original(context, data_dict)
