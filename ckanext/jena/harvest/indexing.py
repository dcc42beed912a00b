"""A synchronous harvest run indexes each dataset it wrote once, when its records are done.

Why this reaches into CKAN: no plugin interface can hold back CKAN's indexing, and a dataset a
harvest writes is indexed several times (created, then its resources, tags, explainer).
- CKAN 2.11 indexes in the commit that changes a dataset (``ckan.lib.search.
  SynchronousSearchPlugin.notify``, a system plugin), a new dataset twice in its creating
  commit (as new, and as changed through its new resources and tags, ``ckan.model.
  modification.notify_observers``): the hook is that ``notify``.
- CKAN 2.12 removed that plugin; the actions call ``ckan.logic.index_insert_package_dicts``,
  ``index_update_package_dicts`` and ``index_update_package`` (looked up on ``ckan.logic`` at
  each call): the hook is those three functions. Called with ``defer_commit`` (as the harvest
  import does, to commit a dataset with its harvest record), the actions index nothing, so the
  datasets the session writes are collected as well (an ``after_flush`` listener).
Inside ``deferred()`` the current thread's indexing only collects dataset ids; leaving it
indexes each collected dataset once through CKAN's own ``ckan.lib.search.rebuild``. Deletions
are never deferred. Written against CKAN 2.11.6 and 2.12.0; tests/harvest/test_indexing.py
fails if the hook no longer matches.

Also here, because it is the same change of CKAN 2.12: ckanext-harvest 1.6.3's
``harvest_source_reindex`` hands 2.12's index an unvalidated source as its validated form, so
``package_show`` (answering from the index) loses the source's type and settings
(``KeyError: 'source_type'`` on the next run). On 2.12 it indexes through CKAN's own
``index_update_package`` instead (``get_actions``)."""
from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import threading
from typing import Iterator

import ckan.lib.search as ckan_search
from ckan import model
from ckan.logic import auth_audit_exempt
from ckan.plugins import toolkit

log = logging.getLogger(__name__)
_local = threading.local()


def _pending() -> set | None:
    return getattr(_local, "pending", None)


def _install() -> None:
    if hasattr(ckan_search, "SynchronousSearchPlugin"):
        _install_2_11()
    else:
        _install_2_12()


def _install_2_11() -> None:
    plugin_class = ckan_search.SynchronousSearchPlugin
    if getattr(plugin_class.notify, "jena_deferrable", False):
        return
    original = plugin_class.notify

    def notify(self, entity, operation):
        pending = _pending()
        if pending is not None and isinstance(entity, model.Package) \
                and operation != model.DomainObjectOperation.deleted:
            pending.add(entity.id)
            return None
        return original(self, entity, operation)

    notify.jena_deferrable = True
    plugin_class.notify = notify


# CKAN 2.12: the functions of ckan.logic that index a dataset, and where each finds its id
_LOGIC_INDEXERS = {
    "index_update_package": lambda context, id_, *args, **kwargs: id_,
    "index_update_package_dicts": lambda both, *args, **kwargs: both[0]["id"],
    "index_insert_package_dicts": lambda both, *args, **kwargs: both[0]["id"],
}


def _install_2_12() -> None:
    import ckan.logic as logic
    for name, package_id in _LOGIC_INDEXERS.items():
        original = getattr(logic, name)
        if getattr(original, "jena_deferrable", False):
            continue
        setattr(logic, name, _deferrable(original, package_id))
    # CKAN 2.12's actions do not index at all when called with defer_commit (the harvester's
    # import commits a dataset and its harvest record together): what the session writes is
    # collected too
    import sqlalchemy as sa
    if not sa.event.contains(model.Session, "after_flush", _collect_written):
        sa.event.listen(model.Session, "after_flush", _collect_written)


def _collect_written(session, _flush_context) -> None:
    pending = _pending()
    if pending is None:
        return
    for entity in list(session.new) + list(session.dirty):
        if isinstance(entity, model.Package) and entity.state != "deleted":
            pending.add(entity.id)
        elif isinstance(entity, model.Resource) and entity.package_id:
            pending.add(entity.package_id)


def _deferrable(original, package_id):
    @functools.wraps(original)
    def indexer(*args, **kwargs):
        pending = _pending()
        if pending is None:
            return original(*args, **kwargs)
        pending.add(package_id(*args, **kwargs))
        return None

    indexer.jena_deferrable = True
    return indexer


def hook_matches() -> bool:
    """CKAN still indexes through the hook ``_install`` replaces (either version's)."""
    if hasattr(ckan_search, "SynchronousSearchPlugin"):
        notify = getattr(ckan_search.SynchronousSearchPlugin, "notify", None)
        if notify is None:
            return False
        if getattr(notify, "jena_deferrable", False):
            return True
        source = inspect.getsource(notify)
        return "dispatch_by_operation" in source and "package_show" in source
    import ckan.logic as logic
    import ckan.logic.action.create as create
    import ckan.logic.action.update as update
    expected_parameters = {"index_update_package": ["context", "id_", "defer_commit"],
                           "index_update_package_dicts": ["both", "defer_commit"],
                           "index_insert_package_dicts": ["both"]}
    for name, parameters in expected_parameters.items():
        function = getattr(logic, name, None)
        if function is None or list(inspect.signature(inspect.unwrap(function)).parameters) != parameters:
            return False
    return ("logic.index_insert_package_dicts(" in inspect.getsource(create.package_create)
            and "logic.index_update_package_dicts(" in inspect.getsource(update.package_update)
            and "logic.index_update_package(" in inspect.getsource(ckan_search.rebuild))


@contextlib.contextmanager
def deferred() -> Iterator[set]:
    """Collect instead of index; index the collected datasets once on leaving."""
    _install()
    outer = _pending()
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


def get_actions() -> dict:
    """The actions jena_harvest chains for this CKAN (none on 2.11)."""
    if hasattr(ckan_search, "SynchronousSearchPlugin"):
        return {}
    return {"harvest_source_reindex": harvest_source_reindex}


@toolkit.chained_action
@auth_audit_exempt  # as ckanext-harvest's own, which checks no auth (it is called internally)
def harvest_source_reindex(original, context, data_dict):
    """Reindex a single harvest source (ckanext-harvest's action; on CKAN 2.12 the source is
    indexed with its validated form, as CKAN indexes every dataset).

    :param id: the id of the harvest source
    :type id: string
    """
    import ckan.logic as logic
    source_id = toolkit.get_or_bust(data_dict, "id")
    logic.index_update_package(dict(context, ignore_auth=True), source_id,
                               context.get("defer_commit", False))
    return True
