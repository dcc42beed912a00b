#!/usr/bin/env python3
"""Keep CPU cores busy with an unrelated process, to see whether tests pass on a busy machine
(issue 20: the browser journeys must pass while both cores are taken).

    scripts/cpu-burn.py [--processes N] [--seconds S] [--parent PID]

Starts N spinning processes (default: one per core) and stops them after S seconds (default
1800), on SIGTERM/SIGINT, or when the process PID (default: the one that started it) is gone,
so a crashed test run leaves no burner behind. On stopping it prints one line: the processes and the CPU seconds
they used (how busy the machine really was kept)."""
from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
import time


def spin(parent: int, until: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    counter = 0
    while True:
        for _ in range(200_000):
            counter += 1
        # a check every few milliseconds: stop with the burner or the test run that started it
        if time.monotonic() > until or os.getppid() != parent:
            return


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:  # exited but not yet reaped by its parent
            return not stat.read().rsplit(") ", 1)[-1].startswith("Z")
    except OSError:
        return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seconds", type=float, default=1800.0)
    parser.add_argument("--parent", type=int, default=os.getppid(), help="stop when this process is gone")
    args = parser.parse_args()
    if not 1 <= args.processes <= 64 or args.seconds <= 0:
        parser.error("--processes must be 1 to 64 and --seconds positive")
    until = time.monotonic() + args.seconds
    workers = [multiprocessing.Process(target=spin, args=(os.getpid(), until), daemon=True)
               for _ in range(args.processes)]
    for worker in workers:
        worker.start()
    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.append(True))
    print(f"cpu-burn: {args.processes} processes spinning (pid {os.getpid()})", flush=True)
    started = time.monotonic()
    while not stopping and time.monotonic() < until and _alive(args.parent) \
            and any(worker.is_alive() for worker in workers):
        time.sleep(0.2)
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(10)
    used = os.times()
    cpu = used.children_user + used.children_system
    print(f"cpu-burn: stopped after {time.monotonic() - started:.0f} s; {args.processes} processes used "
          f"{cpu:.0f} CPU seconds", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
