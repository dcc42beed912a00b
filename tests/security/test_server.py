"""The portal behind its production web server, as `make run` serves it (issue 15, findings 3, 4, 7).

scripts/serve.sh starts gunicorn (config/gunicorn.conf.py) on a free port with the portal's plugin
set from config/ckan.ini.template over this test run's database and Redis; the requests go over
real HTTP. The database is brought to the portal's state by the same `scripts/setup.sh init`
that `make run` uses."""
from __future__ import annotations

import configparser
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from ckan.plugins import toolkit

from tests.processes import ini_with, service_env

ROOT = Path(__file__).resolve().parents[2]
SEARCH = "/api/3/action/package_search"
STATUS = "/api/3/action/status_show"
WORKERS = 2
START_TIMEOUT = 240  # seconds: each worker loads the whole portal, on a busy 2-core machine


def portal_ini(path: Path) -> Path:
    """test.ini (this run's services) with the portal's plugins and their settings from the template."""
    template = configparser.RawConfigParser(strict=False)
    template.read(ROOT / "config" / "ckan.ini.template")
    app = template["app:main"]
    settings = {key: app[key] for key in app
                if key == "ckan.plugins" or key.startswith((
                    "scheming.", "ckanext.dcat.", "ckan.locale", "ckan.csrf_protection.", "ckanext.jena."))}
    settings.update({
        "testing": "false",  # CKAN answers errors itself instead of handing them to the server
        "ckanext.jena.search.timeout": "1",
        "ckan.storage_path": str(path.parent / "storage"),
    })
    return ini_with(path, settings)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The production server on a free port of 127.0.0.1: (base URL, log file)."""
    home = tmp_path_factory.mktemp("portal")
    ini = portal_ini(home / "portal.ini")
    env = service_env()
    subprocess.run([str(ROOT / "scripts" / "setup.sh"), "init", str(ini)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    env.update({"JENA_WEB_WORKERS": str(WORKERS), "JENA_LOG_DIR": str(home)})
    log = home / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(ROOT / "scripts" / "serve.sh"), str(ini), "0"], env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        base = wait_until_ready(process, log)
        yield base, log
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_ready(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        assert process.poll() is None, f"the server stopped:\n{text[-3000:]}"
        port = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
        if port and len(re.findall(r"Worker \d+ ready", text)) >= WORKERS:
            base = f"http://127.0.0.1:{port.group(1)}"
            # every worker's first request is slower (templates, first connections): warm them all
            for _ in range(3):
                threads = [threading.Thread(target=requests.get, args=(base + STATUS,))
                           for _ in range(WORKERS)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            return base
        time.sleep(0.5)
    raise AssertionError(f"the server was not ready after {START_TIMEOUT} s:\n"
                         f"{log.read_text(errors='replace')[-3000:]}")


def timed(method, url, **kwargs) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.request(method, url, timeout=30, **kwargs)
    return response, time.monotonic() - started


def test_the_server_is_gunicorn_with_several_workers_and_no_debugger(server):
    base, log = server
    text = log.read_text(errors="replace")
    assert "Starting gunicorn" in text and "Using worker: sync" in text
    assert len(set(re.findall(r"Worker (\d+) ready", text))) == WORKERS
    response, _ = timed("GET", base + "/console")
    assert response.status_code == 404
    assert "EVALEX" not in response.text and "Interactive Console" not in response.text
    # the debugger's resources are not served either
    response, _ = timed("GET", base + "/?__debugger__=yes&cmd=resource&f=debugger.js")
    assert "javascript" not in response.headers.get("Content-Type", "")
    assert "EVALEX" not in response.text


def test_pages_load_with_their_styles_scripts_and_images(server):
    base, log = server
    response, _ = timed("GET", base + "/")
    assert response.status_code == 200
    assets = sorted(set(re.findall(r'(?:href|src)="(/(?:webassets|base)/[^"]+)"', response.text)))
    assert any(a.startswith("/webassets/") and a.endswith(".css") for a in assets), assets
    assert any(a.startswith("/webassets/") and a.endswith(".js") for a in assets), assets
    assert any(a.startswith("/base/") for a in assets), assets
    for asset in assets:
        answer, _ = timed("GET", base + asset)
        assert answer.status_code == 200 and answer.content, asset
    # every request is in the access log of .local/log/ (here the test's directory)
    access = (log.parent / "web-access.log").read_text()
    assert '"GET / HTTP/1.1" 200' in access


def test_a_3500_word_search_answers_a_clear_400_within_a_second(server):
    base, _ = server
    words = " ".join(f"wort{n}" for n in range(3500))
    response, elapsed = timed("POST", base + SEARCH, json={"q": words})
    assert response.status_code == 400 and elapsed < 1, (response.status_code, elapsed)
    # the portal speaks German by default (config/ckan.ini.template)
    assert "erlaubt sind höchstens 10000" in response.json()["error"]["message"]
    # in the address it is longer than a request line may be: refused by the server at once
    response, elapsed = timed("GET", base + SEARCH, params={"q": words})
    assert response.status_code == 414 and elapsed < 1, (response.status_code, elapsed)


def test_a_10000_term_filter_answers_400_at_once(server):
    base, _ = server
    fq = "tags:(" + " OR ".join(f"t{n}" for n in range(10000)) + ")"
    response, elapsed = timed("POST", base + SEARCH, json={"fq": fq})
    assert response.status_code == 400 and elapsed < 1, (response.status_code, elapsed)
    assert "Der Suchfilter (fq) hat" in response.json()["error"]["message"]


def test_while_a_search_runs_to_its_time_limit_other_requests_are_served(server):
    base, _ = server
    engine = sa.create_engine(toolkit.config["sqlalchemy.url"], poolclass=sa.pool.NullPool)
    slow: dict = {}

    def search():
        slow["response"], slow["elapsed"] = timed("GET", base + SEARCH, params={"q": "Baumkataster"})

    with engine.connect() as conn:
        # another session holds the index table, as a long write would: the search waits in
        # PostgreSQL until its statement timeout (1 s here) stops it
        transaction = conn.begin()
        conn.execute(sa.text("LOCK TABLE jena_search_document IN ACCESS EXCLUSIVE MODE"))
        thread = threading.Thread(target=search)
        thread.start()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not conn.execute(sa.text(
                "SELECT count(*) FROM pg_locks WHERE NOT granted "
                "AND relation = 'jena_search_document'::regclass")).scalar():
            time.sleep(0.02)
        assert time.monotonic() < deadline, "the search never reached the index"
        status, elapsed = timed("GET", base + STATUS)
        assert status.status_code == 200 and elapsed < 0.5, elapsed
        thread.join()
        transaction.rollback()
    engine.dispose()
    response = slow["response"]
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert "Die Suche hat länger als 1 Sekunde gedauert" in message, message
    assert "transaction is aborted" not in message
    assert slow["elapsed"] < 5
    # the worker that ran it goes on serving searches
    for _ in range(WORKERS):
        assert requests.get(base + SEARCH, params={"q": "Baumkataster"}, timeout=30).status_code == 200
