"""Search benchmark for jena_search (`make bench-search`, options: BENCH_N=100000).

Loads the portal's own plugin set and facets (config/ckan.ini.template, as `make run` does),
with the page cache off: it measures the work, not the cache.

1. Builds N synthetic Jena datasets (action fields, districts, EU themes) in the database
   `ckan_bench` (rows written with SQLAlchemy in bulk), then indexes them all through CKAN's real indexing path
   (`ckan.lib.search.rebuild`: package_show + CKAN's index document + jena_search), timed
   as the rebuild rate.
2. Runs typical portal queries through the `package_search` action as an anonymous visitor
   (permission labels applied) and reports p50/p95 latency, next to the raw SQL floor: the
   very statements jena_search ran for that query, replayed directly on the database.

Prints a Markdown table for README.md. Nothing here is a test: numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORDS = ("Baum Bäume Kataster Einwohner Ortsteil Feinstaub Luftqualität Lärm Parkhaus Ladestation "
         "Haushalt Schule Kindergarten Spielplatz Radverkehr Wahl Stadtrat Bibliothek Tourismus "
         "Übernachtungen Bodenfeuchte Grünfläche Straße Baustelle Ampel Energie Verbrauch Gebäude "
         "Sensor Temperatur Wetter Niederschlag Bevölkerung Geburten Sterbefälle Arbeitslose "
         "Wohnungen Mieten Verkehr Nahverkehr Haltestellen Fahrrad Zählstelle Denkmal Kultur "
         "Sport Sporthalle Schwimmbad Friedhof Abfall Mülleimer Wasser Abwasser").split()
DISTRICTS = ["Jena-Nord", "Jena-Süd", "Jena-West", "Jena-Zentrum", "Lobeda-Altstadt", "Neulobeda",
             "Winzerla", "Wenigenjena", "Kernberge", "Zwätzen", "Burgau", "Göschwitz", "Ammerbach",
             "Isserstedt", "Cospeda", "Drackendorf", "Ziegenhain", "Lichtenhain", "Löbstedt", "Maua"]
FORMATS = ["CSV", "JSON", "GeoJSON", "XLSX", "PDF", "WMS", "API"]
LICENSES = ["dl-de-by-2.0", "dl-de-zero-2.0", "cc-by-4.0", "odc-odbl"]
ORGS = ["fachdienst-statistik", "kommunale-immobilien", "stadtwerke-jena", "kommunalservice-jena",
        "fachdienst-umweltschutz", "fachdienst-mobilitaet", "smart-city-jena", "fachdienst-finanzen",
        "fachdienst-kultur", "fachdienst-bildung"]
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
GROUPS = ["bevoelkerung", "bildung", "infrastruktur-bauen-umwelt", "kultur-sport-tourismus",
          "mobilitaet", "politik-und-wahlen", "verwaltung-und-haushalt", "wirtschaft-und-arbeit"]


BENCH_REDIS_DB = 15  # the benchmarks' Redis database (tests use others, bench-load 13 and 14)


def portal_ini(name: str, database: str) -> str:
    """.local/bench-NAME.ini: config/ckan.ini.template filled in as `scripts/setup.sh ckan-ini`
    does, so a benchmark loads the portal's own plugin set, schemas and facets; on the
    benchmark's own database (CKAN_SQLALCHEMY_URL) and Redis database, logging at WARNING.
    The page cache is off: the benchmarks measure the work, not the cache."""
    import re
    with open(os.path.join(ROOT, "config", "ckan.ini.template"), encoding="utf-8") as f:
        text = f.read()
    storage = os.path.join(ROOT, ".local", f"bench-{name}", "storage")
    os.makedirs(storage, exist_ok=True)
    url = os.environ.get("CKAN_SQLALCHEMY_URL") or f"postgresql://ckan:ckan@127.0.0.1:54329/{database}"
    values = {"PG_PORT": "54329", "REDIS_PORT": "63799", "PG_USER": "ckan", "PG_PASSWORD": "ckan",
              "STORAGE_DIR": storage, "SECRET": f"bench-{name}-secret-key-0123456789abcdef"}
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    text = re.sub(r"(?m)^sqlalchemy\.url = .*$", lambda m: f"sqlalchemy.url = {url}", text)
    text = re.sub(r"(?m)^ckan\.redis\.url = .*$",
                  f"ckan.redis.url = redis://127.0.0.1:63799/{BENCH_REDIS_DB}", text)
    text = re.sub(r"(?m)^(ckan\.plugins = .*)$", r"\1\nckanext.jena.cache.enabled = false", text, count=1)
    text = re.sub(r"(?m)^(\[logger_(ckan|ckanext)\]\nlevel = )INFO", r"\1WARNING", text)
    path = os.path.join(ROOT, ".local", f"bench-{name}.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def reset_database(ini: str) -> None:
    """Every table dropped, then created as `scripts/setup.sh init` does: CKAN's and every
    plugin's migrations, and the packaged taxonomy in effect."""
    ckan = os.path.join(os.path.dirname(sys.executable), "ckan")
    env = dict(os.environ, CKAN_REDIS_URL=f"redis://127.0.0.1:63799/{BENCH_REDIS_DB}")
    for args in (["db", "clean", "--yes"], ["db", "init"], ["jena", "taxonomy", "load", "--quiet"]):
        done = subprocess.run([ckan, "-c", ini, *args], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"ckan {' '.join(args)} failed:\n" + done.stderr[-3000:])


