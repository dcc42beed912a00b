"""The activity stream shows only datasets the asker may see now.

CKAN's activity plugin (2.11) stores, with each activity, the permission labels the dataset had
when it happened, and ``recently_changed_packages_activity_list``, ``organization_activity_list``,
``group_activity_list``, ``user_activity_list``, ``activity_show`` and ``activity_data_show``
filter by those: a dataset made private afterwards stays readable anonymously in its old
``new package``/``changed package`` activities (with the full dataset dict), and so did purged
datasets; the activities of a dataset's resource views carry no labels at all. These chained actions drop (lists) or refuse (single activities) every activity of a
dataset that the asker may not ``package_show`` now, or that is gone. Lists may then hold fewer
items than ``limit``. Written against CKAN 2.11.6's activity plugin."""
from __future__ import annotations

from ckan.plugins import toolkit


def _may_see_dataset(context, dataset_id: str, seen: dict) -> bool:
    if dataset_id not in seen:
        check_context = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
        try:
            toolkit.check_access("package_show", check_context, {"id": dataset_id})
            seen[dataset_id] = True
        except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
            seen[dataset_id] = False
    return seen[dataset_id]


# activity types whose object is a dataset: "new package", "changed package", "deleted package",
# and "new / changed / deleted resource view", whose object_id is the view's dataset and whose data
# hold the view's title, description and settings (an attack review found those of private
# datasets in anonymous user activity lists, 6 December)
_DATASET_OBJECT_WORDS = ("package", "resource", "dataset")


def _is_dataset_type(activity_type: str | None) -> bool:
    return any(word in (activity_type or "") for word in _DATASET_OBJECT_WORDS)


def _is_dataset_activity(activity: dict) -> bool:
    return _is_dataset_type(activity.get("activity_type"))


def visible(context, activities: list[dict]) -> list[dict]:
    """The activities whose dataset (if they are about one) the asker may see now."""
    seen: dict = {}
    return [activity for activity in activities
            if not _is_dataset_activity(activity) or _may_see_dataset(context, activity["object_id"], seen)]


def _list_action(name: str):
    @toolkit.side_effect_free
    @toolkit.chained_action
    def action(original_action, context, data_dict):
        return visible(context, original_action(context, data_dict))
    action.__name__ = name
    action.__doc__ = (f"CKAN's {name}, without activities of datasets the user may not see now "
                      "(private since, or purged).")
    return action


def _refuse_hidden_activity(context, data_dict) -> None:
    from ckanext.activity.model import Activity
    activity = Activity.get(toolkit.get_or_bust(data_dict, "id"))
    if activity is not None and _is_dataset_type(activity.activity_type):
        if not _may_see_dataset(context, activity.object_id, {}):
            raise toolkit.ObjectNotFound()


@toolkit.side_effect_free
@toolkit.chained_action
def activity_show(original_action, context, data_dict):
    """CKAN's activity_show; an activity of a dataset the user may not see now is not found."""
    _refuse_hidden_activity(context, data_dict)
    return original_action(context, data_dict)


@toolkit.side_effect_free
@toolkit.chained_action
def activity_data_show(original_action, context, data_dict):
    """CKAN's activity_data_show; an activity of a dataset the user may not see now is not found."""
    _refuse_hidden_activity(context, data_dict)
    return original_action(context, data_dict)


LISTS = ("recently_changed_packages_activity_list", "package_activity_list", "dashboard_activity_list",
         "organization_activity_list", "group_activity_list", "user_activity_list")


def actions() -> dict:
    found = {name: _list_action(name) for name in LISTS}
    found.update(activity_show=activity_show, activity_data_show=activity_data_show)
    return found
