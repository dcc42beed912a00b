"""ckanext-dcat's catalog page (/catalog.ttl, .rdf, .jsonld, .xml), wrapped (issue 15, finding 9).

Two faults of ckanext-dcat 2.x's ``read_catalog_page`` are answered here, without patching it:

- it writes the Hydra paging links from the raw query (``?q=a b``), and Turtle cannot hold such
  a URI: every multi-word search answered 500 as .ttl. While the catalog action runs, the request's
  arguments are the percent-encoded ones, which only ``_pagination_info`` reads (the search itself
  gets the decoded values from the data dict the page built before);
- a page number below 1 or an unreadable ``modified_since`` answered 409; they are 400 here,
  checked before the page runs, with a sentence in the visitor's language.

Written against ckanext-dcat 2.x (``ckanext.dcat.utils.read_catalog_page``, ``logic._pagination_info``);
tests/security/test_attack2_input.py fails when either changes."""
from __future__ import annotations

import functools
from urllib.parse import quote

from ckan.plugins import toolkit

ENDPOINT = "dcat.read_catalog"
# the query parameters ckanext-dcat 2.x's catalog page reads (utils.read_catalog_page and the
# paging links of logic._pagination_info): every other one changes nothing on the page
PARAMETERS = frozenset({"page", "modified_since", "q", "fq", "profiles"})


def asks_for_rdf() -> bool:
    """ckanext-dcat's catalog or dataset endpoint answers RDF for this request (a format in the
    address, or an Accept header naming one: its content negotiation), not an HTML page (with
    content negotiation the home page "/" is its catalog endpoint, a dataset page its dataset
    endpoint). Asks ckanext-dcat's own reading of the Accept header, so the two never disagree."""
    if (toolkit.request.view_args or {}).get("_format"):
        return True
    from ckanext.dcat.utils import check_access_header
    return bool(check_access_header())


# ckanext-dcat makes the whole graph once per profile named, duplicates included: one request
# naming dcat_ap_de ten times held a worker until it was killed (a re-attack, 7 December)
MAX_PROFILES = 3


def profiles_problem(value) -> str | None:
    """A sentence if ``profiles`` (as a page's query parameter: comma-separated, or as an action's
    list) names more than MAX_PROFILES profiles or one twice; None if it is fine."""
    if value in (None, "", []):
        return None
    names = [str(n).strip() for n in (value.split(",") if isinstance(value, str) else
                                      value if isinstance(value, list) else [value])]
    if len(names) > MAX_PROFILES or len(set(names)) != len(names):
        return toolkit._("Name at most {n} different profiles in profiles.").format(n=MAX_PROFILES)
    return None


def _check_args(args) -> None:
    problem = profiles_problem(args.get("profiles"))
    if problem:
        toolkit.abort(400, problem)
    page = args.get("page")
    if page not in (None, ""):
        try:
            number = int(page)
        except ValueError:
            number = 0
        if number < 1:
            toolkit.abort(400, toolkit._("The page must be a whole number from 1 upwards."))
    modified_since = args.get("modified_since")
    if modified_since:
        from dateutil.parser import parse
        try:
            parse(modified_since)
        except (ValueError, OverflowError):
            toolkit.abort(400, toolkit._(
                "The date in modified_since cannot be read: give it as YYYY-MM-DD (ISO 8601)."))


def wrap_view(view):
    @functools.wraps(view)
    def catalog_page(*args, **kwargs):
        _check_args(toolkit.request.args)
        return view(*args, **kwargs)
    return catalog_page


def quoted_args():
    """The request's query arguments, percent-encoded, for the paging links."""
    from werkzeug.datastructures import ImmutableMultiDict
    return ImmutableMultiDict([(key, quote(value, safe=""))
                               for key, values in toolkit.request.args.lists() for value in values])


def with_quoted_paging(action):
    """Run a catalog action with percent-encoded request arguments (for the paging links)."""
    @functools.wraps(action)
    def run(context, data_dict):
        from flask import has_request_context, request
        if not has_request_context():
            return action(context, data_dict)
        raw = request.args
        request.args = quoted_args()
        try:
            return action(context, data_dict)
        finally:
            request.args = raw
    return run
