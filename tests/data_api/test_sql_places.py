"""At most one datastore_search_sql per address and two for all visitors at once
(data/sqlguard.py; fifth attack review, 6 December, M2: 12 parallel anonymous queries, each
running to the time limit, held every web worker). Real parallel requests: a long query runs in a
thread while the others are asked."""
import threading
import time

import pytest

from ckan.tests import factories

from tests.data_api.conftest import data_marks
from tests.data_api.test_data_api import api
from tests.data_api.test_sql_guard import big, refused  # noqa: F401 (fixture)

# a long query runs for the whole time limit: 5 s leave the other requests time even on a busy
# machine (a module's ckan_config marks win over a test's own, so the limit is set here)
pytestmark = data_marks() + [
    pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckanext.jena.data.sql_seconds", "5"),
]


def _sql_from(app, address: str, sql: str) -> dict:
    answer = app.get("/api/3/action/datastore_search_sql", query_string={"sql": sql},
                     extra_environ={"REMOTE_ADDR": address}, status=None)
    return answer.json


def _running(address: str) -> int:
    from ckanext.jena.data import sqlguard
    return int(sqlguard._redis().get("jena:sql-running:address:" + address) or 0)


def _while_a_long_query_runs(app, big, address: str, then):
    """``then()`` while a query from ``address`` runs (stopped by the 5-second limit)."""
    long_sql = f'SELECT count(*) FROM "{big}" a, "{big}" b, "{big}" c, "{big}" d'
    done = {}
    worker = threading.Thread(target=lambda: done.update(answer=_sql_from(app, address, long_sql)))
    worker.start()
    deadline = time.monotonic() + 10
    while _running(address) < 1:  # the long query has its place
        assert time.monotonic() < deadline and worker.is_alive(), "the long query never started"
        time.sleep(0.02)
    started = time.monotonic()
    result = then()
    assert worker.is_alive(), "the long query ended before the others were asked"
    worker.join(30)
    assert time.monotonic() - started < 30
    assert "too long" in str(done["answer"]["error"]) or "zu lange" in str(done["answer"]["error"])
    assert _running(address) == 0  # its place is given back
    return result


def test_one_address_runs_one_sql_query_at_a_time_and_others_are_not_held_up(app, big):
    """Fifth attack review (6 December): 12 parallel anonymous queries, each running to the time
    limit, held every web worker. One address may run one at a time (the second is refused at
    once, saying why), another address still gets its answer."""
    short = f'SELECT count(*) AS n FROM "{big}"'
    same, other = _while_a_long_query_runs(app, big, "203.0.113.21", lambda: (
        _sql_from(app, "203.0.113.21", short), _sql_from(app, "203.0.113.22", short)))
    assert "Too many SQL queries" in refused(same) or "Zu viele SQL-Abfragen" in refused(same)
    assert other["success"] is True and other["result"]["records"] == [{"n": 400}]
    # once the long query has ended, the address may ask again
    assert _sql_from(app, "203.0.113.21", short)["success"] is True


@pytest.mark.ckan_config("ckanext.jena.data.sql_concurrent", "1")
def test_all_visitors_together_run_at_most_the_configured_number_but_sysadmins_are_not_counted(app, big):
    short = f'SELECT count(*) AS n FROM "{big}"'
    sysadmin = factories.SysadminWithToken()
    stranger, admin = _while_a_long_query_runs(app, big, "203.0.113.23", lambda: (
        _sql_from(app, "203.0.113.24", short),
        api(app, "datastore_search_sql", {"sql": short}, user=sysadmin)))
    assert "Too many SQL queries" in refused(stranger) or "Zu viele SQL-Abfragen" in refused(stranger)
    assert admin["success"] is True
    assert _sql_from(app, "203.0.113.24", short)["success"] is True
