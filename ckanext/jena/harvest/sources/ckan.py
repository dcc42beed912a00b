"""jena_ckan: a CKAN portal's action API (v3), such as the city's old portal.

Gather pages through ``package_search`` sorted by ``metadata_modified`` and asks only for
``id, name, metadata_modified`` (``fl``); a record whose modification time equals the last run's
is unchanged without reading it. The fetch stage reads a changed record with ``package_show``.
Portals too old for ``fl`` send whole datasets: those are hashed and used as they come."""
from __future__ import annotations

import glob
import json
import logging
from typing import Iterator
from urllib.parse import urljoin

from ckanext.jena.schema import places

from .. import base, fetch, normalise
from ..base import Incomplete, JenaHarvester, Record, RecordError, content_hash, distinctive
from ..fetch import FetchError

log = logging.getLogger(__name__)

PAGE_SIZE = 100
# fields of a portal that already speaks the Jena schema, taken over when valid
JENA_FIELDS = ("theme", "frequency", "access_rights", "temporal_coverage", "districts", "spatial", "language",
               "sensor_category", "provenance", "source", "issued", "modified", "contact", "version")


def api_base(url: str) -> str:
    """The portal's root for ``/api/3/action/...``, from its address or an API address."""
    base = url.split("/api/", 1)[0]
    return base.rstrip("/") + "/"


