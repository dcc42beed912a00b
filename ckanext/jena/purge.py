"""What a plugin keeps about a dataset outside CKAN's tables goes when the dataset is purged:
``after_purge(forget)`` makes a chained ``dataset_purge`` action that runs CKAN's purge (and its
permission check) and then ``forget(dataset_id)``. Several plugins can chain it; each forgets its own."""
from __future__ import annotations

from typing import Callable

from ckan.plugins import toolkit


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
            forget(dataset_id)
        return result
    return dataset_purge
