"""Harvest benchmark (`make bench-harvest`, options: HARVEST_N=1000 HARVEST_ROUNDS=3
HARVEST_CONSUMERS='1 2 4' HARVEST_MEMORY_N=20000).

Generates a seeded DCAT-AP.de 3.0 catalog of N Jena datasets in Turtle, paged with Hydra
(`hydra:PartialCollectionView`, 100 datasets a page), writes it to .local/bench-harvest/ and
serves it from a threaded HTTP server on 127.0.0.1 (a free port) inside this process. CKAN runs
with the portal's own plugin set (config/ckan.ini.template, as the other benchmarks load it)
plus ckanext-dcat's `dcat_rdf_harvester`. Then, side by side in one run, two harvesters harvest
it into the database `ckan_bench_harvest`, each job in its own process:

1. ckanext-dcat's stock `dcat_rdf` harvester (with the portal's `dcat_ap_de` profile), run
   synchronously the way ckanext-harvest's tests run a job (it takes its guid from the `uri`
   and `identifier` extras that `dcat_ap_de` returns, as ckanext-dcat's own profiles do);
2. `jena_dcat` (ckanext.jena.harvest.runner.run_source, what `ckan jena harvest run` does).

Each round: the first import into an empty portal, then the unchanged catalog again. The
database is reset before each harvester (the first time with `scripts/setup.sh init`, then
as a copy of that), so both start from the same empty portal: one organisation, one harvest
source. The two harvesters take turns for R rounds (stock, jena, stock, jena, ...), so that a
busy spell of a shared machine falls on both; the table gives each round's time and the
medians, the ratios are those of the medians, and the load average is printed.

--consumers '1 2 4': the first import again through the Redis queues, as the web UI's
"Reharvest" runs it: one gather consumer and 1, 2, 4 fetch consumers (`ckan harvester
gather-consumer` / `fetch-consumer`), the same consumers for both harvesters; with each
consumer's peak memory. --memory-n M: `jena_dcat`'s first import (or with --memory-gather-only
its gather stage) of catalogs of --memory-base (2,000) and M records, with the peak memory.

Reports wall time of the job (gather, fetch, import, finish), datasets per second, SQL
statements (--sql: by kind) and peak resident memory (ru_maxrss of the job's process, which
includes CKAN itself). Before the first harvest one page of the catalog is parsed with the
`dcat_ap_de` profile and created with package_create, so a generator that writes datasets our
schema refuses fails loudly. Prints Markdown tables. Nothing here is a test: numbers depend on
the machine.
"""
from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import http.server
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from bench_search import DISTRICTS, WORDS, load_ckan, machine, portal_ini  # noqa: E402

DB = "ckan_bench_harvest"
OUT = os.path.join(ROOT, ".local", "bench-harvest")
PER_PAGE = 100
# the harvest queues and page memo on a Redis database of their own (tests use 1-12, bench-load
# 13 and 14, the other benchmarks 15)
HARVEST_REDIS_DB = int(os.environ.get("BENCH_HARVEST_REDIS_DB") or 6)
REDIS_URL = f"redis://127.0.0.1:63799/{HARVEST_REDIS_DB}"
# jena_harvest: the plugin; jena_harvest_dcat: the plugin that registers the `jena_dcat` type
JENA_PLUGINS = ("jena_harvest", "jena_harvest_dcat")
HARVESTERS = {"stock": ("dcat_rdf", "stock `dcat_rdf` (ckanext-dcat)"),
              "jena": ("jena_dcat", "`jena_dcat`")}
RUNS = (("first", "first import"), ("again", "unchanged re-harvest"))
RESULT = "BENCH-RESULT "

EU = "http://publications.europa.eu/resource/authority/"
LICENSES = ["dl-by-de/2.0", "dl-by-de/2.0", "dl-by-de/2.0", "dl-zero-de/2.0", "cc-by/4.0"]
FORMATS = [("CSV", "text/csv", "csv"), ("JSON", "application/json", "json"),
           ("GEOJSON", "application/geo+json", "geojson")]
THEMES = {"ENVI": ["Baum", "Bäume", "Grünfläche", "Luftqualität", "Feinstaub", "Lärm", "Bodenfeuchte",
                   "Abfall", "Wasser", "Abwasser", "Wetter", "Temperatur", "Niederschlag"],
          "TRAN": ["Parkhaus", "Ladestation", "Radverkehr", "Straße", "Baustelle", "Ampel", "Verkehr",
                   "Nahverkehr", "Haltestellen", "Fahrrad", "Zählstelle"],
          "SOCI": ["Einwohner", "Bevölkerung", "Geburten", "Sterbefälle", "Wohnungen", "Mieten"],
          "EDUC": ["Schule", "Kindergarten", "Spielplatz", "Bibliothek", "Kultur", "Denkmal", "Sport",
                   "Sporthalle", "Schwimmbad", "Tourismus", "Übernachtungen"],
          "GOVE": ["Haushalt", "Wahl", "Stadtrat", "Friedhof", "Mülleimer"],
          "ENER": ["Energie", "Verbrauch", "Gebäude", "Sensor"],
          "ECON": ["Arbeitslose"]}
FREQUENCIES = ["ANNUAL", "ANNUAL", "MONTHLY", "DAILY", "QUARTERLY", "IRREG"]
PUBLISHERS = [("fachdienst-umweltschutz", "Fachdienst Umweltschutz", "LocalAuthority", "umwelt"),
              ("fachdienst-statistik", "Fachdienst Statistik und Wahlen", "LocalAuthority", "statistik"),
              ("fachdienst-mobilitaet", "Fachdienst Mobilität", "LocalAuthority", "mobilitaet"),
              ("stadtwerke-jena", "Stadtwerke Jena", "Company", "daten.stadtwerke"),
              ("kommunalservice-jena", "Kommunalservice Jena", "LocalAuthority", "ksj"),
              ("smart-city-jena", "Smart City Jena", "LocalAuthority", "smartcity")]
PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcatde: <http://dcat-ap.de/def/dcatde/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


# -- the catalog ---------------------------------------------------------------------------------
def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dataset(i: int, rng: random.Random) -> str:
    """One dataset and its distributions in Turtle (what a DCAT-AP.de 3.0 portal of a city
    publishes: keywords, EU themes, publisher, contact, licence per distribution, spatial)."""
    theme = rng.choice(list(THEMES))
    words = rng.sample(THEMES[theme], min(2, len(THEMES[theme]))) + rng.sample(WORDS, 2)
    district = rng.choice(DISTRICTS) if rng.random() < 0.5 else None
    year = 2010 + i % 16
    title = f"{words[0]} {words[1] if len(words) > 1 else ''} {district or 'Jena'} {year}".replace("  ", " ")
    uri = f"https://opendata.jena.de/dataset/{i:06d}"
    identifier = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    frequency = rng.choice(FREQUENCIES)
    slug, org_title, _kind, mailbox = rng.choice(PUBLISHERS)
    issued = datetime.datetime(2015, 1, 1) + datetime.timedelta(days=rng.randint(0, 3000), seconds=rng.randint(0, 86399))
    modified = issued + datetime.timedelta(days=rng.randint(0, 600))
    keywords = list(dict.fromkeys(rng.sample(THEMES[theme], 1) + rng.sample(WORDS, rng.randint(1, 3))))
    first_year = rng.randint(2000, 2020)
    notes = (f"{words[0]} und {words[-1]} {'im Ortsteil ' + district if district else 'in der Stadt Jena'}, "
             f"Herausgeber: {org_title}. Die Daten werden {'jährlich' if frequency == 'ANNUAL' else 'regelmäßig'} "
             f"aktualisiert und stehen als offene Daten zur Verfügung.\n\nStand: {modified:%d.%m.%Y}.")
    lines = [
        f"<{uri}> a dcat:Dataset ;",
        f"  dct:identifier {_lit(identifier)} ;",
        f"  dct:title {_lit(title)}@de ;",
        f"  dct:description {_lit(notes)}@de ;",
        "  dcat:keyword " + ", ".join(_lit(k) + "@de" for k in keywords) + " ;",
        f"  dcat:theme <{EU}data-theme/{theme}> ;",
        f"  dct:publisher <https://opendata.jena.de/organization/{slug}> ;",
        f"  dcat:contactPoint [ a vcard:Organization ; vcard:fn {_lit(org_title)} ; "
        f"vcard:hasEmail <mailto:{mailbox}@jena.de> ] ;",
        f'  dct:issued "{issued:%Y-%m-%dT%H:%M:%S}"^^xsd:dateTime ;',
        f'  dct:modified "{modified:%Y-%m-%dT%H:%M:%S}"^^xsd:dateTime ;',
        f"  dct:accrualPeriodicity <{EU}frequency/{frequency}> ;",
        f"  dct:accessRights <{EU}access-right/PUBLIC> ;",
        f"  dct:language <{EU}language/DEU> ;",
        f'  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "{first_year}-01-01"^^xsd:date ; '
        f'dcat:endDate "{max(first_year, year)}-12-31"^^xsd:date ] ;',
        f"  dcat:landingPage <https://www.jena.de/opendata/{i:06d}> ;",
        "  dct:spatial <http://dcat-ap.de/def/politicalGeocoding/municipalityKey/16053000> ;",
        "  dcatde:politicalGeocodingLevelURI <http://dcat-ap.de/def/politicalGeocoding/Level/municipality> ;",
    ]
    if district:
        lines.append(f"  dct:spatial [ a dct:Location ; skos:prefLabel {_lit(district)}@de ] ;")
    license_id = rng.choice(LICENSES)
    distributions = []
    for position in range(rng.randint(1, 3)):
        fmt, media, ext = FORMATS[(position + i) % len(FORMATS)] if position else rng.choice(FORMATS)
        dist = f"{uri}/distribution/{position + 1}"
        url = f"https://opendata.jena.de/files/{i:06d}/{words[0].lower()}-{year}-{position + 1}.{ext}"
        distributions.append("\n".join([
            f"<{dist}> a dcat:Distribution ;",
            f"  dct:title {_lit(f'{words[0]} {year} ({fmt})')}@de ;",
            f"  dcat:accessURL <{url}> ;",
            f"  dcat:downloadURL <{url}> ;",
            f"  dct:format <{EU}file-type/{fmt}> ;",
            f"  dcat:mediaType <https://www.iana.org/assignments/media-types/{media}> ;",
            f"  dct:license <http://dcat-ap.de/def/licenses/{license_id}> ;",
            f"  dcatde:licenseAttributionByText {_lit('Stadt Jena, ' + org_title)} ;",
            f'  dcat:byteSize "{rng.randint(2_000, 20_000_000)}"^^xsd:nonNegativeInteger ;',
            f'  dct:modified "{modified:%Y-%m-%dT%H:%M:%S}"^^xsd:dateTime .']))
    lines.append("  dcat:distribution " + ", ".join(f"<{uri}/distribution/{p + 1}>" for p in range(len(distributions))) + " .")
    return "\n".join(lines) + "\n\n" + "\n\n".join(distributions) + "\n"


