"""jena_sensorthings: an OGC SensorThings API v1.1 endpoint (the city's Urban Data Platform).

Things are listed with their Locations and Datastreams (``$expand``), following
``@iot.nextLink``. Datastreams are grouped into one dataset per sensor category and Ortsteil
(the category from the Datastream's or Thing's ``properties.category``, spelled as the platform
spells it; the Ortsteil from the Thing's Location). Each Datastream gives two resources: the live
API (JSON) and a CSV export. The temporal extent is the span of the Datastreams' phenomenon times
(asked from the first and last Observation where a Datastream does not state it); the spatial
extent is the Locations."""
from __future__ import annotations

import datetime
import glob
import json
from typing import Iterator, Optional
from urllib.parse import quote

from ckanext.jena.schema import places
from ckanext.jena.taxonomy import store as taxonomy_store

from .. import fetch
from ..base import (Incomplete, JenaHarvester, PagingLimit, Record, RecordError, bilingual, content_hash,
                    unreadable_record)
from ..fetch import FetchError

PAGE_SIZE = 100
EXPAND = "Locations,Datastreams($expand=ObservedProperty,Sensor)"
# a Thing's description is copied into each of its Datastreams: at most this many characters
THING_DESCRIPTION_MAX = 1000
# every dataset of this source (Record.keeps): a Thing that cannot be read may have fed any of them
EVERY_GROUP = "sensorthings:*"


def _place(district: str) -> str:
    return places.label(district, "de") if district != places.WHOLE_CITY else "Jena"


def _district_groups(district: str) -> list[str]:
    """Record.keeps for a Datastream of this district that cannot be placed: it may have fed any
    category's dataset of the district, also of a category the mapping no longer knows."""
    return [f"sensorthings:*:{glob.escape(district)}"]


def categories() -> dict:
    table = taxonomy_store.current().mappings.get("sensor_categories") or {}
    return table.get("categories") or {}


def _point(locations: list) -> Optional[list]:
    for location in locations if isinstance(locations, list) else []:
        geometry = location.get("location") if isinstance(location, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coordinates = geometry.get("coordinates")
            if isinstance(coordinates, list) and len(coordinates) >= 2 and \
                    all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coordinates[:2]) and \
                    -180 <= coordinates[0] <= 180 and -90 <= coordinates[1] <= 90:
                return [float(coordinates[0]), float(coordinates[1])]
    return None


def _district(point: Optional[list]) -> str:
    if not point:
        return places.WHOLE_CITY
    from shapely.geometry import Point
    covered = places.districts_covering(Point(point))
    return covered[0] if covered else places.WHOLE_CITY


def _span(times: list[str]) -> tuple[Optional[str], Optional[str]]:
    starts, ends = [], []
    for value in times:
        if not value:
            continue
        start, _, end = str(value).partition("/")
        starts.append(start)
        ends.append(end or start)
    return (min(starts) if starts else None), (max(ends) if ends else None)


