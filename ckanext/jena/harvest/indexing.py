"""A synchronous harvest run indexes each dataset it wrote once, when its records are done.

Why this reaches into CKAN: CKAN 2.11 indexes a dataset in the commit that changes it
(``ckan.lib.search.SynchronousSearchPlugin.notify``, a system plugin, so no plugin interface
can stand in), and a new dataset twice in its creating commit: once as new, once as changed
through its new resources and tags (``ckan.model.modification.notify_observers``). Inside
``deferred()`` the notifications of the current thread only collect dataset ids; leaving it
indexes each collected dataset once through CKAN's own ``ckan.lib.search.rebuild``. Deletions
are never deferred. Written against CKAN 2.11.6; tests/harvest/test_indexing.py fails if the
hook no longer matches."""
from __future__ import annotations

import contextlib
import logging
import threading
from typing import Iterator

import ckan.lib.search as ckan_search
from ckan import model

log = logging.getLogger(__name__)
_local = threading.local()


def _install() -> None:
    plugin_class = ckan_search.SynchronousSearchPlugin
    if getattr(plugin_class.notify, "jena_deferrable", False):
        return
    original = plugin_class.notify

    def notify(self, entity, operation):
        pending = getattr(_local, "pending", None)
        if pending is not None and isinstance(entity, model.Package) \
                and operation != model.DomainObjectOperation.deleted:
            pending.add(entity.id)
            return None
        return original(self, entity, operation)

    notify.jena_deferrable = True
    plugin_class.notify = notify


def hook_matches() -> bool:
    """CKAN still indexes through SynchronousSearchPlugin.notify(entity, operation)."""
    import inspect
    plugin_class = getattr(ckan_search, "SynchronousSearchPlugin", None)
    notify = getattr(plugin_class, "notify", None)
    if notify is None:
        return False
    if getattr(notify, "jena_deferrable", False):
        return True
    source = inspect.getsource(notify)
    return "dispatch_by_operation" in source and "package_show" in source


@contextlib.contextmanager
def deferred() -> Iterator[set]:
    """Collect instead of index; index the collected datasets once on leaving."""
    _install()
    outer = getattr(_local, "pending", None)
    if outer is not None:  # nested: the outermost block indexes
        yield outer
        return
    _local.pending = pending = set()
    try:
        yield pending
    finally:
        _local.pending = None
        if pending:
            index(pending)


def index(package_ids) -> None:
    try:
        ckan_search.rebuild(package_ids=sorted(package_ids), defer_commit=True, quiet=True)
        ckan_search.commit()
    except Exception:  # the datasets are saved; `ckan search-index rebuild --only-missing` catches up
        log.exception("harvest: indexing %d datasets failed; run `ckan search-index rebuild --only-missing`",
                      len(package_ids))
        model.Session.rollback()
