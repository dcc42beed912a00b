"""CKAN core's collaborator auth functions refuse instead of failing (500).

``package_collaborator_list``: CKAN core's auth function is a "get" function, which CKAN lets
anonymous visitors reach, and then asserts that the asker is a user: an ``AssertionError`` and a
500 for every anonymous call on an existing dataset (fifth attack review, L4). Only an
organisation's admins (and sysadmins) may list a dataset's collaborators; a visitor without an
account never may.

``package_collaborator_create`` / ``_delete``: CKAN core's auth functions assert that the dataset
and the asking user exist, so an anonymous caller or a dataset id that does not exist answered
500 (eighth attack review, F5). Both are refused now (403); the dataset's existence is not told
either way. (Collaborators are switched off in this portal; CKAN's actions refuse them anyway.)"""
from __future__ import annotations

from ckan import model  # whether the dataset and the user exist: what CKAN's own check asserts
from ckan.plugins import toolkit


@toolkit.auth_allow_anonymous_access
@toolkit.chained_auth_function
def package_collaborator_list(next_auth, context, data_dict):
    # not auth_user_obj: in a web request an anonymous visitor's is flask-login's AnonymousUser
    if not context.get("user"):
        return {"success": False,
                "msg": toolkit._("Only signed-in users who manage the dataset may list its collaborators")}
    return next_auth(context, data_dict)


def _manage(next_auth, context, data_dict):
    user = context.get("user")
    dataset = (data_dict or {}).get("id")
    if not user or model.User.get(user) is None or not isinstance(dataset, str) \
            or model.Package.get(dataset) is None:
        return {"success": False,
                "msg": toolkit._("Only signed-in users who manage the dataset may change its collaborators")}
    return next_auth(context, data_dict)


@toolkit.auth_allow_anonymous_access
@toolkit.chained_auth_function
def package_collaborator_create(next_auth, context, data_dict):
    return _manage(next_auth, context, data_dict)


@toolkit.auth_allow_anonymous_access
@toolkit.chained_auth_function
def package_collaborator_delete(next_auth, context, data_dict):
    return _manage(next_auth, context, data_dict)


def auth_functions() -> dict:
    return {"package_collaborator_list": package_collaborator_list,
            "package_collaborator_create": package_collaborator_create,
            "package_collaborator_delete": package_collaborator_delete}
