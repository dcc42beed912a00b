"""Load benchmark (`make bench-load`, options: LOAD_SECONDS=60, LOAD_CLIENTS="20 50", LOAD_HARVEST_N=300).

Two portals with the demo content, side by side in one run, each in its own database:

- today: the work tree's HEAD commit, as `make run` serves it (gunicorn through scripts/serve.sh,
  the plugin set of config/ckan.ini.template), on port 5101, database ckan_load;
- baseline: commit 2c7ca83, served as its `make run` did (`ckan run`, CKAN's development
  server), on port 5102, database ckan_load_base.

Each is checked out in a git worktree under /tmp (/tmp/jena-today-<commit>,
/tmp/jena-baseline-2c7ca83) and runs with this work tree's virtualenv: a sitecustomize.py on
PYTHONPATH puts the worktree's ckanext/ in front of the editable install, so `ckanext.jena` is
that commit's code; its database is initialised and its demo loaded by its own scripts and code.
Uncommitted changes in the work tree are not measured.

The load: N client threads (20, then 50), each sending its next request as soon as the last one
answered, for LOAD_SECONDS, over a fixed mix (MIX below: search pages with facets, the search API
with and without facets, dataset pages, explainer pages, Handlungsfeld pages, DCAT catalog pages,
package_show). Anonymous visitors without cookies, every request on a new connection. Before the
measured runs each portal gets the same warm-up (not counted): every distinct URL of the mix once,
as after a portal's first visitors. A request counts as an error
when it fails or answers anything but 200. Then 50 clients against today's portal while a harvest
runs in its own process (jena_dcat harvester over a generated DCAT catalog of LOAD_HARVEST_N datasets
served on 127.0.0.1; re-run with changed content until the load ends, so datasets are created and
updated all the time): 0 errors required.

Prints a Markdown table for docs/benchmarks.md. Nothing here is a test: numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from bench_search import machine  # noqa: E402

BASELINE_COMMIT = "2c7ca83"
BASELINE_DIR = f"/tmp/jena-baseline-{BASELINE_COMMIT}"
OUT = os.path.join(ROOT, ".local", "bench-load")
SETUP = os.path.join(ROOT, "scripts", "setup.sh")
VENV = os.environ.get("JENA_VENV") or os.path.join(ROOT, ".venv")
CKAN = os.path.join(VENV, "bin", "ckan")
TODAY_COMMIT = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
TREES = {
    # label: (git worktree, commit)
    "today": (f"/tmp/jena-today-{TODAY_COMMIT}", TODAY_COMMIT),
    "baseline": (BASELINE_DIR, BASELINE_COMMIT),
}
PORTALS = {
    # label: (source tree, port, database, Redis database)
    "today": (TREES["today"][0], 5101, "ckan_load", 13),
    "baseline": (BASELINE_DIR, 5102, "ckan_load_base", 14),
}
# share of each kind of request in the mix (sums to 100)
MIX = [
    ("search page with facets", 20),
    ("search page, facet filter", 10),
    ("search API without facets", 10),
    ("search API with facets", 5),
    ("dataset page", 15),
    ("explainer page", 10),
    ("Handlungsfeld page", 10),
    ("DCAT catalog page", 5),
    ("package_show API", 15),
]


def sh(args: list, env: dict | None = None, cwd: str = ROOT) -> str:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def db_url(name: str) -> str:
    return sh([SETUP, "db-url", name]).strip()


# -- the two portals ------------------------------------------------------------------------------
def ensure_tree(label: str) -> None:
    """The portal's code as a git worktree of its commit, with a sitecustomize.py that puts the
    worktree's ckanext/ in front of this virtualenv's editable install (its .pth files set up
    the ckanext namespace and the finder for the work tree first): `ckanext.jena` is that
    commit's code. So neither portal runs code someone is editing in the work tree."""
    tree, commit = TREES[label]
    if not os.path.isdir(os.path.join(tree, "ckanext", "jena")):
        sh(["git", "worktree", "add", "--detach", tree, commit])
    shim = tree + "-shim"
    os.makedirs(shim, exist_ok=True)
    with open(os.path.join(shim, "sitecustomize.py"), "w", encoding="utf-8") as f:
        f.write("import ckanext\n"
                f"ckanext.__path__ = [{os.path.join(tree, 'ckanext')!r}] + list(ckanext.__path__)\n")


