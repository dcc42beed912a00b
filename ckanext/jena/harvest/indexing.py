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
are never deferred.

On CKAN 2.12 the form a dataset is indexed in (``ckan.logic.package_show_default_and_custom_
schemas``: the dataset read from the database and validated twice, with the default and the
custom show schema) is what ``package_create`` and ``package_update`` compute for their answer.
Inside ``deferred()`` it is kept per dataset and the deferred indexing uses it instead of
computing it again, unless the dataset was written after it was computed: a flush that writes
the dataset, its resources, tags or memberships forgets its form; a flush that writes anything
other than these, resource views or the harvest's own bookkeeping (harvest objects, activities)
forgets all, and so does a rollback. Written against CKAN 2.11.6 and 2.12.0; tests/harvest/test_indexing.py
fails if the hook no longer matches.

Also here, because it is the same change of CKAN 2.12: ckanext-harvest 1.6.3's
``harvest_source_reindex`` hands 2.12's index an unvalidated source as its validated form, so
``package_show`` (answering from the index) loses the source's type and settings
(``KeyError: 'source_type'`` on the next run). On 2.12 it indexes through CKAN's own
``index_update_package`` instead (``get_actions``)."""
from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import logging
import threading
from typing import Iterator

import ckan.lib.search as ckan_search
from ckan import model
from ckan.logic import auth_audit_exempt
from ckan.plugins import toolkit
from sqlalchemy import inspect as sa_inspect

log = logging.getLogger(__name__)
_local = threading.local()


def _pending() -> set | None:
    return getattr(_local, "pending", None)


def index_with_the_others(package_id: str | None) -> None:
    """Inside ``deferred()``: index this dataset with the block's datasets although nothing in
    the block writes it. For a record delivered again whose first import committed its dataset:
    a fetch consumer that died (or whose index write failed) between that commit and the index
    write leaves the record COMPLETE and the dataset unindexed, and ckanext-harvest sends the
    record again after three minutes; its second import leaves the dataset alone but indexes it.
    tests/harvest/test_queue_path.py."""
    pending = _pending()
    if pending is not None and package_id:
        pending.add(package_id)


def _forms() -> dict | None:
    """The indexable forms computed inside the current ``deferred()`` block, by dataset id."""
    return getattr(_local, "forms", None)


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
    original = logic.package_show_default_and_custom_schemas
    if not getattr(original, "jena_deferrable", False):
        logic.package_show_default_and_custom_schemas = _remembered(original)
    # CKAN 2.12's actions do not index at all when called with defer_commit (the harvester's
    # import commits a dataset and its harvest record together): what the session writes is
    # collected too
    import sqlalchemy as sa
    if not sa.event.contains(model.Session, "after_flush", _collect_written):
        sa.event.listen(model.Session, "after_flush", _collect_written)
    if not sa.event.contains(model.Session, "after_soft_rollback", _forget_forms):
        sa.event.listen(model.Session, "after_soft_rollback", _forget_forms)


def _forget_forms(_session, _previous_transaction) -> None:
    """A rollback (of the transaction or of a savepoint) may take back what a kept form shows."""
    forms = _forms()
    if forms:
        forms.clear()


def _collect_written(session, _flush_context) -> None:
    pending = _pending()
    if pending is None:
        return
    for entity in list(session.new) + list(session.dirty):
        if isinstance(entity, model.Package) and entity.state != "deleted":
            pending.add(entity.id)
        elif isinstance(entity, model.Resource) and entity.package_id:
            pending.add(entity.package_id)
    forms = _forms()
    if forms:
        # an object is dirty too where only a collection of it changed (an organisation gains
        # a member): the member row itself counts, not the organisation
        changed = [entity for entity in session.dirty if session.is_modified(entity, include_collections=False)]
        new = set(session.new)
        for entity in list(new) + changed + list(session.deleted):
            written = _written_dataset(entity, entity in new)
            if written is _ALL:
                forms.clear()
                return
            if written is not None:
                forms.pop(written, None)


_ALL = object()
# written by a harvest besides datasets, and no part of a dataset's indexed form; nor is a
# resource's view (package_create makes the default views of a new dataset's resources: before
# a view was counted here, each dataset with a map or table view forgot the kept forms of the
# other datasets of its batch of 100)
_BOOKKEEPING = {"HarvestObject", "HarvestObjectExtra", "HarvestObjectError", "HarvestJob",
                "HarvestGatherError", "Activity"}


def _written_dataset(entity, new: bool = False):
    """The id of the dataset whose indexed form a write of ``entity`` may change; None where it
    changes none; _ALL where it may change any (an organisation renamed, anything unknown)."""
    if isinstance(entity, model.Package):
        return entity.id
    if isinstance(entity, (model.Resource, model.PackageTag)):
        moved = sa_inspect(entity).attrs.package_id.history.deleted
        return entity.package_id if not moved else _ALL  # moved between datasets: both changed
    if isinstance(entity, model.Member):
        return entity.table_id if entity.table_name == "package" else _ALL
    if isinstance(entity, model.Tag):
        # a new tag changes no dataset until a package_tag links it (above); a renamed one may
        return None if new else _ALL
    if type(entity).__name__ in _BOOKKEEPING or isinstance(entity, model.ResourceView):
        return None
    return _ALL


def _row_version(package_id: str):
    """The version of the dataset's row (PostgreSQL's xmin: the transaction that wrote it last)."""
    import sqlalchemy as sa
    return model.Session.execute(sa.text("SELECT xmin::text FROM package WHERE id = :id"),
                                 {"id": package_id}).scalar()


def _kept(package_id) -> tuple | None:
    """The kept (default, custom) form of this dataset, if no one has written its row since:
    this session's own later writes are seen by the flush listener; a change another process
    committed meanwhile (an editor, a deletion, xloader's resource_patch: each rewrites the
    dataset's row) by the row's version. A synchronous run keeps forms for up to 100 records."""
    forms = _forms()
    if not forms or not isinstance(package_id, str):
        return None
    kept = forms.get(package_id)
    if kept is None:
        return None
    if kept[0] is None or kept[0] != _row_version(package_id):
        forms.pop(package_id, None)
        return None
    return kept[1]


def _remembered(original):
    @functools.wraps(original)
    def show_for_index(parent_context, package_id):
        forms = _forms()
        if forms is None:
            return original(parent_context, package_id)
        kept = _kept(package_id)
        if kept is not None:
            return copy.deepcopy(kept)
        if _pending() is None:  # the deferred indexing itself: nothing left to reuse it
            return original(parent_context, package_id)
        # CKAN's session does not flush before a query: what the action wrote last (the
        # dataset's membership in its organisation) is written first, so that the form shows
        # it and no later flush of it makes the form be forgotten
        model.Session.flush()
        computed = original(parent_context, package_id)
        forms[package_id] = (_row_version(package_id), copy.deepcopy(computed))
        return computed

    show_for_index.jena_deferrable = True
    return show_for_index


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
    _local.forms = {}
    try:
        yield pending
    finally:
        _local.pending = None
        try:
            if pending:
                index(pending)
        finally:
            _local.forms = None


# documents written to jena_search together (a batch's documents are held in memory until then)
WRITE_BATCH = 100


def index(package_ids) -> None:
    from ckanext.jena.search.backend import batched_writes
    ordered = sorted(package_ids)
    try:
        for start in range(0, len(ordered), WRITE_BATCH):
            with batched_writes():
                ckan_search.rebuild(package_ids=ordered[start:start + WRITE_BATCH], defer_commit=True, quiet=True)
        ckan_search.commit()
    except Exception:  # the datasets are saved; `ckan search-index rebuild --only-missing` catches up
        log.exception("harvest: indexing %d datasets failed; run `ckan search-index rebuild --only-missing`",
                      len(package_ids))
        model.Session.rollback()


def get_actions() -> dict:
    """The actions jena_harvest chains for this CKAN (none on 2.11)."""
    if hasattr(ckan_search, "SynchronousSearchPlugin"):
        return {}
    return {"harvest_source_reindex": harvest_source_reindex, "package_show": package_show}


@toolkit.chained_action
@toolkit.side_effect_free
def package_show(original, context, data_dict):
    """Return the metadata of a dataset (package) and its resources (CKAN's action).

    Inside a harvest's deferred indexing, an internal read (``ignore_auth``, as the activity
    stream's copy of a new dataset) of a dataset whose indexed form was kept answers with that
    form, as CKAN 2.12 answers from the search index once the dataset is in it, instead of
    reading and validating the dataset a third time. Every other call is CKAN's own.

    :param id: the id or name of the dataset
    :type id: string
    """
    package_id = (data_dict or {}).get("id")
    if (not _forms() or not context.get("ignore_auth") or context.get("for_view") or "schema" in context
            or context.get("use_cache") is False or context.get("validate") is False
            or context.get("for_update") or set(data_dict) - {"id", "include_tracking"}):
        return original(context, data_dict)
    kept = _kept(package_id)
    if kept is None:
        return original(context, data_dict)
    package = model.Package.get(package_id)
    if package is None or package.id != package_id:
        return original(context, data_dict)
    context["package"] = package
    toolkit.check_access("package_show", context, data_dict)  # an internal read: allowed
    package_dict = copy.deepcopy(kept[1])
    # what CKAN's package_show does with a copy from the search index
    import ckan.plugins as plugins
    for item in plugins.PluginImplementations(plugins.IPackageController):
        item.read(package)
    for item in plugins.PluginImplementations(plugins.IResourceController):
        for resource_dict in package_dict.get("resources", []):
            item.before_resource_show(resource_dict)
    import ckan.logic as logic
    logic.apply_after_dataset_show_plugins(context, package_dict)
    return package_dict


@toolkit.chained_action
@auth_audit_exempt  # as ckanext-harvest's own, which checks no auth (it is called internally)
def harvest_source_reindex(original, context, data_dict):
    """Reindex a single harvest source (ckanext-harvest's action; on CKAN 2.12 the source is
    indexed with its validated form, as CKAN indexes every dataset; from a request only for those
    who may manage the source).

    :param id: the id of the harvest source
    :type id: string
    """
    import ckan.logic as logic
    from .guards import check_reindex
    check_reindex(context, data_dict)  # ckanext-harvest's own asks no auth function (guards.py)
    source_id = toolkit.get_or_bust(data_dict, "id")
    logic.index_update_package(dict(context, ignore_auth=True), source_id,
                               context.get("defer_commit", False))
    return True
