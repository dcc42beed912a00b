"""pytest plugin: run tests while an unrelated CPU-bound process keeps the cores busy.

    pytest -p tests.cpu_burn --cpu-burn=2 ... tests/theme/test_browser.py

starts scripts/cpu-burn.py with that many spinning processes before the first test and stops it
after the last (it also stops by itself when this pytest is gone); the summary says how many
CPU seconds it took from the tests. Without --cpu-burn nothing happens. Not part of `make
test` (docs/testing.md)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "cpu-burn.py")


def pytest_addoption(parser):
    parser.addoption("--cpu-burn", type=int, default=0, metavar="N",
                     help="keep N processes spinning on the CPU while the tests run (scripts/cpu-burn.py)")


class _Burner:
    def __init__(self, processes: int):
        self.processes = processes
        self.process = None
        self.report = ""

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session):
        self.process = subprocess.Popen(
            [sys.executable, SCRIPT, "--processes", str(self.processes), "--seconds", "7200",
             "--parent", str(os.getpid())],
            stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline()  # printed once the spinners run
        if "spinning" not in first:
            raise pytest.UsageError(f"scripts/cpu-burn.py did not start: {first!r}")

    def pytest_sessionfinish(self, session):
        if self.process is None:
            return
        self.process.terminate()
        out, _ = self.process.communicate(timeout=60)
        self.report = out.strip()

    def pytest_terminal_summary(self, terminalreporter):
        if self.report:
            terminalreporter.write_line(self.report)


def pytest_configure(config):
    processes = config.getoption("--cpu-burn")
    if processes:
        config.pluginmanager.register(_Burner(processes), "jena_cpu_burn")