def write_catalog(n: int, base_url: str, seed: int = 20261123, per_page: int = PER_PAGE,
                  name: str = "catalog") -> tuple:
    """Pages <OUT>/catalog/page-<k>.ttl; returns (URL of the first page, pages, bytes)."""
    target = os.path.join(OUT, name)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    rng = random.Random(seed)
    pages = max(1, -(-n // per_page))
    url = lambda k: f"{base_url}/{name}/page-{k}.ttl"  # noqa: E731
    publishers = "\n".join(
        f"<https://opendata.jena.de/organization/{slug}> a foaf:Agent, foaf:Organization ; foaf:name {_lit(title)} ; "
        f"dct:type <http://purl.org/adms/publishertype/{kind}> ." for slug, title, kind, _mail in PUBLISHERS)
    size = 0
    for k in range(1, pages + 1):
        ids = range((k - 1) * per_page, min(n, k * per_page))
        view = [f"<{url(k)}> a hydra:PartialCollectionView ;",
                f"  hydra:first <{url(1)}> ;", f"  hydra:last <{url(pages)}> ;"]
        if k < pages:
            view.append(f"  hydra:next <{url(k + 1)}> ;")
        if k > 1:
            view.append(f"  hydra:previous <{url(k - 1)}> ;")
        view.append(f'  hydra:totalItems "{n}"^^xsd:nonNegativeInteger ;')
        view.append(f'  hydra:itemsPerPage "{per_page}"^^xsd:nonNegativeInteger .')
        catalog = ["<https://opendata.jena.de/catalog> a dcat:Catalog ;",
                   '  dct:title "WISSENsAllmende Jena (Benchmark-Katalog)"@de ;',
                   '  dct:description "Offene Daten der Stadt Jena"@de ;',
                   "  dct:publisher <https://opendata.jena.de/organization/stadt-jena> ;",
                   "  dct:language <http://publications.europa.eu/resource/authority/language/DEU> ;",
                   "  dcat:dataset " + ", ".join(f"<https://opendata.jena.de/dataset/{i:06d}>" for i in ids) + " ."]
        text = "\n".join([PREFIXES, "\n".join(catalog), "\n".join(view), publishers,
                          "<https://opendata.jena.de/organization/stadt-jena> a foaf:Agent ; foaf:name \"Stadt Jena\" ; "
                          "dct:type <http://purl.org/adms/publishertype/LocalAuthority> .", ""])
        text += "\n".join(_dataset(i, rng) for i in ids)
        data = text.encode("utf-8")
        size += len(data)
        with open(os.path.join(target, f"page-{k}.ttl"), "wb") as f:
            f.write(data)
    return url(1), pages, size


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map, **{".ttl": "text/turtle"})

    def log_message(self, *args):  # quiet
        pass


def serve(directory: str) -> tuple:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=directory))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True, name="catalog-server").start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


# -- configuration and database ------------------------------------------------------------------
def missing_jena_plugins() -> list:
    from importlib.metadata import entry_points
    return [name for name in JENA_PLUGINS if not entry_points(group="ckan.plugins", name=name)]


