"""Paging, sorting and switch parameters CKAN core cannot read are a 400 that says so.

CKAN core reads some parameters of its list actions and pages without checking them, and a
blank, non-numeric or out-of-range value ends in a 500 (sixth attack review, 7 December, L4):
``/dataset/?sort=%20`` (IndexError), ``/organization/?page=99999999999999999999`` (bigint out of
range), ``organization_list?all_fields=x`` (ValueError), ``package_list?offset=99999999999999999999``,
``resource_search?limit=%20``, ``datastore_search?limit=%20``,
``package_activity_list?before=1e400``, ``/dataset/activity/<name>?before=-1`` and more. Before
CKAN sees them, these parameters (in the query string, and in the JSON body of an API call) must
have a form every action reads:

- ``limit``, ``offset``, ``page``: a whole number from 0 to 999,999,999 (a number in JSON too);
- ``before``, ``after`` (activity times): a non-negative number of seconds, at most 12 digits
  before the point;
- ``all_fields`` and the other ``include_*`` switches: a boolean as CKAN writes them;
- ``sort``, ``order_by``: not blank (an empty value is left to CKAN, which takes its default).

Checked on API calls and on CKAN core's list and activity pages (``CORE_PAGES``). ``rows`` and
``start`` of ``package_search`` are not here: CKAN's schema checks them (409).
An empty value is left alone everywhere (CKAN takes its default)."""
from __future__ import annotations

import re

from ckan.plugins import toolkit

from . import guard

_WHOLE = re.compile(r"\d{1,9}")
_SECONDS = re.compile(r"\d{1,12}(\.\d{1,9})?")
_BOOLEANS = {"true", "false", "1", "0", "yes", "no", "on", "off", "y", "n", "t", "f"}
WHOLE_NUMBERS = ("limit", "offset", "page")
SECONDS = ("before", "after")
SWITCHES = ("all_fields", "include_dataset_count", "include_extras", "include_users", "include_groups",
            "include_tags", "include_followers", "include_member_count", "include_private")
ORDERS = ("sort", "order_by")

MESSAGES = {
    "whole": ("The parameter '{name}' needs a whole number from 0 to 999999999. / "
              "Der Parameter '{name}' braucht eine ganze Zahl von 0 bis 999999999."),
    "seconds": ("The parameter '{name}' needs a time in seconds (a number that is not negative). / "
                "Der Parameter '{name}' braucht eine Zeit in Sekunden (eine nicht negative Zahl)."),
    "switch": ("The parameter '{name}' needs true or false. / "
               "Der Parameter '{name}' braucht true oder false."),
    "order": ("The parameter '{name}' needs a field to sort by, or leave it out. / "
              "Der Parameter '{name}' braucht ein Feld, nach dem sortiert wird, oder muss wegfallen."),
}


def _problem(name: str, value) -> str | None:
    """The kind of value ``name`` needs, if ``value`` is not one; None when it is fine."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None if name in SWITCHES else ("whole" if name in WHOLE_NUMBERS else
                                               "seconds" if name in SECONDS else None)
    if name in WHOLE_NUMBERS:
        if isinstance(value, int):
            return None if 0 <= value <= 999_999_999 else "whole"
        return None if isinstance(value, str) and _WHOLE.fullmatch(value.strip()) else "whole"
    if name in SECONDS:
        if isinstance(value, (int, float)):
            return None if 0 <= value < 10 ** 12 else "seconds"
        return None if isinstance(value, str) and _SECONDS.fullmatch(value.strip()) else "seconds"
    if name in SWITCHES:
        return None if isinstance(value, str) and value.strip().lower() in _BOOLEANS else "switch"
    if name in ORDERS:
        return "order" if isinstance(value, str) and not value.strip() else None
    return None


# the pages of CKAN core that read these parameters unchecked (the project's own pages, such as
# /catalog.ttl, check theirs and answer in the visitor's language)
CORE_PAGES = {"dataset.search", "organization.index", "group.index", "organization.read", "group.read"}


def _checked() -> list[tuple[str, object]]:
    request = toolkit.request
    endpoint = request.endpoint or ""
    if not (request.path.startswith("/api/") or endpoint in CORE_PAGES or endpoint.startswith("activity.")
            or endpoint.endswith("_activity")):
        return []
    names = WHOLE_NUMBERS + SECONDS + SWITCHES + ORDERS
    found = [(name, value) for name in names for value in request.args.getlist(name)]
    if request.path.startswith("/api/") and request.method == "POST" and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            found += [(name, body[name]) for name in names if name in body]
    return found


def refuse_unreadable_parameters():
    """Flask before_request: a 400 naming the parameter and what it needs (see the module)."""
    for name, value in _checked():
        kind = _problem(name, value)
        if kind is not None:
            return guard.bad_request(MESSAGES[kind].format(name=name))
    return None
