"""Several web servers, no sticky sessions (issue 16, item 4): two gunicorn instances on
different ports share one database, Redis and storage path, as web servers behind the proxy
on several machines do (docs/deploy.md). A visitor logs in on one, edits on the other and finds
the change by searching on both."""
from __future__ import annotations

import re
import subprocess

import pytest
import requests

from ckan.tests import factories

from tests.jena_plugins import schema_marks
from tests.security.test_server import ROOT, WORKERS, portal_ini, service_env, wait_until_ready

pytestmark = schema_marks()
PASSWORD = "Sicheres-Passwort-2026"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    home = tmp_path_factory.mktemp("two")
    ini = portal_ini(home / "portal.ini")  # one storage path for both
    env = service_env()
    subprocess.run([str(ROOT / "scripts" / "setup.sh"), "init", str(ini)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    env.update({"JENA_WEB_WORKERS": str(WORKERS), "JENA_LOG_DIR": str(home)})
    started = []
    try:
        for name in ("a", "b"):
            log = home / f"server-{name}.log"
            with open(log, "wb") as out:
                started.append((subprocess.Popen([str(ROOT / "scripts" / "serve.sh"), str(ini), "0"], env=env,
                                                 stdout=out, stderr=subprocess.STDOUT), log))
        yield [wait_until_ready(process, log) for process, log in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def csrf_token(html: str) -> str:
    return re.search(r'name="_csrf_token"[^>]*(?:value|content)="([^"]+)"', html).group(1)


def test_log_in_on_one_server_edit_on_the_other_and_search_on_both(servers):
    first, second = servers
    assert first != second
    user = factories.User(password=PASSWORD)
    org = factories.Organization(org_type="fachdienst", users=[{"name": user["name"], "capacity": "editor"}])
    dataset = factories.Dataset(owner_org=org["id"], title="Baumkataster Zwei Server",
                                action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0",
                                tags=[{"name": "Bäume"}])
    browser = requests.Session()  # one visitor; the cookie jar sends the session cookie to both ports

    page = browser.get(first + "/user/login", timeout=30)
    response = browser.post(first + "/user/login", timeout=30, allow_redirects=False, data={
        "login": user["name"], "password": PASSWORD, "_csrf_token": csrf_token(page.text)})
    # to the dashboard at ckan.site_url (the proxy's address in production)
    assert response.status_code == 302 and "/dashboard" in response.headers["Location"], response.text[-2000:]
    assert browser.get(first + "/dashboard/datasets", timeout=30, allow_redirects=False).status_code == 200

    page = browser.get(f"{second}/dataset/{dataset['name']}", timeout=30)
    assert page.status_code == 200
    assert f"/dataset/edit/{dataset['name']}" in page.text  # the other server knows the login
    response = browser.post(f"{second}/api/3/action/package_patch", timeout=30,
                            json={"id": dataset["id"], "title": "Baumkataster Lobeda Geändert"},
                            headers={"X-CSRFToken": csrf_token(page.text)})
    assert response.status_code == 200, response.text
    assert response.json()["result"]["title"] == "Baumkataster Lobeda Geändert"

    for base in (first, second):
        found = requests.get(f"{base}/api/3/action/package_search", params={"q": "Geändert"}, timeout=30).json()
        assert [d["name"] for d in found["result"]["results"]] == [dataset["name"]], base
        html = browser.get(f"{base}/dataset/", params={"q": "Lobeda Geändert"}, timeout=30).text
        assert "Baumkataster Lobeda Geändert" in html, base