def write_ini(with_jena: bool) -> str:
    """The portal's own plugin set (config/ckan.ini.template, as the other benchmarks load it),
    plus ckanext-dcat's stock `dcat_rdf_harvester` to compare with; the catalog's server on
    127.0.0.1 allowed, the harvest queues on a Redis database of their own (HARVEST_REDIS_DB).
    Without ``with_jena`` (``--only stock``) the jena_harvest plugins are left out."""
    import re
    path = portal_ini("harvest", DB)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = re.search(r"(?m)^ckan\.plugins = (.*)$", text)
    plugins = [p for p in found.group(1).split() if with_jena or not p.startswith("jena_harvest")]
    plugins.append("dcat_rdf_harvester")
    text = text[:found.start()] + "ckan.plugins = " + " ".join(plugins) + text[found.end():]
    text = re.sub(r"(?m)^ckanext\.jena\.harvest\.allowed_hosts = .*$", "ckanext.jena.harvest.allowed_hosts = 127.0.0.1",
                  text)
    text = re.sub(r"(?m)^ckan\.redis\.url = .*$", f"ckan.redis.url = {REDIS_URL}", text)
    text = re.sub(r"(?m)^(ckan\.plugins = .*)$", r"\1\nckan.harvest.mq.type = redis", text, count=1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


_TEMPLATE_READY: list = []


def reset_database(ini: str) -> str:
    """An empty portal. The first time in a run: the schema dropped, then what `make` does for a
    new database (minutes on a busy machine), kept as a template database; then a copy of
    that template (seconds). Returns PostgreSQL's version."""
    import sqlalchemy as sa
    url = os.environ["CKAN_SQLALCHEMY_URL"]
    name = url.rsplit("/", 1)[-1]
    # CREATE DATABASE needs the cluster's owner (the project's cluster trusts it on 127.0.0.1)
    admin_url = url.rsplit("@", 1)[0].split("//", 1)[0] + "//postgres@" + url.rsplit("@", 1)[-1].rsplit("/", 1)[0] + "/postgres"
    template = f"{name}_template"
    if not _TEMPLATE_READY and os.environ.get("BENCH_HARVEST_REUSE_TEMPLATE"):
        # a template left by an earlier run of the same code (saves minutes on a busy machine)
        _TEMPLATE_READY.append(template)
    if _TEMPLATE_READY:
        admin = sa.create_engine(admin_url)
        try:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER ckan')
                return conn.exec_driver_sql("SHOW server_version").scalar()
        finally:
            admin.dispose()
    engine = sa.create_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            version = conn.exec_driver_sql("SHOW server_version").scalar()
    except sa.exc.OperationalError as e:
        raise SystemExit(f"cannot reach {url.rsplit('@', 1)[-1]}: {e.orig}\n"
                         f"run `make init-test && scripts/setup.sh database {DB}` first")
    finally:
        engine.dispose()
    done = subprocess.run([os.path.join(ROOT, "scripts", "setup.sh"), "init", ini], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("scripts/setup.sh init failed:\n" + (done.stdout + done.stderr)[-3000:])
    admin = sa.create_engine(admin_url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{template}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{template}" TEMPLATE "{name}" OWNER ckan')
    finally:
        admin.dispose()
    _TEMPLATE_READY.append(template)
    return version


# -- inside the measured processes ---------------------------------------------------------------
def _site_context() -> dict:
    from ckan.plugins import toolkit
    user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": user["name"], "ignore_auth": True}


def check_catalog(first_page: str, owner_org: str) -> int:
    """Page 1 through the `dcat_ap_de` parser and package_create: the generator must write
    what our schema accepts (fixes belong in the generator, not the schema)."""
    import requests
    from ckan.plugins import toolkit
    from ckanext.dcat.processors import RDFParser
    parser = RDFParser(profiles=["dcat_ap_de"])
    parser.parse(requests.get(first_page, timeout=30).text, _format="turtle")
    datasets = list(parser.datasets())
    if not datasets:
        raise SystemExit("check: the dcat_ap_de profile found no dataset on page 1")
    failures, created = [], []
    for k, dataset in enumerate(datasets):
        dataset = dict(dataset, owner_org=owner_org, name=f"check-{k:04d}")
        try:
            created.append(toolkit.get_action("package_create")(_site_context(), dataset)["id"])
        except toolkit.ValidationError as e:
            failures.append(f"{dataset.get('identifier') or dataset.get('title')}: {e.error_summary}")
    for package_id in created:
        toolkit.get_action("dataset_purge")(_site_context(), {"id": package_id})
    if failures:
        raise SystemExit(f"check: {len(failures)} of {len(datasets)} datasets of page 1 refused by package_create:\n"
                         + "\n".join(failures[:10]))
    return len(datasets)


def child_setup(harvester: str, url: str, check: bool) -> dict:
    from ckan.plugins import toolkit
    org = toolkit.get_action("organization_create")(_site_context(), {
        "name": "stadt-jena", "title": "Stadt Jena", "org_type": "fachdienst", "email": "opendata@jena.de"})
    checked = check_catalog(url, org["id"]) if check else 0
    source = toolkit.get_action("harvest_source_create")(_site_context(), {
        "name": f"bench-{harvester.replace('_', '-')}", "title": f"Benchmark-Katalog ({harvester})",
        "url": url, "source_type": harvester, "owner_org": org["id"], "frequency": "MANUAL"})
    return {"source_id": source["id"], "checked": checked}


def run_stock(source_id: str) -> dict:
    """One job of a ckanext-harvest harvester without queues, as ckanext/harvest/tests/lib.py
    run_harvest_job does it: gather, then fetch and import per object, then harvest_jobs_run."""
    import ckan.plugins as p
    from ckan.plugins import toolkit
    from ckanext.harvest import queue
    from ckanext.harvest.interfaces import IHarvester
    from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestSource
    source = HarvestSource.get(source_id)
    harvester = next(h for h in p.PluginImplementations(IHarvester) if h.info()["name"] == source.type)
    job_dict = toolkit.get_action("harvest_job_create")(_site_context(), {"source_id": source_id, "run": False})
    job = HarvestJob.get(job_dict["id"])
    job.status = "Running"
    job.save()
    object_ids = queue.gather_stage(harvester, job)
    for object_id in object_ids if isinstance(object_ids, list) else []:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
    toolkit.get_action("harvest_jobs_run")({"ignore_auth": True}, {"source_id": source_id})
    return {"job_id": job.id}


def job_report(job_id: str) -> dict:
    import ckan.model as model
    from ckanext.harvest.model import HarvestGatherError, HarvestJob, HarvestObject, HarvestObjectError
    session = model.Session
    statuses = dict(session.query(HarvestObject.report_status, model.sa.func.count(HarvestObject.id))
                    .filter(HarvestObject.harvest_job_id == job_id).group_by(HarvestObject.report_status).all())
    object_errors = [e.message for e in session.query(HarvestObjectError).join(HarvestObject)
                     .filter(HarvestObject.harvest_job_id == job_id).limit(5)]
    n_object_errors = (session.query(HarvestObjectError).join(HarvestObject)
                       .filter(HarvestObject.harvest_job_id == job_id).count())
    gather_errors = [e.message for e in session.query(HarvestGatherError).filter(HarvestGatherError.harvest_job_id == job_id)]
    job = HarvestJob.get(job_id)
    return {"statuses": {str(k): v for k, v in statuses.items()}, "object_errors": object_errors,
            "n_object_errors": n_object_errors, "gather_errors": gather_errors[:5],
            "n_gather_errors": len(gather_errors), "job_status": job.status if job else None}


def child_run(harvester: str, source_id: str) -> dict:
    import ckan.model as model
    if harvester == "jena_dcat":
        try:
            from ckanext.jena.harvest.runner import run_source
        except ImportError as e:
            raise SystemExit(f"jena_dcat: ckanext.jena.harvest.runner.run_source is not available ({e})")
    gather_peak = {}

    def progress(stage: str, _done: int, _total) -> None:
        # the process's peak so far when the import begins: what the gather needed
        if stage == "import" and "mb" not in gather_peak:
            gather_peak["mb"] = peak_rss_mb()
    job = ((lambda: dict(run_source(source_id, progress=progress))) if harvester == "jena_dcat"
           else (lambda: run_stock(source_id)))
    profile_to = os.environ.get("BENCH_HARVEST_PROFILE")
    statements = [0]
    sql_log = os.environ.get("BENCH_HARVEST_SQL")
    kinds: dict = {}

    def count(_conn, _cursor, statement, *_args, **_kwargs):
        statements[0] += 1
        if sql_log:  # statements grouped by their first words (--sql): where the queries come from
            key = " ".join(statement.split())[:110]
            kinds[key] = kinds.get(key, 0) + 1
    import sqlalchemy as sa
    sa.event.listen(model.meta.engine, "before_cursor_execute", count)
    t0 = time.perf_counter()
    if profile_to:
        import cProfile
        profiler = cProfile.Profile()
        result = profiler.runcall(job)
        profiler.dump_stats(profile_to)
    else:
        result = job()
    elapsed = time.perf_counter() - t0
    sa.event.remove(model.meta.engine, "before_cursor_execute", count)
    result["sql_statements"] = statements[0]
    result["gather_peak_mb"] = gather_peak.get("mb")
    if sql_log:
        with open(sql_log, "w", encoding="utf-8") as f:
            for key, number in sorted(kinds.items(), key=lambda item: -item[1]):
                f.write(f"{number:7d}  {key}\n")
    if harvester == "jena_dcat":
        result["errors"] = result.get("errors", 0) + result.get("gather_errors", 0)
    model.Session.remove()
    report = job_report(result["job_id"]) if result.get("job_id") else {}
    statuses = report.get("statuses", {})
    if harvester != "jena_dcat":
        result.update(created=statuses.get("added", 0), updated=statuses.get("updated", 0),
                      unchanged=statuses.get("not modified", 0), withdrawn=statuses.get("deleted", 0),
                      errors=statuses.get("errored", 0) + report.get("n_gather_errors", 0))
    datasets = (model.Session.query(model.Package).filter(model.Package.type == "dataset")
                .filter(model.Package.state == "active").count())
    return dict(result, seconds=elapsed, report=report, datasets_in_portal=datasets)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child_queue_run(source_id: str, timeout: float) -> dict:
    """One job through the Redis queues, as the web UI's "Reharvest" starts it: the gather and
    fetch consumers (already running) do the work; this process finishes the job as the
    scheduler does (harvest_jobs_run) and reports the time from its creation to finished."""
    import ckan.model as model
    from ckan.plugins import toolkit
    t0 = time.perf_counter()
    job = toolkit.get_action("harvest_job_create")(_site_context(), {"source_id": source_id, "run": True})
    deadline = time.monotonic() + timeout
    while True:
        model.Session.remove()
        toolkit.get_action("harvest_jobs_run")(_site_context(), {"source_id": source_id})
        shown = toolkit.get_action("harvest_job_show")(_site_context(), {"id": job["id"]})
        if shown["status"] == "Finished":
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"the job did not finish within {timeout:.0f} s: {shown['stats']}")
        time.sleep(0.5)
    elapsed = time.perf_counter() - t0
    model.Session.remove()
    report = job_report(job["id"])
    statuses = report.get("statuses", {})
    datasets = (model.Session.query(model.Package).filter(model.Package.type == "dataset")
                .filter(model.Package.state == "active").count())
    return {"job_id": job["id"], "seconds": elapsed, "report": report, "datasets_in_portal": datasets,
            "created": statuses.get("added", 0), "updated": statuses.get("updated", 0),
            "unchanged": statuses.get("not modified", 0),
            "errors": statuses.get("errored", 0) + report.get("n_gather_errors", 0)}


def child_gather(source_id: str) -> dict:
    """jena_dcat's gather stage alone (the stage that reads the whole catalog), for its peak
    memory at a size whose import would take hours on this machine."""
    import ckan.model as model
    from ckan.plugins import toolkit
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestJob
    harvester = queue.get_harvester("jena_dcat")
    job_dict = toolkit.get_action("harvest_job_create")(_site_context(), {"source_id": source_id, "run": False})
    job = HarvestJob.get(job_dict["id"])
    t0 = time.perf_counter()
    object_ids = queue.gather_stage(harvester, job)
    elapsed = time.perf_counter() - t0
    model.Session.remove()
    return {"job_id": job_dict["id"], "seconds": elapsed, "created": len(object_ids or []), "errors": 0,
            "gather_peak_mb": peak_rss_mb()}


def child(args: list, ini: str) -> None:
    load_ckan(ini)
    if args[0] == "setup":
        out = child_setup(args[1], args[2], args[3] == "check")
    elif args[0] == "gather":
        out = child_gather(args[1])
    elif args[0] == "queue-run":
        out = child_queue_run(args[1], float(args[2]))
    else:
        out = child_run(args[1], args[2])
    print(RESULT + json.dumps(out, default=str), flush=True)


def measure(args: list, log_path: str) -> tuple:
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child", *args],
                                   stdout=subprocess.PIPE, stderr=log, env=dict(os.environ))
        output = process.stdout.read().decode("utf-8", errors="replace")
        _pid, status, usage = os.wait4(process.pid, 0)
    found = [line for line in output.splitlines() if line.startswith(RESULT)]
    if status != 0 or not found:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            tail = log.read()[-3000:]
        raise SystemExit(f"benchmark child failed: {' '.join(args)}\n{output[-2000:]}\n{tail}\n(log: {log_path})")
    return json.loads(found[-1][len(RESULT):]), usage.ru_maxrss / 1024


def start_consumers(ini: str, fetch_consumers: int, log_path: str) -> list:
    """ckanext-harvest's gather consumer and ``fetch_consumers`` fetch consumers (what `make run`
    starts), each `ckan harvester ...-consumer`; returns once all of them wait on their queue."""
    import redis
    ckan = os.path.join(os.path.dirname(sys.executable), "ckan")
    log = open(log_path, "ab")
    processes = [subprocess.Popen([ckan, "-c", ini, "harvester", kind], stdout=log, stderr=subprocess.STDOUT,
                                  env=dict(os.environ))
                 for kind in ["gather-consumer"] + ["fetch-consumer"] * fetch_consumers]
    log.close()
    client = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + 600
    while True:  # a consumer that waits on its queue is a blocking pop on our Redis database
        waiting = [c for c in client.client_list() if c.get("db") == str(HARVEST_REDIS_DB)
                   and c.get("cmd") in ("blpop", "brpop")]
        if len(waiting) >= len(processes):
            return processes
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            stop_consumers(processes)
            with open(log_path, encoding="utf-8", errors="replace") as f:
                raise SystemExit("the harvest consumers did not start:\n" + f.read()[-3000:])
        time.sleep(0.5)


def stop_consumers(processes: list) -> list:
    """Stops the consumers; returns each one's peak resident memory in MB (ru_maxrss)."""
    peaks = []
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            _pid, _status, usage = os.wait4(process.pid, 0)
            peaks.append(usage.ru_maxrss / 1024)
        except ChildProcessError:
            peaks.append(0.0)
    return peaks


def flush_queues() -> None:
    import redis
    redis.Redis.from_url(REDIS_URL).flushdb()


def drain_then_count_errors(job_id: str, limit_s: float = 180) -> int:
    """With the consumers still running: wait until the fetch queue is empty and no consumer
    holds a record, then count the job's records in ERROR. A record sent to the queue twice
    reaches a consumer after its job has finished, and ckanext-harvest marks it an error then:
    counting at the job's end alone would miss it."""
    import psycopg2
    import redis
    client = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        keys = list(client.scan_iter(match="ckan.harvest.*.fetch:harvest_object_id*"))
        if not any(client.type(k) == b"list" and client.llen(k) for k in keys) and \
                not any(k.count(b":") >= 2 for k in keys):
            break
        time.sleep(0.5)
    time.sleep(2)
    with psycopg2.connect(os.environ["CKAN_SQLALCHEMY_URL"]) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM harvest_object WHERE harvest_job_id = %s AND state = 'ERROR'", (job_id,))
        return cursor.fetchone()[0]


# -- main ------------------------------------------------------------------------------------------
def median(values: list) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="datasets in the catalog (default 1000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds, each harvester once per round, interleaved (default 3)")
    parser.add_argument("--only", choices=sorted(HARVESTERS), help="one harvester only")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--profile", action="store_true",
                        help="run each job under cProfile (slower; .prof files in .local/bench-harvest/)")
    parser.add_argument("--consumers", type=lambda text: [int(x) for x in text.replace(",", " ").split()],
                        default=[], help="also harvest through the Redis queues with these numbers of fetch "
                                         "consumers, e.g. \"1 2 4\" (make bench-harvest HARVEST_CONSUMERS='1 2 4')")
    parser.add_argument("--memory-n", type=int, default=0,
                        help="also measure jena_dcat's peak memory for a first import of this many records "
                             "against --memory-base (make bench-harvest HARVEST_MEMORY_N=20000)")
    parser.add_argument("--memory-base", type=int, default=2000)
    parser.add_argument("--memory-consumers", type=int, default=0,
                        help="run the memory imports through the Redis queues with this many fetch consumers "
                             "(as `make run` harvests) and report each process's peak; 0: one synchronous process")
    parser.add_argument("--memory-gather-only", action="store_true",
                        help="measure the gather stage alone (the stage that reads the whole catalog)")
    parser.add_argument("--sql", action="store_true",
                        help="count each job's SQL statements by kind (.sql.txt files in .local/bench-harvest/)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("CKAN_SQLALCHEMY_URL", f"postgresql://ckan:ckan@127.0.0.1:54329/{DB}")
    os.environ["CKAN_REDIS_URL"] = REDIS_URL
    variants = [args.only] if args.only else ["stock", "jena"]
    with_jena = "jena" in variants
    if args.child:
        child(args.child, write_ini(with_jena))
        return 0
    if with_jena and missing_jena_plugins():
        raise SystemExit(f"plugins {', '.join(missing_jena_plugins())} are not installed (no entry point in "
                         "ckan.plugins: `.venv/bin/pip install --no-deps -e .` once setup.py lists them); "
                         "run with --only stock meanwhile")
    ini = write_ini(with_jena)
    os.makedirs(OUT, exist_ok=True)
    server, base_url = serve(OUT)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    first_page, pages, size = write_catalog(args.n, base_url, args.seed)
    digest = hashlib.sha256()
    for k in range(1, pages + 1):
        with open(os.path.join(OUT, "catalog", f"page-{k}.ttl"), "rb") as f:
            digest.update(f.read().replace(base_url.encode(), b""))
    print(f"catalog: {args.n:,} datasets in {pages} pages, {size / 1e6:.1f} MB, written in "
          f"{time.perf_counter() - t0:.1f} s, served at {first_page} (sha256 without the address "
          f"{digest.hexdigest()[:12]}); load average at start {load_before[0]:.2f} / {load_before[1]:.2f} / "
          f"{load_before[2]:.2f}", file=sys.stderr)
    # rows[(variant, run)]: one (result, peak MB) per round; the harvesters take turns, round by
    # round, so a busy spell of the machine falls on both rather than on one
    rows: dict = {(v, r): [] for v in variants for r, _label in RUNS}
    loads: list = []
    memory_rows: list = []
    queue_rows: dict = {}
    checked = 0
    pg_version = None
    try:
        for round_number in range(1, args.rounds + 1):
            for variant in variants:
                name, _label = HARVESTERS[variant]
                tag = f"[round {round_number}/{args.rounds} {variant}]"
                print(f"{tag} resetting database {os.environ['CKAN_SQLALCHEMY_URL'].rsplit('/', 1)[-1]} ...",
                      file=sys.stderr)
                pg_version = reset_database(ini)
                setup, _rss = measure(["setup", name, first_page, "check" if not checked else "-"],
                                      os.path.join(OUT, f"{variant}-setup.log"))
                if setup["checked"]:
                    checked = setup["checked"]
                    print(f"{tag} check: all {checked} datasets of page 1 parsed with dcat_ap_de and accepted "
                          "by package_create", file=sys.stderr)
                for run, label in RUNS:
                    if args.sql:
                        os.environ["BENCH_HARVEST_SQL"] = os.path.join(OUT, f"{variant}-{run}-{round_number}.sql.txt")
                    if args.profile:
                        os.environ["BENCH_HARVEST_PROFILE"] = os.path.join(OUT, f"{variant}-{run}-{round_number}.prof")
                    loads.append(os.getloadavg()[0])
                    result, rss = measure(["run", name, setup["source_id"]],
                                          os.path.join(OUT, f"{variant}-{run}.log"))
                    rows[(variant, run)].append((result, rss))
                    report = result.get("report", {})
                    print(f"{tag} {label}: {result['seconds']:.1f} s, created {result['created']}, updated "
                          f"{result['updated']}, unchanged {result['unchanged']}, withdrawn "
                          f"{result.get('withdrawn', 0)}, errors {result['errors']}; {result['sql_statements']:,} SQL statements; "
                          f"{result['datasets_in_portal']} "
                          f"datasets in the portal; peak {rss:.0f} MB; load {os.getloadavg()[0]:.2f}", file=sys.stderr)
                    problems = report.get("gather_errors", []) + report.get("object_errors", [])
                    for message in problems[:5]:
                        print(f"    error: {message[:600]}", file=sys.stderr)
                    if run == "first" and (result["created"] != args.n or result["datasets_in_portal"] != args.n):
                        raise SystemExit(f"{tag} the first import created {result['created']} datasets "
                                         f"({result['datasets_in_portal']} in the portal), expected {args.n}")
        # the first import through the Redis queues with 1, 2, 4 fetch consumers, both harvesters
        for consumers in args.consumers:
            for variant in variants:
                name, _label = HARVESTERS[variant]
                tag = f"[{consumers} fetch consumer{'s' if consumers > 1 else ''} {variant}]"
                print(f"{tag} resetting database ...", file=sys.stderr)
                pg_version = reset_database(ini)
                flush_queues()
                setup, _rss = measure(["setup", name, first_page, "-"], os.path.join(OUT, f"{variant}-setup.log"))
                processes = start_consumers(ini, consumers, os.path.join(OUT, f"consumers-{variant}-{consumers}.log"))
                try:
                    loads.append(os.getloadavg()[0])
                    result, _rss = measure(["queue-run", setup["source_id"], str(max(600, args.n * 5))],
                                           os.path.join(OUT, f"{variant}-queue-{consumers}.log"))
                    result["errors_after_drain"] = drain_then_count_errors(result["job_id"])
                finally:
                    peaks = stop_consumers(processes)
                print(f"{tag} first import: {result['seconds']:.1f} s, created {result['created']}, errors "
                      f"{result['errors']} at the job's end, {result['errors_after_drain']} once the queue was "
                      f"empty; {result['datasets_in_portal']} datasets in the portal; peak gather "
                      f"consumer {peaks[0]:.0f} MB, fetch consumers {max(peaks[1:]):.0f} MB; load "
                      f"{os.getloadavg()[0]:.2f}", file=sys.stderr)
                if result["created"] != args.n or result["datasets_in_portal"] != args.n:
                    print(f"{tag} WARNING: the first import created {result['created']} datasets "
                          f"({result['datasets_in_portal']} in the portal), expected {args.n}", file=sys.stderr)
                queue_rows[(variant, consumers)] = (result, peaks)
        # bounded memory: jena_dcat's first import of a catalog of memory_base and of memory_n records
        for n in ((args.memory_base, args.memory_n) if args.memory_n else ()):
            tag = f"[memory {n:,}]"
            url_n, _pages, _size = write_catalog(n, base_url, args.seed, name=f"catalog-{n}")
            print(f"{tag} resetting database ...", file=sys.stderr)
            pg_version = reset_database(ini)
            setup, _rss = measure(["setup", "jena_dcat", url_n, "-"], os.path.join(OUT, "memory-setup.log"))
            loads.append(os.getloadavg()[0])
            if args.memory_consumers:
                # the production path: gather consumer and fetch consumers, each its own process
                flush_queues()
                processes = start_consumers(ini, args.memory_consumers, os.path.join(OUT, f"memory-consumers-{n}.log"))
                try:
                    result, rss = measure(["queue-run", setup["source_id"], str(max(600, n * 5))],
                                          os.path.join(OUT, f"memory-{n}.log"))
                    result["errors_after_drain"] = drain_then_count_errors(result["job_id"])
                finally:
                    peaks = stop_consumers(processes)
                result["gather_peak_mb"] = peaks[0]
                result["fetch_peak_mb"] = max(peaks[1:])
                rss = max(peaks)
                print(f"{tag} first import through the queues: {result['seconds']:.1f} s, created "
                      f"{result['created']}, errors {result['errors']} ({result['errors_after_drain']} once the "
                      f"queue was empty), {result['datasets_in_portal']} datasets in the portal; peak gather "
                      f"consumer {peaks[0]:.0f} MB, fetch consumers {', '.join(f'{p:.0f}' for p in peaks[1:])} MB; "
                      f"load {os.getloadavg()[0]:.2f}", file=sys.stderr)
                if result["datasets_in_portal"] != n:
                    raise SystemExit(f"{tag} {result['datasets_in_portal']} datasets in the portal, expected {n}")
            else:
                stage = ["gather", setup["source_id"]] if args.memory_gather_only else ["run", "jena_dcat", setup["source_id"]]
                result, rss = measure(stage, os.path.join(OUT, f"memory-{n}.log"))
                print(f"{tag} first import: {result['seconds']:.1f} s, created {result['created']}, errors "
                      f"{result['errors']}; peak {rss:.0f} MB (gather {result['gather_peak_mb'] or 0:.0f} MB); load "
                      f"{os.getloadavg()[0]:.2f}", file=sys.stderr)
                if result["created"] != n:
                    raise SystemExit(f"{tag} the first import created {result['created']} datasets, expected {n}")
            memory_rows.append((n, result, rss))
    finally:
        server.shutdown()
    load_after = os.getloadavg()

    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    extra = sys.argv[1:]
    if extra[:2] == ["--n", str(args.n)]:
        extra = extra[2:]
    command = (f"make bench-harvest HARVEST_N={args.n}" if not extra else
               "CKAN_SQLALCHEMY_URL=$(scripts/setup.sh db-url ckan_bench_harvest) .venv/bin/python "
               "benchmarks/bench_harvest.py " + " ".join(sys.argv[1:]))
    seconds = {key: [result["seconds"] for result, _rss in found] for key, found in rows.items()}
    medians = {key: median(values) for key, values in seconds.items() if values}
    with open(os.path.join(OUT, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"n": args.n, "rounds": args.rounds, "commit": commit, "command": command, "machine": machine(),
                   "postgresql": pg_version, "nproc": os.cpu_count(), "load_before": load_before,
                   "load_after": load_after, "load_at_each_job": loads,
                   "runs": {f"{v}/{r}": [dict(result, peak_mb=rss) for result, rss in rows[(v, r)]] for v, r in rows},
                   "medians": {f"{v}/{r}": medians.get((v, r)) for v, r in rows},
                   "memory": [dict(result, records=n, peak_mb=rss) for n, result, rss in memory_rows],
                   "queues": {f"{v}/{k}": dict(result, consumer_peaks_mb=peaks)
                              for (v, k), (result, peaks) in queue_rows.items()}},
                  f, indent=1, default=str)
    print()
    print(f"`{command}` — harvest of a generated DCAT-AP.de catalog of {args.n:,} datasets "
          f"({pages} Hydra pages of {PER_PAGE}, {size / 1e6:.1f} MB Turtle) from 127.0.0.1, {args.rounds} rounds "
          f"(stock and `jena_dcat` taking turns), commit {commit}{' with uncommitted changes' if dirty else ''}, "
          f"{datetime.date.today().isoformat()}")
    print(f"Machine: {machine()}; PostgreSQL {pg_version}; load average (1 min) {load_before[0]:.2f} at the start, "
          f"{min(loads or [0]):.2f}–{max(loads or [0]):.2f} at the start of the jobs, {load_after[0]:.2f} at the end")
    if args.profile:
        print("**Profiled run (--profile): times include cProfile's overhead, not for the README.**")
    print()
    print("| harvester | run | datasets | outcome | time per round (s) | median (s) | datasets/s | peak memory (MB) |")
    print("|---|---|---:|---|---|---:|---:|---:|")
    for variant in variants if args.rounds else ():
        for run, label in RUNS:
            found = rows[(variant, run)]
            result = found[-1][0]
            outcome = ", ".join(f"{result[k]:,} {k}" for k in ("created", "updated", "unchanged", "withdrawn", "errors")
                                if result.get(k))
            print(f"| {HARVESTERS[variant][1]} | {label} | {args.n:,} | {outcome or '–'} | "
                  f"{' / '.join(f'{x:.1f}' for x in seconds[(variant, run)])} | {medians[(variant, run)]:.1f} | "
                  f"{args.n / medians[(variant, run)]:.0f} | {max(rss for _result, rss in found):.0f} |")
    if len(variants) == 2 and args.rounds:
        print()
        for (run, label), target in zip(RUNS, (2, 20)):
            ratio = medians[("stock", run)] / medians[("jena", run)]
            per_round = [stock / jena for stock, jena in zip(seconds[("stock", run)], seconds[("jena", run)])]
            print(f"- {label}: `jena_dcat` {ratio:.2f}× the datasets/s of the stock harvester (medians; per round "
                  f"{', '.join(f'{x:.2f}×' for x in per_round)}; target ≥ {target:.2f}×: "
                  f"{'met' if ratio >= target else 'NOT met'})")
    if queue_rows:
        print()
        print(f"First import of the {args.n:,} records through the Redis queues (one gather consumer, N fetch "
              "consumers, `ckan harvester gather-consumer` / `fetch-consumer`):")
        print()
        print("| fetch consumers | harvester | time (s) | datasets/s | `jena_dcat` / stock | created | records in "
              "error once the queue was empty | peak memory gather consumer (MB) | peak memory per fetch consumer (MB) |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for consumers in args.consumers:
            for variant in variants:
                result, peaks = queue_rows[(variant, consumers)]
                ratio = ""
                if variant == "jena" and ("stock", consumers) in queue_rows:
                    ratio = f"{queue_rows[('stock', consumers)][0]['seconds'] / result['seconds']:.2f}×"
                print(f"| {consumers} | {HARVESTERS[variant][1]} | {result['seconds']:.1f} | "
                      f"{args.n / result['seconds']:.1f} | {ratio} | {result['created']} | "
                      f"{result.get('errors_after_drain', '')} | {peaks[0]:.0f} | {max(peaks[1:]):.0f} |")
    if memory_rows:
        print()
        if args.memory_consumers:
            print(f"| `jena_dcat` first import through the queues, {args.memory_consumers} fetch consumers | time (s) "
                  "| datasets/s | records in error once the queue was empty | peak gather consumer (MB) "
                  "| peak fetch consumer (MB) |")
            print("|---|---:|---:|---:|---:|---:|")
            for n, result, rss in memory_rows:
                print(f"| {n:,} records | {result['seconds']:.0f} | {n / result['seconds']:.1f} | "
                      f"{result['errors_after_drain']} | {result['gather_peak_mb']:.0f} | {result['fetch_peak_mb']:.0f} |")
        else:
            print(f"| `jena_dcat` {'gather stage alone' if args.memory_gather_only else 'first import'} | time (s) | datasets/s | peak memory during gather (MB) | peak memory of the job (MB) |")
            print("|---|---:|---:|---:|---:|")
            for n, result, rss in memory_rows:
                print(f"| {n:,} records | {result['seconds']:.0f} | {n / result['seconds']:.1f} | "
                      f"{result['gather_peak_mb'] or 0:.0f} | {rss:.0f} |")
        (small, _r, small_rss), (large, _r2, large_rss) = memory_rows
        ratio = large_rss / small_rss
        print(f"\n- memory: {large:,} records peak at {ratio:.2f}× the peak of {small:,} (target ≤ 1.5×: "
              f"{'met' if ratio <= 1.5 else 'NOT met'})")
    print()
    print("Time: the job from creation to finished (gather, fetch, import, index), in a process of its own after "
          "CKAN has loaded; peak memory: that process's ru_maxrss, CKAN included.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
