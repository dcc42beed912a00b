"""The portal's own commands as separate processes over this test run's database and Redis."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from ckan.plugins import toolkit

ROOT = Path(__file__).resolve().parents[1]
# the CKAN of the virtualenv running the tests (tests/conftest.py), so a run on CKAN 2.12 starts
# its consumers and servers with 2.12
CKAN = str(Path(os.environ.get("JENA_VENV") or sys.prefix) / "bin" / "ckan")


def ini_with(path: Path, settings: dict, base: Path = ROOT / "test.ini") -> Path:
    """``base`` (test.ini) with ``settings`` set in [app:main], written to ``path``."""
    text = Path(base).read_text(encoding="utf-8")
    for key, value in settings.items():
        line = re.compile(r"^" + re.escape(key) + r"\s*=.*$", re.M)
        if line.search(text):
            text = line.sub(lambda _: f"{key} = {value}", text)
        else:
            text = text.replace("[app:main]\n", f"[app:main]\n{key} = {value}\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


def service_env() -> dict:
    """This test run's database and Redis for the processes."""
    env = dict(os.environ)
    env["CKAN_SQLALCHEMY_URL"] = toolkit.config["sqlalchemy.url"]
    env["CKAN_REDIS_URL"] = toolkit.config["ckan.redis.url"]
    return env


def start(ini: Path, args: list[str], log: Path) -> subprocess.Popen:
    """`ckan -c INI ARGS...` in the background, its output in ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen([CKAN, "-c", str(ini), *args], env=service_env(), stdout=out,
                                stderr=subprocess.STDOUT)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def harvest_ini(path: Path, plugins: str, settings: dict | None = None) -> Path:
    """An ini for processes of the harvest plugin set ``plugins`` (tests.jena_plugins), as the
    harvest tests' marks configure the test process."""
    return ini_with(path, {
        "ckan.plugins": plugins,
        "scheming.dataset_schemas": "ckanext.jena.schema:schemas/dataset.yaml",
        "scheming.organization_schemas": "ckanext.jena.schema:schemas/organization.yaml",
        "scheming.presets": "ckanext.scheming:presets.json ckanext.dcat.schemas:presets.yaml",
        "ckanext.dcat.rdf.profiles": "dcat_ap_de jena_explainer",
        "ckanext.jena.harvest.allowed_hosts": "127.0.0.1",
        "ckan.storage_path": str(path.parent / "storage"),
        **(settings or {}),
    })