def portal_env(label: str) -> dict:
    tree, port, database, redis_db = PORTALS[label]
    env = dict(os.environ, JENA_VENV=VENV, CKAN_INI=ini_path(label),
               CKAN_SQLALCHEMY_URL=db_url(database), CKAN_REDIS_URL=f"redis://127.0.0.1:63799/{redis_db}",
               JENA_LOG_DIR=os.path.join(OUT, label, "log"))
    env["PYTHONPATH"] = TREES[label][0] + "-shim"
    return env


def ini_path(label: str) -> str:
    return os.path.join(OUT, label, "ckan.ini")


def write_ini(label: str) -> None:
    """The tree's own config/ckan.ini.template as `setup.sh ckan-ini` fills it in, with this
    portal's port, database, Redis database and storage; logging at WARNING."""
    tree, port, database, redis_db = PORTALS[label]
    with open(os.path.join(tree, "config", "ckan.ini.template"), encoding="utf-8") as f:
        text = f.read()
    values = {"PG_PORT": "54329", "REDIS_PORT": "63799", "PG_USER": "ckan", "PG_PASSWORD": "ckan",
              "STORAGE_DIR": os.path.join(OUT, label, "storage"), "SECRET": f"bench-load-{label}-secret-key-0123456789"}
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    text = text.replace("127.0.0.1:5000", f"127.0.0.1:{port}")
    text = re.sub(r"(?m)^ckan\.devserver\.port = .*$", f"ckan.devserver.port = {port}", text)
    text = re.sub(r"(?m)^sqlalchemy\.url = .*$", f"sqlalchemy.url = {db_url(database)}", text)
    text = re.sub(r"(?m)^ckan\.redis\.url = .*$", f"ckan.redis.url = redis://127.0.0.1:63799/{redis_db}", text)
    # the harvest during the load reads a catalog served on another port of 127.0.0.1
    text = re.sub(r"(?m)^(ckanext\.jena\.(harvest|explainer|quality)\.allowed_hosts) = .*$", r"\1 = 127.0.0.1", text)
    text = re.sub(r"(?m)^(\[logger_(ckan|ckanext)\]\nlevel = )INFO", r"\1WARNING", text)
    os.makedirs(os.path.join(OUT, label, "storage"), exist_ok=True)
    os.makedirs(os.path.join(OUT, label, "log"), exist_ok=True)
    with open(ini_path(label), "w", encoding="utf-8") as f:
        f.write(text)


def prepare(label: str) -> None:
    """A new database, its tables and the demo content, by the tree's own scripts and code."""
    tree, port, database, redis_db = PORTALS[label]
    write_ini(label)
    env = portal_env(label)
    setup = os.path.join(tree, "scripts", "setup.sh")
    psql = os.path.join(os.environ.get("JENA_PG_BIN") or "/usr/lib/postgresql/15/bin", "psql")
    sh([psql, "-h", "127.0.0.1", "-p", "54329", "-U", "ckan", "-d", "postgres", "-q", "-c",
        f"DROP DATABASE IF EXISTS {database}"], env=dict(env, PGPASSWORD="ckan"))
    import redis
    redis.Redis(port=63799, db=redis_db).flushdb()
    print(f"[{label}] database {database}, demo content", flush=True)
    sh([setup, "database", database], env=env, cwd=tree)
    sh([setup, "init", ini_path(label), database], env=env, cwd=tree)
    sh([CKAN, "-c", ini_path(label), "jena", "demo", "load"], env=env, cwd=tree)


