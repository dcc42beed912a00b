"""DataStore load benchmark (`make bench-data`, options: DATA_ROWS=100000 DATA_ROUNDS=3).

Loads a generated CSV of DATA_ROWS rows (an Ortsteil, a date, a count and a measurement per row)
into the DataStore the way the portal does: a linked resource on a local HTTP server, submitted to
ckanext-xloader, downloaded through the guarded client (data/xloader_seam.py) and loaded by the job
in a worker, with the portal's own plugin set (config/ckan.ini.template) in the database
`ckan_bench_data` (and `ckan_bench_data_datastore`).

Two files side by side, alternating round by round, each load in a fresh process: the file as a
German spreadsheet exports it (`;`, decimal commas, `dd.mm.yyyy`; rewritten by data/german.py
before loading) and the same rows in English notation (`,`, decimal points, ISO dates; loaded as
they are). Per load: the time from submitting to the finished job, and the worker process's
memory (resident set before the job and its peak, /proc/self/status VmRSS and VmHWM).

Prints medians and a Markdown table for docs/benchmarks.md. Nothing here is a test.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from bench_search import load_average, machine, portal_ini, reset_database  # noqa: E402

DB = "ckan_bench_data"
DISTRICTS = ["Jena-Zentrum", "Wenigenjena", "Lobeda-Altstadt", "Neulobeda", "Winzerla", "Zwätzen", "Jena-Nord",
             "Jena-Süd", "Jena-West", "Ammerbach", "Burgau", "Göschwitz"]


def write_files(rows: int, folder: str) -> dict:
    """The same rows as a German and an English CSV."""
    random.seed(20261205)
    start = datetime.date(2020, 1, 1)
    german, english = ["Ortsteil;Datum;Anzahl;Messwert"], ["Ortsteil,Datum,Anzahl,Messwert"]
    for number in range(rows):
        district = DISTRICTS[number % len(DISTRICTS)]
        day = start + datetime.timedelta(days=number % 2000)
        count = random.randint(0, 5000)
        value = round(random.uniform(0, 2000), 2)
        decimal_comma = f"{value:.2f}".replace(".", ",")
        german.append(f"{district};{day:%d.%m.%Y};{count};{decimal_comma}")
        english.append(f"{district},{day.isoformat()},{count},{value:.2f}")
    paths = {}
    for name, lines in (("german", german), ("english", english)):
        paths[name] = os.path.join(folder, f"{name}.csv")
        with open(paths[name], "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return paths


def serve(folder: str) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Files", (SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: handler(*a, directory=folder, **k))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def write_ini() -> str:
    path = portal_ini("data", DB)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # its own job queue name (the benchmarks share one Redis database) and the local file server
    text = re.sub(r"(?m)^ckan\.site_id = .*$", "ckan.site_id = bench-data", text)
    text = text.replace("ckanext.jena.data.allowed_hosts = 127.0.0.1:5000", "ckanext.jena.data.allowed_hosts = 127.0.0.1")
    text = text.replace("ckanext.xloader.max_content_length = 52428800", "ckanext.xloader.max_content_length = 104857600")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def memory() -> dict:
    found = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                found[line.split(":")[0]] = int(line.split()[1]) / 1024
    return found


def load_once(ini: str, url: str) -> dict:
    """In this (fresh) process: create the dataset, submit, run the job; time and memory."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    make_app(load_config(ini))
    from rq import SimpleWorker
    from ckan.lib import jobs
    from ckan.plugins import toolkit
    site = {"user": toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"], "ignore_auth": True}
    suffix = f"{os.getpid()}-{int(time.time() * 1000)}"
    org = toolkit.get_action("organization_create")(dict(site), {"name": f"bench-data-{suffix}", "org_type": "fachdienst"})
    dataset = toolkit.get_action("package_create")(dict(site), {
        "name": f"bench-data-{suffix}", "title": "Messwerte je Ortsteil", "owner_org": org["id"],
        "license_id": "dl-by-de/2.0", "notes": "Benchmark", "tags": [{"name": "Benchmark"}],
        "resources": [{"url": url, "format": "CSV", "name": "Messwerte"}]})
    resource = dataset["resources"][0]
    queue = jobs.get_queue()
    queue.empty()
    before = memory()
    started = time.perf_counter()
    toolkit.get_action("xloader_submit")(dict(site), {"resource_id": resource["id"]})
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    seconds = time.perf_counter() - started
    after = memory()
    status = toolkit.get_action("xloader_status")(dict(site), {"resource_id": resource["id"]})
    rows = toolkit.get_action("datastore_search")(dict(site), {"resource_id": resource["id"], "limit": 0})
    fields = {f["id"]: f["type"] for f in rows["fields"]}
    return {"seconds": seconds, "rss_before": before["VmRSS"], "peak": after["VmHWM"], "status": status.get("status"),
            "rows": rows["total"], "types": fields}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", nargs=2, metavar=("INI", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(load_once(*args.one)))
        return 0
    os.environ.setdefault("CKAN_SQLALCHEMY_URL", f"postgresql://ckan:ckan@127.0.0.1:54329/{DB}")
    ini = write_ini()
    reset_database(ini)
    folder = os.path.join(ROOT, ".local", "bench-data", "files")
    os.makedirs(folder, exist_ok=True)
    paths = write_files(args.rows, folder)
    sizes = {name: os.path.getsize(path) / 1e6 for name, path in paths.items()}
    server, base = serve(folder)
    results: dict = {"german": [], "english": []}
    try:
        for round_number in range(args.rounds):
            order = ("german", "english") if round_number % 2 == 0 else ("english", "german")
            for name in order:
                done = subprocess.run([sys.executable, __file__, "--one", ini, f"{base}/{name}.csv"],
                                      capture_output=True, text=True, env=os.environ)
                if done.returncode != 0:
                    raise SystemExit(f"load of {name}.csv failed:\n{done.stderr[-3000:]}")
                outcome = json.loads(done.stdout.strip().splitlines()[-1])
                if outcome["status"] != "complete" or outcome["rows"] != args.rows:
                    raise SystemExit(f"load of {name}.csv did not complete: {outcome}")
                results[name].append(outcome)
                print(f"  round {round_number + 1} {name}: {outcome['seconds']:.1f} s, peak {outcome['peak']:.0f} MB",
                      file=sys.stderr, flush=True)
    finally:
        server.shutdown()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    median = {name: {key: statistics.median(r[key] for r in runs) for key in ("seconds", "rss_before", "peak")}
              for name, runs in results.items()}
    print(f"\nLoading a {args.rows:,}-row CSV into the DataStore — commit {commit}, {datetime.date.today().isoformat()}, "
          f"{machine()}, load average {load_average()}; {args.rounds} rounds, alternating, each load in a fresh "
          "worker process (portal plugin set, xloader through the guarded client)\n")
    print("| file | size | load time (median) | worker memory before → peak (median) | column types |")
    print("|---|---:|---:|---:|---|")
    for name, label in (("german", "German export (`;`, `1234,56`, `dd.mm.yyyy`)"),
                        ("english", "English notation (`,`, `1234.56`, ISO dates)")):
        types = ", ".join(f"{k}: {v}" for k, v in results[name][0]["types"].items() if k != "_id")
        print(f"| {label} | {sizes[name]:.1f} MB | {median[name]['seconds']:.1f} s | "
              f"{median[name]['rss_before']:.0f} → {median[name]['peak']:.0f} MB | {types} |")
    print(f"| ratio German / English (medians) | | {median['german']['seconds'] / median['english']['seconds']:.2f}× | "
          f"{median['german']['peak'] / median['english']['peak']:.2f}× (peak) | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
