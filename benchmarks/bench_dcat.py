"""DCAT export benchmark (`make bench-dcat`, options: BENCH_N=10000).

With the portal's own plugin set (config/ckan.ini.template) and the page cache off, builds N
synthetic datasets of the Jena schema in the database `ckan_bench_dcat` (rows written
in bulk, then indexed through CKAN's real indexing path), then exports the whole public
catalog, each export in its own process:

1. `ckan jena dcat export` with the `dcat_ap_de` profile (streamed page by page);
2. the same streaming export with ckanext-dcat's stock `euro_dcat_ap_3` profile;
3. ckanext-dcat's own way for a whole catalog, `RDFSerializer.serialize_catalog` with every
   dataset in one graph (stock `euro_dcat_ap_3`), for comparison of memory (once, at the end;
   `--no-whole` leaves it out: it takes many minutes).

1 and 2 run interleaved, `--rounds` times each (order alternating), on this shared machine:
the table gives their medians and the ratio of the medians. Reports wall time, datasets per
second, the CPU time of the export process (user + system: on a busy shared machine the
steadier figure; the search itself runs in PostgreSQL, the same for both) and peak resident
memory (ru_maxrss of the process). `--profile FILE` instead runs the
`dcat_ap_de` export once under cProfile and writes the top functions to FILE.
Prints a Markdown table for docs/benchmarks.md. Nothing here is a test: numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from bench_search import (WORDS, add_group_extra, insert_datasets, load_average, load_ckan, machine,  # noqa: E402
                          portal_ini, reset_database)

DB = "ckan_bench_dcat"
EU = "http://publications.europa.eu/resource/authority/"


def write_ini() -> str:
    """The portal's own plugin set (config/ckan.ini.template), page cache off."""
    return portal_ini("dcat", DB)


