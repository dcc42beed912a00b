"""A resource address that cannot be read as an address is a validation error, not a 500.

CKAN core makes each resource's uploader before it validates the dataset (``package_create``,
``package_update``, and so ``resource_create``, ``resource_update`` and the patches; CKAN 2.11
also in ``resource_create`` and ``resource_update`` themselves), and the
uploader reads the address with ``urllib.parse.urlparse``. An address with a broken bracketed
host (``http://[::1/x``, ``http://[zz]/x``) makes Python raise ``ValueError`` there, and every
such save answered 500 (sixth attack review, left as a known gap). An address with a port that
is no port (``https://a:99999/x``, ``http://[::1]:x/``) was saved, and no one could open it.

These four actions are chained in front of CKAN's: each resource address in the call is read as
Python reads it, and one that cannot be read (or names an impossible port) is answered like
every other invalid field, for the resource it belongs to, before CKAN touches it. An impossible
port in an address saved before this check is left alone (the download answers 404 for it,
downloads.py), so that the dataset's other changes can still be saved. Uploaded
files' names go through the same reading (CKAN's uploader reads them alike), and a harvest never
meets this: its mappers keep only addresses a browser can open (schema/inbound.py web_url)."""
from __future__ import annotations

from urllib.parse import urlsplit

from ckan.plugins import toolkit


def problem(url) -> str | None:
    """"syntax" if Python cannot read ``url`` as an address, "port" if its port is none, else None."""
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "syntax"
    try:
        parts.port  # noqa: B018 (reading it raises ValueError for an impossible port)
    except ValueError:
        return "port"
    return None


def unreadable(url) -> bool:
    """True if ``url`` is text that Python cannot read as an address, or whose port is none."""
    return problem(url) is not None


def _refused(resource: dict) -> bool:
    """A resource whose address is refused: one CKAN's uploader cannot read (it would fail on it
    anyway), or an impossible port in an address that is new or changed. An address saved before
    this check with such a port is kept, so that the dataset's other changes can still be saved."""
    found = problem(resource.get("url"))
    if found != "port":
        return found is not None
    if isinstance(resource.get("id"), str):
        from ckan import model
        stored = model.Resource.get(resource["id"])
        if stored is not None and stored.url == resource["url"]:
            return False
    return True


def _message() -> str:
    return toolkit._("This address cannot be read: check the host name in square brackets and the port "
                     "(a number from 0 to 65535).")


def _check_resources(data_dict) -> None:
    resources = (data_dict or {}).get("resources") if isinstance(data_dict, dict) else None
    if not isinstance(resources, list):
        return
    errors = [{"url": [_message()]} if isinstance(resource, dict) and _refused(resource) else {}
              for resource in resources]
    if any(errors):
        raise toolkit.ValidationError({"resources": errors})


@toolkit.chained_action
def package_create(next_action, context, data_dict):
    """Create a new dataset (package) (CKAN's action; a resource address that cannot be read is a
    validation error of that resource).

    See CKAN's ``package_create`` for the parameters."""
    _check_resources(data_dict)
    return next_action(context, data_dict)


@toolkit.chained_action
def package_update(next_action, context, data_dict):
    """Update a dataset (package) (CKAN's action; a resource address that cannot be read is a
    validation error of that resource).

    See CKAN's ``package_update`` for the parameters."""
    _check_resources(data_dict)
    return next_action(context, data_dict)


def _check_resource(data_dict) -> None:
    if isinstance(data_dict, dict) and _refused(data_dict):
        raise toolkit.ValidationError({"url": [_message()]})


@toolkit.chained_action
def resource_create(next_action, context, data_dict):
    """Append a resource to a dataset (CKAN's action; an address that cannot be read is a
    validation error). CKAN 2.11 makes the uploader here, before ``package_update``.

    See CKAN's ``resource_create`` for the parameters."""
    _check_resource(data_dict)
    return next_action(context, data_dict)


@toolkit.chained_action
def resource_update(next_action, context, data_dict):
    """Update a resource (CKAN's action; an address that cannot be read is a validation error).
    CKAN 2.11 makes the uploader here, before ``package_update``.

    See CKAN's ``resource_update`` for the parameters."""
    _check_resource(data_dict)
    return next_action(context, data_dict)


def actions() -> dict:
    return {"package_create": package_create, "package_update": package_update,
            "resource_create": resource_create, "resource_update": resource_update}
