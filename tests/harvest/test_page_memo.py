"""The page memo (harvest/memo.py): an unchanged page is not parsed again, and the memo never
stands in for a page that holds something to import."""
import json

from ckan.tests import helpers

from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks, run

pytestmark = marks()


def _memo_entries() -> dict:
    from ckan.lib.redis import connect_to_redis
    from ckanext.jena.harvest import memo
    redis = connect_to_redis()
    return {key: json.loads(redis.get(key)) for key in redis.scan_iter(memo.PREFIX + "*")}


def _forget_memo() -> None:
    from ckan.lib.redis import connect_to_redis
    from ckanext.jena.harvest import memo
    redis = connect_to_redis()
    for key in redis.scan_iter(memo.PREFIX + "*"):
        redis.delete(key)


def test_an_unchanged_re_run_answers_from_the_page_memo(source_server):
    _forget_memo()
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 6)], per_page=2)
    source = make_source(url)
    assert run(source)["created"] == 5
    entries = _memo_entries()
    assert sorted(len(e["records"]) for e in entries.values()) == [1, 2, 2]
    # a mark only the memo can carry: its pages announce more datasets than they list
    from ckan.lib.redis import connect_to_redis
    for key, entry in entries.items():
        connect_to_redis().set(key, json.dumps(dict(entry, total=99)))
    summary = run(source)
    assert summary["unchanged"] == 5
    assert "announced 99 datasets" in (summary["incomplete"] or ""), summary  # read from the memo


def test_the_memo_never_stands_in_for_a_page_with_a_record_to_import(source_server):
    # the pages' bytes are unchanged, but one dataset was purged in the portal (its harvest record
    # goes with it): its page is parsed again and the dataset comes back whole
    _forget_memo()
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 5)], per_page=2)
    source = make_source(url)
    run(source)
    purged = harvested()[2]
    helpers.call_action("dataset_purge", id=purged["id"])
    summary = run(source)
    assert (summary["created"], summary["unchanged"], summary["errors"]) == (1, 3, 0), summary["messages"]
    back = [d for d in harvested() if d["title"] == purged["title"]]
    assert len(back) == 1 and back[0]["notes"] == purged["notes"] and len(back[0]["resources"]) == 1


def test_a_changed_source_configuration_reads_every_page_anew(source_server):
    _forget_memo()
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 4)], per_page=2)
    source = make_source(url)
    run(source)
    helpers.call_action("harvest_source_patch", context={"ignore_auth": True}, id=source["id"],
                        config=json.dumps({"private": True}))
    summary = run(source)
    assert (summary["updated"], summary["errors"]) == (3, 0), summary["messages"]
    assert all(d["private"] for d in harvested())


def test_force_parses_every_page(source_server):
    _forget_memo()
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 4)])
    source = make_source(url)
    run(source)
    from ckan.lib.redis import connect_to_redis
    for key, entry in _memo_entries().items():
        connect_to_redis().set(key, json.dumps(dict(entry, total=99)))
    summary = run(source, force=True)
    assert summary["updated"] == 3 and not summary["incomplete"], summary
