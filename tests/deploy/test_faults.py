"""Faults survived (issue 16, item 5), on a PostgreSQL cluster and a Redis of the tests' own
(tests/deploy/own_services.py), never the suite's: each test restarts or kills one of them in the
middle of real work done by the portal's own processes, as the systemd units run them
(deploy/systemd/, Restart=on-failure: a process that exits on the fault is started again). Afterwards
no dataset is half written, the job has ended (finished, or after ckan.harvest.timeout with the
reason in its report), a re-run completes it, and `ckan jena search check --consistency` is clean."""
from __future__ import annotations

import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.deploy.own_services import OwnServices
from tests.harvest import catalog
from tests.harvest.server import FixtureServer
from tests.processes import ini_with
from tests.security.test_server import portal_ini

RECORDS = 20
TIMEOUT = 240


def _configure(path: Path, settings: dict) -> Path:
    return ini_with(path, settings, base=path)


@pytest.fixture(scope="module")
def own():
    services = OwnServices()
    try:
        services.create_postgres()
        services.start_redis()
        services.ini = _configure(portal_ini(services.home / "portal.ini"), {
            "ckanext.jena.harvest.allowed_hosts": "127.0.0.1",
            "ckanext.jena.explainer.allowed_hosts": "127.0.0.1",
            "ckanext.jena.harvest.schedule_interval": "1",
            "ckan.harvest.timeout": "1",  # minutes: a job whose records were lost ends after it
        })
        services.init(services.ini)
        yield services
    finally:
        services.close()


@pytest.fixture
def source_server():
    server = FixtureServer()
    yield server
    server.stop()


class Supervisor:
    """The portal's background processes, each started again when it exits (as systemd's
    Restart=on-failure does); ``restarts`` counts how often that was needed."""

    def __init__(self, own: OwnServices, commands: list[list[str]], log: Path):
        self.own, self.log = own, log
        self.running = [(command, own.start(own.ini, command, log)) for command in commands]
        self.restarts = Counter()

    def check(self) -> None:
        for index, (command, process) in enumerate(self.running):
            if process.poll() is not None:
                self.restarts[" ".join(command)] += 1
                self.running[index] = (command, self.own.start(self.own.ini, command, self.log))

    def stop(self) -> None:
        from tests import processes
        processes.stop([process for _, process in self.running])

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _wait(condition, what: str, supervisor: Supervisor) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        supervisor.check()
        try:
            if condition():
                return
        except Exception:  # the service is down for a moment: ask again
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what}:\n{supervisor.tail()}")


def _done(own: OwnServices, job_id: str) -> int:
    return own.query("SELECT count(*) FROM harvest_object WHERE harvest_job_id = %(j)s "
                     "AND state IN ('COMPLETE', 'ERROR')", {"j": job_id})[0][0]


def _finished(own: OwnServices, job_id: str) -> bool:
    return own.query("SELECT status FROM harvest_job WHERE id = %(j)s", {"j": job_id})[0][0] == "Finished"


def _datasets(own: OwnServices, numbers: range) -> Counter:
    """Titles of this test's datasets in the database; each must be whole (its description and its
    one resource), else the fault left it half written."""
    titles = {catalog.dataset(n)["title"]: catalog.dataset(n) for n in numbers}
    found = Counter()
    for package_id, title, notes, state in own.query(
            "SELECT id, title, notes, state FROM package WHERE type = 'dataset'"):
        if title not in titles:
            continue
        assert state == "active", (title, state)
        assert notes == titles[title]["notes"], title
        resources = own.query("SELECT count(*) FROM resource WHERE package_id = %(p)s AND state = 'active'",
                              {"p": package_id})[0][0]
        assert resources == 1, (title, resources)
        found[title] += 1
    return found


def _twice(own: OwnServices, found: Counter) -> list:
    """For a dataset there twice: each copy, and whether a harvest record knows it."""
    return [own.query("SELECT p.name, p.metadata_created, "
                      "(SELECT count(*) FROM harvest_object o WHERE o.package_id = p.id), "
                      "(SELECT count(*) FROM jena_harvest_record r WHERE r.package_id = p.id) "
                      "FROM package p WHERE p.title = %(t)s ORDER BY p.metadata_created", {"t": title})
            for title, count in found.items() if count > 1]


def _consistent(own: OwnServices) -> None:
    check = own.ckan(own.ini, "jena", "search", "check", "--consistency")
    assert check.returncode == 0, check.stdout + check.stderr[-2000:]


def _harvest_through(own, source_server, tmp_path, name: str, numbers: range, fault) -> dict:
    """A harvest of ``numbers`` by real gather/fetch consumers and the scheduler, ``fault()`` done
    after the first records; then a re-run. Returns what it saw."""
    url = catalog.serve(source_server, [catalog.dataset(n) for n in numbers], per_page=5)
    source = own.drive(own.ini, "source", url, name)
    supervisor = Supervisor(own, [["harvester", "gather-consumer"], ["harvester", "fetch-consumer"],
                                  ["jena", "scheduler"]], tmp_path / "processes.log")
    try:
        job = own.drive(own.ini, "job", source["id"])
        _wait(lambda: _done(own, job["id"]) >= 3, "the consumers imported nothing", supervisor)
        interrupted_at = _done(own, job["id"])
        fault()
        _wait(lambda: _finished(own, job["id"]), "the interrupted job never ended", supervisor)
        first = own.drive(own.ini, "job_show", job["id"])
        first["gather_errors"] = [m for m, in own.query(
            "SELECT message FROM harvest_gather_error WHERE harvest_job_id = %(j)s", {"j": job["id"]})]
        added = first["stats"].get("added", 0)
        if added < len(numbers):  # records were lost: the job says why it ended
            assert first["gather_errors"], first
        # no half-written dataset, none twice
        after_fault = _datasets(own, numbers)
        assert all(count == 1 for count in after_fault.values()), after_fault
        rerun = own.drive(own.ini, "job", source["id"])
        _wait(lambda: _finished(own, rerun["id"]), "the re-run did not finish", supervisor)
        second = own.drive(own.ini, "job_show", rerun["id"])
    finally:
        supervisor.stop()
    assert not second["stats"].get("errored"), second
    found = _datasets(own, numbers)
    assert found == Counter(catalog.dataset(n)["title"] for n in numbers), _twice(own, found)
    _consistent(own)
    return {"interrupted_at": interrupted_at, "first": first, "after_fault": sum(after_fault.values()),
            "rerun": second["stats"], "restarts": dict(supervisor.restarts)}