def build(n: int, seed: int = 20261123) -> None:
    import ckan.model as model
    from ckanext.jena.schema import places
    from ckanext.jena.taxonomy import store
    rng = random.Random(seed)
    session = model.Session
    orgs = []
    for name, kind in (("fachdienst-umweltschutz", "fachdienst"), ("stadtwerke-jena", "stadtwerke"),
                       ("kommunalservice-jena", "eigenbetrieb"), ("smart-city-jena", "projekt")):
        org = model.Group(name=name, title=name.replace("-", " ").title(), type="organization", is_organization=True)
        session.add(org)
        session.flush()
        add_group_extra(session, org, "org_type", kind)
        orgs.append(org.id)
    tag_ids = {}
    for word in WORDS:
        tag = model.Tag(name=word)
        session.add(tag)
        session.flush()
        tag_ids[word] = tag.id
    session.commit()
    taxonomy = store.current()
    values = taxonomy.valid_values()
    districts = list(places.districts())
    engine = session.get_bind()
    now = datetime.datetime(2026, 11, 1)
    for start in range(0, n, 1000):
        packages, tags, extras, resources = [], [], [], []
        for i in range(start, min(n, start + 1000)):
            pid = str(uuid.uuid4())
            words = rng.sample(WORDS, 3)
            packages.append(dict(id=pid, name=f"dcat-{i:06d}", title=f"{words[0]} {words[1]} {2010 + i % 16}",
                                 type="dataset", state="active", private=rng.random() < 0.05,
                                 owner_org=rng.choice(orgs), license_id=rng.choice(["dl-by-de/2.0", "cc-by/4.0"]),
                                 notes=f"{words[2]} in Jena, erhoben von der Stadt Jena.",
                                 metadata_created=now - datetime.timedelta(minutes=i),
                                 metadata_modified=now - datetime.timedelta(minutes=i)))
            for word in set(rng.sample(WORDS, 3)):
                tags.append(dict(id=str(uuid.uuid4()), package_id=pid, tag_id=tag_ids[word], state="active"))
            chosen = rng.sample(districts, rng.randint(1, 2))
            fields = taxonomy.with_fields(rng.sample(values, 1))
            for key, value in (
                    ("action_fields", json.dumps(fields)), ("districts", json.dumps(chosen)),
                    ("spatial", places.geometry_for(chosen)),
                    ("theme", json.dumps([EU + "data-theme/" + rng.choice(["ENVI", "TRAN", "SOCI"])])),
                    ("frequency", EU + "frequency/ANNUAL"), ("access_rights", EU + "access-right/PUBLIC"),
                    ("language", json.dumps([EU + "language/DEU"])),
                    ("contact", json.dumps([{"name": "Team Daten", "email": "daten@jena.de"}])),
                    ("temporal_coverage", json.dumps([{"start": "2020-01-01", "end": "2024-12-31"}]))):
                extras.append(dict(id=str(uuid.uuid4()), package_id=pid, key=key, value=value, state="active"))
            for position in range(rng.randint(1, 3)):
                fmt = rng.choice(["CSV", "JSON", "GeoJSON", "PDF"])
                resources.append(dict(id=str(uuid.uuid4()), package_id=pid, url=f"https://example.org/{pid}.{fmt.lower()}",
                                      format=fmt, name=f"{words[0]} ({fmt})", description="", position=position,
                                      state="active", extras=json.dumps({"size": rng.randint(100, 10**7)})))
        with engine.begin() as conn:
            insert_datasets(conn, packages, extras)
            conn.execute(model.package_tag_table.insert(), tags)
            conn.execute(model.resource_table.insert(), resources)
        print(f"\r  datasets written: {min(n, start + 1000)}/{n}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def child(mode: str, profile: str, ini: str, target: str) -> None:
    """Runs inside the measured process."""
    load_ckan(ini)
    if mode == "profile":
        import cProfile
        import io
        import pstats
        from ckanext.jena.dcat.export import export_catalog
        profiler = cProfile.Profile()
        with open(os.devnull, "wb") as out:
            t0 = time.perf_counter()
            count = profiler.runcall(export_catalog, out, "ttl", 200, profile)
            elapsed = time.perf_counter() - t0
        text = io.StringIO()
        text.write(f"{profile}: {count} datasets in {elapsed:.1f} s under cProfile "
                   f"({elapsed / max(count, 1) * 1000:.1f} ms per dataset)\n")
        for order in ("tottime", "cumulative"):
            pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(order).print_stats(30)
        with open(target, "w", encoding="utf-8") as f:
            f.write(text.getvalue())
    elif mode == "stream":
        from ckanext.jena.dcat.export import export_catalog
        with open(target, "wb") as out:
            count = export_catalog(out, "ttl", 200, profile)
    else:
        from ckan.plugins import toolkit
        from ckanext.dcat.processors import RDFSerializer
        datasets, start = [], 0
        while True:
            page = toolkit.get_action("package_search")({"user": ""}, {"q": "*:*", "rows": 1000, "start": start,
                                                                       "sort": "metadata_created asc, id asc"})
            if not page["results"]:
                break
            datasets.extend(page["results"])
            start += 1000
        text = RDFSerializer(profiles=[profile]).serialize_catalog({}, dataset_dicts=datasets, _format="turtle")
        with open(target, "wb") as out:
            out.write(text.encode("utf-8") if isinstance(text, str) else text)
        count = len(datasets)
    print(count)


def measure(args: list, env: dict) -> tuple:
    t0 = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - t0
    output = process.stdout.read().decode().strip().splitlines()
    if status != 0:
        raise SystemExit(f"benchmark child failed: {args}")
    return elapsed, usage.ru_maxrss / 1024, int(output[-1]), usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--reuse", action="store_true", help="keep datasets of an earlier run with the same --n")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each streamed export (interleaved)")
    parser.add_argument("--no-whole", action="store_true", help="leave out the whole-catalog export")
    parser.add_argument("--profile", metavar="FILE", help="profile the dcat_ap_de export (cProfile) into FILE")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PROFILE", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("CKAN_SQLALCHEMY_URL", f"postgresql://ckan:ckan@127.0.0.1:54329/{DB}")
    ini = write_ini()
    if args.child:
        child(args.child[0], args.child[1], ini, args.child[2])
        return 0
    if not args.reuse:
        reset_database(ini)
    load_ckan(ini)
    import ckan.model as model
    existing = 0
    if args.reuse:
        try:
            existing = model.Session.query(model.Package).count()
        except Exception:
            model.Session.rollback()
    if existing != args.n:
        if args.reuse:
            model.Session.remove()
            model.Session.get_bind().dispose()
            reset_database(ini)
        build(args.n)
        model.Session.remove()
        print("indexing ...", file=sys.stderr)
        model.Session.commit()
        model.Session.remove()
        model.Session.get_bind().dispose()  # no connection of ours may hold the index table
        done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", ini, "jena", "search",
                               "rebuild", "--workers", str(os.cpu_count() or 1), "--clear"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit("indexing failed:\n" + done.stderr[-3000:])
    if args.profile:
        print("profiling the dcat_ap_de export ...", file=sys.stderr)
        for profile in ("dcat_ap_de", "euro_dcat_ap_3"):
            target = f"{args.profile}.{profile}" if profile != "dcat_ap_de" else args.profile
            measure([sys.executable, os.path.abspath(__file__), "--child", "profile", profile, target],
                    dict(os.environ))
            print(f"  {target}", file=sys.stderr)
        return 0
    streamed = (("`ckan jena dcat export`, `dcat_ap_de` (streamed)", "stream", "dcat_ap_de"),
                ("same export, stock `euro_dcat_ap_3` (streamed)", "stream", "euro_dcat_ap_3"))
    runs: dict = {label: [] for label, _mode, _profile in streamed}
    loads = [load_average()]
    for round_ in range(args.rounds):
        for label, mode, profile in (streamed if round_ % 2 == 0 else streamed[::-1]):
            target = os.path.join(ROOT, ".local", f"bench-{mode}-{profile}.ttl")
            print(f"round {round_ + 1}/{args.rounds}: {label} ...", file=sys.stderr)
            elapsed, peak_mb, count, cpu = measure(
                [sys.executable, os.path.abspath(__file__), "--child", mode, profile, target], dict(os.environ))
            runs[label].append((count, elapsed, peak_mb, os.path.getsize(target) / 1e6, cpu))
            print(f"  {count / elapsed:.0f} datasets/s, {count / cpu:.0f} per CPU second, {peak_mb:.0f} MB", file=sys.stderr)
        loads.append(load_average())
    rows = []
    for label, _mode, _profile in streamed:
        count = runs[label][0][0]
        elapsed = statistics.median(r[1] for r in runs[label])
        cpu = statistics.median(r[4] for r in runs[label])
        rows.append((label, count, elapsed, count / elapsed, max(r[2] for r in runs[label]), runs[label][0][3], cpu))
    if not args.no_whole:
        label = "stock `euro_dcat_ap_3`, whole catalog in one graph"
        target = os.path.join(ROOT, ".local", "bench-whole-euro_dcat_ap_3.ttl")
        print(f"exporting: {label} ...", file=sys.stderr)
        elapsed, peak_mb, count, cpu = measure([sys.executable, os.path.abspath(__file__), "--child", "whole",
                                                "euro_dcat_ap_3", target], dict(os.environ))
        rows.append((label + " (once)", count, elapsed, count / elapsed, peak_mb, os.path.getsize(target) / 1e6, cpu))
        loads.append(load_average())
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"\nDCAT export of {args.n:,} datasets ({rows[0][1]:,} public) — commit {commit}, "
          f"{datetime.date.today().isoformat()}, {machine()}, load average {' → '.join(loads)}; "
          f"the portal's plugin set (config/ckan.ini.template), page cache off; streamed exports: "
          f"median of {args.rounds} interleaved runs each, peak memory the highest\n")
    print("| export | datasets | time (s) | datasets/s | CPU (s) | datasets per CPU second | peak memory (MB) | file (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, count, elapsed, rate, peak, size, cpu in rows:
        print(f"| {label} | {count:,} | {elapsed:.1f} | {rate:.0f} | {cpu:.1f} | {count / cpu:.0f} | {peak:.0f} | {size:.1f} |")
    print(f"\n`dcat_ap_de` / stock (ratio of medians): {rows[0][3] / rows[1][3]:.2f}x datasets/s, "
          f"{rows[1][6] / rows[0][6]:.2f}x datasets per CPU second of the export process (the search runs in "
          "PostgreSQL, the same for both)")
    for label, _mode, _profile in streamed:
        print(f"- {label}: " + ", ".join(f"{r[0] / r[1]:.0f}" for r in runs[label]) + " datasets/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
