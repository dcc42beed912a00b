"""Explainer benchmark (`make bench-explainer`, options: EXPLAINER_N=200).

Builds N datasets in the database `ckan_bench_explainer` from the demo catalog's metadata
(ckanext/jena/demo/data/datasets.yaml, repeated under new names), through `package_create`,
with the resource profiles the background job would store (made from the demo's own files,
read from disk: nothing is downloaded), with the portal's own plugin set (config/ckan.ini.template)
and the page cache off (it measures the work, not the cache). Then, side by side in one process:

1. explainer generation per dataset: `core.draft_for` (stored profiles, taxonomy, harvest source,
   both languages) — target ≤ 50 ms;
2. the dataset page (`GET /dataset/<name>`, CKAN's real Flask app, anonymous) rendered with and
   without the "Einfach erklärt" section (`ckanext.jena.explainer.dataset_page_section`),
   alternating dataset by dataset — target: at most 15 % slower with the section;
3. the dataset page with and without its picture (`ckanext.jena.explainer.dataset_page_picture`:
   a chart of a DataStore table, or the map where ckanext.jena.maps draws one), the first
   resource of each rendered dataset given a DataStore table of 336 hourly readings (two weeks
   of a sensor), alternating — target: at most 15 % slower with the picture.

Prints medians (and p95) and a Markdown table for README.md. Nothing here is a test.
"""
from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from bench_search import load_average, machine, portal_ini, reset_database  # noqa: E402

DB = "ckan_bench_explainer"