def load_ckan(ini: str):
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    conf = load_config(ini)
    make_app(conf)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) // 1024 // 1024} GiB RAM"
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), {mem}, Python {platform.python_version()}"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared: say how busy it was)."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def build_datasets(n: int, seed: int = 20261122) -> None:
    """Write N datasets of the Jena schema (action fields, districts, EU themes) with tags,
    groups and resources straight into the tables."""
    import ckan.model as model
    from ckanext.jena.schema import places
    from ckanext.jena.taxonomy import store
    rng = random.Random(seed)
    taxonomy = store.current()
    field_values = taxonomy.valid_values()
    district_keys = list(places.districts())
    session = model.Session
    org_ids, group_ids = {}, {}
    for name in ORGS:
        org = model.Group(name=name, title=name.replace("-", " ").title(), type="organization",
                          is_organization=True)
        session.add(org)
        session.flush()
        org_ids[name] = org.id
    for name in GROUPS:
        group = model.Group(name=name, title=name.replace("-", " ").title(), type="group")
        session.add(group)
        session.flush()
        group_ids[name] = group.id
    tag_ids = {}
    for word in WORDS:
        tag = model.Tag(name=word)
        session.add(tag)
        session.flush()
        tag_ids[word] = tag.id
    session.commit()

    now = datetime.datetime(2026, 11, 1)
    engine = session.get_bind()
    batch = 1000
    for start in range(0, n, batch):
        packages, tags, extras, resources, members = [], [], [], [], []
        for i in range(start, min(n, start + batch)):
            pid = str(uuid.uuid4())
            words = rng.sample(WORDS, 3)
            district = rng.choice(DISTRICTS)
            title = f"{words[0]} {words[1]} {district} {2010 + i % 16}"
            modified = now - datetime.timedelta(minutes=i * 7)
            private = rng.random() < 0.05
            packages.append(dict(
                id=pid, name=f"bench-{i:06d}", title=title, type="dataset", state="active",
                private=private, owner_org=org_ids[rng.choice(ORGS)],
                license_id=rng.choice(LICENSES), maintainer="Stadt Jena",
                notes=(f"{words[2]} und {words[0]} im Ortsteil {district}. Erhoben von der "
                       f"Stadt Jena, aktualisiert {rng.choice(['jährlich', 'monatlich', 'täglich'])}."),
                metadata_created=modified - datetime.timedelta(days=30), metadata_modified=modified))
            for word in set(rng.sample(WORDS, 4)):
                tags.append(dict(id=str(uuid.uuid4()), package_id=pid, tag_id=tag_ids[word],
                                 state="active"))
            lon = 11.55 + rng.random() * 0.1
            lat = 50.88 + rng.random() * 0.1
            extras.append(dict(id=str(uuid.uuid4()), package_id=pid, key="spatial", state="active",
                               value=json.dumps({"type": "Point", "coordinates": [lon, lat]})))
            for key, value in (
                    ("action_fields", json.dumps(taxonomy.with_fields(rng.sample(field_values, 1)))),
                    ("districts", json.dumps(rng.sample(district_keys, rng.randint(1, 2)))),
                    ("theme", json.dumps([EU_THEME + rng.choice(["ENVI", "TRAN", "SOCI", "ECON", "EDUC"])]))):
                extras.append(dict(id=str(uuid.uuid4()), package_id=pid, key=key, value=value,
                                   state="active"))
            for position in range(rng.randint(1, 3)):
                fmt = rng.choice(FORMATS)
                resources.append(dict(
                    id=str(uuid.uuid4()), package_id=pid, url=f"https://example.org/{pid}.{fmt.lower()}",
                    format=fmt, name=f"{words[0]} ({fmt})", description="", position=position,
                    state="active", extras="{}"))
            members.append(dict(id=str(uuid.uuid4()), table_id=pid, table_name="package",
                                group_id=group_ids[rng.choice(GROUPS)], capacity="public",
                                state="active"))
        with engine.begin() as conn:
            conn.execute(model.package_table.insert(), packages)
            conn.execute(model.package_tag_table.insert(), tags)
            conn.execute(model.package_extra_table.insert(), extras)
            conn.execute(model.resource_table.insert(), resources)
            conn.execute(model.member_table.insert(), members)
        print(f"\r  datasets written: {min(n, start + batch)}/{n}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


QUERIES = [
    ("German free text", {"q": "Bäume Jena"}),
    ("free text + 2 facet filters", {"q": "Feinstaub", "fq": 'organization:"smart-city-jena" res_format:"CSV"'}),
    ("word part of a compound", {"q": "kataster"}),
    ("bbox (ext_bbox)", {"q": "", "ext_bbox": "11.58,50.90,11.60,50.92"}),
    ("sort by modified", {"q": "Haushalt", "sort": "metadata_modified desc"}),
    ("empty query, all facets", {"q": ""}),
]



def percentile(values, pct):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(pct / 100.0 * (len(values) - 1)))))
    return values[k]


