"""Input checks that turn a malformed parameter into a clear client error instead of a 500.

`text_id` is shared by the project's actions (explainer, quality, taxonomy, harvest): an id given
as a number, list, object or boolean reaches SQL or a dict lookup and fails there. `check_search_params`
covers what CKAN's package_search schema lets through (issue 15, finding 9)."""
from __future__ import annotations

from ckan.lib.search.common import SearchQueryError
from ckan.plugins import toolkit

_ = toolkit._

_FLAGS = ("include_private", "include_drafts", "include_deleted")
_TEXTS = ("q", "fq", "sort", "qf", "df")
_NUMBERS = ("start", "rows")


def text_id(data_dict: dict, key: str = "id", required: bool = True):
    """The text value of ``key``; None if absent and not required; a ValidationError when it is
    missing but required, or not text."""
    value = data_dict.get(key)
    if value is None or value == "":
        if required:
            raise toolkit.ValidationError({key: [_("Missing value")]})
        return None
    if not isinstance(value, str):
        raise toolkit.ValidationError({key: [_(
            "Give the id or name as text, not as a number, list, object or true/false.")]})
    return value


def check_search_params(search_params: dict) -> None:
    """Refuse package_search parameters of the wrong kind with a SearchQueryError (400)."""
    for key in _FLAGS:
        value = search_params.get(key)
        if value is None or isinstance(value, bool):
            continue
        try:
            toolkit.asbool(value)
        except (ValueError, AttributeError):
            raise SearchQueryError(_("The parameter {key} must be true or false.").format(key=key))
    for key in _TEXTS:
        if search_params.get(key) is not None and not isinstance(search_params[key], str):
            raise SearchQueryError(_("The parameter {key} must be text.").format(key=key))
    fq_list = search_params.get("fq_list")
    if fq_list is not None and not (isinstance(fq_list, list) and all(isinstance(f, str) for f in fq_list)):
        raise SearchQueryError(_("The parameter fq_list must be a list of texts."))
    for key in _NUMBERS:
        value = search_params.get(key)
        if value == "":
            search_params.pop(key)  # as if not given: the default
        elif value is not None and (isinstance(value, bool) or not isinstance(value, (int, str))
                                    or not str(value).strip().isdigit()):
            raise SearchQueryError(_("The parameter {key} must be a whole number of 0 or more.").format(key=key))
    facet_fields = search_params.get("facet.field")
    if facet_fields is not None and not isinstance(facet_fields, (str, list)):
        raise SearchQueryError(_("The parameter facet.field must be a list of field names."))


@toolkit.chained_action
def package_search(original_action, context, data_dict):
    """CKAN's package_search, answering parameters of the wrong kind (``start=`` empty,
    ``include_private=maybe``, ``fq_list`` or ``rows`` that are not what they say) with a 400
    that names the parameter, instead of a 500."""
    data_dict = dict(data_dict or {})
    check_search_params(data_dict)
    return original_action(context, data_dict)
