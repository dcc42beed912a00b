"""A portal written by CKAN 2.11 with the demo content goes through the steps of docs/upgrade.md
on CKAN 2.12 and finds every dataset, explainer, taxonomy version and harvest record again.

Both CKANs run as separate processes from their own virtualenvs (.venv / .venv-2.11.6 /
.venv-2.12.0, whichever holds the version), over a database of its own in the project's
PostgreSQL cluster. `make test` provides both virtualenvs (scripts/run-tests.sh).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
from ckan.plugins import toolkit

from tests import processes

ROOT = processes.ROOT
FROM_VERSION, TO_VERSION = "2.11.6", "2.12.0"
PG_BIN = os.environ.get("JENA_PG_BIN", "/usr/lib/postgresql/15/bin")  # as scripts/env.sh


def venv_with(version: str) -> Path | None:
    """The project's virtualenv that has CKAN ``version`` installed."""
    for venv in sorted(ROOT.glob(".venv*")):
        if list(venv.glob(f"lib/python3*/site-packages/ckan-{version}.dist-info")):
            return venv
    return None


OLD_VENV, NEW_VENV = venv_with(FROM_VERSION), venv_with(TO_VERSION)
pytestmark = [
    pytest.mark.skipif(OLD_VENV is None, reason=f"no virtualenv with CKAN {FROM_VERSION} in {ROOT} "
                       f"(`make test` makes it; by hand: CKAN_VERSION={FROM_VERSION} scripts/setup.sh venv)"),
    pytest.mark.skipif(NEW_VENV is None, reason=f"no virtualenv with CKAN {TO_VERSION} in {ROOT} "
                       f"(`make test` makes it; by hand: CKAN_VERSION={TO_VERSION} scripts/setup.sh venv)"),
]

# the commands docs/upgrade.md tells an operator to run on the new CKAN, in this order
UPGRADE_STEPS = re.compile(r"```upgrade\n(.*?)```", re.S)


def documented_steps() -> list[list[str]]:
    text = (ROOT / "docs" / "upgrade.md").read_text(encoding="utf-8")
    block = UPGRADE_STEPS.search(text)
    assert block, "docs/upgrade.md has no ```upgrade block with the steps"
    return [line.split() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def portal_database():
    """An empty database of its own next to this run's test database, dropped afterwards."""
    url = urlsplit(toolkit.config["sqlalchemy.url"])
    name = url.path.lstrip("/") + "_upgrade"

    def admin(statement: str) -> None:
        connection = psycopg2.connect(host=url.hostname, port=url.port, user="postgres", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)
        connection.close()

    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(f"DROP DATABASE IF EXISTS {name}_datastore WITH (FORCE)")
    # made as the old CKAN makes it (its DataStore grants and functions)
    subprocess.run([str(ROOT / "scripts" / "setup.sh"), "database", name], check=True, capture_output=True,
                   env={**os.environ, "CKAN_VERSION": FROM_VERSION, "JENA_VENV": str(OLD_VENV)})
    yield url._replace(path="/" + name).geturl()
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(f"DROP DATABASE IF EXISTS {name}_datastore WITH (FORCE)")


def datastore_has_table_stats(database_url: str) -> bool:
    """CKAN 2.12's DataStore keeps row counts in _table_stats (made by its set-permissions SQL)."""
    url = urlsplit(database_url)
    connection = psycopg2.connect(host=url.hostname, port=url.port, user="postgres",
                                  dbname=url.path.lstrip("/") + "_datastore")
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public._table_stats') IS NOT NULL")
        found = cursor.fetchone()[0]
    connection.close()
    return found


def run(venv: Path, version: str, args: list[str], env: dict, log: Path) -> None:
    """One command of the portal's set-up with the CKAN of ``venv``; its output goes to ``log``.
    A documented pipeline (``... | psql ...``) runs in bash with the virtualenv's and PostgreSQL's
    programs first on the PATH and psql reaching the project's cluster."""
    env = {**env, "CKAN_VERSION": version, "JENA_VENV": str(venv)}
    if "|" in args:
        url = urlsplit(env["CKAN_SQLALCHEMY_URL"])
        env.update(PATH=f"{venv / 'bin'}:{PG_BIN}:{os.environ['PATH']}",
                   PGHOST=url.hostname, PGPORT=str(url.port))
        command = ["bash", "-o", "pipefail", "-c", " ".join(args)]
    else:
        command = [str(venv / "bin" / args[0]), *args[1:]] if args[0] in ("ckan", "python") else args
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=900)
    assert done.returncode == 0, f"{' '.join(args)} failed with CKAN {version}: see {log}"


def inventory(venv: Path, version: str, ini: Path, env: dict, log: Path, out: Path) -> dict:
    run(venv, version, ["python", str(Path(__file__).with_name("portal_inventory.py")), str(ini), str(out)],
        env, log)
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_211_portal_with_demo_content_upgrades_to_212_and_keeps_everything(portal_database, tmp_path):
    log = tmp_path / "upgrade.log"
    env = {**processes.service_env(), "CKAN_SQLALCHEMY_URL": portal_database,
           "CKAN_INI": str(tmp_path / "ckan.ini"), "JENA_LOCAL_DIR": str(tmp_path / "local")}
    # a portal as `make run` sets it up on 2.11, with the demo harvested from a server of its own
    run(OLD_VENV, FROM_VERSION, ["scripts/setup.sh", "ckan-ini"], env, log)
    ini = processes.ini_with(tmp_path / "ckan.ini", {
        "ckan.site_url": "http://portal.upgrade.test",
        "ckanext.jena.harvest.allowed_hosts": "127.0.0.1",
        "ckanext.jena.explainer.allowed_hosts": "127.0.0.1",
        "ckanext.jena.quality.allowed_hosts": "127.0.0.1",
    }, base=tmp_path / "ckan.ini")
    run(OLD_VENV, FROM_VERSION, ["scripts/setup.sh", "init", str(ini)], env, log)
    run(OLD_VENV, FROM_VERSION, ["ckan", "-c", str(ini), "jena", "demo", "load"], env, log)
    before = inventory(OLD_VENV, FROM_VERSION, ini, env, log, tmp_path / "before.json")
    assert before["ckan"] == FROM_VERSION
    assert not datastore_has_table_stats(portal_database)

    for step in documented_steps():
        run(NEW_VENV, TO_VERSION, [part.replace("ckan.ini", str(ini)) for part in step], env, log)
    after = inventory(NEW_VENV, TO_VERSION, ini, env, log, tmp_path / "after.json")
    assert after["ckan"] == TO_VERSION
    # the DataStore has what 2.12 writes its tables with
    assert datastore_has_table_stats(portal_database)

    # the demo is all there before: public and private datasets, explainers, harvest records
    assert len(before["datasets"]) >= 40 and any(d["private"] for d in before["datasets"].values())
    assert len(before["explainers"]) >= len(before["searched"])
    assert len(before["harvest_records"]) >= 30 and before["harvest_objects"]
    assert before["taxonomy"]
    # ... and the same after the upgrade, found by search as before
    for part in ("datasets", "explainers", "taxonomy", "taxonomy_in_effect", "harvest_records", "harvest_objects"):
        assert after[part] == before[part], part
    datasets = sorted(i for i, d in after["datasets"].items() if d["type"] == "dataset")
    assert after["searched"] == datasets == before["searched"]
    assert after["search_count"] == len(datasets)
    assert after["found_by_title_word"] == before["found_by_title_word"]
    assert all(after["found_by_title_word"].values()), [
        after["datasets"][i]["name"] for i, found in after["found_by_title_word"].items() if not found]
