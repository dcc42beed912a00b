"""CKAN's look-up of one dataset's indexed copy (`ckan.lib.search.show`, asked by every
package_show) on a database that already holds many datasets, e.g. the 20,000 of
`make bench-harvest HARVEST_MEMORY_N=20000`: jena_search's one-statement look-up and the same
query answered as a search (any extra parameter makes it one), interleaved over random datasets;
then package_show itself.

    CKAN_SQLALCHEMY_URL=$(scripts/setup.sh db-url ckan_bench_harvest) \\
        .venv/bin/python benchmarks/bench_lookup.py .local/bench-harvest.ini [N]
"""
import random
import statistics
import sys
import time

import sqlalchemy as sa
from ckan.cli import load_config
from ckan.config.middleware import make_app


def main(ini: str, n: int = 40) -> None:
    app = make_app(load_config(ini))
    with app._wsgi_app.test_request_context():
        from ckan import model
        from ckan.plugins import toolkit
        from ckanext.jena.search import backend
        ids = [r[0] for r in model.Session.execute(sa.text(
            "SELECT id FROM package WHERE type = 'dataset' AND state = 'active' ORDER BY id"))]
        random.seed(1)
        sample = random.sample(ids, min(n, len(ids)))
        site = toolkit.config.get("ckan.site_id")
        connection = backend.PostgresSearchConnection(decode_dates=False)
        timings: dict = {"look-up": [], "search": [], "package_show": []}
        for reference in sample:
            for kind, extra in (("look-up", {}), ("search", {"facet": "false"})):
                started = time.perf_counter()
                found = connection.search(q=f'name:"{reference}" OR id:"{reference}"', rows=1, wt="json",
                                          fq=f'+site_id:"{site}" +entity_type:package', **extra)
                timings[kind].append((time.perf_counter() - started) * 1000)
                assert found.hits == 1, (kind, reference)
                model.Session.rollback()
            started = time.perf_counter()
            toolkit.get_action("package_show")({"ignore_auth": True}, {"id": reference})
            timings["package_show"].append((time.perf_counter() - started) * 1000)
            model.Session.rollback()
        print(f"{len(ids):,} datasets; {len(sample)} random datasets, interleaved")
        for kind, values in timings.items():
            print(f"| {kind} | p50 {statistics.median(values):.2f} ms | max {max(values):.1f} ms |")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
