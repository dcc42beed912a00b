"""Search benchmark for jena_search (`make bench-search`, options: BENCH_N=100000).

Loads the portal's own plugin set and facets (config/ckan.ini.template, as `make run` does),
with the page cache off: it measures the work, not the cache.

1. Builds N synthetic Jena datasets (action fields, districts, EU themes) in the database
   `ckan_bench` (rows written with SQLAlchemy in bulk), then indexes the first 2,000
   (`--templates`) through CKAN's real indexing path (`ckan.lib.search.rebuild`:
   package_show + CKAN's index document + jena_search), timed as the rebuild rate. Every
   later dataset repeats the random choices of one of those (its own id, name, dates and
   resource ids); its index row is that template's index document with those put in,
   written through jena_search's own write path: the portal's plugin set indexes about a
   dozen datasets a second, 100,000 would take hours. A sample of 20 copies is indexed again
   through CKAN's path and must come out identical in every searched column.
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


def insert_datasets(conn, packages: list, extras: list) -> None:
    """Dataset rows and their extras ({package_id, key, value, ...} each). CKAN 2.12 keeps a
    dataset's extras in the JSONB column package.extras, CKAN 2.11 in the table package_extra."""
    import ckan.model as model
    if hasattr(model, "package_extra_table"):  # CKAN 2.11
        conn.execute(model.package_table.insert(), packages)
        if extras:
            conn.execute(model.package_extra_table.insert(), extras)
        return
    by_package: dict = {}
    for extra in extras:
        by_package.setdefault(extra["package_id"], {})[extra["key"]] = extra["value"]
    conn.execute(model.package_table.insert(), [dict(p, extras=by_package.get(p["id"], {})) for p in packages])


def add_group_extra(session, group, key: str, value: str) -> None:
    """One extra of a flushed group or organization, on CKAN 2.12 (group.extras) and 2.11 (group_extra)."""
    import ckan.model as model
    if hasattr(model, "GroupExtra"):  # CKAN 2.11
        session.add(model.GroupExtra(group_id=group.id, key=key, value=value, state="active"))
    else:
        group.extras = {**(group.extras or {}), key: value}


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


