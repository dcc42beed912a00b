"""What the portal keeps about visitors and about purged datasets (issue 15, finding 10): a
visitor's views count once per dataset and day and no address is kept; a purge removes the
dataset's quality checks (they name its resources' addresses), also when a check was running,
and its harvest records (they hold the record as harvested)."""
import datetime
import http.server
import threading

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.lib.redis import connect_to_redis
from ckan.tests import helpers

from ckanext.jena.quality import checks
from tests.jena_plugins import schema_marks
from tests.theme.test_theme import THEME_PLUGINS, _dataset, view_table, views  # noqa: F401 (fixture)

pytestmark = schema_marks(THEME_PLUGINS + " jena_dcat jena_quality harvest jena_harvest") + [
    # the link checker may ask the test's own server (the guarded client refuses 127.0.0.1 otherwise)
    pytest.mark.ckan_config("ckanext.jena.quality.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckanext.jena.quality.background_checks", "false"),
    pytest.mark.usefixtures("clean_db", "harvest_tables", "clean_index", "explainer_tables", "view_table"),
]

VISITOR_A = {"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux) Besucherin-A"}
VISITOR_B = {"REMOTE_ADDR": "198.51.100.23", "HTTP_USER_AGENT": "Mozilla/5.0 (Android) Besucher-B"}


def redis_entries() -> list[tuple[bytes, bytes, int]]:
    """(key, value, seconds to live) of every string in the test's Redis database."""
    redis = connect_to_redis()
    out = []
    for key in redis.scan_iter(count=1000):
        if redis.type(key) == b"string":
            out.append((key, redis.get(key) or b"", redis.ttl(key)))
    return out


def test_fifty_requests_of_one_visitor_count_once_and_two_visitors_twice(app):
    dataset, other = _dataset(), _dataset()
    for _ in range(50):
        assert app.get(f"/dataset/{dataset['name']}", extra_environ=VISITOR_A).status_code == 200
    assert views() == {dataset["id"]: 1}
    for _ in range(3):
        app.get(f"/dataset/{dataset['name']}", extra_environ=VISITOR_B)
    app.get(f"/dataset/{other['name']}", extra_environ=VISITOR_A)  # another dataset is another view
    assert views() == {dataset["id"]: 2, other["id"]: 1}


def test_no_address_or_browser_name_is_kept_and_what_is_kept_ends_with_the_day(app):
    redis = connect_to_redis()
    for key in redis.scan_iter(match="jena:*:views:*"):  # other tests' visitors
        redis.delete(key)
    dataset = _dataset()
    app.get(f"/dataset/{dataset['name']}", extra_environ=VISITOR_A)
    assert views() == {dataset["id"]: 1}
    now = datetime.datetime.now()
    until_midnight = (datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time())
                      - now).total_seconds()
    kept = [entry for entry in redis_entries() if b":views:" in entry[0]]
    assert len(kept) == 2  # the day's random key and one keyed hash
    for key, value, ttl in kept:
        for secret in (VISITOR_A["REMOTE_ADDR"], VISITOR_A["HTTP_USER_AGENT"], "203.0.113", "Besucherin"):
            assert secret.encode() not in key and secret.encode() not in value
        assert 0 < ttl <= until_midnight + 2  # gone at midnight
    rows = model.Session.execute(sa.text("SELECT * FROM jena_dataset_view")).fetchall()
    model.Session.commit()
    assert VISITOR_A["REMOTE_ADDR"] not in repr(rows)


# --- purge -------------------------------------------------------------------------------------

def quality_rows(dataset_id: str) -> int:
    count = model.Session.execute(sa.text("SELECT count(*) FROM jena_quality_check WHERE dataset_id = :id"),
                                  {"id": dataset_id}).scalar()
    model.Session.commit()
    return count


class LinkServer:
    """A real server for the datasets' links; ``on_request`` runs while a link check waits for it."""

    def __init__(self):
        owner = self
        self.on_request = None
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self):
                owner.requests.append(self.path)
                if owner.on_request:
                    owner.on_request()
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.end_headers()

            do_GET = do_HEAD

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def links():
    server = LinkServer()
    yield server
    server.stop()


def test_a_purge_removes_the_datasets_quality_checks(links):
    dataset = _dataset(resources=[{"name": "Bäume", "url": links.url("/baeume.csv"), "format": "CSV"}])
    other = _dataset()
    for each in (dataset, other):
        checks.check_dataset_job(each["id"])
    assert quality_rows(dataset["id"]) == quality_rows(other["id"]) == 1
    helpers.call_action("dataset_purge", id=dataset["name"])
    assert quality_rows(dataset["id"]) == 0 and quality_rows(other["id"]) == 1
    # a check queued before the purge and run after it stores nothing
    checks.check_dataset_job(dataset["id"])
    assert quality_rows(dataset["id"]) == 0


def test_a_quality_check_running_while_its_dataset_is_purged_stores_nothing(app, links):
    dataset = _dataset(resources=[{"name": "Bäume", "url": links.url("/baeume.csv"), "format": "CSV"}])
    purged = []

    def purge_meanwhile():  # in the server's thread, while the job waits for the link's answer
        if purged:
            return
        with app.flask_app.test_request_context():
            try:
                helpers.call_action("dataset_purge", id=dataset["id"])
                purged.append(True)
            finally:
                model.Session.remove()

    links.on_request = purge_meanwhile
    checks.check_dataset_job(dataset["id"])  # the real job function
    assert purged and links.requests
    assert quality_rows(dataset["id"]) == 0
    assert model.Session.execute(sa.text("SELECT count(*) FROM package WHERE id = :id"),
                                 {"id": dataset["id"]}).scalar() == 0


def test_a_purge_removes_the_datasets_harvest_records():
    from ckanext.jena.harvest import store as harvest_store
    dataset, other = _dataset(), _dataset()
    for each in (dataset, other):
        harvest_store.remember("quelle", f"guid-{each['name']}", each["id"], "hash", [f"urn:{each['name']}"],
                               {"title": each["title"], "contact_email": "sachbearbeiterin@example.org"})
    model.Session.commit()
    helpers.call_action("dataset_purge", id=dataset["name"])
    # only these two: other tests' records stay in the table (CKAN's clean_db leaves it alone)
    kept = model.Session.execute(sa.text("SELECT package_id FROM jena_harvest_record WHERE package_id IN (:a, :b)"),
                                 {"a": dataset["id"], "b": other["id"]}).scalars().all()
    model.Session.commit()
    assert kept == [other["id"]]
