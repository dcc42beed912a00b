"""The Data API of a loaded table: datastore_search (filters, full text, sort, paging) and
datastore_search_sql for public tables; a private dataset's table is refused to anonymous users
and to users who may not see the dataset, on every path (SQL included)."""
import re

import pytest

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from tests.data_api.conftest import DATA_PLUGINS, data_marks, run_jobs
from tests.security.test_web import PASSWORD, log_in

# with jena_security, as in the portal: on CKAN 2.12 it keeps one anonymous or token request from
# switching off the API's CSRF check for the signed-in browsers after it (security/csrf.py)
pytestmark = data_marks(DATA_PLUGINS + " jena_security") + [
    pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1")]

CSV = ("Ortsteil;Jahr;Bäume\n"
       "Winzerla;2021;120\nLobeda-Altstadt;2022;80\nZwätzen;2023;95\nWenigenjena;2023;140\n").encode("utf-8")


def loaded(files, path: str, private: bool = False, org=None) -> dict:
    files.add(path, CSV, content_type="text/csv")
    org = org or factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], private=private)
    resource = factories.Resource(package_id=dataset["id"], url=files.url(path), format="CSV")
    run_jobs()
    assert helpers.call_action("resource_show", id=resource["id"])["datastore_active"]
    return resource


def api(app, action: str, params: dict, user=None, status: int = 200) -> dict:
    headers = {"Authorization": user["token"]} if user else {}
    answer = app.get(f"/api/3/action/{action}", query_string=params, headers=headers, status=status)
    return answer.json


def test_search_filters_full_text_sort_and_paging(app, files):
    resource = loaded(files, "/oeffentlich.csv")
    rid = resource["id"]
    by_filter = api(app, "datastore_search", {"resource_id": rid, "filters": '{"Jahr": 2023}', "sort": "Bäume desc"})
    assert [r["Ortsteil"] for r in by_filter["result"]["records"]] == ["Wenigenjena", "Zwätzen"]
    by_words = api(app, "datastore_search", {"resource_id": rid, "q": "Winzerla"})
    assert [r["Bäume"] for r in by_words["result"]["records"]] == [120]
    page = api(app, "datastore_search", {"resource_id": rid, "sort": "Jahr, Ortsteil", "limit": 2, "offset": 2})
    assert page["result"]["total"] == 4
    assert [r["Ortsteil"] for r in page["result"]["records"]] == ["Wenigenjena", "Zwätzen"]
    sql = api(app, "datastore_search_sql",
              {"sql": f'SELECT "Ortsteil", "Bäume" FROM "{rid}" WHERE "Bäume" > 100 ORDER BY "Bäume"'})
    assert [r["Ortsteil"] for r in sql["result"]["records"]] == ["Winzerla", "Wenigenjena"]


def test_a_private_table_is_refused_to_anonymous_users_and_outsiders(app, files):
    member = factories.UserWithToken()
    outsider = factories.UserWithToken()
    org = factories.Organization(users=[{"name": member["name"], "capacity": "member"}])
    rid = loaded(files, "/privat.csv", private=True, org=org)["id"]
    for user in (None, outsider):
        api(app, "datastore_search", {"resource_id": rid}, user, status=403)
        api(app, "datastore_search_sql", {"sql": f'SELECT * FROM "{rid}"'}, user, status=403)
        api(app, "datastore_info", {"id": rid}, user, status=403)
    assert api(app, "datastore_search", {"resource_id": rid}, member)["result"]["total"] == 4


@pytest.mark.parametrize("sql", [
    # a private table hidden inside a public query, a subquery, a CTE, a function, a lateral join
    'SELECT * FROM "{public}" UNION ALL SELECT * FROM "{private}"',
    'SELECT * FROM "{public}" WHERE "Jahr" IN (SELECT "Jahr" FROM "{private}")',
    'WITH x AS (SELECT * FROM "{private}") SELECT * FROM x',
    "SELECT * FROM \"{public}\", LATERAL (SELECT * FROM public.\"{private}\") p",
    'SELECT * FROM "{public}"; SELECT * FROM "{private}"',
    "SELECT query_to_xml('SELECT * FROM \"{private}\"', true, true, '')",
    "SELECT * FROM \"{public}\" WHERE 1=1 -- \"{private}\"\nUNION SELECT * FROM \"{private}\"",
])
def test_sql_never_reaches_a_private_table(app, files, sql):
    org = factories.Organization()
    public = loaded(files, "/offen.csv", org=org)["id"]
    private = loaded(files, "/geheim.csv", private=True, org=org)["id"]
    answer = api(app, "datastore_search_sql", {"sql": sql.format(public=public, private=private)},
                 status=None)
    assert not answer["success"], answer
    assert "result" not in answer


@pytest.mark.parametrize("sql", [
    'DROP TABLE "{public}"',
    'DELETE FROM "{public}"',
    'SELECT * FROM "{public}"; DELETE FROM "{public}"',
    "SELECT * FROM pg_catalog.pg_authid",
    "SELECT * FROM \"{public}\" WHERE pg_sleep(30) IS NULL",
])
def test_sql_cannot_write_reach_system_tables_or_stall(app, files, sql):
    public = loaded(files, "/unverwuestlich.csv")["id"]
    answer = api(app, "datastore_search_sql", {"sql": sql.format(public=public)}, status=None)
    assert not answer["success"], answer
    assert helpers.call_action("datastore_search", resource_id=public)["total"] == 4


@pytest.mark.usefixtures("csrf_as_in_a_fresh_process")
def test_writing_to_a_table_with_a_browser_session_needs_the_csrf_token(app, files):
    """A cross-site post with a signed-in officer's cookie cannot delete the table; the same post
    with the page's CSRF token can (so the refusal is the CSRF check, not a missing login)."""
    sysadmin = factories.Sysadmin(password=PASSWORD)
    rid = loaded(files, "/csrf.csv")["id"]
    browser = log_in(app, sysadmin)
    forged = browser.post("/api/3/action/datastore_delete", json={"resource_id": rid, "force": True})
    assert forged.status_code == 400
    assert helpers.call_action("datastore_search", resource_id=rid)["total"] == 4
    page = browser.get("/dataset/").get_data(as_text=True)
    token = re.search(r'name="_csrf_token" content="([^"]+)"', page).group(1)
    genuine = browser.post("/api/3/action/datastore_delete", json={"resource_id": rid, "force": True},
                           headers={"X-CSRFToken": token})
    assert genuine.status_code == 200, genuine.get_data(as_text=True)[:300]
