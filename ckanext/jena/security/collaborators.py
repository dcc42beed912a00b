"""An anonymous ``package_collaborator_list`` is refused (403) instead of failing (500).

CKAN core's auth function for it is a "get" function, which CKAN lets anonymous visitors reach,
and then asserts that the asker is a user: an ``AssertionError`` and a 500 for every anonymous
call on an existing dataset (fifth attack review, L4). Only an organisation's admins (and
sysadmins) may list a dataset's collaborators; a visitor without an account never may."""
from __future__ import annotations

from ckan.plugins import toolkit


@toolkit.auth_allow_anonymous_access
@toolkit.chained_auth_function
def package_collaborator_list(next_auth, context, data_dict):
    # not auth_user_obj: in a web request an anonymous visitor's is flask-login's AnonymousUser
    if not context.get("user"):
        return {"success": False,
                "msg": toolkit._("Only signed-in users who manage the dataset may list its collaborators")}
    return next_auth(context, data_dict)


def auth_functions() -> dict:
    return {"package_collaborator_list": package_collaborator_list}
