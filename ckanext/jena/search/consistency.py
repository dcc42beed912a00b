"""Does the search index agree with the database? (`ckan jena search check --consistency`)

Works through CKAN's search connection, so it checks whichever backend serves the portal
(ckanext.jena.search.backend: postgres or solr). A dataset is

- missing: in the database (any state CKAN indexes) but not in the index;
- stale: in both, but the index holds an older metadata_modified than the database;
- extra: in the index but not in the database (purged), or deleted while CKAN removes deleted
  datasets from the index (ckan.search.remove_deleted_packages).

``repair`` indexes the missing and stale datasets anew through CKAN's own indexing path and
removes the extra ones."""
from __future__ import annotations

import datetime
from typing import Any, Optional

from ckan import model
from ckan.lib import search as ckan_search
from ckan.lib.search.common import make_connection
from ckan.plugins import toolkit

PAGE = 1000


def _moment(value: Any) -> Optional[datetime.datetime]:
    """A timestamp to the millisecond (Solr keeps no more), naive UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _database() -> dict[str, Optional[datetime.datetime]]:
    query = model.Session.query(model.Package.id, model.Package.metadata_modified)
    if toolkit.config.get("ckan.search.remove_deleted_packages"):
        query = query.filter(model.Package.state != "deleted")
    return {row.id: _moment(row.metadata_modified) for row in query}


def _index() -> dict[str, Optional[datetime.datetime]]:
    connection = make_connection(decode_dates=False)
    fq = '+site_id:"%s"' % toolkit.config.get("ckan.site_id")
    found: dict[str, Optional[datetime.datetime]] = {}
    start = 0
    while True:
        page = connection.search("*:*", fq=fq, fl="id,metadata_modified", sort="id asc", rows=PAGE, start=start)
        docs = list(page.docs)
        for doc in docs:
            found[doc["id"]] = _moment(doc.get("metadata_modified"))
        if len(docs) < PAGE:
            return found
        start += PAGE


def compare() -> dict[str, list[str]]:
    """Dataset ids ``missing`` from, ``stale`` in and ``extra`` in the index, each sorted."""
    database, index = _database(), _index()
    return {
        "missing": sorted(set(database) - set(index)),
        "stale": sorted(i for i in set(database) & set(index)
                        if index[i] is None or (database[i] is not None and index[i] < database[i])),
        "extra": sorted(set(index) - set(database)),
    }


def repair(found: dict[str, list[str]]) -> None:
    """Index the missing and stale datasets anew and remove the extra ones from the index."""
    renew = found["missing"] + found["stale"]
    if renew:
        ckan_search.rebuild(package_ids=renew, quiet=True)
    for package_id in found["extra"]:
        ckan_search.clear(package_id)
    ckan_search.commit()
    model.Session.commit()
