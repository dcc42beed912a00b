"""Jobs queued when a dataset changes wait for the commit (ckanext/jena/after_commit.py): a
long-lived session (a synchronous harvest) no longer collects a listener per dataset, a change
rolled back queues nothing, and a dataset changed twice in one transaction is queued once."""
import pytest

import sqlalchemy as sa
from ckan import model
from ckan.tests import factories, helpers

from ckanext.jena import after_commit

pytestmark = [pytest.mark.usefixtures("clean_db", "clean_queues", "with_plugins"),
              pytest.mark.ckan_config("ckan.plugins", "jena_search jena_quality jena_explainer"),
              pytest.mark.ckan_config("ckanext.jena.quality.background_checks", "true"),
              pytest.mark.ckan_config("ckanext.jena.explainer.background_jobs", "true")]


def queued(title: str) -> list:
    return [job for job in helpers.call_action("job_list") if job["title"] == title]


def listeners() -> int:
    return len(list(model.Session().dispatch.after_commit))


def test_a_session_through_many_commits_keeps_the_same_listeners():
    org = factories.Organization()
    factories.Dataset(owner_org=org["id"])
    before = listeners()
    for n in range(5):
        factories.Dataset(owner_org=org["id"], title=f"Messreihe {n}")
    assert listeners() == before
    assert len(queued("jena quality check")) == 6
    assert len(queued("jena explainer")) == 6


def test_a_change_rolled_back_queues_nothing_at_the_next_commit():
    org = factories.Organization()
    context = {"user": factories.Sysadmin()["name"], "defer_commit": True}
    pkg = helpers.call_action("package_create", context=context, name="verworfen", owner_org=org["id"])
    assert after_commit.waiting() == 2
    model.Session.rollback()
    assert after_commit.waiting() == 0
    kept = factories.Dataset(owner_org=org["id"], name="bleibt")
    for title in ("jena quality check", "jena explainer"):
        ids = [job["id"] for job in queued(title)]
        assert len(ids) == 1, (title, ids)
    from ckan.lib import jobs
    queued_for = {tuple(jobs.job_from_id(job["id"]).args) for job in helpers.call_action("job_list")}
    assert (kept["id"],) in queued_for and (pkg["id"],) not in queued_for


def test_a_dataset_changed_twice_in_one_transaction_is_queued_once_after_the_commit():
    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"])
    helpers.call_action("job_clear")
    # return_id_only, as the harvest updates: CKAN 2.12.0's package_update otherwise rolls its
    # savepoint back under defer_commit, and the change with it
    context = {"user": factories.Sysadmin()["name"], "defer_commit": True, "return_id_only": True}
    helpers.call_action("package_patch", context=dict(context), id=pkg["id"], notes="Erste Änderung")
    helpers.call_action("package_patch", context=dict(context), id=pkg["id"], notes="Zweite Änderung")
    assert queued("jena quality check") == []  # not before the commit
    model.Session.commit()
    assert len(queued("jena quality check")) == 1
    assert len(queued("jena explainer")) == 1
    assert helpers.call_action("package_show", id=pkg["id"])["notes"] == "Zweite Änderung"


def test_a_savepoints_rollback_keeps_the_transactions_work():
    org = factories.Organization()
    helpers.call_action("job_clear")
    context = {"user": factories.Sysadmin()["name"], "defer_commit": True}
    helpers.call_action("package_create", context=context, name="mit-savepoint", owner_org=org["id"])
    savepoint = model.Session.begin_nested()
    model.Session.execute(sa.text("SELECT 1"))
    savepoint.rollback()
    assert after_commit.waiting() == 2
    model.Session.commit()
    assert len(queued("jena quality check")) == 1


def test_a_savepoint_released_runs_nothing_before_the_commit():
    org = factories.Organization()
    helpers.call_action("job_clear")
    context = {"user": factories.Sysadmin()["name"], "defer_commit": True}
    helpers.call_action("package_create", context=context, name="vor-dem-commit", owner_org=org["id"])
    savepoint = model.Session.begin_nested()
    model.Session.execute(sa.text("SELECT 1"))
    savepoint.commit()  # SQLAlchemy sends after_commit for the savepoint's release too
    assert queued("jena quality check") == [] and after_commit.waiting() == 2
    model.Session.commit()
    assert len(queued("jena quality check")) == 1 and after_commit.waiting() == 0


def test_work_added_inside_a_savepoint_rolled_back_goes_and_the_rest_stays():
    org = factories.Organization()
    helpers.call_action("job_clear")
    context = {"user": factories.Sysadmin()["name"], "defer_commit": True}
    kept = helpers.call_action("package_create", context=dict(context), name="draussen", owner_org=org["id"])
    outer = model.Session.begin_nested()
    inner = model.Session.begin_nested()
    gone = helpers.call_action("package_create", context=dict(context), name="drinnen", owner_org=org["id"])
    assert after_commit.waiting() == 4
    inner.commit()  # released into the outer savepoint, which then rolls back
    outer.rollback()
    assert after_commit.waiting() == 2
    model.Session.commit()
    from ckan.lib import jobs
    queued_for = [tuple(jobs.job_from_id(job["id"]).args) for job in helpers.call_action("job_list")]
    assert sorted(queued_for) == [(kept["id"],), (kept["id"],)]
    assert (gone["id"],) not in queued_for


def test_a_failed_flush_inside_a_savepoint_keeps_the_work_of_the_transaction():
    org = factories.Organization()
    helpers.call_action("job_clear")
    context = {"user": factories.Sysadmin()["name"], "defer_commit": True}
    kept = helpers.call_action("package_create", context=dict(context), name="vorher", owner_org=org["id"])
    with pytest.raises(sa.exc.IntegrityError):
        with model.Session.begin_nested():
            model.Session.add(model.Package(name="vorher"))  # the name is taken
            model.Session.flush()
    assert after_commit.waiting() == 2
    model.Session.commit()
    from ckan.lib import jobs
    queued_for = [tuple(jobs.job_from_id(job["id"]).args) for job in helpers.call_action("job_list")]
    assert sorted(queued_for) == [(kept["id"],), (kept["id"],)]
