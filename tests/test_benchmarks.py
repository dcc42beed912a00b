"""The benchmarks write CKAN's tables directly (benchmarks/bench_search.py, used by bench_dcat.py
too): their writers must match the running CKAN, which keeps extras in a table on 2.11 and in a
JSONB column on 2.12 (`make bench-search` and `make bench-dcat` failed on 2.12 before)."""
import datetime
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories

from ckanext.jena import extras

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_search  # noqa: E402

pytestmark = pytest.mark.usefixtures("clean_db")


def test_the_benchmarks_writers_store_extras_where_the_running_ckan_reads_them():
    organization = factories.Organization()
    group = model.Group.get(organization["id"])
    bench_search.add_group_extra(model.Session, group, "org_type", "fachdienst")
    model.Session.commit()
    model.Session.expire_all()
    assert model.Group.get(organization["id"]).extras == {"org_type": "fachdienst"}

    now = datetime.datetime(2026, 11, 1)
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    packages = [dict(id=pid, name=f"bench-{n}", title=f"Bench {n}", type="dataset", state="active", private=False,
                     owner_org=organization["id"], metadata_created=now, metadata_modified=now)
                for n, pid in enumerate(ids)]
    rows = [dict(id=str(uuid.uuid4()), package_id=ids[0], key="districts", value='["Zentrum"]', state="active"),
            dict(id=str(uuid.uuid4()), package_id=ids[0], key="frequency", value="ANNUAL", state="active")]
    with model.meta.engine.begin() as conn:
        bench_search.insert_datasets(conn, packages, rows)
    found = model.Session.execute(sa.text(
        f"SELECT e.package_id, e.key, e.value FROM {extras.rows_sql()} e WHERE e.package_id = ANY(:ids) "
        "ORDER BY e.key"), {"ids": ids}).fetchall()
    assert [tuple(row) for row in found] == [(ids[0], "districts", '["Zentrum"]'), (ids[0], "frequency", "ANNUAL")]
    assert model.Package.get(ids[1]) is not None and model.Package.get(ids[1]).extras == {}