class JenaSensorThingsHarvester(JenaHarvester):
    source_type = "jena_sensorthings"
    title = "SensorThings-API (Jena)"
    description = ("Eine OGC-SensorThings-API v1.1, z. B. die Urbane Datenplattform der Stadt: ein Datensatz je "
                   "Sensorkategorie und Ortsteil / An OGC SensorThings API v1.1, grouped by sensor category and district")
    config_keys = {"page_size": (int, "Things per request (default 100)")}

    def validate_config(self, config: str) -> str:
        config = super().validate_config(config)
        parsed = json.loads(config) if config and config.strip() else {}
        if not parsed.get("license_id"):
            raise ValueError("Die SensorThings-API nennt keine Lizenz: bitte license_id angeben, z. B. "
                             "{\"license_id\": \"dl-by-de/2.0\"} / A SensorThings API names no licence: set "
                             "license_id, e.g. {\"license_id\": \"dl-by-de/2.0\"}.")
        return config

    def collect(self, url: str, config: dict) -> Iterator[Record]:
        base = url.rstrip("/")
        page_url: Optional[str] = f"{base}/Things"
        params: Optional[dict] = {"$expand": EXPAND, "$top": int(config.get("page_size") or PAGE_SIZE)}
        seen, pages = set(), 0
        things, announced = 0, None
        groups: dict = {}
        errors: list[Record] = []
        uncertain: set = set()  # districts whose datasets this run leaves as they are
        stopped: Optional[FetchError] = None
        while page_url:
            key = (page_url, json.dumps(params, sort_keys=True))
            if key in seen:
                raise FetchError(f"Paging loop: {page_url} was already read in this run.",
                                 f"Endlosschleife beim Blättern: {page_url} wurde in diesem Lauf schon gelesen.")
            seen.add(key)
            pages = self.next_page(pages, config)
            try:
                answer = self.read_json(page_url, pages, config, params=params)
                if not isinstance(answer, dict) or not isinstance(answer.get("value"), list):
                    raise FetchError(f"{page_url} is not a SensorThings collection (no 'value' list).",
                                     f"{page_url} ist keine SensorThings-Sammlung (keine 'value'-Liste).")
            except FetchError as exc:
                if pages == 1:
                    raise
                # Things are grouped across pages: the groups of the pages read are still imported
                stopped = exc if isinstance(exc, Incomplete) else Incomplete(
                    f"Page {pages} could not be read: {exc.english}", f"Seite {pages} ließ sich nicht lesen: {exc.german}")
                break
            if announced is None and isinstance(answer.get("@iot.count"), int):
                announced = answer["@iot.count"]
            for thing in answer["value"]:
                things += 1
                try:
                    pages, problem = self._more_datastreams(thing, base, config, pages)
                    if problem is not None:
                        # the Thing's Datastreams were read only in part: its district's datasets stay
                        # as they are on this run (updated without them, they would lose resources)
                        district = _district(_point(thing.get("Locations")))
                        uncertain.add(district)
                        errors.append(Record(
                            guid=f"sensorthings:thing:{thing.get('@iot.id')}", keeps=_district_groups(district),
                            error=bilingual(
                                f"Not all Datastreams of the Thing could be read ({problem.english}); the datasets "
                                f"of {_place(district)} were kept as they were.",
                                f"Nicht alle Datastreams des Things ließen sich lesen ({problem.german}); die "
                                f"Datensätze von {_place(district)} bleiben, wie sie waren.")))
                        continue
                    self._add_thing(thing, base, groups, errors, uncertain)
                except PagingLimit:
                    raise
                except Exception as exc:  # one Thing that cannot be read fails alone (a second review)
                    thing_id = thing.get("@iot.id") if isinstance(thing, dict) else None
                    errors.append(Record(guid=f"sensorthings:thing:{thing_id}", error=unreadable_record(exc),
                                         keeps=[EVERY_GROUP]))
            next_link = answer.get("@iot.nextLink")
            page_url, params = (str(next_link), None) if next_link else (None, None)
            if page_url and (page_url, "null") in seen:
                raise FetchError(f"Paging loop: {page_url} was already read in this run.",
                                 f"Endlosschleife beim Blättern: {page_url} wurde in diesem Lauf schon gelesen.")
            if page_url and not page_url.startswith(("http://", "https://")):
                page_url = f"{base}/{page_url.lstrip('/')}"
        if stopped is None and announced is not None and things < announced:
            stopped = Incomplete(f"The platform announced {announced} Things (@iot.count) but sent {things}; the "
                                 "listing is incomplete.",
                                 f"Die Plattform kündigte {announced} Things an (@iot.count), lieferte aber {things}; "
                                 "die Liste ist unvollständig.")
        yield from errors
        # Things are grouped across pages: a listing read in part (a later page failed, fewer
        # Things than announced, a saved page) would update each group with the Datastreams read
        # so far and drop the others' resources; only groups new to the portal are made then
        # (a review of session 15)
        for (category, district), streams in sorted(groups.items()):
            if district in uncertain or (stopped is not None and self.known(f"sensorthings:{category}:{district}")):
                continue
            streams.sort(key=lambda s: str(s["id"]))
            content = json.dumps({"category": category, "district": district, "base": base, "streams": streams},
                                 sort_keys=True, ensure_ascii=False)
            # live sensors move their end time every hour: the hash counts whole days
            # (a stream that states no phenomenon time is asked for its last observation on import:
            # it counts as changed once a day)
            today = datetime.date.today().isoformat()
            stable = [dict(s, phenomenonTime=str(s.get("phenomenonTime") or "")[:10] + "/" +
                           str(s.get("phenomenonTime") or "").partition("/")[2][:10] if s.get("phenomenonTime")
                           else today) for s in streams]
            yield Record(guid=f"sensorthings:{category}:{district}", content=content,
                         content_hash=content_hash(json.dumps([base, category, district, stable], sort_keys=True)),
                         identifiers=[f"{base}#{category}:{district}"])
        if stopped is not None:
            raise stopped

    def _more_datastreams(self, thing, base: str, config: dict, pages: int) -> tuple[int, Optional[FetchError]]:
        """Follows a Thing's ``Datastreams@iot.nextLink``: the platform pages expanded Datastreams
        too (FROST by 100), and the Datastreams behind it were lost (a second review of the
        harvesters). Returns the pages read so far and, if the Datastreams could not all be read,
        why; more pages than max_pages stop the run (PagingLimit)."""
        if not isinstance(thing, dict) or not isinstance(thing.get("Datastreams"), list):
            return pages, None
        link, followed = thing.get("Datastreams@iot.nextLink"), set()
        while link:
            if not isinstance(link, str):
                return pages, FetchError("its Datastreams@iot.nextLink is no address",
                                         "sein Datastreams@iot.nextLink ist keine Adresse")
            url = link if link.startswith(("http://", "https://")) else f"{base}/{link.lstrip('/')}"
            if url in followed:
                return pages, FetchError(f"paging loop at {url}", f"Endlosschleife beim Blättern bei {url}")
            followed.add(url)
            pages = self.next_page(pages, config)
            try:
                answer = self.read_json(url, pages, config)
            except FetchError as exc:
                return pages, exc
            if not isinstance(answer, dict) or not isinstance(answer.get("value"), list):
                return pages, FetchError(f"{url} is not a SensorThings collection",
                                         f"{url} ist keine SensorThings-Sammlung")
            thing["Datastreams"].extend(answer["value"])
            link = answer.get("@iot.nextLink")
        return pages, None

    @staticmethod
    def _add_thing(thing, base: str, groups: dict, errors: list, uncertain: set) -> None:
        if not isinstance(thing, dict):
            raise RecordError(f"a Thing is no object ({type(thing).__name__})",
                              f"ein Thing ist kein Objekt ({type(thing).__name__})")
        # a Thing without @iot.id still brings its Datastreams (each has its own id); dropped
        # silently, they withdrew the datasets they fed (a second review of the harvesters)
        thing_id = thing.get("@iot.id")
        props = thing.get("properties") if isinstance(thing.get("properties"), dict) else {}
        point = _point(thing.get("Locations"))
        district = _district(point)
        known = categories()
        description = thing.get("description")
        if isinstance(description, str) and len(description) > THING_DESCRIPTION_MAX:
            description = description[:THING_DESCRIPTION_MAX - 1] + "…"
        # a Datastream that cannot be placed may have fed any dataset of the district: those
        # stay as they are this run (updated without it, one would lose its resources; a
        # review of session 15), and are not withdrawn
        def unplaced(guid: str, german: str, english: str) -> None:
            uncertain.add(district)
            errors.append(Record(guid=guid, keeps=_district_groups(district), error=(
                f"{german}; die Datensätze von {_place(district)} bleiben, wie sie sind / {english}; the "
                f"datasets of {_place(district)} stay as they are.")))

        for number, stream in enumerate(thing.get("Datastreams") if isinstance(thing.get("Datastreams"), list) else []):
            if not isinstance(stream, dict) or stream.get("@iot.id") in (None, "", [], {}):
                unplaced(f"sensorthings:datastream:{thing_id}:{number}",
                         f"Datastream {number + 1} des Things {thing_id} ({thing.get('name')}) hat keine @iot.id",
                         f"Datastream {number + 1} of the Thing {thing_id} ({thing.get('name')}) has no @iot.id")
                continue
            stream_props = stream.get("properties") if isinstance(stream.get("properties"), dict) else {}
            category = stream_props.get("category") or props.get("category")
            if not isinstance(category, str) or category not in known:
                unplaced(f"sensorthings:datastream:{stream['@iot.id']}",
                         f"Datastream {stream['@iot.id']} ({stream.get('name')}) hat keine bekannte Sensorkategorie "
                         f"({category!r}); bekannt sind: {', '.join(known)}",
                         f"Datastream {stream['@iot.id']} ({stream.get('name')}) has no known sensor category "
                         f"({category!r})")
                continue
            observed = stream.get("ObservedProperty") if isinstance(stream.get("ObservedProperty"), dict) else {}
            unit = stream.get("unitOfMeasurement") if isinstance(stream.get("unitOfMeasurement"), dict) else {}
            groups.setdefault((category, district), []).append({
                "id": stream["@iot.id"], "name": stream.get("name"), "description": stream.get("description"),
                "unit": {k: str(unit[k]) for k in ("name", "symbol") if unit.get(k)},
                "observed_property": {k: str(observed[k]) for k in ("name", "description", "definition")
                                      if observed.get(k)},
                "phenomenonTime": stream["phenomenonTime"] if isinstance(stream.get("phenomenonTime"), str) else None,
                "thing": {"id": thing_id, "name": str(thing.get("name") or thing_id or ""),
                          "description": description},
                "point": point,
            })

    def complete(self, content: str, config: dict, url: str) -> str:
        data = json.loads(content)
        changed = False
        for stream in data["streams"]:
            if stream.get("phenomenonTime"):
                continue
            ends = []
            for order in ("asc", "desc"):
                answer = fetch.get_json(f"{data['base']}/Datastreams({stream['id']})/Observations",
                                        params={"$orderby": f"phenomenonTime {order}", "$top": 1,
                                                "$select": "phenomenonTime"})
                values = answer.get("value") if isinstance(answer, dict) else None
                if values and isinstance(values[0], dict) and values[0].get("phenomenonTime"):
                    ends.append(str(values[0]["phenomenonTime"]).partition("/")[0 if order == "asc" else 2]
                                or str(values[0]["phenomenonTime"]))
            if len(ends) == 2:
                stream["phenomenonTime"] = f"{ends[0]}/{ends[1]}"
                changed = True
        return json.dumps(data, sort_keys=True, ensure_ascii=False) if changed else content

    def to_dataset(self, content: str, config: dict, url: str) -> dict:
        data = json.loads(content)
        category, district, base = data["category"], data["district"], data["base"]
        row = categories().get(category) or {}
        label = (row.get("label") or {}).get("de") or category
        label_en = (row.get("label") or {}).get("en") or category
        place = places.label(district, "de") if district != places.WHOLE_CITY else "Jena"
        streams = data["streams"]
        stations = sorted({s["thing"]["name"] for s in streams if s["thing"].get("name")})
        measured = []
        for s in streams:
            prop = s["observed_property"].get("name") or s.get("name")
            unit = s["unit"].get("symbol") or s["unit"].get("name")
            text = f"{prop} ({unit})" if unit else prop
            if text and text not in measured:
                measured.append(text)
        start, end = _span([s.get("phenomenonTime") for s in streams])
        notes = (f"Messwerte der Urbanen Datenplattform Jena: {label} in {place}. "
                 f"{len(streams)} Messreihe{'n' if len(streams) != 1 else ''} von "
                 f"{len(stations)} Station{'en' if len(stations) != 1 else ''} ({', '.join(stations)}). "
                 f"Gemessen: {', '.join(measured)}. Die Daten kommen live aus der SensorThings-API der Stadt.\n\n"
                 f"Measurements from Jena's Urban Data Platform: {label_en} in {place}.")
        points = [s["point"] for s in streams if s.get("point")]
        resources = []
        for s in streams:
            observations = f"{base}/Datastreams({s['id']})/Observations"
            name = s.get("name") or f"Datastream {s['id']}"
            resources.append({"url": observations, "name": f"{name} – Live-API (JSON)", "format": "JSON",
                              "description": s.get("description") or None})
            resources.append({"url": observations + "?" + "&".join(
                f"{k}={quote(v, safe='(),')}" for k, v in (("$resultFormat", "CSV"),
                                                          ("$select", "phenomenonTime,result"))),
                "name": f"{name} – CSV-Export", "format": "CSV"})
        dataset = {
            "title": f"{label} – {place}",
            "notes": notes,
            "tags": [{"name": t} for t in dict.fromkeys([label, "Sensordaten", "Echtzeitdaten", place] + [
                s["observed_property"].get("name") for s in streams if s["observed_property"].get("name")])],
            "sensor_category": category,
            # the platform's categories map onto EU data themes (taxonomy/data/mappings)
            "theme": [f"http://publications.europa.eu/resource/authority/data-theme/{code}"
                      for code in row.get("themes") or []],
            "license_id": config.get("license_id"),
            "frequency": "http://publications.europa.eu/resource/authority/frequency/CONT",
            "resources": resources,
            "url": f"{base}/Datastreams",
        }
        if start or end:
            dataset["temporal_coverage"] = [{k: v[:10] for k, v in (("start", start), ("end", end)) if v}]
        if points:
            if len(points) == 1:
                dataset["spatial"] = json.dumps({"type": "Point", "coordinates": points[0]})
            else:
                dataset["spatial"] = json.dumps({"type": "MultiPoint", "coordinates": points})
        elif district != places.WHOLE_CITY:
            dataset["districts"] = [district]
        else:
            dataset["districts"] = [places.WHOLE_CITY]
        if not config.get("license_id"):
            raise RecordError("The source names no licence: set license_id in the source configuration.",
                              "Die Quelle nennt keine Lizenz: bitte license_id in der Konfiguration der Quelle setzen.")
        return dataset