def write_ini() -> str:
    """The portal's own plugin set (config/ckan.ini.template, German default), page cache off;
    explainers made in process, not by the job worker."""
    path = portal_ini("explainer", DB)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("ckanext.jena.cache.enabled = false",
                        "ckanext.jena.cache.enabled = false\nckanext.jena.explainer.background_jobs = false", 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def percentile(values: list, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def build(n: int) -> list[str]:
    """N datasets from the demo entries, their profiles stored, their explainers generated."""
    import ckan.model as model
    from ckan.plugins import toolkit
    from ckanext.jena.demo.loader import data_path, read_yaml
    from ckanext.jena.explainer import core, profile as profile_module, store
    site = {"user": toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"], "ignore_auth": True}
    orgs = {}
    for org in read_yaml("organizations.yaml"):
        created = toolkit.get_action("organization_create")(dict(site), {
            "name": org["name"], "title": org["title"], "org_type": org.get("org_type") or "fachdienst"})
        orgs[org["name"]] = created["id"]
    entries = [e for e in read_yaml("datasets.yaml")]
    profiles_by_file = {}
    names = []
    for i in range(n):
        entry = entries[i % len(entries)]
        resources = []
        for resource in entry.get("resources") or []:
            url = resource.get("url") or f"https://example.org/files/{resource.get('file')}"
            resources.append({"name": resource["name"], "description": resource.get("description") or "",
                              "format": resource.get("format") or "", "url": url})
        data = {k: entry[k] for k in ("title", "notes", "license_id", "action_fields", "districts", "theme",
                                      "frequency", "temporal_coverage", "sensor_category") if entry.get(k)}
        data.update(name=f"{entry['name'][:80]}-{i:04d}", owner_org=orgs[entry["owner_org"]],
                    tags=[{"name": t} for t in entry.get("tags") or []], resources=resources,
                    contact=[{"name": entry.get("maintainer") or "Team", "email": entry.get("maintainer_email") or "daten@jena.de"}])
        dataset = toolkit.get_action("package_create")(dict(site), data)
        for resource, source in zip(dataset["resources"], entry.get("resources") or []):
            path = source.get("file") and os.path.join(data_path(), "files", source["file"])
            if not path or not os.path.exists(path):
                continue
            if path not in profiles_by_file:
                try:
                    with open(path, "rb") as f:
                        profiles_by_file[path] = profile_module.profile_bytes(f.read(), resource["format"], name=resource["name"])
                except profile_module.ProfileError:
                    profiles_by_file[path] = None
            if profiles_by_file[path]:
                store.save_profile(resource["id"], dataset["id"], profile_module.fingerprint(resource), profiles_by_file[path], None)
        core.regenerate(dataset)
        model.Session.commit()
        names.append(dataset["name"])
        print(f"\r  datasets: {i + 1}/{n}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return names


def add_tables(names: list[str]) -> list[str]:
    """A DataStore table of 336 hourly readings on the first resource of each dataset named."""
    import datetime as dt
    import math
    from ckan.plugins import toolkit
    site = {"user": toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"], "ignore_auth": True}
    start = dt.datetime(2026, 11, 7)
    records = [{"Zeitpunkt": (start + dt.timedelta(hours=h)).isoformat(),
                "Messwert": round(40 + 8 * math.sin(h / 24 * 2 * math.pi), 1)} for h in range(336)]
    tabled = []
    for name in names:
        dataset = toolkit.get_action("package_show")(dict(site), {"id": name})
        if not dataset["resources"]:
            continue
        toolkit.get_action("datastore_create")(dict(site), {
            "resource_id": dataset["resources"][0]["id"], "force": True, "records": records,
            "fields": [{"id": "Zeitpunkt", "type": "timestamp"}, {"id": "Messwert", "type": "numeric"}]})
        tabled.append(name)
    return tabled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--pages", type=int, default=60, help="datasets whose page is rendered (each mode)")
    args = parser.parse_args()
    os.environ.setdefault("CKAN_SQLALCHEMY_URL", f"postgresql://ckan:ckan@127.0.0.1:54329/{DB}")
    ini = write_ini()
    reset_database(ini)
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    app = make_app(load_config(ini))
    flask_app = app._wsgi_app
    import ckan.model as model
    from ckan.plugins import toolkit
    from ckanext.jena.explainer import core, readability, store
    with flask_app.test_request_context():
        names = build(args.n)

        # 1. generation, per dataset
        generation, scores = [], []
        for name in names:
            dataset = toolkit.get_action("package_show")({"ignore_auth": True}, {"id": name})
            t0 = time.perf_counter()
            drafts, _generator = core.draft_for(dataset)
            generation.append((time.perf_counter() - t0) * 1000)
            scores.append(readability.score(core.full_text(drafts["de"]), "de")["flesch"])
        model.Session.remove()

    sample = names[:args.pages]
    with flask_app.test_request_context():
        tabled = add_tables(sample)
        model.Session.remove()

    # 2. the dataset page with and without the section, alternating
    from werkzeug.test import Client
    client = Client(app)  # the whole WSGI stack, middleware included, as a browser meets it
    key = "ckanext.jena.explainer.dataset_page_section"
    for name in sample[:5]:  # warm-up: templates compiled, caches filled
        for value in (True, False):
            toolkit.config[key] = value
            client.get(f"/dataset/{name}").close()
    timings = {True: [], False: []}
    for index, name in enumerate(sample):
        order = (True, False) if index % 2 == 0 else (False, True)
        for value in order:
            toolkit.config[key] = value
            t0 = time.perf_counter()
            response = client.get(f"/dataset/{name}")
            timings[value].append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (name, response.status_code)
            assert ('id="einfach-erklaert"' in response.get_data(as_text=True)) == value
    # 3. the dataset page with and without its picture, alternating (the section on, as deployed)
    toolkit.config[key] = True
    picture_key = "ckanext.jena.explainer.dataset_page_picture"
    for name in tabled[:5]:
        for value in (True, False):
            toolkit.config[picture_key] = value
            client.get(f"/dataset/{name}").close()
    pictures = {True: [], False: []}
    for index, name in enumerate(tabled):
        order = (True, False) if index % 2 == 0 else (False, True)
        for value in order:
            toolkit.config[picture_key] = value
            t0 = time.perf_counter()
            response = client.get(f"/dataset/{name}")
            pictures[value].append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (name, response.status_code)
            assert ('class="jena-explainer-picture"' in response.get_data(as_text=True)) == value, name
    with_picture, without_picture = statistics.median(pictures[True]), statistics.median(pictures[False])
    with_section, without = statistics.median(timings[True]), statistics.median(timings[False])
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"\nExplainers for {len(names)} datasets from the demo catalog's metadata — commit {commit}, "
          f"{datetime.date.today().isoformat()}, {machine()}, load average {load_average()}; "
          "the portal's plugin set (config/ckan.ini.template), page cache off\n")
    print("| measure | median | p95 | target |")
    print("|---|---:|---:|---|")
    print(f"| explainer generation per dataset (de + en, stored profiles) | {statistics.median(generation):.1f} ms "
          f"| {percentile(generation, 0.95):.1f} ms | ≤ 50 ms |")
    print(f"| dataset page without the explainer section ({len(sample)} pages) | {without:.1f} ms "
          f"| {percentile(timings[False], 0.95):.1f} ms | |")
    print(f"| dataset page with the explainer section ({len(sample)} pages) | {with_section:.1f} ms "
          f"| {percentile(timings[True], 0.95):.1f} ms | |")
    print(f"| ratio with / without (medians) | {with_section / without:.2f}× | | ≤ 1.15× |")
    print(f"| dataset page without its picture ({len(tabled)} pages) | {without_picture:.1f} ms "
          f"| {percentile(pictures[False], 0.95):.1f} ms | |")
    print(f"| dataset page with its picture (chart of a 336-row DataStore table) | {with_picture:.1f} ms "
          f"| {percentile(pictures[True], 0.95):.1f} ms | |")
    print(f"| ratio with / without picture (medians) | {with_picture / without_picture:.2f}× | | ≤ 1.15× |")
    print(f"\nGerman readability of the generated drafts: median Flesch (Amstad) {statistics.median(scores):.1f}, "
          f"lowest {min(scores):.1f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
