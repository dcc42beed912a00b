"""The Data API's limits (attack review of issue 18): one anonymous query must neither hold a web
worker for a minute nor make an answer of any size, and the DataStore's list of all tables
(which names private datasets' tables) is for sysadmins only."""
import time

import pytest

from ckan.tests import factories

from tests.data_api.conftest import data_marks, run_jobs
from tests.data_api.test_data_api import api, loaded

pytestmark = data_marks() + [
    pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckanext.jena.data.sql_seconds", "1"),
]

ROWS = "Nr;Wert\n" + "".join(f"{i};{i * 7 % 13}\n" for i in range(400))


@pytest.fixture
def big(files):
    files.add("/vierhundert.csv", ROWS.encode("utf-8"), content_type="text/csv")
    dataset = factories.Dataset(owner_org=factories.Organization()["id"])
    resource = factories.Resource(package_id=dataset["id"], url=files.url("/vierhundert.csv"), format="CSV")
    run_jobs()
    return resource["id"]


def refused(answer: dict) -> str:
    assert answer["success"] is False, str(answer)[:300]
    assert "result" not in answer
    return str(answer["error"])


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM generate_series(1, 2000000000)",
    "SELECT repeat('a', 50000000)",
    "SELECT lpad('a', 50000000, 'b')",
    "SELECT array_fill(1, ARRAY[50000000])",
    "SELECT replace(replace('aaaa', 'a', 'aaaaaaaaaa'), 'a', 'aaaaaaaaaa')",
    'SELECT string_agg(a."Nr"::text, \',\') FROM "{rid}" a, "{rid}" b',
])
def test_functions_that_make_an_answer_of_any_size_are_refused(app, big, sql):
    started = time.monotonic()
    error = refused(api(app, "datastore_search_sql", {"sql": sql.format(rid=big)}, status=None))
    # refused by name, or (where PostgreSQL folds a constant call while planning, before the
    # function check sees it) stopped by the time limit
    assert "Not authorized to call function" in error or "too long" in error, error
    assert time.monotonic() - started < 15


def test_a_long_query_is_stopped_by_the_time_limit(app, big):
    # 400 rows joined with themselves four times: 2.56e10 rows, minutes of work without a limit
    sql = f'SELECT count(*) FROM "{big}" a, "{big}" b, "{big}" c, "{big}" d'
    started = time.monotonic()
    error = refused(api(app, "datastore_search_sql", {"sql": sql}, status=None))
    assert time.monotonic() - started < 15
    assert "too long" in error or "zu lange" in error, error


def test_an_ordinary_query_on_the_same_table_still_answers(app, big):
    answer = api(app, "datastore_search_sql",
                 {"sql": f'SELECT count(*) AS n, max("Wert") AS m FROM "{big}"'})
    assert answer["result"]["records"] == [{"n": 400, "m": 12}]


def test_an_overlong_query_is_refused_with_a_sentence(app, big):
    sql = f'SELECT * FROM "{big}" WHERE "Nr" IN (' + ",".join(["1"] * 3000) + ")"
    error = refused(api(app, "datastore_search_sql", {"sql": sql}, status=409))
    assert "too long" in error and "4000" in error, error


def test_the_list_of_all_tables_is_for_sysadmins_only(app, files):
    private = loaded(files, "/geheim-liste.csv", private=True)["id"]
    citizen = factories.UserWithToken()
    for user in (None, citizen):
        answer = api(app, "datastore_search", {"resource_id": "_table_metadata"}, user, status=403)
        assert private not in str(answer)
        answer = api(app, "datastore_search_sql", {"sql": 'SELECT name FROM "_table_metadata"'}, user,
                     status=403)
        assert private not in str(answer)
    admin = factories.SysadminWithToken()
    names = [r["name"] for r in api(app, "datastore_search", {"resource_id": "_table_metadata"},
                                    admin)["result"]["records"]]
    assert private in names


def test_a_publisher_cannot_name_an_alias_after_another_offices_resource(app):
    """Third attack review of 6 December (F4): a publisher gave a table of their own an alias named
    after another office's resource id; that resource's Data API then answered with the
    publisher's rows, and the office's own table could no longer be made. Only sysadmins give
    aliases."""
    mallory = factories.UserWithToken()
    own = factories.Organization(users=[{"name": mallory["name"], "capacity": "admin"}])
    mine = factories.Resource(package_id=factories.Dataset(owner_org=own["id"])["id"],
                              url="https://example.org/meins.csv", format="CSV")
    office = factories.Organization()
    theirs = factories.Resource(package_id=factories.Dataset(owner_org=office["id"])["id"],
                                url="https://example.org/amtlich.csv", format="CSV")
    squat = {"resource_id": mine["id"], "force": True, "aliases": theirs["id"],
             "fields": [{"id": "hinweis", "type": "text"}], "records": [{"hinweis": "gefälscht"}]}
    answer = app.post("/api/3/action/datastore_create", json=squat,
                      headers={"Authorization": mallory["token"]}, status=403).json
    assert "alias" in str(answer["error"]).lower()
    assert "gefälscht" not in str(api(app, "datastore_search", {"resource_id": theirs["id"]}, status=404))
    # without an alias the publisher makes their own table as before
    own_table = dict(squat, aliases=None)
    assert app.post("/api/3/action/datastore_create", json=own_table,
                    headers={"Authorization": mallory["token"]}).json["success"]
    admin = factories.SysadminWithToken()
    assert app.post("/api/3/action/datastore_create", json=dict(squat, aliases="baeume_jena"),
                    headers={"Authorization": admin["token"]}).json["success"]
    assert api(app, "datastore_search", {"resource_id": "baeume_jena"})["result"]["records"][0]["hinweis"] == "gefälscht"