def build_datasets(n: int, templates: int, seed: int = 20261122) -> None:
    """Write N datasets of the Jena schema (action fields, districts, EU themes) with tags,
    groups and resources straight into the tables. The first `templates` are drawn at random;
    each later one repeats the choices of one of them (its own id, name, dates and resource
    ids), so that its index row can be copied from the template's (see index_copies)."""
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
    specs: list = []  # the random choices of the first `templates` datasets
    for start in range(0, n, batch):
        packages, tags, extras, resources, members = [], [], [], [], []
        for i in range(start, min(n, start + batch)):
            pid = str(uuid.uuid4())
            if i < templates:
                spec = dict(words=rng.sample(WORDS, 3), district=rng.choice(DISTRICTS), year=2010 + i % 16,
                            private=rng.random() < 0.05, org=rng.choice(ORGS), license=rng.choice(LICENSES))
                spec["often"] = rng.choice(['jährlich', 'monatlich', 'täglich'])
                spec["tags"] = set(rng.sample(WORDS, 4))
                spec["point"] = [11.55 + rng.random() * 0.1, 50.88 + rng.random() * 0.1]
                spec["extras"] = (
                    ("action_fields", json.dumps(taxonomy.with_fields(rng.sample(field_values, 1)))),
                    ("districts", json.dumps(rng.sample(district_keys, rng.randint(1, 2)))),
                    ("theme", json.dumps([EU_THEME + rng.choice(["ENVI", "TRAN", "SOCI", "ECON", "EDUC"])])))
                spec["formats"] = [rng.choice(FORMATS) for _ in range(rng.randint(1, 3))]
                spec["group"] = rng.choice(GROUPS)
                specs.append(spec)
            else:
                # a copy of template i % templates: only ids, name and dates differ (see index_copies)
                spec = specs[i % templates]
            words, district = spec["words"], spec["district"]
            title = f"{words[0]} {words[1]} {district} {spec['year']}"
            modified = now - datetime.timedelta(minutes=i * 7)
            packages.append(dict(
                id=pid, name=f"bench-{i:06d}", title=title, type="dataset", state="active",
                private=spec["private"], owner_org=org_ids[spec["org"]],
                license_id=spec["license"], maintainer="Stadt Jena",
                notes=(f"{words[2]} und {words[0]} im Ortsteil {district}. Erhoben von der "
                       f"Stadt Jena, aktualisiert {spec['often']}."),
                metadata_created=modified - datetime.timedelta(days=30), metadata_modified=modified))
            for word in spec["tags"]:
                tags.append(dict(id=str(uuid.uuid4()), package_id=pid, tag_id=tag_ids[word],
                                 state="active"))
            lon, lat = spec["point"]
            extras.append(dict(id=str(uuid.uuid4()), package_id=pid, key="spatial", state="active",
                               value=json.dumps({"type": "Point", "coordinates": [lon, lat]})))
            for key, value in spec["extras"]:
                extras.append(dict(id=str(uuid.uuid4()), package_id=pid, key=key, value=value,
                                   state="active"))
            for position, fmt in enumerate(spec["formats"]):
                resources.append(dict(
                    id=str(uuid.uuid4()), package_id=pid, url=f"https://example.org/{pid}.{fmt.lower()}",
                    format=fmt, name=f"{words[0]} ({fmt})", description="", position=position,
                    state="active", extras="{}", created=now))
            members.append(dict(id=str(uuid.uuid4()), table_id=pid, table_name="package",
                                group_id=group_ids[spec["group"]], capacity="public",
                                state="active"))
        with engine.begin() as conn:
            insert_datasets(conn, packages, extras)
            conn.execute(model.package_tag_table.insert(), tags)
            conn.execute(model.resource_table.insert(), resources)
            conn.execute(model.member_table.insert(), members)
        print(f"\r  datasets written: {min(n, start + batch)}/{n}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


# columns of an index row that searches read (indexed_at, indexed_ts and the stored dicts hold
# the time of indexing and differ between any two rebuilds)
COMPARED = ("id", "site_id", "state", "capacity", "dataset_type", "owner_org", "organization", "name",
            "title", "permission_labels", "metadata_created", "metadata_modified", "title_string",
            "bbox::text", "facet_hashes", "array(SELECT t FROM unnest(terms) t WHERE t NOT LIKE 'indexed_ts%%')",
            "search_vector", "search_text", "words")


def index_through_ckan(package_ids: list) -> dict:
    """Index these datasets through CKAN's real path (package_show, CKAN's index document,
    every plugin's before_dataset_index, jena_search) and return the documents written."""
    from ckan.lib import search
    from ckanext.jena.search import backend
    written: dict = {}
    original = backend.PostgresSearchConnection.add

    def recording_add(self, docs, *args, **kwargs):
        docs = list(docs)
        for doc in docs:
            written[doc["id"]] = json.loads(json.dumps(doc, default=str))
        return original(self, docs, *args, **kwargs)
    backend.PostgresSearchConnection.add = recording_add
    try:
        for start in range(0, len(package_ids), 500):
            search.rebuild(package_ids=package_ids[start:start + 500], defer_commit=True, quiet=True)
            search.commit()
    finally:
        backend.PostgresSearchConnection.add = original
    return written


def _date_texts(value: datetime.datetime) -> list:
    return [value.isoformat(), value.strftime("%Y-%m-%dT%H:%M:%SZ")]


def index_copies(written: dict, templates: int, n: int) -> None:
    """Index datasets templates..n-1 by copying the index document CKAN built for their
    template (same choices, see build_datasets) with the copy's own id, name, resource ids
    and dates put in, written by jena_search's own write path. CKAN's path indexes about a
    dozen datasets a second with the portal's plugins: 100,000 would take hours."""
    import hashlib
    import ckan.model as model
    from ckan.plugins import toolkit
    from ckanext.jena.search import backend
    session = model.Session
    packages = session.execute(model.sa.text(
        "SELECT id, name, metadata_modified, metadata_created FROM package WHERE name LIKE 'bench-%' "
        "ORDER BY name")).fetchall()
    resources: dict = {}
    for package_id, resource_id in session.execute(model.sa.text(
            "SELECT package_id, id FROM resource ORDER BY package_id, position")):
        resources.setdefault(package_id, []).append(resource_id)
    site_id = toolkit.config.get("ckan.site_id")
    connection = backend.PostgresSearchConnection()
    # the secondary indexes are dropped while the rows are written and made again after
    # (the same definitions, read from PostgreSQL): bulk loading as pg_restore does it
    indexes = [row[0] for row in session.execute(model.sa.text(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'jena_search_document' "
        "AND indexname <> 'jena_search_document_pkey'"))]
    session.execute(model.sa.text(
        "DROP INDEX " + ", ".join(row[0] for row in session.execute(model.sa.text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'jena_search_document' "
            "AND indexname <> 'jena_search_document_pkey'")))))
    session.commit()
    batch = []
    for i in range(templates, n):
        template, copy = packages[i % templates], packages[i]
        text = json.dumps(written[template.id])
        pairs = [(template.id, copy.id), (template.name, copy.name)]
        pairs += list(zip(resources.get(template.id, []), resources.get(copy.id, [])))
        for old, new in ((template.metadata_modified, copy.metadata_modified),
                         (template.metadata_created, copy.metadata_created)):
            pairs += list(zip(_date_texts(old), _date_texts(new)))
        for old, new in pairs:
            text = text.replace(old, new)
        doc = json.loads(text)
        doc["index_id"] = hashlib.md5(f"{copy.id}{site_id}".encode()).hexdigest()
        batch.append(doc)
        if len(batch) == 500 or i == n - 1:
            connection.add(batch)
            session.commit()
            batch = []
            print(f"\r  index rows copied: {i + 1 - templates}/{n - templates}", end="",
                  file=sys.stderr, flush=True)
    print(file=sys.stderr)
    for definition in indexes:
        session.execute(model.sa.text(definition))
    session.commit()


