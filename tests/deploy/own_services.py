"""A PostgreSQL cluster and a Redis of a test's own (issue 16, item 5): the fault tests restart
them, so they never use the suite's shared services. Both listen on free ports of 127.0.0.1
under a temporary directory; the database is prepared with scripts/setup.sh's init step."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import redis

from tests import processes

PG_BIN = Path(os.environ.get("JENA_PG_BIN", "/usr/lib/postgresql/15/bin"))
DB = "ckan_faults"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and pg_ctl refuse to run as root
    return ["runuser", "-u", "postgres", "--", *args] if os.getuid() == 0 else args


class OwnServices:
    def __init__(self):
        # outside pytest's 0700 temp directories: the 'postgres' user must reach the cluster
        self.home = Path(tempfile.mkdtemp(prefix="jena-faults-", dir="/var/tmp"))
        self.home.chmod(0o755)
        self.pg_data = self.home / "postgres"
        self.pg_port, self.redis_port = free_port(), free_port()
        self.redis_process: subprocess.Popen | None = None
        self._drivers: dict = {}  # fault_driver processes by ini (drive)
        self.url = f"postgresql://ckan:ckan@127.0.0.1:{self.pg_port}/{DB}"
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"

    # PostgreSQL
    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.pg_data), *args]), check=True,
                       stdout=subprocess.DEVNULL, timeout=120)

    def start_postgres(self) -> None:
        self._pg_ctl("-l", str(self.pg_data / "server.log"), "-o", f"-p {self.pg_port}", "-w", "-t", "60",
                     "start")

    def stop_postgres(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def create_postgres(self) -> None:
        self.pg_data.mkdir()
        if os.getuid() == 0:
            shutil.chown(self.pg_data, "postgres", "postgres")
        self.pg_data.chmod(0o700)
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.pg_data), "-U", "postgres",
                                     "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL, timeout=120)
        with open(self.pg_data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 60\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        self.start_postgres()
        admin = psycopg2.connect(host="127.0.0.1", port=self.pg_port, user="postgres", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("CREATE ROLE ckan LOGIN PASSWORD 'ckan'")
            cur.execute(f"CREATE DATABASE {DB} OWNER ckan ENCODING 'UTF8' TEMPLATE template0")
        admin.close()
        admin = psycopg2.connect(host="127.0.0.1", port=self.pg_port, user="postgres", dbname=DB)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        admin.close()
        # the DataStore database beside it and its read-only role (plugin jena_data), as setup.sh makes them
        subprocess.run([str(processes.ROOT / "scripts" / "setup.sh"), "datastore", DB], check=True,
                       env={**os.environ, "JENA_PG_PORT": str(self.pg_port)}, stdout=subprocess.DEVNULL, timeout=120)

    def query(self, sql: str, params: dict | None = None) -> list[tuple]:
        connection = psycopg2.connect(self.url)
        try:
            with connection.cursor() as cur:
                cur.execute(sql, params or {})
                return cur.fetchall()
        finally:
            connection.close()

    # Redis
    def start_redis(self) -> None:
        log = open(self.home / "redis.log", "ab")
        self.redis_process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "",
             "--appendonly", "no", "--dir", str(self.home)], stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(host="127.0.0.1", port=self.redis_port)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("the test's own Redis did not start")

    def stop_redis(self) -> None:
        if self.redis_process and self.redis_process.poll() is None:
            self.redis_process.terminate()
            self.redis_process.wait(30)

    # CKAN on them
    def env(self) -> dict:
        env = dict(os.environ)
        env["CKAN_SQLALCHEMY_URL"] = self.url
        env["CKAN_REDIS_URL"] = self.redis_url
        return env

    def init(self, ini: Path) -> None:
        """The project's set-up step for a new database: CKAN's tables, harvest's, the search schema."""
        subprocess.run([str(processes.ROOT / "scripts" / "setup.sh"), "init", str(ini)], env=self.env(),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)

    def start(self, ini: Path, args: list[str], log: Path) -> subprocess.Popen:
        """`ckan -c INI ARGS...` on these services."""
        with open(log, "ab") as out:
            return subprocess.Popen([processes.CKAN, "-c", str(ini), *args], env=self.env(), stdout=out,
                                    stderr=subprocess.STDOUT)

    def ckan(self, ini: Path, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([processes.CKAN, "-c", str(ini), *args], env=self.env(), capture_output=True,
                              text=True, timeout=300)

    def drive(self, ini: Path, *args: str):
        """tests/deploy/fault_driver.py: CKAN actions on these services, answered as JSON. One
        driver process per ini serves every call (CKAN's start costs seconds on a busy machine);
        each call starts without the connections and objects of the one before."""
        import json
        import queue
        import threading
        from tests.deploy import fault_driver
        driver, lines = self._drivers.get(ini) or (None, None)
        if driver is None or driver.poll() is not None:
            with open(self.home / "fault_driver.log", "ab") as log:
                driver = subprocess.Popen(
                    [str(Path(processes.CKAN).parent / "python"), "-m", "tests.deploy.fault_driver", str(ini),
                     "--serve"], env=self.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                    text=True, cwd=processes.ROOT)
            lines = queue.Queue()
            threading.Thread(target=lambda: [lines.put(line) for line in driver.stdout] + [lines.put(None)],
                             daemon=True).start()
            self._drivers[ini] = (driver, lines)
        driver.stdin.write(json.dumps(args) + "\n")
        driver.stdin.flush()
        deadline = time.monotonic() + 300
        while True:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                raise AssertionError(f"the fault driver did not answer {args} within 300 s") from None
            if line is None:
                raise AssertionError(f"the fault driver ended without answering {args}:\n"
                                     + (self.home / "fault_driver.log").read_text(errors="replace")[-3000:])
            if line.startswith(fault_driver.ANSWER):
                return json.loads(line[len(fault_driver.ANSWER):])
            # CKAN may print other lines first
            assert not line.startswith(fault_driver.ERROR), json.loads(line[len(fault_driver.ERROR):])[-3000:]

    def close(self) -> None:
        for driver, _ in self._drivers.values():
            driver.stdin.close()  # the driver ends at the end of its input
        processes.stop([driver for driver, _ in self._drivers.values()])
        self.stop_redis()
        try:
            self.stop_postgres()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.home, ignore_errors=True)
