"""The production set-up in deploy/ (docs/deploy.md) runs the commands `make run` runs, and each
of them exists: the systemd units' ExecStart lines are started here with --help against the
portal's plugin set over this test run's database."""
from __future__ import annotations

import configparser
import re
import subprocess
from pathlib import Path

import pytest

from tests import processes
from tests.security.test_server import portal_ini

ROOT = processes.ROOT
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
INSTALLED = "/opt/ckanext-jena"
INI = "/etc/ckan/jena/ckan.ini"


def exec_start(unit: Path) -> list[str]:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str
    parser.read(unit)
    return parser["Service"]["ExecStart"].split()


def ckan_subcommands(command: list[str]) -> list[str]:
    assert command[:3] == [f"{INSTALLED}/.venv/bin/ckan", "-c", INI], command
    return command[3:]


def test_the_units_run_what_make_run_starts():
    script = (ROOT / "scripts" / "run-portal.sh").read_text()
    started = {" ".join(m.split()) for m in re.findall(r'"\$\{CKAN\[@\]\}" ([a-z -]+?) >>', script)}
    assert started == {"harvester gather-consumer", "harvester fetch-consumer", "jobs worker", "jena scheduler"}
    in_units = {" ".join(ckan_subcommands(exec_start(u))) for u in UNITS if exec_start(u)[0].endswith("/bin/ckan")}
    assert in_units == started
    web = exec_start(ROOT / "deploy" / "systemd" / "jena-web.service")
    assert web == [f"{INSTALLED}/scripts/serve.sh", INI, "5000"]
    assert 'scripts/serve.sh" "$CKAN_INI" 5000' in script
    target = (ROOT / "deploy" / "systemd" / "jena.target").read_text()
    for unit in UNITS:
        assert unit.name.replace("@.", "@1.") in target


@pytest.mark.parametrize("unit", [u for u in UNITS if u.name != "jena-web.service"], ids=lambda u: u.name)
def test_every_ckan_command_of_the_units_exists(unit, tmp_path):
    ini = portal_ini(tmp_path / "portal.ini")
    command = [processes.CKAN, "-c", str(ini), *ckan_subcommands(exec_start(unit)), "--help"]
    result = subprocess.run(command, env=processes.service_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Usage:" in result.stdout


def test_the_web_unit_starts_the_server_script():
    script = ROOT / "scripts" / "serve.sh"
    assert script.stat().st_mode & 0o111
    # tests/security/test_server.py serves the portal through it; here: a missing ini file is named
    result = subprocess.run([str(script), "/nonexistent/ckan.ini", "5000"], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 1 and "no ini file at /nonexistent/ckan.ini" in result.stderr


def test_the_nginx_config_proxies_to_the_web_unit_and_caches_only_static_assets():
    conf = (ROOT / "deploy" / "nginx" / "jena.conf").read_text()
    assert "server 127.0.0.1:5000;" in conf  # jena-web.service's port
    assert conf.count("{") == conf.count("}")
    assert conf.count("proxy_cache jena_static;") == 1
    assert "ssl_certificate " in conf and "return 301 https://" in conf