def verify_copies(templates: int, n: int, sample: int = 20) -> str:
    """Index a sample of copied datasets again through CKAN's real path and compare the rows."""
    import ckan.model as model
    session = model.Session
    ids = [row[0] for row in session.execute(model.sa.text(
        "SELECT id FROM package WHERE name LIKE 'bench-%' ORDER BY name OFFSET :t"), {"t": templates})]
    chosen = random.Random(7).sample(ids, min(sample, len(ids)))
    read = (f"SELECT id, {', '.join(COMPARED)} FROM jena_search_document WHERE id = ANY(:ids) ORDER BY id")
    before = session.execute(model.sa.text(read.replace("%%", "%")), {"ids": chosen}).fetchall()
    session.commit()
    index_through_ckan(chosen)
    after = session.execute(model.sa.text(read.replace("%%", "%")), {"ids": chosen}).fetchall()
    session.commit()
    differing = [row[0] for row, again in zip(before, after) if tuple(row) != tuple(again)]
    if len(before) != len(chosen) or differing:
        raise SystemExit(f"copied index rows differ from CKAN's for {differing or 'missing rows'}")
    return (f"{len(chosen)} copied index rows, indexed again through CKAN's path, are identical in "
            f"every searched column")


QUERIES = [
    ("German free text", {"q": "Bäume Jena"}),
    ("free text + 2 facet filters", {"q": "Feinstaub", "fq": 'organization:"smart-city-jena" res_format:"CSV"'}),
    ("word part of a compound", {"q": "kataster"}),
    ("bbox (ext_bbox)", {"q": "", "ext_bbox": "11.58,50.90,11.60,50.92"}),
    ("sort by modified", {"q": "Haushalt", "sort": "metadata_modified desc"}),
    ("empty query, all facets", {"q": ""}),
    # the same right after a change of the index: its counts are counted anew, not read
    ("empty query, after a write", {"q": "", "_touch": True}),
    # the first search of these words: a filter that excludes nothing and is new each run, so
    # that no counts are kept for it (free-text counts are kept after the first search)
    ("German free text, first search", {"q": "Bäume Jena", "_fresh": True}),
    ("free text + 2 facet filters, first search", {"q": "Feinstaub", "_fresh": True,
                                                   "fq": 'organization:"smart-city-jena" res_format:"CSV"'}),
    ("word part of a compound, first search", {"q": "kataster", "_fresh": True}),
    ("sort by modified, first search", {"q": "Haushalt", "sort": "metadata_modified desc", "_fresh": True}),
]



def percentile(values, pct):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(pct / 100.0 * (len(values) - 1)))))
    return values[k]


def replay(call, repeat: int, before=None) -> list:
    """The raw SQL floor: the statements jena_search ran for ``call``, replayed directly
    (``before`` runs untimed before the call and before each replay)."""
    import ckan.model as model
    from ckanext.jena.search import db
    if before:
        before()
    db.statement_recorder = []
    call()
    statements, db.statement_recorder = db.statement_recorder, None
    model.Session.remove()
    raw = model.Session.get_bind().raw_connection()
    times = []
    try:
        cursor = raw.cursor()
        for _ in range(repeat):
            if before:
                before()
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


def touch_index() -> None:
    """A committed change of the index (one row written again as it was)."""
    import ckan.model as model
    with model.Session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("UPDATE jena_search_document SET indexed_at = now() "
                             "WHERE index_id = (SELECT min(index_id) FROM jena_search_document)")


