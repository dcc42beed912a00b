"""Work that must wait until CKAN's session has committed (a background job for a dataset that a
worker should find as saved), and must not happen if it rolls back.

The quality check and the explainer queued their jobs with one ``once=True`` after_commit
listener per changed dataset. SQLAlchemy keeps such a listener registered after it has fired,
so a session that lives through many commits (a synchronous harvest: two listeners per dataset,
all called at every commit) paid for all earlier datasets at every commit, quadratic in the
run's length; and a listener of a rolled-back change fired at the next commit. Here one pair of
listeners serves every session: the work waits in the session's ``info``, keyed so that a
dataset changed twice in one transaction is queued once, runs after the commit of the whole
transaction (not when a savepoint is released: SQLAlchemy sends after_commit for that too, and
CKAN 2.12's package_update releases one before its commit) and is dropped by a rollback, also by
the rollback of the savepoint it was added in (package_update rolls its savepoint back when
nothing changed). A helper's review found the savepoint cases. tests/test_after_commit.py."""
from __future__ import annotations

import logging
from typing import Callable

log = logging.getLogger(__name__)
_KEY = "jena_after_commit"
_installed = False


def _install() -> None:
    global _installed
    if _installed:
        return
    import sqlalchemy as sa
    from ckan import model
    sa.event.listen(model.Session, "after_commit", _run)
    sa.event.listen(model.Session, "after_soft_rollback", _drop)
    _installed = True


def call(key: tuple, work: Callable[[], None]) -> None:
    """Run ``work`` once CKAN's current transaction has committed; never if it rolls back. Work
    with a key already waiting in this transaction is not added again."""
    from ckan import model
    _install()
    session = model.Session()
    # the savepoint the work belongs to (None: the transaction itself)
    session.info.setdefault(_KEY, {}).setdefault(key, (work, session.get_nested_transaction()))


def waiting() -> int:
    """How much work waits for the current transaction's commit."""
    from ckan import model
    return len(model.Session().info.get(_KEY) or {})


def _run(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction has not committed yet
    pending = session.info.pop(_KEY, None)
    for key, (work, _savepoint) in (pending or {}).items():
        try:
            work()
        except Exception:  # the commit stands; the work's owner says what is lost
            log.exception("work after the commit failed: %s", key)


def _drop(session, previous_transaction) -> None:
    if not previous_transaction.nested:
        if previous_transaction.parent is None:  # the transaction itself
            session.info.pop(_KEY, None)
        # else SQLAlchemy's own subtransaction around a flush that failed: the rollback of the
        # savepoint or transaction around it follows and says what goes (a helper's review)
        return
    # a savepoint rolled back: only the work added inside it (or inside savepoints within it) goes
    pending = session.info.get(_KEY) or {}
    for key, (_work, savepoint) in list(pending.items()):
        while savepoint is not None and savepoint is not previous_transaction:
            savepoint = savepoint.parent
        if savepoint is previous_transaction:
            del pending[key]
