"""Move datasets off concepts that the taxonomy retired or that belong to an older scheme.

A plan is computed from the stored values alone (dry run); applying it patches each dataset
through CKAN's package_patch, one dataset at a time, so a dataset that cannot be saved is
reported and left exactly as it was while the others are migrated.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Callable, Optional

from ckan.plugins import toolkit

from . import store
from .model import Taxonomy

log = logging.getLogger(__name__)
MIGRATED_KEYS = ("action_fields",)


@dataclasses.dataclass
class Change:
    dataset_id: str
    name: str
    key: str
    before: list
    after: list
    notes: list

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def plan(taxonomy: Taxonomy) -> tuple[list[Change], list[Change]]:
    """(changes, unresolved): datasets whose values move, and datasets with values that have
    no place in the current scheme (left untouched, for a data officer to decide)."""
    changes, unresolved = [], []
    for dataset_id, name, key, values in store.datasets_with_values(MIGRATED_KEYS):
        after: list[str] = []
        notes: list[str] = []
        stuck = False
        for value in values:
            targets, how = taxonomy.replacement(value)
            if not targets:
                stuck = True
                notes.append(f"{value}: {'unknown concept' if how == 'unknown' else 'no mapping to the current scheme'}")
                after.append(value)
                continue
            if how != "current":
                notes.append(f"{value} -> {', '.join(targets)} ({how})")
            after.extend(targets)
        after = taxonomy.with_fields(dict.fromkeys(after))
        change = Change(dataset_id, name, key, values, after, notes)
        if stuck:
            unresolved.append(change)
        elif after != values:
            changes.append(change)
    return changes, unresolved


def apply(changes: list[Change], progress: Optional[Callable[[Change, Optional[str]], None]] = None) -> list[tuple[Change, str]]:
    """Patch each dataset; returns (change, error message) for those that failed."""
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    failures = []
    for change in changes:
        context = {"user": site_user["name"], "ignore_auth": True}
        error = None
        try:
            toolkit.get_action("package_patch")(context, {"id": change.dataset_id, change.key: change.after})
        except toolkit.ValidationError as exc:
            error = f"validation failed: {exc.error_dict}"
        except Exception as exc:  # keep going: one broken dataset must not stop the others
            log.exception("taxonomy migration of dataset %s failed", change.dataset_id)
            error = f"{type(exc).__name__}: {exc}"
        if error:
            failures.append((change, error))
        if progress:
            progress(change, error)
    return failures


def datasets_carrying(concepts: set) -> list[str]:
    """Ids of datasets that carry any of the concepts (to re-index them after a rename)."""
    return sorted({pid for pid, _n, _k, values in store.datasets_with_values(MIGRATED_KEYS)
                   if concepts & set(values)})