def run_queries(repeat: int):
    import ckan.model as model
    from ckan.plugins import toolkit
    from ckanext.jena.search import db
    # the portal's facets (jena_schema's IFacets: action fields, Ortsteile, EU themes, ...)
    from ckanext.jena.schema.plugin import FACETS

    rows = []
    for label, params in QUERIES:
        data = dict(params)
        touch = data.pop("_touch", False)
        fresh = data.pop("_fresh", False)
        data.update({"facet.field": json.dumps(FACETS), "rows": 20})
        context = {"user": "", "ignore_auth": False}
        toolkit.get_action("package_search")(dict(context), dict(data))  # warm-up
        api_times = []
        for _ in range(repeat):
            if touch:
                touch_index()
            if fresh:
                data["fq"] = (params.get("fq", "") + f' -name:"bench-fresh-{uuid.uuid4().hex}"').strip()
            t0 = time.perf_counter()
            result = toolkit.get_action("package_search")(dict(context), dict(data))
            api_times.append((time.perf_counter() - t0) * 1000)
            model.Session.remove()
        if fresh:  # the statements of a first search are recorded and replayed
            data["fq"] = (params.get("fq", "") + f' -name:"bench-fresh-{uuid.uuid4().hex}"').strip()
        sql_times = replay(lambda: toolkit.get_action("package_search")(dict(context), dict(data)),
                           repeat, before=touch_index if touch else None)
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
    parser.add_argument("--templates", type=int, default=2000,
                        help="datasets indexed through CKAN's path; the others' index rows are "
                             "copied from theirs (default 2000; --templates N indexes all N)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the datasets of an earlier run with the same --n (re-index only)")
    parser.add_argument("--keep-index", action="store_true",
                        help="with --reuse: keep the index too when it holds all --n datasets "
                             "(migrations are applied; only the queries run)")
    args = parser.parse_args()
    templates = min(args.n, args.templates)

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
        build_datasets(args.n, templates)
        print(f"  built in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    else:
        migration.upgrade_all_if_missing(model.meta.engine)  # the project's tables (migrations)
        for plugin in migration.TABLES:  # and any newer revision (a kept index of an older schema)
            migration.upgrade(plugin, url=model.meta.engine.url.render_as_string(hide_password=False))
        indexed = model.Session.execute(model.sa.text("SELECT count(*) FROM jena_search_document")).scalar()
        model.Session.commit()
        if args.keep_index and indexed == args.n:
            print(f"keeping the index of {indexed} datasets", file=sys.stderr)
        else:
            args.keep_index = False
            search.clear_all()

    copies_note = ""
    if args.keep_index and existing == args.n:
        rebuild_s, templates = 0.0, 0
    elif templates == args.n:
        print("indexing through ckan.lib.search.rebuild ...", file=sys.stderr)
        t0 = time.perf_counter()
        search.rebuild(defer_commit=True, quiet=True)
        rebuild_s = time.perf_counter() - t0
    else:
        print(f"indexing {templates} datasets through CKAN's indexing path ...", file=sys.stderr)
        template_ids = [row[0] for row in model.Session.execute(model.sa.text(
            "SELECT id FROM package WHERE name LIKE 'bench-%' ORDER BY name LIMIT :t"), {"t": templates})]
        t0 = time.perf_counter()
        written = index_through_ckan(template_ids)
        rebuild_s = time.perf_counter() - t0
        print(f"copying their index rows to the other {args.n - templates} ...", file=sys.stderr)
        t0 = time.perf_counter()
        index_copies(written, templates, args.n)
        copy_s = time.perf_counter() - t0
        check = verify_copies(templates, args.n)
        copies_note = (f"- index rows of datasets {templates + 1}–{args.n} copied from the first {templates} "
                       f"(jena_search's write path, {copy_s:.0f} s); {check}")
    rate = templates / rebuild_s if rebuild_s else 0.0
    model.Session.remove()
    # the statistics `ckan jena search rebuild` leaves (its ANALYZE of the same three tables);
    # VACUUM needs autocommit; SQLAlchemy resets the connection before pooling it again
    with model.Session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE jena_search_document, jena_search_term, jena_search_word")

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

    if not templates:  # --keep-index: nothing was indexed, the queries were the run
        return 0
    print("Rebuild through CKAN's indexing path (package_show + index document + write):")
    print(f"- `ckan search-index rebuild` path (one process): {templates} datasets in {rebuild_s:.1f} s "
          f"= **{rate:.0f} datasets/s**")
    if copies_note:
        print(copies_note, flush=True)
        return 0
    # the same rebuild with one process per core (`ckan jena search rebuild`)
    model.Session.remove()  # no open transaction may hold the index table now
    workers = os.cpu_count() or 1
    print(f"indexing again with `ckan jena search rebuild --workers {workers}` ...", file=sys.stderr)
    t0 = time.perf_counter()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", args.ini, "jena",
                    "search", "rebuild", "--workers", str(workers), "--clear"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parallel_s = time.perf_counter() - t0
    print(f"- `ckan jena search rebuild --workers {workers}`: {args.n} datasets in {parallel_s:.1f} s "
          f"= **{args.n / parallel_s:.0f} datasets/s** (including process start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