def serve(label: str) -> subprocess.Popen:
    tree, port, database, redis_db = PORTALS[label]
    env = portal_env(label)
    log = open(os.path.join(OUT, label, "log", "server.log"), "ab")
    if label == "today":
        args = [os.path.join(tree, "scripts", "serve.sh"), ini_path(label), str(port)]
    else:
        # what the baseline's `make run` ran (scripts/run-portal.sh)
        args = [CKAN, "-c", ini_path(label), "run", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(args, env=env, cwd=tree, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"[{label}] the web server ended; see {log.name}")
        try:
            if fetch(port, "/api/3/action/status_show")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"[{label}] the web server did not answer within 300 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# -- the load -------------------------------------------------------------------------------------
def fetch(port: int, path: str, timeout: float = 60) -> tuple:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": "jena-bench-load"})
        response = conn.getresponse()
        body = response.read()
        return response.status, body
    finally:
        conn.close()


def targets(port: int) -> dict:
    """The URLs of each kind, from what the portal holds (the same demo content on both)."""
    status, body = fetch(port, "/api/3/action/package_search?rows=1000")
    found = json.loads(body)["result"]["results"]
    names = sorted(d["name"] for d in found)
    orgs = sorted({d["organization"]["name"] for d in found if d.get("organization")})
    words = sorted({w.lower() for d in found for w in re.findall(r"[A-Za-zÄÖÜäöüß]{5,}", d["title"])})
    rng = random.Random(16)
    words = rng.sample(words, min(30, len(words)))
    status, body = fetch(port, "/handlungsfelder")
    fields = sorted(set(re.findall(r'href="/handlungsfelder/([^"?#/]+)"', body.decode("utf-8"))))
    q = lambda w: urllib.parse.quote(w)  # noqa: E731
    facets = urllib.parse.quote(json.dumps(["organization", "tags", "res_format"]))
    return {
        "search page with facets": [f"/dataset/?q={q(w)}" for w in words] + ["/dataset/"],
        "search page, facet filter": [f"/dataset/?q={q(w)}&organization={o}" for w in words[:10] for o in orgs],
        "search API without facets": [f"/api/3/action/package_search?q={q(w)}&rows=10" for w in words],
        "search API with facets": [f"/api/3/action/package_search?q={q(w)}&rows=10&facet.field={facets}"
                                   for w in words],
        "dataset page": [f"/dataset/{n}" for n in names],
        "explainer page": [f"/dataset/{n}/explainer" for n in names],
        "Handlungsfeld page": ["/handlungsfelder"] + [f"/handlungsfelder/{f}" for f in fields],
        "DCAT catalog page": ["/catalog.ttl", "/catalog.rdf", "/catalog.jsonld", "/catalog.ttl?page=2"]
                             + [f"/catalog.ttl?q={q(w)}" for w in words[:5]],
        "package_show API": [f"/api/3/action/package_show?id={n}" for n in names],
    }


def warm_up(port: int, distinct: list, clients: int = 4) -> float:
    """Every URL of the mix once (not counted): a portal's caches as after its first visitors."""
    t0 = time.monotonic()
    queue = list(distinct)
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            try:
                fetch(port, path)
            except (OSError, http.client.HTTPException):
                pass

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0


def plan(urls: dict, seed: int) -> list:
    """A client's endless sequence of (kind, path), the same for both portals."""
    rng = random.Random(seed)
    kinds = [kind for kind, share in MIX for _ in range(share)]
    while True:
        kind = rng.choice(kinds)
        yield kind, rng.choice(urls[kind])


def run_load(port: int, urls: dict, clients: int, seconds: float) -> dict:
    results = []  # (kind, seconds, status or error)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(n: int) -> None:
        own = []
        for kind, path in plan(urls, n):
            if time.monotonic() >= stop_at:
                break
            t0 = time.perf_counter()
            try:
                status = fetch(port, path)[0]
            except (OSError, http.client.HTTPException) as e:
                status = type(e).__name__
            own.append((kind, time.perf_counter() - t0, status, path))
        with lock:
            results.extend(own)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    return summarise(results, elapsed)


def percentile(values: list, share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summarise(results: list, elapsed: float) -> dict:
    times = [r[1] for r in results]
    errors = [r for r in results if r[2] != 200]
    by_kind = {}
    for kind, _ in MIX:
        own = [r[1] for r in results if r[0] == kind]
        by_kind[kind] = {"n": len(own), "p50": percentile(own, 0.5), "p95": percentile(own, 0.95)}
    return {"requests": len(results), "rps": len(results) / elapsed, "p50": percentile(times, 0.5),
            "p95": percentile(times, 0.95), "max": max(times, default=0.0), "errors": len(errors),
            "error_examples": sorted({f"{r[2]} {r[3]}" for r in errors})[:5], "by_kind": by_kind}


# -- a harvest while the load runs ----------------------------------------------------------------
HARVEST_CHILD = r"""
import json, os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "benchmarks"))
from bench_search import load_ckan
load_ckan(sys.argv[2])
from ckan.plugins import toolkit
from ckanext.jena.harvest.runner import run_source
site = {"ignore_auth": True, "user": toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
try:
    org = toolkit.get_action("organization_show")(dict(site), {"id": "stadt-jena"})
except toolkit.ObjectNotFound:
    org = toolkit.get_action("organization_create")(dict(site), {
        "name": "stadt-jena", "title": "Stadt Jena", "org_type": "fachdienst", "email": "opendata@jena.de"})
try:
    source = toolkit.get_action("harvest_source_show")(dict(site), {"id": "bench-load-katalog"})
    source = toolkit.get_action("harvest_source_patch")(dict(site), {"id": source["id"], "url": sys.argv[3]})
except toolkit.ObjectNotFound:
    source = toolkit.get_action("harvest_source_create")(dict(site), {
        "name": "bench-load-katalog", "title": "Benchmark-Katalog", "url": sys.argv[3],
        "source_type": "jena_dcat", "owner_org": org["id"], "frequency": "MANUAL"})
result = run_source(source["id"])
print("HARVEST " + json.dumps({k: v for k, v in dict(result).items() if isinstance(v, (int, float, str))}))
"""


def harvest_during(label: str, n: int, stop_event: threading.Event, done: list) -> None:
    """Harvests a generated catalog again and again (changed content each round) until told to
    stop; a round still running then is ended (its job stays unfinished in this database)."""
    import bench_harvest
    bench_harvest.OUT = os.path.join(OUT, "harvest")  # (bench-harvest's own directory may be in use)
    env = portal_env(label)
    server, base = bench_harvest.serve(bench_harvest.OUT)
    try:
        round_ = 0
        while not stop_event.is_set():
            bench_harvest.write_catalog(n, base, seed=20261205 + round_)
            t0 = time.monotonic()
            child = subprocess.Popen([os.path.join(VENV, "bin", "python"), "-c", HARVEST_CHILD, ROOT, ini_path(label),
                                      base + "/catalog/page-1.ttl"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
            while child.poll() is None and not stop_event.wait(0.5):
                pass
            if child.poll() is None:
                child.terminate()
            out, err = child.communicate()
            line = next((l for l in out.splitlines() if l.startswith("HARVEST ")), None)
            done.append({"round": round_, "seconds": round(time.monotonic() - t0, 1),
                         "result": json.loads(line[8:]) if line else
                         ("ended with the load" if stop_event.is_set() else {"failed": err[-500:]})})
            round_ += 1
    finally:
        server.shutdown()


# -- the report -----------------------------------------------------------------------------------
def row(label: str, clients: int, r: dict, note: str = "") -> str:
    return (f"| {label}{note} | {clients} | {r['requests']:,} | {r['rps']:.1f} | {r['p50'] * 1000:.0f} | "
            f"{r['p95'] * 1000:.0f} | {r['max'] * 1000:.0f} | {r['errors']} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOAD_SECONDS") or 60))
    parser.add_argument("--clients", default=os.environ.get("LOAD_CLIENTS") or "20 50")
    parser.add_argument("--harvest-n", type=int, default=int(os.environ.get("LOAD_HARVEST_N") or 300))
    parser.add_argument("--skip-prepare", action="store_true",
                        help="reuse the databases of the last run (only for trying the script: the harvest adds datasets)")
    parser.add_argument("--only", choices=sorted(PORTALS), help="measure one portal only")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split()]
    labels = [args.only] if args.only else ["baseline", "today"]
    os.makedirs(OUT, exist_ok=True)
    for label in labels:
        ensure_tree(label)
    commit, dirty = TODAY_COMMIT, ""
    for label in labels:
        if args.skip_prepare:
            write_ini(label)
        else:
            prepare(label)
    results = {}
    load_before = os.getloadavg()
    for label in labels:
        port = PORTALS[label][1]
        server = serve(label)
        try:
            urls = targets(port)
            distinct = sorted({u for v in urls.values() for u in v})
            print(f"[{label}] warm-up: each of {len(distinct)} distinct URLs once", flush=True)
            warm = warm_up(port, distinct)
            print(f"[{label}] warm-up took {warm:.0f} s", flush=True)
            for n in clients:
                results[(label, n)] = r = run_load(port, urls, n, args.seconds)
                print(f"[{label}] {n} clients: {r['rps']:.1f} req/s, p50 {r['p50'] * 1000:.0f} ms, p95 "
                      f"{r['p95'] * 1000:.0f} ms, max {r['max'] * 1000:.0f} ms, errors {r['errors']} "
                      f"{r['error_examples']}", flush=True)
            if label == "today":
                stop_event, rounds = threading.Event(), []
                harvester = threading.Thread(target=harvest_during, args=(label, args.harvest_n, stop_event, rounds))
                harvester.start()
                time.sleep(2)
                r = run_load(port, urls, max(clients), args.seconds)
                stop_event.set()
                harvester.join()
                r["harvest"] = rounds
                results[(label, "harvest")] = r
                print(f"[{label}] {max(clients)} clients with a harvest: {r['rps']:.1f} req/s, p95 "
                      f"{r['p95'] * 1000:.0f} ms, errors {r['errors']} {r['error_examples']}; harvest rounds {rounds}",
                      flush=True)
        finally:
            stop(server)
    load_after = os.getloadavg()

    print()
    print(f"Load: `make bench-load LOAD_SECONDS={args.seconds:.0f}` at {commit}{dirty}, {datetime.date.today()}, "
          f"{machine()}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after.")
    print()
    print("| portal | clients | requests | requests/s | p50 (ms) | p95 (ms) | max (ms) | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for key, r in results.items():
        label, n = key
        name = {"today": f"today ({commit}, gunicorn)", "baseline": f"baseline ({BASELINE_COMMIT}, ckan run)"}[label]
        if n == "harvest":
            rounds = r["harvest"]
            print(row(name, max(clients), r, f", harvest running ({len(rounds)} rounds of {args.harvest_n})"))
        else:
            print(row(name, n, r))
    for n in clients:
        if ("today", n) in results and ("baseline", n) in results:
            print(f"\n{n} clients: today / baseline = {results[('today', n)]['rps'] / max(results[('baseline', n)]['rps'], 1e-9):.1f}x requests/s")
    print("\nBy kind (p50 / p95 ms, requests):")
    for key, r in results.items():
        print(f"  {key}: " + "; ".join(f"{k} {v['p50'] * 1000:.0f}/{v['p95'] * 1000:.0f} ({v['n']})"
                                        for k, v in r["by_kind"].items()))
    with open(os.path.join(OUT, "results.json"), "w", encoding="utf-8") as f:
        json.dump({f"{k[0]}-{k[1]}": v for k, v in results.items()}, f, indent=1, default=str)
    if "today" in labels and not args.skip_prepare:
        # a new one from HEAD next time (the baseline's stays: its commit never changes)
        subprocess.run(["git", "worktree", "remove", "--force", TREES["today"][0]], cwd=ROOT, capture_output=True)
    failed = results.get(("today", "harvest"), {}).get("errors", 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