def test_postgresql_restarted_during_a_harvest(own, source_server, tmp_path):
    # found by this test when the restart hit a record in the middle of its import: package_create
    # committed the dataset before its harvest record, and the re-run created it a second time. Now
    # both are one transaction (harvest/base.py); tests/harvest/test_faults.py checks that window
    # deterministically, which a restart at a random moment hits only sometimes
    def restart():
        own.stop_postgres()
        time.sleep(3)
        own.start_postgres()
    seen = _harvest_through(own, source_server, tmp_path, "pg-neustart", range(1, RECORDS + 1), restart)
    print("PostgreSQL restarted during a harvest:", seen)


def test_redis_restarted_during_a_harvest(own, source_server, tmp_path):
    # found by this test (not every run): a dataset in the database but missing from the search
    # index after the clean re-run, which found the record unchanged and did not index it. Now a
    # run indexes the unchanged datasets of its source that the index lacks (harvest/base.py,
    # _index_missing; tests/harvest/test_faults.py checks it deterministically)
    def restart():
        own.stop_redis()  # the queues are lost with it (no persistence, as in the project's Redis)
        time.sleep(3)
        own.start_redis()
    seen = _harvest_through(own, source_server, tmp_path, "redis-neustart", range(101, 101 + RECORDS), restart)
    print("Redis restarted during a harvest:", seen)


def test_searches_while_postgresql_restarts_answer_an_error_then_recover(own, tmp_path):
    import requests
    from tests.security.test_server import WORKERS, wait_until_ready
    env = own.env()
    env.update({"JENA_WEB_WORKERS": str(WORKERS), "JENA_LOG_DIR": str(tmp_path)})
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([str(Path(__file__).resolve().parents[2] / "scripts" / "serve.sh"), str(own.ini),
                                   "0"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = wait_until_ready(server, log)
        search = base + "/api/3/action/package_search?q=Messreihe"

        def ask() -> tuple[int, float]:
            started = time.monotonic()
            try:
                status = requests.get(search, timeout=30).status_code
            except requests.RequestException:
                status = 0
            return status, time.monotonic() - started

        assert ask()[0] == 200
        own.stop_postgres()
        try:
            during = [ask() for _ in range(2 * WORKERS)]
        finally:
            own.start_postgres()
        after = [ask() for _ in range(4 * WORKERS)]
    finally:
        server.terminate()
        server.wait(30)
    print("searches while PostgreSQL was down:", during, "after:", after)
    # an error answer, quickly, not a hang and not a dropped connection
    assert all(status >= 500 and seconds < 15 for status, seconds in during), during
    # every worker's pool recovers: the first searches after the restart answer normally
    assert all(status == 200 for status, _ in after), (after, log.read_text(errors="replace")[-3000:])


CSV = "Ortsteil;Jahr;Bäume\nWinzerla;2021;120\nLobeda-Altstadt;2022;80\nZwätzen;2023;95\n".encode("utf-8")


def test_the_job_worker_killed_while_profiling_stores_no_half_profile(own, source_server, tmp_path):
    import signal
    source_server.add("/baeume.csv", CSV, content_type="text/csv", behaviour="slow")  # 3 s before the answer
    log = tmp_path / "worker.log"
    # the module's earlier harvests left their datasets' quality and explainer jobs queued: under
    # load (the fresh-clone run of 418956a, load average 6) the worker spent the whole wait below
    # on them and never reached this dataset's job. They are not this test's work.
    cleared = own.ckan(own.ini, "jobs", "clear")
    assert cleared.returncode == 0, cleared.stdout + cleared.stderr[-2000:]
    worker = own.start(own.ini, ["jobs", "worker"], log)
    try:
        dataset = own.drive(own.ini, "dataset", source_server.url("/baeume.csv"))  # queues its explainer job
        deadline = time.monotonic() + TIMEOUT
        while "/baeume.csv" not in source_server.requests:  # the worker is reading the file
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    profiles = own.query("SELECT profile, error FROM jena_explainer_profile WHERE dataset_id = %(d)s",
                         {"d": dataset["id"]})
    print("after the kill: profiles", profiles, "explainers", own.query(
        "SELECT lang FROM jena_explainer WHERE dataset_id = %(d)s", {"d": dataset["id"]}))
    assert profiles == [], profiles  # not a half profile: none

    source_server.add("/baeume.csv", CSV, content_type="text/csv")
    rerun = own.ckan(own.ini, "jena", "explainer", "generate", dataset["id"])
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-2000:]
    (profile, error), = own.query("SELECT profile, error FROM jena_explainer_profile WHERE resource_id = %(r)s",
                                  {"r": dataset["resource"]})
    assert error is None and "Winzerla" in str(profile), profile
    languages = {lang for lang, in own.query("SELECT lang FROM jena_explainer WHERE dataset_id = %(d)s",
                                             {"d": dataset["id"]})}
    assert {"de", "en"} <= languages, languages