def _unwrap(answer: dict, url: str):
    if not isinstance(answer, dict) or answer.get("success") is not True or "result" not in answer:
        error = answer.get("error") if isinstance(answer, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        message = str(message)[:200] if message else None
        raise FetchError(f"{url} did not answer like a CKAN action API{': ' + str(message) if message else ''}.",
                         f"{url} antwortete nicht wie eine CKAN-Action-API{': ' + str(message) if message else ''}.")
    return answer["result"]


class JenaCkanHarvester(JenaHarvester):
    source_type = "jena_ckan"
    title = "CKAN-Portal (Jena)"
    description = ("Ein CKAN-Portal über seine Action-API, z. B. das alte Open-Data-Portal der Stadt / "
                   "A CKAN portal through its action API, such as the city's old portal")
    config_keys = {"fq": (str, "a Solr filter query limiting what is harvested, e.g. organization:umwelt"),
                   "page_size": (int, "datasets per request (default 100)"),
                   "organizations": (str, "keep: a dataset goes to the local organisation of the same name, "
                                          "if there is one (default: the source's organisation)"),
                   "groups": (str, "keep: datasets join the local groups of the same names")}

    def collect(self, url: str, config: dict) -> Iterator[Record]:
        endpoint = urljoin(api_base(url), "api/3/action/package_search")
        rows = int(config.get("page_size") or PAGE_SIZE)
        start, pages, total, ids, without_id = 0, 0, None, set(), set()
        while True:
            pages = self.next_page(pages, config)
            params = {"q": "*:*", "sort": "metadata_modified desc, id asc", "rows": rows, "start": start,
                      "fl": "id,name,metadata_modified"}
            if config.get("fq"):
                params["fq"] = config["fq"]
            result = _unwrap(self.read_json(endpoint, pages, config, params=params), endpoint)
            if isinstance(result, dict) and "results" not in result and "resources" in result:
                result = {"count": 1, "results": [result]}  # a saved package_show answer: one dataset
            elif isinstance(result, list) and all(isinstance(r, dict) and "resources" in r for r in result):
                result = {"count": len(result), "results": result}  # DKAN's package_show: a list of datasets
            if not isinstance(result, dict) or not isinstance(result.get("results"), list):
                raise FetchError(f"{endpoint} sent no list of results.", f"{endpoint} lieferte keine Ergebnisliste.")
            count = result.get("count")
            total = count if isinstance(count, int) else total
            page = result["results"]
            fresh = 0
            for item in page:
                if not isinstance(item, dict) or item.get("id") in (None, "", [], {}):
                    # reported, and counted as listed: skipped silently, it left every run
                    # incomplete, so nothing gone from the portal was ever withdrawn (a second
                    # review of the harvesters)
                    record = self._record_without_id(item, url)
                    if record.guid not in without_id:  # the same item on two pages counts once
                        without_id.add(record.guid)
                        fresh += 1
                        yield record
                    continue
                # an id that is no text (12345, ["a"]) is compared as written: never unhashable
                key = item["id"] if isinstance(item["id"], str) else json.dumps(item["id"], sort_keys=True, default=str)
                if key in ids:
                    continue
                ids.add(key)
                fresh += 1
                yield self._guarded_record(item, url)
            if page and not fresh:
                raise FetchError(f"Paging loop: {endpoint} (start={start}) repeats datasets already read.",
                                 f"Endlosschleife beim Blättern: {endpoint} (start={start}) wiederholt schon "
                                 "gelesene Datensätze.")
            start += len(page)
            if not page or len(page) < rows or (total is not None and start >= total):
                break
        if total is not None and len(ids) + len(without_id) < total:
            raise Incomplete(f"The portal announced {total} datasets but sent {len(ids)}; the listing is incomplete.",
                             f"Das Portal kündigte {total} Datensätze an, lieferte aber {len(ids)}; die Liste ist "
                             "unvollständig.")

    @staticmethod
    def _record_without_id(item, url: str) -> Record:
        """A listed dataset without id: an error of its own; the dataset of the same name, if the
        portal has one from this source, is not withdrawn (Record.keeps)."""
        name = item.get("name") if isinstance(item, dict) else None
        name = name if isinstance(name, str) and name.strip() else None
        title = item.get("title") if isinstance(item, dict) and isinstance(item.get("title"), str) else None
        keeps = [glob.escape(urljoin(api_base(url), f"dataset/{name}"))] if name else ["*"]
        label = name or title or "?"
        return Record(guid="noid:" + content_hash(json.dumps(item, sort_keys=True, default=str))[:40], keeps=keeps,
                      error=base.bilingual(
                          f"The portal lists the dataset {label!r} without id; it cannot be recognised again and was "
                          "not imported." + ("" if name else " Nothing is withdrawn while it is listed so."),
                          f"Das Portal führt den Datensatz {label!r} ohne ID; er kann nicht wiedererkannt werden und "
                          "wurde nicht übernommen." + ("" if name else " Solange er so geführt wird, wird nichts "
                                                         "zurückgezogen.")))

    @classmethod
    def _guarded_record(cls, item: dict, url: str) -> Record:
        """One dataset of the listing; one whose values cannot be read fails alone (a second review
        of the harvesters: an id 12345 or ["a"], extras that are no list ended the source's run)."""
        try:
            return cls._record(item, url)
        except Exception as exc:
            log.warning("CKAN record %r cannot be read: %s", str(item.get("id"))[:200], exc)
            guid = item["id"] if isinstance(item["id"], (str, int)) and not isinstance(item["id"], bool) else \
                "invalid:" + content_hash(json.dumps(item["id"], sort_keys=True, default=str))[:40]
            return Record(guid=guid, error=base.unreadable_record(exc))

    @staticmethod
    def _record(item: dict, url: str) -> Record:
        if isinstance(item["id"], int) and not isinstance(item["id"], bool):
            item = dict(item, id=str(item["id"]))
        if not isinstance(item["id"], str):
            raise RecordError(f"its id is no text ({type(item['id']).__name__})",
                              f"seine ID ist kein Text ({type(item['id']).__name__})")
        landing = urljoin(api_base(url), f"dataset/{item.get('name') or item['id']}")
        identifiers = [landing, item["id"]]
        for extra in item.get("extras") if isinstance(item.get("extras"), list) else []:
            if isinstance(extra, dict) and extra.get("key") in ("identifier", "guid", "uri", "dcat_identifier"):
                identifiers.append(str(extra.get("value")))
        for key in ("identifier", "uri"):
            if item.get(key):
                identifiers.append(str(item[key]))
        if "title" in item and "resources" in item:  # an old portal ignoring fl: the whole dataset is here
            content = json.dumps(item, sort_keys=True)
            return Record(guid=item["id"], content=content, content_hash=content_hash(content),
                          identifiers=distinctive(identifiers))
        stamp = item.get("metadata_modified") or ""
        return Record(guid=item["id"], content=json.dumps({"id": item["id"], "stub": True}),
                      content_hash=content_hash(f"{item['id']} {stamp}"), identifiers=distinctive(identifiers))

    def complete(self, content: str, config: dict, url: str) -> str:
        data = json.loads(content)
        if not data.get("stub"):
            return content
        endpoint = urljoin(api_base(url), "api/3/action/package_show")
        result = _unwrap(fetch.get_json(endpoint, params={"id": data["id"]}), endpoint)
        return json.dumps(result, sort_keys=True)

    def to_dataset(self, content: str, config: dict, url: str) -> dict:
        source = json.loads(content)
        if not isinstance(source, dict) or not source.get("id"):
            raise RecordError("package_show sent no dataset", "package_show lieferte keinen Datensatz")
        if source.get("stub"):
            raise RecordError("the dataset was not fetched", "der Datensatz wurde nicht abgerufen")
        landing = urljoin(api_base(url), f"dataset/{source.get('name') or source['id']}")
        extras = {e.get("key"): e.get("value") for e in source.get("extras") or [] if isinstance(e, dict)}
        tags = [t.get("name") if isinstance(t, dict) else t for t in source.get("tags") or []]
        groups = [g.get("title") or g.get("name") for g in source.get("groups") or [] if isinstance(g, dict)]
        dataset = {
            "name": source.get("name"),  # kept where free: links to the old portal's names keep working
            "title": source.get("title") or source.get("name"),
            "notes": source.get("notes") or "",
            "tags": [{"name": t} for t in tags if t],
            "url": source.get("url") or landing,
            # a licence the normaliser does not know arrives as written (its address where there is one)
            "license_id": normalise.license_id(source.get("license_id")) or normalise.license_id(source.get("license_title"))
            or normalise.license_id(source.get("license_url")) or source.get("license_url")
            or source.get("license_title") or source.get("license_id"),
            "version": source.get("version"),
            "issued": source.get("metadata_created", "")[:10] or None,
            "modified": source.get("metadata_modified", "")[:10] or None,
            "source": landing,
        }
        contact = {"name": source.get("maintainer") or source.get("author"),
                   "email": source.get("maintainer_email") or source.get("author_email")}
        if any(contact.values()):
            dataset["contact"] = [{k: v for k, v in contact.items() if v}]
        for key in JENA_FIELDS:
            value = source.get(key) if source.get(key) not in (None, "", []) else extras.get(key)
            if value not in (None, "", []):
                dataset[key] = value
        if not dataset.get("tags") and groups:
            dataset["tags"] = [{"name": g} for g in groups]
        # action fields a Jena-schema portal confirmed travel with the dataset; suggestions do not
        if isinstance(source.get("action_fields"), list):
            dataset["action_fields"] = source["action_fields"]
        for key in ("theme", "language"):
            values = dataset.get(key)
            if isinstance(values, str):
                values = [v.strip() for v in values.strip("[]").replace('"', "").split(",") if v.strip()]
            if values:
                dataset[key] = values  # the inbound normaliser reads them and notes unknown ones
        if isinstance(dataset.get("districts"), list):
            valid = set(places.valid_keys())
            dataset["districts"] = [d for d in dataset["districts"] if d in valid]
        if config.get("organizations") == "keep" and isinstance(source.get("organization"), dict):
            dataset["owner_org_name"] = source["organization"].get("name")
        if config.get("groups") == "keep":
            dataset["groups"] = [{"name": g["name"]} for g in source.get("groups") or []
                                 if isinstance(g, dict) and g.get("name")]
        if source.get("private") is True:  # read with an API key: stays private here too
            dataset["private"] = True
        dataset["resources"] = [{
            "url": r.get("url"), "name": r.get("name") or r.get("url"), "description": r.get("description"),
            "format": r.get("format"), "mimetype": r.get("mimetype"),
            "size": r.get("size") if isinstance(r.get("size"), int) else None, "license": r.get("license"),
        } for r in source.get("resources") or [] if isinstance(r, dict) and r.get("url")]
        return dataset