def replay(call, repeat: int) -> list:
    """The raw SQL floor: the statements jena_search ran for ``call``, replayed directly."""
    import ckan.model as model
    from ckanext.jena.search import db
    db.statement_recorder = []
    call()
    statements, db.statement_recorder = db.statement_recorder, None
    model.Session.remove()
    raw = model.Session.get_bind().raw_connection()
    times = []
    try:
        cursor = raw.cursor()
        for _ in range(repeat):
            t0 = time.perf_counter()
            for sql, sql_params in statements:
                cursor.execute(sql, sql_params)
                if cursor.description:
                    cursor.fetchall()
            times.append((time.perf_counter() - t0) * 1000)
        raw.rollback()
    finally:
        raw.close()
    return times


def run_queries(repeat: int):
    import ckan.model as model
    from ckan.plugins import toolkit
    from ckanext.jena.search import db
    # the portal's facets (jena_schema's IFacets: action fields, Ortsteile, EU themes, ...)
    from ckanext.jena.schema.plugin import FACETS

    rows = []
    for label, params in QUERIES:
        data = dict(params)
        data.update({"facet.field": json.dumps(FACETS), "rows": 20})
        context = {"user": "", "ignore_auth": False}
        toolkit.get_action("package_search")(dict(context), dict(data))  # warm-up
        api_times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = toolkit.get_action("package_search")(dict(context), dict(data))
            api_times.append((time.perf_counter() - t0) * 1000)
            model.Session.remove()
        sql_times = replay(lambda: toolkit.get_action("package_search")(dict(context), dict(data)),
                           repeat)
        rows.append((label, result["count"], statistics.median(api_times),
                     percentile(api_times, 95), statistics.median(sql_times)))
    # autocomplete has its own action
    api_times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        toolkit.get_action("package_autocomplete")({"user": ""}, {"q": "baum", "limit": 10})
        api_times.append((time.perf_counter() - t0) * 1000)
        model.Session.remove()
    found = toolkit.get_action("package_autocomplete")({"user": ""}, {"q": "baum", "limit": 10})
    sql_times = replay(lambda: toolkit.get_action("package_autocomplete")(
        {"user": ""}, {"q": "baum", "limit": 10}), repeat)
    rows.append(("autocomplete", len(found), statistics.median(api_times),
                 percentile(api_times, 95), statistics.median(sql_times)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10000, help="number of datasets (default 10000)")
    parser.add_argument("--repeat", type=int, default=30, help="runs per query (default 30)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the datasets of an earlier run with the same --n (re-index only)")
    args = parser.parse_args()

    # the benchmark database is separate from the test database
    os.environ.setdefault("CKAN_SQLALCHEMY_URL", "postgresql://ckan:ckan@127.0.0.1:54329/ckan_bench")
    args.ini = portal_ini("search", "ckan_bench")
    if not args.reuse:
        reset_database(args.ini)
    load_ckan(args.ini)
    import ckan.model as model
    from ckan.lib import search
    from ckanext.jena import migration

    existing = 0
    if args.reuse:
        try:
            existing = model.Session.query(model.Package).count()
        except Exception:
            model.Session.rollback()
    if existing != args.n:
        print(f"resetting database {os.environ['CKAN_SQLALCHEMY_URL'].rsplit('/', 1)[-1]}",
              file=sys.stderr)
        if args.reuse:
            model.Session.remove()
            model.Session.get_bind().dispose()
            reset_database(args.ini)
        t0 = time.perf_counter()
        build_datasets(args.n)
        print(f"  built in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    else:
        migration.upgrade_all_if_missing(model.meta.engine)  # the project's tables (migrations)
        search.clear_all()

    print("indexing through ckan.lib.search.rebuild ...", file=sys.stderr)
    t0 = time.perf_counter()
    search.rebuild(defer_commit=True, quiet=True)
    rebuild_s = time.perf_counter() - t0
    rate = args.n / rebuild_s
    model.Session.remove()
    # VACUUM needs autocommit; SQLAlchemy resets the connection before pooling it again
    with model.Session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE jena_search_document")

    rows = run_queries(args.repeat)
    pg_version = model.Session.execute(model.sa.text("SHOW server_version")).scalar()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    # the query table first (the parallel rebuild below takes long on a busy machine)
    print()
    print(f"`make bench-search BENCH_N={args.n}` — {args.n} datasets, {args.repeat} runs per query, "
          f"{datetime.date.today().isoformat()}, commit {commit}")
    print(f"Machine: {machine()}; PostgreSQL {pg_version}; load average {load_average()}")
    print("Plugins and facets: config/ckan.ini.template (the portal's), page cache off")
    print()
    print("| query | hits | p50 package_search (ms) | p95 (ms) | raw SQL p50 (ms) | ratio p50/raw |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, hits, p50, p95, raw_ms in rows:
        print(f"| {label} | {hits} | {p50:.1f} | {p95:.1f} | {raw_ms:.1f} | {p50 / raw_ms:.2f}× |")
    print(flush=True)

    # the same rebuild with one process per core (`ckan jena search rebuild`)
    model.Session.remove()  # no open transaction may hold the index table now
    workers = os.cpu_count() or 1
    print(f"indexing again with `ckan jena search rebuild --workers {workers}` ...", file=sys.stderr)
    t0 = time.perf_counter()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", args.ini, "jena",
                    "search", "rebuild", "--workers", str(workers), "--clear"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parallel_s = time.perf_counter() - t0
    print(f"Rebuild through CKAN's indexing path (package_show + index document + write):")
    print(f"- `ckan search-index rebuild` (one process): {args.n} datasets in {rebuild_s:.1f} s "
          f"= **{rate:.0f} datasets/s**")
    print(f"- `ckan jena search rebuild --workers {workers}`: {args.n} datasets in {parallel_s:.1f} s "
          f"= **{args.n / parallel_s:.0f} datasets/s** (including process start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
