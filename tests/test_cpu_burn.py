"""scripts/cpu-burn.py, the unrelated CPU-bound process the browser journeys are run beside
(tests/cpu_burn.py, docs/testing.md): it spins, reports, and never outlives its run."""
import os
import signal
import subprocess
import sys
import time

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "cpu-burn.py")


def _gone(pid: int, limit: float = 60.0) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with open(f"/proc/{pid}/stat") as stat:  # a zombie (exited, not reaped) is gone too
            if stat.read().split(") ")[-1].startswith("Z"):
                return True
        time.sleep(0.1)
    return False


def test_it_spins_until_told_to_stop_and_says_how_much_cpu_it_took():
    burner = subprocess.Popen([sys.executable, SCRIPT, "--processes", "1", "--seconds", "600"],
                              stdout=subprocess.PIPE, text=True)
    assert "1 processes spinning" in burner.stdout.readline()
    burner.send_signal(signal.SIGTERM)
    out, _ = burner.communicate(timeout=60)
    assert burner.returncode == 0
    assert "stopped after" in out and "CPU seconds" in out


def test_it_stops_by_itself_when_the_run_that_started_it_is_gone():
    # a shell starts the burner in the background and exits at once, as a killed pytest would
    shell = subprocess.run(["sh", "-c", f"'{sys.executable}' '{SCRIPT}' --processes 1 --seconds 600 --parent $$ "
                                        ">/dev/null 2>&1 & echo $!"], capture_output=True, text=True, timeout=60)
    pid = int(shell.stdout.strip())
    assert _gone(pid), "the burner kept spinning after its starter was gone"


def test_nonsense_is_refused():
    for args in (["--processes", "0"], ["--processes", "1000"], ["--seconds", "-1"]):
        result = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and "must be" in result.stderr
