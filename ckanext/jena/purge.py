"""What a plugin keeps about a dataset outside CKAN's tables goes when the dataset is purged:
``after_purge(forget)`` makes a chained ``dataset_purge`` action that runs CKAN's purge (and its
permission check) and then ``forget(dataset_id)``. Several plugins can chain it; each forgets its own.
Every chain also deletes the dataset's rows in CKAN's activity table (the activity plugin keeps
them after a purge, each with the full dataset dict as it was)."""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit


def forget_activities(dataset_id: str) -> None:
    """The dataset's activities (and their dashboard entries) go, where the activity table exists."""
    with model.meta.engine.begin() as connection:
        if connection.execute(sa.text("SELECT to_regclass('activity')")).scalar() is None:
            return
        connection.execute(sa.text("DELETE FROM activity WHERE object_id = :id"), {"id": dataset_id})


def after_purge(forget: Callable[[str], None]):
    @toolkit.chained_action
    def dataset_purge(original_action, context, data_dict):
        dataset_id = None
        try:  # the id, whether the call named the dataset by id or by name
            dataset_id = toolkit.get_action("package_show")({"ignore_auth": True}, {"id": data_dict.get("id")})["id"]
        except toolkit.ObjectNotFound:
            pass
        result = original_action(context, data_dict)
        if dataset_id:
            forget_activities(dataset_id)
            forget(dataset_id)
        return result
    return dataset_purge
