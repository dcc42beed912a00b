"""Rebuild the demo resource files in ``ckanext/jena/demo/data/files/``.

A development tool, not part of the installed package: its output is kept in
the repository as data, which the demo loader reads. Usage (needs nothing but
the Python standard library; writes relative to this repository, wherever it
is run from)::

    python3 scripts/make_demo_files.py [--geometry-source DIR]

What it writes
--------------
* ``ortsteile-jena.geojson`` and ``stadtgrenze-jena.geojson``: copies of the
  OpenStreetMap boundaries (ODbL 1.0, "© OpenStreetMap contributors"),
  geometry unchanged, properties reduced to name + OSM relation id.  They are
  copied from ``--geometry-source DIR`` (a folder holding the OpenStreetMap
  exports ``ortsteile.geojson`` and ``stadtgrenze.geojson``) when given;
  otherwise the copies already in ``data/files`` are kept.
* ``einwohner-ortsteile-2017.csv``, ``flaeche-ortsteile.csv`` and
  ``sensorkategorien-udp.csv``: figures taken from the project's fact sheet
  (FACTS.md), not synthetic.
* everything else: **synthetic demo data**, generated deterministically.
  Every file draws from its own ``random.Random`` seeded with
  ``SEED + file name``, so changing one generator leaves the other files
  byte-identical.  Points are placed inside the Ortsteil polygons (pure
  Python point-in-polygon test), so every coordinate lies inside Jena and the
  ``Ortsteil`` column always matches the polygon the point falls into.

Several files share inputs on purpose, to keep the demo internally
consistent: one synthetic weather year 2024 drives air temperature, UV
index, soil moisture and bicycle counts; the sensor locations file lists the
very stations that appear in the sensor time series; the soil-moisture
sensors sit at trees of the tree register; schools are buildings of the
municipal building list; the budget controlling report (private dataset)
refers to the budget plan; population development, births/deaths and the
age structure add up to the Ortsteil figures of 2017.

CSV files: UTF-8, comma-separated, header row, ``\\n`` line ends, decimal point.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import random

SEED = "wissensallmende-jena-demo-v1"
REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPOSITORY, "ckanext", "jena", "demo", "data", "files")
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

# ---------------------------------------------------------------------------
# Facts (FACTS.md): the 30 Ortsteile, area km², inhabitants 31 Dec 2017.
# Ziegenhain and Zwätzen are given only approximately in the source.
# Names are spelled as in the city's list; the OSM file writes
# "Jenaprießnitz / Wogau" etc. with spaces around the slash.
# ---------------------------------------------------------------------------
ORTSTEILE = [
    # name, area_km2, population_2017, approximate?
    ("Ammerbach", 5.03, 478, False),
    ("Burgau", 1.40, 585, False),
    ("Closewitz", 4.12, 131, False),
    ("Cospeda", 3.36, 1354, False),
    ("Drackendorf", 3.64, 827, False),
    ("Göschwitz", 2.27, 593, False),
    ("Ilmnitz", 1.70, 529, False),
    ("Isserstedt", 6.88, 838, False),
    ("Jena-Nord", 4.34, 13985, False),
    ("Jena-Süd", 7.80, 12585, False),
    ("Jena-West", 3.39, 8458, False),
    ("Jena-Zentrum", 1.21, 7657, False),
    ("Jenaprießnitz/Wogau", 7.52, 1154, False),
    ("Kernberge", 3.14, 4666, False),
    ("Krippendorf", 3.16, 112, False),
    ("Kunitz/Laasan", 8.04, 904, False),
    ("Leutra", 4.70, 138, False),
    ("Lichtenhain", 2.12, 1260, False),
    ("Lobeda-Altstadt", 3.36, 2002, False),
    ("Löbstedt", 0.93, 773, False),
    ("Lützeroda", 1.44, 171, False),
    ("Maua", 3.36, 355, False),
    ("Münchenroda/Remderoda", 5.30, 381, False),
    ("Neulobeda", 3.64, 22189, False),
    ("Vierzehnheiligen", 1.98, 114, False),
    ("Wenigenjena", 5.02, 11463, False),
    ("Winzerla", 5.19, 10894, False),
    ("Wöllnitz", 2.67, 598, False),
    ("Ziegenhain", 2.62, 400, True),
    ("Zwätzen", 5.47, 2700, True),
]
POP = {n: p for n, _, p, _ in ORTSTEILE}
AREA = {n: a for n, a, _, _ in ORTSTEILE}
POP_2017 = sum(POP.values())
URBAN = ["Jena-Nord", "Jena-Süd", "Jena-West", "Jena-Zentrum", "Kernberge",
         "Neulobeda", "Wenigenjena", "Winzerla", "Lobeda-Altstadt", "Zwätzen"]

# Sensor categories of the Urban Data Platform, keys spelled as the source
# spells them (typos included).
SENSOR_CATEGORIES = [
    ("Ampel", "tlc", ""),
    ("Batterie", "battery", ""),
    ("Baustellengenehmigungen", "building_permit", ""),
    ("Beleuchtung", "lighting", ""),
    ("Bodenfeuchte", "soil_moisture", ""),
    ("Feinstaub PM 1", "PM_1", ""),
    ("Feinstaub PM 2,5", "PM_2_5", ""),
    ("Feinstaub PM 10", "PM_10", ""),
    ("Feuerwehr-Alarme", "fire_alert", ""),
    ("Geräuschpegel", "noise", ""),
    ("Helligkeit", "luminosity", ""),
    ("Kohlenstoffmonoxid", "CO", ""),
    ("Ladestationen", "chargingstation", ""),
    ("Lärmmessung", "noice_measurement",
     "Schlüssel in der Schreibweise der Quelle (sic)"),
    ("Luftdruck", "air_pressure", ""),
    ("Luftfeuchtigkeit", "air_humidity", ""),
    ("Lufttemperatur", "air_temprature",
     "Schlüssel in der Schreibweise der Quelle (sic)"),
    ("Luftqualitätsindex", "air_qi", ""),
    ("Schwefeldioxid", "H2S",
     "Schlüssel in der Schreibweise der Quelle (sic)"),
    ("Stickstoffmonoxid", "NO", ""),
    ("Mülleimer", "trash", ""),
    ("Ozon", "O3", ""),
    ("Parkplätze", "parking_slot", ""),
    ("Parkhäuser", "parking_deck", ""),
    ("Stickstoffdioxid", "NO2", ""),
    ("UV-Index", "UV_index", ""),
]


def osm_name(name: str) -> str:
    """City spelling -> OSM spelling ("Kunitz/Laasan" -> "Kunitz / Laasan")."""
    return name.replace("/", " / ")


# ---------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------
WRITTEN: list[str] = []


def rng_for(fname: str) -> random.Random:
    return random.Random(f"{SEED}:{fname}")


def write_csv(fname: str, header: list[str], rows: list[list]) -> None:
    path = os.path.join(OUT, fname)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    WRITTEN.append(fname)


def feature(lon: float, lat: float, props: dict) -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Point",
                         "coordinates": [round(lon, 6), round(lat, 6)]}}


def write_geojson(fname: str, features: list[dict], **members) -> None:
    """FeatureCollection, one feature per line, compact separators."""
    head = {"type": "FeatureCollection", **members}
    head_s = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    body = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":"))
                      for f in features)
    with open(os.path.join(OUT, fname), "w", encoding="utf-8") as fh:
        fh.write(head_s + ',"features":[\n' + body + "\n]}\n")
    WRITTEN.append(fname)


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split an integer total proportionally to weights, exact sum."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    ints = [int(math.floor(x)) for x in raw]
    rest = total - sum(ints)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - ints[i], reverse=True)
    for i in order[:rest]:
        ints[i] += 1
    return ints


def days(start: dt.date, n: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]


# ---------------------------------------------------------------------------
# Geometry: Ortsteil polygons and point placement
# ---------------------------------------------------------------------------
POLY: dict[str, list[list[tuple[float, float]]]] = {}   # city name -> rings
BBOX: dict[str, tuple[float, float, float, float]] = {}


def copy_geometries(source: str | None) -> None:
    if source and os.path.isdir(source):
        with open(os.path.join(source, "ortsteile.geojson"), encoding="utf-8") as fh:
            src = json.load(fh)
        feats = []
        for f in sorted(src["features"], key=lambda f: f["properties"]["name"]):
            rel = f["properties"]["@id"]            # "relation/162811"
            feats.append({"type": "Feature",
                          "properties": {"name": f["properties"]["name"],
                                         "osm_id": int(rel.split("/")[1])},
                          "geometry": f["geometry"]})
        write_geojson("ortsteile-jena.geojson", feats, attribution=OSM_ATTRIBUTION)

        with open(os.path.join(source, "stadtgrenze.geojson"), encoding="utf-8") as fh:
            src = json.load(fh)
        f = src["features"][0]
        props = f["properties"]
        write_geojson("stadtgrenze-jena.geojson", [{
            "type": "Feature",
            "properties": {"name": props["name"],
                           "osm_id": int(props["@id"].split("/")[1]),
                           "ags": props.get("de:amtlicher_gemeindeschluessel")},
            "geometry": f["geometry"]}], attribution=OSM_ATTRIBUTION)
    else:
        print("no --geometry-source given: keeping the boundary files in data/files")


def load_polygons() -> None:
    with open(os.path.join(OUT, "ortsteile-jena.geojson"), encoding="utf-8") as fh:
        fc = json.load(fh)
    by_osm = {f["properties"]["name"]: f for f in fc["features"]}
    for name, *_ in ORTSTEILE:
        geom = by_osm[osm_name(name)]["geometry"]
        rings = geom["coordinates"] if geom["type"] == "Polygon" else geom["coordinates"][0]
        POLY[name] = [[(x, y) for x, y in ring] for ring in rings]
        xs = [x for x, _ in POLY[name][0]]
        ys = [y for _, y in POLY[name][0]]
        BBOX[name] = (min(xs), min(ys), max(xs), max(ys))


def _in_ring(x: float, y: float, ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def in_ortsteil(x: float, y: float, name: str) -> bool:
    rings = POLY[name]
    return _in_ring(x, y, rings[0]) and not any(_in_ring(x, y, r) for r in rings[1:])


def which_ortsteil(x: float, y: float) -> str | None:
    for name in POLY:
        b = BBOX[name]
        if b[0] <= x <= b[2] and b[1] <= y <= b[3] and in_ortsteil(x, y, name):
            return name
    return None


def point_in(name: str, rng: random.Random, core: float = 0.0) -> tuple[float, float]:
    """Random point inside an Ortsteil.  core>0 pulls points towards the
    polygon's vertex centroid (settlements sit in the middle more often than
    at the district boundary in the woods)."""
    x0, y0, x1, y1 = BBOX[name]
    ring = POLY[name][0]
    cx = sum(p[0] for p in ring) / len(ring)
    cy = sum(p[1] for p in ring) / len(ring)
    for _ in range(10000):
        x = rng.uniform(x0, x1)
        y = rng.uniform(y0, y1)
        if core:
            x = cx + (x - cx) * (1 - core * rng.random())
            y = cy + (y - cy) * (1 - core * rng.random())
        # keep a few metres off the boundary so the point's Ortsteil is unambiguous
        if in_ortsteil(x, y, name) and all(
                in_ortsteil(x + dx, y + dy, name)
                for dx, dy in ((0.0003, 0), (-0.0003, 0), (0, 0.0002), (0, -0.0002))):
            return round(x, 6), round(y, 6)
    raise RuntimeError(f"no point found in {name}")


def pick_ortsteil(rng: random.Random, urban_bias: float = 1.0) -> str:
    names = [n for n, *_ in ORTSTEILE]
    weights = [POP[n] ** urban_bias + 150 for n in names]
    return rng.choices(names, weights)[0]


# ---------------------------------------------------------------------------
# Shared synthetic weather 2024 (daily)
# ---------------------------------------------------------------------------
def make_weather() -> dict[dt.date, dict]:
    rng = rng_for("weather-2024")
    out = {}
    anomaly = 0.0
    wet = False
    for d in days(dt.date(2024, 1, 1), 366):
        doy = d.timetuple().tm_yday
        clim = 9.5 - 9.0 * math.cos(2 * math.pi * (doy - 18) / 366)
        anomaly = 0.72 * anomaly + rng.gauss(0, 1.9)
        summer = 0.5 - 0.5 * math.cos(2 * math.pi * (doy - 18) / 366)   # 0 winter .. 1 summer
        wet = rng.random() < (0.58 if wet else 0.27)
        precip = round(rng.expovariate(1 / (3.0 + 3.5 * summer)), 1) if wet else 0.0
        if wet and precip < 0.2:
            precip = 0.2
        sun = rng.uniform(0.05, 0.5) if wet else rng.uniform(0.45, 1.0)
        tmean = clim + anomaly - (1.2 if wet and summer > 0.5 else 0.0)
        span = 5.0 + 9.0 * sun * (0.4 + summer)
        uv_clear = 0.7 + 6.9 * (0.5 + 0.5 * math.cos(2 * math.pi * (doy - 172) / 366))
        out[d] = {
            "tmean": tmean, "tmin": tmean - span * 0.5, "tmax": tmean + span * 0.5,
            "precip": precip, "sun": sun,
            "uv": max(0.0, uv_clear * (0.25 + 0.75 * sun)),
        }
    return out


# ---------------------------------------------------------------------------
# Generators.  Each writes one or more files.
# ---------------------------------------------------------------------------
def gen_population_facts() -> None:
    rows = []
    for name, area, pop, approx in ORTSTEILE:
        rows.append([name, pop, "2017-12-31",
                     "Näherungswert (Quelle nennt nur einen ungefähren Wert)" if approx else ""])
    write_csv("einwohner-ortsteile-2017.csv",
              ["Ortsteil", "Einwohner", "Stichtag", "Hinweis"], rows)

    rows = []
    for name, area, pop, approx in ORTSTEILE:
        rows.append([name, f"{area:.2f}", pop, round(pop / area),
                     "Einwohnerzahl ist ein Näherungswert" if approx else ""])
    write_csv("flaeche-ortsteile.csv",
              ["Ortsteil", "Flaeche_km2", "Einwohner_2017", "Einwohner_je_km2", "Hinweis"],
              rows)


def gen_sensor_categories() -> None:
    write_csv("sensorkategorien-udp.csv", ["Bezeichnung", "Schluessel", "Hinweis"],
              [list(r) for r in SENSOR_CATEGORIES])


AGE_GROUPS = ["0-5", "6-17", "18-29", "30-44", "45-64", "65+"]


def gen_age_structure() -> None:
    rng = rng_for("altersstruktur-ortsteile-2017.csv")
    base = [5.2, 9.5, 17.0, 19.0, 26.0, 23.3]
    student = {"Jena-Zentrum": 2.2, "Jena-Nord": 1.5, "Jena-West": 1.6,
               "Jena-Süd": 1.3, "Wenigenjena": 1.2, "Kernberge": 1.1}
    rows = []
    for name, _, pop, _ in ORTSTEILE:
        w = [b * rng.uniform(0.85, 1.15) for b in base]
        f = student.get(name, 1.0)
        w[2] *= f
        if name in ("Neulobeda", "Winzerla"):
            w[5] *= 1.25
        if name not in URBAN:
            w[2] *= 0.6
            w[4] *= 1.15
        parts = largest_remainder(pop, w)
        rows.append([name, "2017-12-31", *parts, pop])
    write_csv("altersstruktur-ortsteile-2017.csv",
              ["Ortsteil", "Stichtag", *[f"Alter_{g}" for g in AGE_GROUPS], "Einwohner_gesamt"],
              rows)


def gen_population_development() -> None:
    """Yearly balance 2010-2023 anchored at the 2017 Ortsteil sum, plus
    monthly births/deaths 2019-2023 that add up to the yearly figures."""
    rng = rng_for("bevoelkerungsentwicklung-2010-2023.csv")
    years = list(range(2010, 2024))
    flows = {}
    for y in years:
        births = round(rng.gauss(1080 - 6 * abs(y - 2016) - (25 if y >= 2021 else 0), 25))
        deaths = round(rng.gauss(1020 + 8 * (y - 2010) + (90 if y in (2020, 2021, 2022) else 0), 30))
        inflow = round(rng.gauss(7600 + (300 if y in (2015, 2016, 2022) else 0), 180))
        net_target = {2010: 650, 2011: 700, 2012: 720, 2013: 600, 2014: 550, 2015: 820,
                      2016: 700, 2017: 250, 2018: 80, 2019: -120, 2020: -350,
                      2021: -200, 2022: 650, 2023: -150}[y]
        outflow = inflow - (net_target - (births - deaths)) + round(rng.gauss(0, 40))
        flows[y] = (births, deaths, inflow, outflow)
    pop = {2017: POP_2017}
    for y in range(2018, 2024):
        b, d, i, o = flows[y]
        pop[y] = pop[y - 1] + b - d + i - o
    for y in range(2016, 2009, -1):
        b, d, i, o = flows[y + 1]
        pop[y] = pop[y + 1] - (b - d + i - o)
    rows = []
    for y in years:
        b, d, i, o = flows[y]
        rows.append([y, pop[y], b, d, b - d, i, o, i - o])
    write_csv("bevoelkerungsentwicklung-2010-2023.csv",
              ["Jahr", "Einwohner_31_12", "Geburten", "Sterbefaelle", "Natuerlicher_Saldo",
               "Zuzuege", "Fortzuege", "Wanderungssaldo"], rows)

    rng = rng_for("geburten-sterbefaelle-monatlich-2019-2023.csv")
    birth_season = [0.95, 0.88, 0.97, 0.95, 1.0, 1.02, 1.12, 1.1, 1.06, 1.0, 0.95, 1.0]
    death_season = [1.18, 1.1, 1.08, 0.98, 0.93, 0.88, 0.9, 0.9, 0.89, 0.97, 1.02, 1.17]
    rows = []
    for y in range(2019, 2024):
        b, d, _, _ = flows[y]
        bm = largest_remainder(b, [s * rng.uniform(0.92, 1.08) for s in birth_season])
        ds = list(death_season)
        if y in (2020, 2021):
            ds[11 if y == 2020 else 0] *= 1.35
        dm = largest_remainder(d, [s * rng.uniform(0.92, 1.08) for s in ds])
        for m in range(12):
            girls = round(bm[m] * rng.uniform(0.45, 0.52))
            rows.append([f"{y}-{m + 1:02d}", bm[m], girls, bm[m] - girls, dm[m], bm[m] - dm[m]])
    write_csv("geburten-sterbefaelle-monatlich-2019-2023.csv",
              ["Monat", "Geburten", "Geburten_weiblich", "Geburten_maennlich",
               "Sterbefaelle", "Saldo"], rows)


def gen_election() -> None:
    rng = rng_for("stadtratswahl-ergebnisse-ortsteile.csv")
    lists = ["Liste_A", "Liste_B", "Liste_C", "Liste_D", "Liste_E", "Liste_F", "Liste_G"]
    city_share = [0.22, 0.19, 0.16, 0.14, 0.12, 0.10, 0.07]
    rows = []
    for name, _, pop, _ in ORTSTEILE:
        eligible = round(pop * rng.uniform(0.78, 0.86))
        turnout = rng.uniform(0.48, 0.66) if name not in ("Neulobeda", "Winzerla") else rng.uniform(0.36, 0.48)
        voters = round(eligible * turnout)
        invalid = round(voters * rng.uniform(0.01, 0.025))
        valid = voters - invalid
        # Thuringian local elections: 3 votes per voter -> valid votes ~ 2.9 x voters
        votes = round(valid * rng.uniform(2.82, 2.95))
        shares = [s * rng.uniform(0.7, 1.3) for s in city_share]
        rows.append([name, eligible, voters, f"{100 * voters / eligible:.1f}", invalid, valid,
                     votes, *largest_remainder(votes, shares)])
    write_csv("stadtratswahl-ergebnisse-ortsteile.csv",
              ["Ortsteil", "Wahlberechtigte", "Waehler", "Wahlbeteiligung_Prozent",
               "Ungueltige_Stimmzettel", "Gueltige_Stimmzettel", "Gueltige_Stimmen", *lists],
              rows)


def gen_unemployment() -> None:
    rng = rng_for("arbeitslose-monatlich-2019-2023.csv")
    rows = []
    level = 3650.0
    season = [1.07, 1.06, 1.03, 0.99, 0.97, 0.96, 1.0, 1.01, 0.97, 0.95, 0.95, 0.98]
    for y in range(2019, 2024):
        for m in range(12):
            trend = {2019: -8, 2020: 35, 2021: -15, 2022: 2, 2023: 10}[y]
            if y == 2020 and m < 3:
                trend = -5
            level = max(2800, level + trend + rng.gauss(0, 20))
            n = round(level * season[m])
            labour_force = 59800 + 180 * (y - 2019)
            u25 = round(n * rng.uniform(0.085, 0.11))
            long_term = round(n * rng.uniform(0.29, 0.36) * (1.12 if y >= 2021 else 1.0))
            sgb2 = round(n * rng.uniform(0.6, 0.66))
            rows.append([f"{y}-{m + 1:02d}", n, n - sgb2, sgb2, u25, long_term,
                         f"{100 * n / labour_force:.1f}"])
    write_csv("arbeitslose-monatlich-2019-2023.csv",
              ["Monat", "Arbeitslose", "davon_SGB_III", "davon_SGB_II", "unter_25_Jahre",
               "Langzeitarbeitslose", "Arbeitslosenquote_Prozent"], rows)


def gen_tourism() -> None:
    rng = rng_for("tourismus-ankuenfte-uebernachtungen-2019-2023.csv")
    season = [0.62, 0.7, 0.85, 0.98, 1.1, 1.15, 1.22, 1.2, 1.18, 1.12, 0.98, 0.8]
    covid = {(2020, 3): 0.45, (2020, 4): 0.12, (2020, 5): 0.3, (2020, 6): 0.6, (2020, 7): 0.75,
             (2020, 8): 0.8, (2020, 9): 0.72, (2020, 10): 0.6, (2020, 11): 0.2, (2020, 12): 0.18,
             (2021, 1): 0.15, (2021, 2): 0.17, (2021, 3): 0.2, (2021, 4): 0.2, (2021, 5): 0.3,
             (2021, 6): 0.62, (2021, 7): 0.78, (2021, 8): 0.82, (2021, 9): 0.8, (2021, 10): 0.78,
             (2021, 11): 0.55, (2021, 12): 0.45, (2022, 1): 0.6, (2022, 2): 0.7, (2022, 3): 0.8}
    rows = []
    for y in range(2019, 2024):
        for m in range(1, 13):
            f = covid.get((y, m), 1.0) * (1.0 + 0.02 * (y - 2019) if y >= 2022 else 1.0)
            arrivals = round(19500 * season[m - 1] * f * rng.uniform(0.95, 1.05))
            stay = rng.uniform(2.0, 2.35) * (1.25 if f < 0.5 else 1.0)
            nights = round(arrivals * stay)
            beds = round(3150 + 40 * (y - 2019) + rng.uniform(-30, 30))
            days_in_month = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.date(y, m, 1)).days
            util = 100 * nights / (beds * days_in_month)
            rows.append([f"{y}-{m:02d}", arrivals, nights, f"{nights / arrivals:.2f}",
                         beds, f"{util:.1f}"])
    write_csv("tourismus-ankuenfte-uebernachtungen-2019-2023.csv",
              ["Monat", "Ankuenfte", "Uebernachtungen", "Aufenthaltsdauer_Tage",
               "Angebotene_Betten", "Bettenauslastung_Prozent"], rows)


def gen_library() -> None:
    rng = rng_for("ernst-abbe-bibliothek-nutzung-2019-2024.csv")
    season = [1.05, 1.05, 1.06, 0.98, 0.95, 0.9, 0.82, 0.8, 0.96, 1.06, 1.12, 0.95]
    rows = []
    for y in range(2019, 2025):
        for m in range(1, 13):
            closed = {(2020, 4): 0.0, (2020, 3): 0.5, (2020, 5): 0.45, (2020, 12): 0.15,
                      (2021, 1): 0.05, (2021, 2): 0.05, (2021, 3): 0.25, (2021, 4): 0.3,
                      (2021, 5): 0.5}.get((y, m), 1.0)
            if y == 2020 and 6 <= m <= 11:
                closed = 0.75
            growth = {2019: 1.0, 2020: 1.0, 2021: 0.85, 2022: 0.93, 2023: 0.98, 2024: 1.0}[y]
            visits = round(25200 * season[m - 1] * closed * growth * rng.uniform(0.95, 1.05))
            loans = round(visits * rng.uniform(1.55, 1.75)) if closed > 0 else round(
                rng.uniform(3000, 4500))   # pick-up service during closure
            eloans = round((2600 + 900 * (y - 2019)) * (1.4 if closed < 0.5 else 1.0)
                           * rng.uniform(0.93, 1.07))
            events = 0 if closed < 0.5 else rng.randint(8, 26) * (1 if m not in (7, 8) else 0) + rng.randint(0, 4)
            rows.append([f"{y}-{m:02d}", visits, loans, eloans, events])
    write_csv("ernst-abbe-bibliothek-nutzung-2019-2024.csv",
              ["Monat", "Besuche", "Entleihungen_physisch", "Entleihungen_digital",
               "Veranstaltungen"], rows)


def gen_kitas() -> None:
    rng = rng_for("kindertageseinrichtungen.geojson")
    feats = []
    n = 0
    carriers = ["Eigenbetrieb Jenaer Kommunale Kindertagesstätten", "freier Träger",
                "freier Träger", "kirchlicher Träger", "Elterninitiative"]
    for name, _, pop, _ in ORTSTEILE:
        count = round(pop / 1550)
        if pop > 350 and count == 0 and rng.random() < 0.7:
            count = 1
        for k in range(count):
            n += 1
            lon, lat = point_in(name, rng, core=0.5)
            crib = rng.choice([10, 12, 15, 20, 24, 30, 36, 40])
            kg = rng.choice([30, 40, 45, 50, 60, 70, 80, 90, 100, 120])
            if pop < 1500:
                crib, kg = min(crib, 12), min(kg, 40)
            carrier = carriers[0] if rng.random() < 0.3 else rng.choice(carriers[1:])
            feats.append(feature(lon, lat, {
                "id": f"KITA-{n:03d}",
                "name": f"Kita {name}" + (f" {k + 1}" if count > 1 else ""),
                "ortsteil": name, "traeger": carrier,
                "plaetze_krippe": crib, "plaetze_kindergarten": kg,
                "plaetze_gesamt": crib + kg,
                "oeffnungszeit": rng.choice(["06:00-17:00", "06:30-17:00", "06:00-18:00",
                                             "07:00-16:30"]),
                "integrativ": rng.random() < 0.45,
            }))
    write_geojson("kindertageseinrichtungen.geojson", feats)


# Municipal buildings (KIJ); schools are a subset, referenced by id.
BUILDINGS: list[dict] = []


def gen_buildings() -> None:
    rng = rng_for("kommunale-gebaeude.geojson")
    plan = []   # (type, name, ortsteil)
    school_plan = [
        ("Grundschule", ["Jena-Nord", "Jena-Nord", "Jena-Süd", "Jena-West", "Jena-Zentrum",
                         "Neulobeda", "Neulobeda", "Lobeda-Altstadt", "Winzerla", "Wenigenjena",
                         "Wenigenjena", "Kernberge", "Zwätzen", "Cospeda", "Isserstedt"]),
        ("Gemeinschaftsschule", ["Jena-Nord", "Neulobeda", "Winzerla", "Wenigenjena",
                                 "Jena-Süd", "Jena-West"]),
        ("Regelschule", ["Jena-Nord", "Neulobeda"]),
        ("Gymnasium", ["Jena-Zentrum", "Jena-Nord", "Jena-West", "Neulobeda", "Wenigenjena"]),
        ("Förderzentrum", ["Jena-Süd", "Winzerla"]),
        ("Berufsbildende Schule", ["Göschwitz", "Jena-Nord"]),
    ]
    for kind, places in school_plan:
        seen: dict[str, int] = {}
        for p in places:
            seen[p] = seen.get(p, 0) + 1
        cnt: dict[str, int] = {}
        for p in places:
            cnt[p] = cnt.get(p, 0) + 1
            roman = ["I", "II", "III"][cnt[p] - 1]
            plan.append(("Schule", f"{kind} {p}" + (f" {roman}" if seen[p] > 1 else ""), p, kind))
    for p in ["Jena-Nord", "Neulobeda", "Winzerla", "Wenigenjena", "Jena-Süd", "Jena-West",
              "Lobeda-Altstadt", "Kernberge", "Zwätzen", "Isserstedt", "Jena-Zentrum", "Neulobeda"]:
        plan.append(("Sporthalle", f"Sporthalle {p}", p, None))
    for i, p in enumerate(["Jena-Zentrum", "Jena-Zentrum", "Jena-Zentrum", "Jena-Nord",
                           "Neulobeda", "Jena-Süd"]):
        plan.append(("Verwaltung", f"Verwaltungsgebäude {p}" + (f" {i + 1}" if p == "Jena-Zentrum" else ""), p, None))
    for p in ["Jena-Nord", "Lobeda-Altstadt", "Isserstedt", "Kunitz/Laasan", "Maua",
              "Jenaprießnitz/Wogau", "Drackendorf", "Münchenroda/Remderoda"]:
        label = "Feuer- und Rettungswache" if p == "Jena-Nord" else "Gerätehaus Freiwillige Feuerwehr"
        plan.append(("Feuerwehr", f"{label} {p}", p, None))
    for p in ["Neulobeda", "Winzerla", "Jena-Nord", "Wenigenjena"]:
        plan.append(("Stadtteilzentrum", f"Stadtteilzentrum {p}", p, None))
    for p in ["Jena-Zentrum", "Jena-Zentrum", "Jena-West"]:
        plan.append(("Kultur", f"Kulturgebäude {p}", p, None))
    feats = []
    for i, (use, name, ortsteil, kind) in enumerate(plan, start=1):
        lon, lat = point_in(ortsteil, rng, core=0.55)
        year = rng.choice([1898, 1905, 1912, 1926, 1936, 1956, 1962, 1969, 1974, 1978,
                           1983, 1986, 1994, 2002, 2010, 2016, 2021])
        area = {"Schule": {"Grundschule": rng.randint(2400, 4800),
                           "Förderzentrum": rng.randint(1800, 3500)}.get(kind, rng.randint(5200, 9800)),
                "Sporthalle": rng.randint(900, 2600),
                "Verwaltung": rng.randint(1800, 8500), "Feuerwehr": rng.randint(250, 4200),
                "Stadtteilzentrum": rng.randint(600, 1500), "Kultur": rng.randint(900, 5200)}[use]
        if use == "Feuerwehr" and "Gerätehaus" in name:
            area = rng.randint(180, 420)
        refurb = None
        if year < 1995 and rng.random() < 0.6:
            refurb = rng.randint(max(year + 20, 1996), 2022)
        heat = "Fernwärme" if ortsteil in URBAN and rng.random() < 0.85 else rng.choice(
            ["Erdgas", "Erdgas", "Wärmepumpe", "Holzpellets"])
        b = {"id": f"KIJ-{i:04d}", "bezeichnung": name, "nutzungsart": use,
             "schulart": kind, "ortsteil": ortsteil, "baujahr": year,
             "sanierung": refurb, "bgf_m2": area, "waermeversorgung": heat,
             "pv_anlage": rng.random() < 0.25, "lon": lon, "lat": lat}
        BUILDINGS.append(b)
        props = {k: v for k, v in b.items() if k not in ("lon", "lat", "schulart")}
        feats.append(feature(lon, lat, props))
    write_geojson("kommunale-gebaeude.geojson", feats)
    write_csv("kommunale-gebaeude.csv",
              ["Gebaeude_ID", "Bezeichnung", "Nutzungsart", "Ortsteil", "Baujahr",
               "Sanierung", "BGF_m2", "Waermeversorgung", "PV_Anlage", "Breitengrad", "Laengengrad"],
              [[b["id"], b["bezeichnung"], b["nutzungsart"], b["ortsteil"], b["baujahr"],
                b["sanierung"], b["bgf_m2"], b["waermeversorgung"],
                "ja" if b["pv_anlage"] else "nein", b["lat"], b["lon"]] for b in BUILDINGS])


def gen_schools() -> None:
    rng = rng_for("schulen.geojson")
    feats = []
    for b in BUILDINGS:
        if b["nutzungsart"] != "Schule":
            continue
        kind = b["schulart"]
        pupils = {"Grundschule": (180, 420), "Gemeinschaftsschule": (380, 820),
                  "Regelschule": (280, 480), "Gymnasium": (600, 1050),
                  "Förderzentrum": (90, 180), "Berufsbildende Schule": (900, 2100)}[kind]
        n = rng.randint(*pupils)
        classes = max(4, round(n / rng.uniform(20, 25)))
        feats.append(feature(b["lon"], b["lat"], {
            "schulnummer": f"S{b['id'][4:]}", "name": b["bezeichnung"], "schulart": kind,
            "traeger": "Stadt Jena", "ortsteil": b["ortsteil"], "gebaeude_id": b["id"],
            "schueler": n, "klassen": classes,
            "ganztag": kind in ("Grundschule", "Gemeinschaftsschule") or rng.random() < 0.3,
        }))
    write_geojson("schulen.geojson", feats)


def gen_energy() -> None:
    rng = rng_for("energieverbrauch-kommunale-gebaeude-2021-2023.csv")
    rows = []
    year_factor = {2021: 1.0, 2022: 0.86, 2023: 0.9}    # 2022 energy-saving campaign
    for b in BUILDINGS:
        age = b["sanierung"] or b["baujahr"]
        heat_spec = 165 - 0.9 * max(0, age - 1960) + rng.uniform(-15, 15)
        heat_spec = max(45, heat_spec)
        el_spec = {"Schule": 18, "Sporthalle": 22, "Verwaltung": 32, "Feuerwehr": 28,
                   "Stadtteilzentrum": 26, "Kultur": 35}[b["nutzungsart"]] * rng.uniform(0.8, 1.2)
        water_spec = {"Schule": 0.16, "Sporthalle": 0.45, "Verwaltung": 0.12, "Feuerwehr": 0.2,
                      "Stadtteilzentrum": 0.15, "Kultur": 0.1}[b["nutzungsart"]] * rng.uniform(0.8, 1.2)
        for y in (2021, 2022, 2023):
            f = year_factor[y] * rng.uniform(0.96, 1.04)
            heat = round(b["bgf_m2"] * heat_spec * f, -2)
            el = round(b["bgf_m2"] * el_spec * (0.95 + 0.05 * f), -1)
            pv = round(b["bgf_m2"] * rng.uniform(1.5, 4.0), -1) if b["pv_anlage"] else 0
            water = round(b["bgf_m2"] * water_spec * rng.uniform(0.93, 1.07))
            co2 = round((heat * (0.16 if b["waermeversorgung"] == "Fernwärme" else
                                 0.2 if b["waermeversorgung"] == "Erdgas" else 0.04)
                         + (el - pv) * 0.38) / 1000, 1)
            rows.append([b["id"], b["bezeichnung"], y, int(heat), int(el), int(pv), water,
                         round(heat / b["bgf_m2"], 1), co2])
    write_csv("energieverbrauch-kommunale-gebaeude-2021-2023.csv",
              ["Gebaeude_ID", "Bezeichnung", "Jahr", "Waerme_kWh", "Strom_Bezug_kWh",
               "PV_Eigenerzeugung_kWh", "Wasser_m3", "Waerme_kWh_je_m2", "CO2_t"], rows)

    # private dataset: hourly load profile of three buildings, one winter week
    rng = rng_for("energiemonitoring-stundenwerte.csv")
    chosen = [b for b in BUILDINGS if b["nutzungsart"] in ("Schule", "Verwaltung", "Sporthalle")]
    chosen = [chosen[0], next(b for b in chosen if b["nutzungsart"] == "Verwaltung"),
              next(b for b in chosen if b["nutzungsart"] == "Sporthalle")]
    rows = []
    start = dt.datetime(2024, 1, 15)
    for b in chosen:
        base_el = b["bgf_m2"] * 0.0012
        base_heat = b["bgf_m2"] * 0.012
        for h in range(24 * 7):
            t = start + dt.timedelta(hours=h)
            workday = t.weekday() < 5
            occupied = workday and 7 <= t.hour < (16 if b["nutzungsart"] == "Schule" else 18)
            if b["nutzungsart"] == "Sporthalle":
                occupied = (workday and 8 <= t.hour < 21) or (not workday and 9 <= t.hour < 18)
            el = base_el * (3.2 if occupied else 1.0) * rng.uniform(0.9, 1.1)
            heat = base_heat * (1.6 if occupied else 0.7) * rng.uniform(0.9, 1.1)
            if t.hour in (5, 6) and workday:
                heat *= 2.1          # morning boost
            rows.append([b["id"], t.strftime("%Y-%m-%dT%H:00"), f"{el:.1f}", f"{heat:.1f}"])
    write_csv("energiemonitoring-stundenwerte-kw03-2024.csv",
              ["Gebaeude_ID", "Zeitpunkt", "Strom_kWh", "Waerme_kWh"], rows)


# Produktbereiche of the municipal budget (Doppik).
PRODUCT_AREAS = [
    ("11", "Innere Verwaltung", 12.0, 68.0),
    ("12", "Sicherheit und Ordnung", 14.5, 38.0),
    ("21-24", "Schulträgeraufgaben", 9.0, 52.0),
    ("25-29", "Kultur und Wissenschaft", 6.5, 34.0),
    ("31-35", "Soziale Hilfen", 98.0, 148.0),
    ("36", "Kinder-, Jugend- und Familienhilfe", 62.0, 118.0),
    ("41-42", "Gesundheit und Sport", 5.5, 17.0),
    ("51-52", "Räumliche Planung, Bauen und Wohnen", 4.0, 12.5),
    ("53", "Ver- und Entsorgung", 1.2, 3.5),
    ("54", "Verkehrsflächen und ÖPNV", 8.0, 41.0),
    ("55-56", "Natur- und Landschaftspflege, Umweltschutz", 2.1, 11.0),
    ("57", "Wirtschaft und Tourismus", 1.6, 6.5),
    ("61", "Allgemeine Finanzwirtschaft", 0.0, 22.0),
]


def gen_budget() -> dict:
    rng = rng_for("haushaltsplan-ergebnishaushalt-2023-2025.csv")
    plan = {}
    rows = []
    total_exp = {2023: 0.0, 2024: 0.0, 2025: 0.0}
    for code, name, inc, exp in PRODUCT_AREAS:
        for y, f in ((2023, 1.0), (2024, 1.045), (2025, 1.08)):
            e = exp * f * rng.uniform(0.98, 1.02)
            i = inc * f * rng.uniform(0.97, 1.03)
            plan[(code, y)] = (i, e)
            total_exp[y] += e
    # Allgemeine Finanzwirtschaft (taxes, Schlüsselzuweisungen) balances the plan
    for y in total_exp:
        others = sum(plan[(c, y)][0] for c, *_ in PRODUCT_AREAS if c != "61")
        target = total_exp[y] * {2023: 1.004, 2024: 0.996, 2025: 0.992}[y]
        plan[("61", y)] = (target - others, plan[("61", y)][1])
    for code, name, *_ in PRODUCT_AREAS:
        r = [code, name]
        for y in (2023, 2024, 2025):
            i, e = plan[(code, y)]
            r += [f"{i:.2f}", f"{e:.2f}"]
        rows.append(r)
    write_csv("haushaltsplan-ergebnishaushalt-2023-2025.csv",
              ["Produktbereich", "Bezeichnung",
               "Ertraege_2023_Ergebnis_Mio_EUR", "Aufwendungen_2023_Ergebnis_Mio_EUR",
               "Ertraege_2024_Ansatz_Mio_EUR", "Aufwendungen_2024_Ansatz_Mio_EUR",
               "Ertraege_2025_Ansatz_Mio_EUR", "Aufwendungen_2025_Ansatz_Mio_EUR"], rows)

    # private: controlling 2024, quarterly cumulative actuals against the plan
    rng = rng_for("haushaltscontrolling-2024-quartale.csv")
    rows = []
    for code, name, *_ in PRODUCT_AREAS:
        i, e = plan[(code, 2024)]
        dev_e = rng.uniform(-0.04, 0.05)
        dev_i = rng.uniform(-0.06, 0.04)
        for q, share in ((1, 0.23), (2, 0.48), (3, 0.73)):
            ist_e = e * share * (1 + dev_e * q / 3)
            ist_i = i * share * (1 + dev_i * q / 3)
            prog_e = e * (1 + dev_e)
            rows.append([code, name, f"2024-Q{q}", f"{i:.2f}", f"{ist_i:.2f}", f"{e:.2f}",
                         f"{ist_e:.2f}", f"{prog_e:.2f}", f"{100 * (prog_e - e) / e:+.1f}"])
    write_csv("haushaltscontrolling-2024-quartale.csv",
              ["Produktbereich", "Bezeichnung", "Quartal", "Ertraege_Ansatz_Mio_EUR",
               "Ertraege_Ist_kumuliert_Mio_EUR", "Aufwendungen_Ansatz_Mio_EUR",
               "Aufwendungen_Ist_kumuliert_Mio_EUR", "Aufwendungen_Prognose_Mio_EUR",
               "Abweichung_Prognose_Prozent"], rows)
    return plan


def gen_taxes() -> None:
    rng = rng_for("steuereinnahmen-2015-2023.csv")
    rows = []
    gew = 52.0
    for y in range(2015, 2024):
        gew *= {2020: 0.78, 2021: 1.22}.get(y, rng.uniform(1.0, 1.08))
        grb = 17.2 + 0.25 * (y - 2015) + rng.uniform(-0.2, 0.2)
        gra = 0.18 + rng.uniform(-0.01, 0.01)
        est = 38.0 * (1.045 ** (y - 2015)) * (0.95 if y == 2020 else 1.0) * rng.uniform(0.98, 1.02)
        ust = 7.5 * (1.04 ** (y - 2015)) * rng.uniform(0.97, 1.03)
        other = 2.1 + rng.uniform(-0.2, 0.3)
        total = gew + grb + gra + est + ust + other
        rows.append([y, f"{gew:.2f}", f"{grb:.2f}", f"{gra:.2f}", f"{est:.2f}", f"{ust:.2f}",
                     f"{other:.2f}", f"{total:.2f}"])
    write_csv("steuereinnahmen-2015-2023.csv",
              ["Jahr", "Gewerbesteuer_Mio_EUR", "Grundsteuer_B_Mio_EUR", "Grundsteuer_A_Mio_EUR",
               "Gemeindeanteil_Einkommensteuer_Mio_EUR", "Gemeindeanteil_Umsatzsteuer_Mio_EUR",
               "Sonstige_Steuern_Mio_EUR", "Summe_Mio_EUR"], rows)


# Tree register --------------------------------------------------------------
SPECIES = [
    # German, botanical, weight, circumference growth cm/year, max height m
    ("Winter-Linde", "Tilia cordata", 14, 2.6, 28),
    ("Spitz-Ahorn", "Acer platanoides", 13, 2.8, 25),
    ("Berg-Ahorn", "Acer pseudoplatanus", 8, 2.8, 30),
    ("Stiel-Eiche", "Quercus robur", 6, 2.2, 32),
    ("Hainbuche", "Carpinus betulus", 8, 2.0, 20),
    ("Gemeine Esche", "Fraxinus excelsior", 4, 2.7, 30),
    ("Gewöhnliche Rosskastanie", "Aesculus hippocastanum", 5, 3.0, 25),
    ("Ahornblättrige Platane", "Platanus × hispanica", 5, 3.4, 32),
    ("Robinie", "Robinia pseudoacacia", 5, 2.6, 22),
    ("Hänge-Birke", "Betula pendula", 5, 2.4, 22),
    ("Feld-Ahorn", "Acer campestre", 6, 2.0, 15),
    ("Japanische Blütenkirsche", "Prunus serrulata", 4, 2.2, 8),
    ("Baum-Hasel", "Corylus colurna", 4, 2.1, 18),
    ("Schwedische Mehlbeere", "Sorbus intermedia", 4, 2.0, 12),
    ("Gleditschie", "Gleditsia triacanthos", 3, 2.4, 18),
    ("Silber-Linde", "Tilia tomentosa", 3, 2.6, 25),
    ("Amberbaum", "Liquidambar styraciflua", 2, 2.3, 18),
    ("Japanischer Schnurbaum", "Styphnolobium japonicum", 2, 2.4, 18),
]
TREES: list[dict] = []


def gen_trees() -> None:
    rng = rng_for("baumkataster.csv")
    n_trees = 300
    names = [n for n, *_ in ORTSTEILE]
    weights = [POP[n] ** 0.75 + 40 * AREA[n] for n in names]
    counts = largest_remainder(n_trees, weights)
    locations = ["Straßenbaum", "Straßenbaum", "Straßenbaum", "Grünanlage", "Grünanlage",
                 "Schulgelände", "Spielplatz", "Friedhof", "Parkplatz"]
    i = 0
    for name, c in zip(names, counts):
        for _ in range(c):
            i += 1
            de, bot, _, growth, hmax = rng.choices(SPECIES, [s[2] for s in SPECIES])[0]
            year = int(min(2023, max(1890, rng.triangular(1900, 2023, 1995))))
            age = 2024 - year
            circ = max(12, round(age * growth * rng.uniform(0.75, 1.2) + 10))
            height = round(min(hmax, 2.5 + hmax * (1 - math.exp(-age / 28))) * rng.uniform(0.8, 1.1), 1)
            crown = round(max(1.0, height * rng.uniform(0.45, 0.7)), 1)
            vitality = rng.choices([1, 2, 3, 4], [50, 32, 13, 5])[0]
            if age > 90 and vitality < 3 and rng.random() < 0.3:
                vitality += 1
            lon, lat = point_in(name, rng, core=0.5)
            TREES.append({"id": f"B-{i:05d}", "art_deutsch": de, "art_botanisch": bot,
                          "pflanzjahr": year, "stammumfang_cm": circ, "hoehe_m": height,
                          "kronendurchmesser_m": crown, "vitalitaet": vitality,
                          "standort": rng.choice(locations), "ortsteil": name,
                          "lat": lat, "lon": lon})
    write_csv("baumkataster.csv",
              ["Baumnummer", "Art_deutsch", "Art_botanisch", "Pflanzjahr", "Stammumfang_cm",
               "Hoehe_m", "Kronendurchmesser_m", "Vitalitaetsstufe", "Standort", "Ortsteil",
               "Breitengrad", "Laengengrad"],
              [[t["id"], t["art_deutsch"], t["art_botanisch"], t["pflanzjahr"],
                t["stammumfang_cm"], t["hoehe_m"], t["kronendurchmesser_m"], t["vitalitaet"],
                t["standort"], t["ortsteil"], t["lat"], t["lon"]] for t in TREES])
    write_geojson("baumkataster.geojson", [
        feature(t["lon"], t["lat"], {"baumnummer": t["id"], "art": t["art_deutsch"],
                                     "pflanzjahr": t["pflanzjahr"]}) for t in TREES])


# Sensor stations of the Urban Data Platform ----------------------------------
STATIONS: list[dict] = []


def add_station(sid, name, ortsteil, categories, lon, lat, since, operator):
    STATIONS.append({"id": sid, "name": name, "ortsteil": ortsteil, "categories": categories,
                     "lon": lon, "lat": lat, "since": since, "operator": operator})


def gen_station_plan() -> None:
    rng = rng_for("udp-sensorstandorte.geojson")
    lq = [("Jena-Zentrum", "Innenstadt", True), ("Jena-Nord", "Hauptverkehrsstraße Nord", True),
          ("Neulobeda", "Lobeda Wohngebiet", False), ("Winzerla", "Winzerla", False),
          ("Wenigenjena", "Wenigenjena Brückenkopf", True), ("Cospeda", "Stadtrand Cospeda", False)]
    for i, (o, label, traffic) in enumerate(lq, start=1):
        lon, lat = point_in(o, rng, core=0.6)
        cats = ["PM_1", "PM_2_5", "PM_10", "air_temprature", "air_humidity"]
        if traffic:
            cats.append("NO2")
        add_station(f"UDP-LQ-{i:02d}", f"Luftqualität {label}", o, cats, lon, lat,
                    f"2022-{2 + i:02d}-01", "Fachdienst Umweltschutz")
    ws = [("Jena-Zentrum", "Innenstadt"), ("Neulobeda", "Lobeda"), ("Jena-Nord", "Nord"),
          ("Isserstedt", "Isserstedt (Umland)")]
    for i, (o, label) in enumerate(ws, start=1):
        lon, lat = point_in(o, rng, core=0.6)
        cats = ["air_temprature", "air_humidity", "air_pressure", "luminosity"]
        if i == 1:
            cats.append("UV_index")
        add_station(f"UDP-WS-{i:02d}", f"Wetterstation {label}", o, cats, lon, lat,
                    "2023-04-01", "Kommunalservice Jena")
    young = [t for t in TREES if t["pflanzjahr"] >= 2008 and t["ortsteil"] in URBAN]
    picked: list[dict] = []
    for t in young:      # at most two sensors per Ortsteil
        if sum(p["ortsteil"] == t["ortsteil"] for p in picked) < 2:
            picked.append(t)
        if len(picked) == 8:
            break
    for i, t in enumerate(picked, start=1):
        add_station(f"UDP-BF-{i:02d}", f"Bodenfeuchte Baum {t['id']}", t["ortsteil"],
                    ["soil_moisture"], t["lon"], t["lat"], "2023-05-01", "Kommunalservice Jena")
        STATIONS[-1]["tree"] = t["id"]
    lm = [("Jena-Zentrum", "Fußgängerzone", "Innenstadt/Fußgängerzone"),
          ("Jena-Nord", "Hauptverkehrsstraße", "Hauptverkehrsstraße"),
          ("Wenigenjena", "Wohnstraße", "Wohnstraße"), ("Jena-Süd", "Grünanlage", "Park")]
    for i, (o, label, kind) in enumerate(lm, start=1):
        lon, lat = point_in(o, rng, core=0.6)
        add_station(f"UDP-LM-{i:02d}", f"Lärmmessung {o} ({label})", o, ["noise"], lon, lat,
                    "2023-09-01", "Fachdienst Umweltschutz")
        STATIONS[-1]["kind"] = kind


def gen_sensor_locations() -> None:
    """Written after all sensor generators have added their stations."""
    feats = []
    for s in STATIONS:
        props = {"id": s["id"], "name": s["name"], "kategorien": s["categories"],
                 "ortsteil": s["ortsteil"], "in_betrieb_seit": s["since"],
                 "betreiber": s["operator"]}
        feats.append(feature(s["lon"], s["lat"], props))
    write_geojson("udp-sensorstandorte.geojson", feats)
    rows = []
    for s in STATIONS:
        for c in s["categories"]:
            rows.append([s["id"], c, s["ortsteil"], s["since"]])
    write_csv("udp-datastreams.csv", ["Station_ID", "Sensorkategorie", "Ortsteil",
                                      "In_Betrieb_seit"], rows)


def gen_air_quality(weather) -> None:
    rng = rng_for("feinstaub")
    stations = [s for s in STATIONS if s["id"].startswith("UDP-LQ")]
    period = days(dt.date(2024, 1, 1), 60)
    episode = 0.0
    common = {}
    for d in period:
        w = weather[d]
        episode = 0.8 * episode + rng.gauss(0, 4.5)
        cold = max(0.0, 3 - w["tmean"]) * 1.2
        wash = 0.55 if w["precip"] > 2 else 1.0
        common[d] = max(4.0, (15 + episode + cold) * wash)
    pm10, pm25, no2 = [], [], []
    for s in stations:
        traffic = "NO2" in s["categories"]
        offset = 5.5 if traffic else (-3.0 if s["ortsteil"] == "Cospeda" else 0.0)
        ratio = rng.uniform(0.64, 0.72)
        for d in period:
            v10 = max(3.0, common[d] + offset + rng.gauss(0, 2.2))
            v25 = max(2.0, v10 * ratio + rng.gauss(0, 0.8))
            pm10.append([d.isoformat(), s["id"], s["ortsteil"], f"{v10:.1f}",
                         "ja" if v10 > 50 else "nein"])
            pm25.append([d.isoformat(), s["id"], s["ortsteil"], f"{v25:.1f}"])
            if traffic:
                vno2 = max(6.0, 0.9 * common[d] + 14 + rng.gauss(0, 4) -
                           (6 if d.weekday() >= 5 else 0))
                no2.append([d.isoformat(), s["id"], s["ortsteil"], f"{vno2:.1f}"])
    write_csv("feinstaub-pm10-tagesmittel-2024-01-02.csv",
              ["Datum", "Station_ID", "Ortsteil", "PM10_ug_m3", "Ueberschreitung_Tagesgrenzwert_50"],
              pm10)
    write_csv("feinstaub-pm2-5-tagesmittel-2024-01-02.csv",
              ["Datum", "Station_ID", "Ortsteil", "PM2_5_ug_m3"], pm25)
    write_csv("stickstoffdioxid-tagesmittel-2024-01-02.csv",
              ["Datum", "Station_ID", "Ortsteil", "NO2_ug_m3"], no2)


def gen_air_temperature(weather) -> None:
    rng = rng_for("lufttemperatur-tageswerte-2024-06-08.csv")
    offsets = {"Jena-Zentrum": 1.3, "Neulobeda": 0.8, "Jena-Nord": 0.6, "Isserstedt": -1.4}
    rows = []
    for s in [s for s in STATIONS if s["id"].startswith("UDP-WS")]:
        off = offsets[s["ortsteil"]]
        for d in days(dt.date(2024, 6, 1), 92):
            w = weather[d]
            e = rng.gauss(0, 0.3)
            tmin = w["tmin"] + off * 1.3 + e
            tmax = w["tmax"] + off * 0.7 + e
            tmean = w["tmean"] + off + e
            hum = min(98, max(28, 72 - 2.2 * (tmean - 15) + 18 * (w["precip"] > 0) + rng.gauss(0, 4)))
            rows.append([d.isoformat(), s["id"], s["ortsteil"], f"{tmin:.1f}", f"{tmean:.1f}",
                         f"{tmax:.1f}", round(hum), "ja" if tmax >= 30 else "nein"])
    write_csv("lufttemperatur-tageswerte-2024-06-08.csv",
              ["Datum", "Station_ID", "Ortsteil", "Temperatur_min_C", "Temperatur_mittel_C",
               "Temperatur_max_C", "Luftfeuchte_mittel_Prozent", "Heisser_Tag"], rows)


def gen_uv(weather) -> None:
    st = next(s for s in STATIONS if "UV_index" in s["categories"])
    rows = []
    for d in sorted(weather):
        uv = weather[d]["uv"]
        level = ("niedrig" if uv < 3 else "mäßig" if uv < 6 else "hoch" if uv < 8
                 else "sehr hoch" if uv < 11 else "extrem")
        rows.append([d.isoformat(), st["id"], f"{uv:.1f}", level])
    write_csv("uv-index-tagesmaximum-2024.csv",
              ["Datum", "Station_ID", "UV_Index_max", "Einstufung"], rows)


def gen_soil_moisture(weather) -> None:
    rng = rng_for("bodenfeuchte-tageswerte-2024-06-08.csv")
    rows = []
    for s in [s for s in STATIONS if s["id"].startswith("UDP-BF")]:
        m = rng.uniform(24, 30)
        soil = rng.uniform(0.75, 1.15)    # infiltration factor of the tree pit
        for d in days(dt.date(2024, 6, 1), 92):
            w = weather[d]
            et_mm = (1.0 + 0.22 * max(0.0, w["tmean"] - 8)) * (0.5 + 0.8 * w["sun"])
            m = m - 0.3 * et_mm + 0.28 * w["precip"] * soil     # 1 mm ~ 0.33 vol-% in 30 cm
            watered = False
            if m < 14 and d.weekday() in (1, 4):      # watering route Tue/Fri
                m += rng.uniform(9, 13)
                watered = True
            m = min(36.0, max(7.0, m + rng.gauss(0, 0.3)))
            status = "trocken" if m < 14 else "mäßig" if m < 22 else "gut versorgt"
            rows.append([d.isoformat(), s["id"], s["tree"], s["ortsteil"], f"{m:.1f}", status,
                         "ja" if watered else "nein", f"{w['precip']:.1f}"])
    write_csv("bodenfeuchte-tageswerte-2024-06-08.csv",
              ["Datum", "Station_ID", "Baumnummer", "Ortsteil", "Bodenfeuchte_Vol_Prozent",
               "Versorgung", "Bewaesserung", "Niederschlag_mm"], rows)


def gen_noise() -> None:
    rng = rng_for("laermpegel-stundenwerte-2024-06-11-13.csv")
    profiles = {"Hauptverkehrsstraße": (70.5, 60.0), "Innenstadt/Fußgängerzone": (63.0, 50.0),
                "Wohnstraße": (55.0, 43.0), "Park": (50.0, 39.0)}
    rows = []
    for s in [s for s in STATIONS if s["id"].startswith("UDP-LM")]:
        day_l, night_l = profiles[s["kind"]]
        for h in range(72):
            t = dt.datetime(2024, 6, 11) + dt.timedelta(hours=h)
            hr = t.hour
            if 6 <= hr < 22:
                base = day_l - (1.5 if hr in (6, 21) else 0) + (1.0 if hr in (7, 8, 16, 17) else 0)
            else:
                base = night_l + (2.0 if hr in (5, 22) else 0)
            laeq = base + rng.gauss(0, 1.2)
            lmax = laeq + rng.uniform(9, 18)
            rows.append([t.strftime("%Y-%m-%dT%H:00"), s["id"], s["ortsteil"], s["kind"],
                         f"{laeq:.1f}", f"{lmax:.1f}"])
    write_csv("laermpegel-stundenwerte-2024-06-11-13.csv",
              ["Zeitpunkt", "Station_ID", "Ortsteil", "Standorttyp", "LAeq_dB", "LAFmax_dB"], rows)


def gen_noise_mapping() -> None:
    rng = rng_for("laermkartierung-2022-betroffene-ortsteile.csv")
    rows = []
    for name, _, pop, _ in ORTSTEILE:
        exposure = 0.32 if name in URBAN else 0.12
        if name in ("Jena-Zentrum", "Jena-Nord", "Göschwitz", "Burgau", "Löbstedt"):
            exposure += 0.12
        affected = round(pop * exposure * rng.uniform(0.8, 1.2))
        bands = largest_remainder(affected, [45, 30, 16, 7, 2])
        night_total = round(affected * rng.uniform(0.55, 0.7))
        nbands = largest_remainder(night_total, [48, 32, 15, 5])
        rows.append([name, pop, *bands, affected, *nbands, night_total])
    write_csv("laermkartierung-2022-betroffene-ortsteile.csv",
              ["Ortsteil", "Einwohner_2017", "Lden_55_59", "Lden_60_64", "Lden_65_69",
               "Lden_70_74", "Lden_ab_75", "Lden_ab_55_gesamt", "Lnight_50_54", "Lnight_55_59",
               "Lnight_60_64", "Lnight_ab_65", "Lnight_ab_50_gesamt"], rows)


def gen_bike_counts(weather) -> None:
    rng = rng_for("radzaehlstellen-tageswerte-2024-04-06.csv")
    stations = [("RZ-01", "Saaleradweg Burgau", "Burgau", 620),
                ("RZ-02", "Innenstadt Ost", "Jena-Zentrum", 2350),
                ("RZ-03", "Jena-Nord Radroute", "Jena-Nord", 1480),
                ("RZ-04", "Lobeda Radweg", "Neulobeda", 890),
                ("RZ-05", "Wenigenjena Brücke", "Wenigenjena", 1920)]
    srng = rng_for("radzaehlstellen.geojson")
    feats = []
    rows = []
    for sid, label, o, base in stations:
        lon, lat = point_in(o, srng, core=0.6)
        feats.append(feature(lon, lat, {"id": sid, "name": label, "ortsteil": o,
                                        "richtungen": 2, "in_betrieb_seit": "2021-05-01"}))
        leisure = sid == "RZ-01"
        for d in days(dt.date(2024, 4, 1), 91):
            w = weather[d]
            wk = d.weekday() >= 5
            f = (1.45 if leisure else 0.62) if wk else (0.85 if leisure else 1.0)
            if d in (dt.date(2024, 5, 1), dt.date(2024, 5, 9), dt.date(2024, 5, 20)):
                f = 1.5 if leisure else 0.6
            f *= 0.75 + 0.025 * max(0.0, w["tmean"] - 5)
            f *= 0.55 if w["precip"] > 5 else 0.8 if w["precip"] > 0.5 else 1.0
            total = max(30, round(base * f * rng.uniform(0.92, 1.08)))
            a = round(total * rng.uniform(0.46, 0.54))
            rows.append([d.isoformat(), sid, a, total - a, total])
    write_geojson("radzaehlstellen.geojson", feats)
    write_csv("radzaehlstellen-tageswerte-2024-04-06.csv",
              ["Datum", "Zaehlstelle_ID", "Richtung_1", "Richtung_2", "Gesamt"], rows)


def gen_traffic_lights() -> None:
    rng = rng_for("lichtsignalanlagen.geojson")
    feats = []
    names = [n for n, *_ in ORTSTEILE]
    weights = [POP[n] ** 0.9 + (2000 if n in URBAN else 0) for n in names]
    counts = largest_remainder(62, weights)
    i = 0
    for name, c in zip(names, counts):
        for _ in range(c):
            i += 1
            lon, lat = point_in(name, rng, core=0.6)
            kind = rng.choices(["Knotenpunkt", "Fußgängerüberweg", "Einmündung", "Baustellenampel"],
                               [55, 30, 12, 3])[0]
            feats.append(feature(lon, lat, {
                "id": f"LSA-{i:03d}", "ortsteil": name, "typ": kind,
                "baujahr": rng.randint(1992, 2023),
                "akustische_signale": rng.random() < 0.6,
                "vernetzt_verkehrsrechner": rng.random() < 0.7,
                "oepnv_beschleunigung": kind == "Knotenpunkt" and rng.random() < 0.5,
                "sensor_kategorie": "tlc"}))
    write_geojson("lichtsignalanlagen.geojson", feats)


def gen_building_permits() -> None:
    rng = rng_for("baustellen-2024-2025.geojson")
    feats = []
    kinds = [("Leitungsbau Fernwärme", 20), ("Leitungsbau Trinkwasser", 15),
             ("Straßenbau", 20), ("Gehwegsanierung", 15), ("Glasfaserausbau", 15),
             ("Hochbau – Gerüststellung", 10), ("Gleisbau Straßenbahn", 5)]
    restrictions = ["Vollsperrung", "halbseitige Sperrung", "Fahrstreifeneinengung",
                    "Gehwegsperrung", "keine"]
    for i in range(1, 39):
        name = pick_ortsteil(rng, 0.8)
        lon, lat = point_in(name, rng, core=0.6)
        kind = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        start = dt.date(2024, 3, 1) + dt.timedelta(days=rng.randint(0, 300))
        dur = rng.randint(5, 40) if "Gehweg" in kind or "Gerüst" in kind else rng.randint(20, 240)
        r = rng.choices(restrictions, [12, 30, 25, 25, 8])[0]
        feats.append(feature(lon, lat, {
            "genehmigung": f"VAO-2024-{i:04d}", "ortsteil": name, "massnahme": kind,
            "beginn": start.isoformat(), "ende": (start + dt.timedelta(days=dur)).isoformat(),
            "verkehrseinschraenkung": r,
            "umleitung": r == "Vollsperrung",
            "sensor_kategorie": "building_permit"}))
    write_geojson("baustellen-2024-2025.geojson", feats)


def gen_parking() -> None:
    rng = rng_for("parkhaeuser-belegung-2024-06-13-15.csv")
    decks = [("PH-01", "Parkhaus Zentrum Nord", "Jena-Zentrum", 420),
             ("PH-02", "Parkhaus Zentrum Süd", "Jena-Zentrum", 560),
             ("PH-03", "Parkhaus Jena-West", "Jena-West", 310),
             ("PH-04", "Parkhaus Klinikum Lobeda", "Neulobeda", 780),
             ("PH-05", "Parkhaus Jena-Nord", "Jena-Nord", 260)]
    srng = rng_for("parkhaeuser.csv")
    stamm = []
    rows = []
    for pid, label, o, cap in decks:
        lon, lat = point_in(o, srng, core=0.6)
        stamm.append([pid, label, o, cap, rng.choice([8, 10, 12, 16]), "06:00-24:00"
                      if pid != "PH-04" else "00:00-24:00", lat, lon])
        for h in range(72):
            t = dt.datetime(2024, 6, 13) + dt.timedelta(hours=h)
            hr = t.hour
            if pid == "PH-04":     # hospital: weekday day peak, also weekend visitors
                prof = 0.25 + (0.65 if 7 <= hr < 17 else 0.3 if 17 <= hr < 21 else 0.0)
                if t.weekday() == 5:
                    prof = 0.25 + (0.35 if 10 <= hr < 19 else 0.05)
            else:                  # shopping / city centre
                prof = 0.05 + (0.8 * math.exp(-((hr - 13.5) / 3.6) ** 2) if 7 <= hr <= 23 else 0)
                if t.weekday() == 5:
                    prof *= 1.15
            occ = min(cap, max(0, round(cap * prof * rng.uniform(0.9, 1.08))))
            rows.append([t.strftime("%Y-%m-%dT%H:00"), pid, cap, occ, cap - occ,
                         f"{100 * occ / cap:.0f}"])
    write_csv("parkhaeuser.csv",
              ["Parkhaus_ID", "Name", "Ortsteil", "Stellplaetze", "Stellplaetze_E_Laden",
               "Oeffnungszeiten", "Breitengrad", "Laengengrad"], stamm)
    write_csv("parkhaeuser-belegung-2024-06-13-15.csv",
              ["Zeitpunkt", "Parkhaus_ID", "Kapazitaet", "Belegt", "Frei", "Auslastung_Prozent"],
              rows)
    for pid, label, o, cap, ev, hours, lat, lon in stamm:
        add_station(pid, label, o, ["parking_deck"], lon, lat, "2022-10-01",
                    "Fachdienst Mobilität")


def gen_charging() -> None:
    rng = rng_for("ladestationen.geojson")
    feats = []
    stations = []
    for i in range(1, 25):
        name = pick_ortsteil(rng, 0.85)
        lon, lat = point_in(name, rng, core=0.6)
        fast = rng.random() < 0.2
        points = 2 if not fast else rng.choice([2, 4])
        power = rng.choice([150, 50]) if fast else 22
        sid = f"LS-{i:03d}"
        stations.append((sid, name, points, power))
        feats.append(feature(lon, lat, {
            "id": sid, "ortsteil": name, "ladepunkte": points, "leistung_kw": power,
            "stecker": "CCS, CHAdeMO" if power >= 50 else "Typ 2",
            "betreiber": "Stadtwerke Jena", "zugang": "öffentlich, 24/7",
            "in_betrieb_seit": f"{rng.randint(2017, 2024)}-{rng.randint(1, 12):02d}-01",
            "sensor_kategorie": "chargingstation"}))
        add_station(sid, f"Ladestation {sid}", name, ["chargingstation"], lon, lat,
                    "2023-01-01", "Stadtwerke Jena")
    write_geojson("ladestationen.geojson", feats)
    rng = rng_for("ladestationen-nutzung-monatlich-2024.csv")
    rows = []
    for sid, name, points, power in stations:
        base = rng.uniform(40, 95) * points / 2 * (1.6 if power >= 50 else 1.0)
        for m in range(1, 13):
            sessions = round(base * (1 + 0.025 * m) * rng.uniform(0.88, 1.12))
            kwh_per = rng.uniform(24, 34) if power >= 50 else rng.uniform(11, 17)
            energy = round(sessions * kwh_per)
            days_in_month = (dt.date(2024 + (m == 12), m % 12 + 1, 1) - dt.date(2024, m, 1)).days
            hours = sessions * (kwh_per / min(power, 11 if power == 22 else 60) + 0.4)
            occ = 100 * hours / (days_in_month * 24 * points)
            rows.append([f"2024-{m:02d}", sid, name, sessions, energy, f"{min(occ, 95):.1f}"])
    write_csv("ladestationen-nutzung-monatlich-2024.csv",
              ["Monat", "Ladestation_ID", "Ortsteil", "Ladevorgaenge", "Energie_kWh",
               "Belegungsquote_Prozent"], rows)


def gen_trash() -> None:
    rng = rng_for("muelleimer-fuellstand-2024-06-03-16.csv")
    feats = []
    rows = []
    bins = []
    for i in range(1, 41):
        name = rng.choices(["Jena-Zentrum", "Jena-Nord", "Jena-Süd", "Jena-West",
                            "Wenigenjena", "Neulobeda", "Winzerla"], [12, 6, 5, 4, 5, 5, 3])[0]
        lon, lat = point_in(name, rng, core=0.7)
        vol = rng.choice([50, 70, 100, 120])
        loc = rng.choice(["Haltestelle", "Grünanlage", "Fußgängerzone", "Spielplatz",
                          "Straßenrand"])
        bid = f"ME-{i:03d}"
        bins.append((bid, name, loc))
        feats.append(feature(lon, lat, {"id": bid, "ortsteil": name, "volumen_l": vol,
                                        "standorttyp": loc, "sensor_kategorie": "trash"}))
        add_station(bid, f"Mülleimer {bid}", name, ["trash", "battery"], lon, lat,
                    "2023-06-01", "Kommunalservice Jena")
    for bid, name, loc in bins:
        rate = rng.uniform(6, 14) * (1.8 if loc in ("Fußgängerzone", "Haltestelle") else 1.0)
        level = rng.uniform(5, 40)
        battery = rng.uniform(70, 100)
        for d in days(dt.date(2024, 6, 3), 14):
            emptied = level >= 75
            if emptied:
                level = rng.uniform(0, 5)
            rows.append([f"{d.isoformat()}T07:00", bid, name, round(level),
                         "ja" if emptied else "nein", round(battery)])
            level = min(100.0, level + rate * (1.5 if d.weekday() >= 5 else 1.0)
                        * rng.uniform(0.7, 1.3))
            battery -= rng.uniform(0.05, 0.25)
    write_geojson("muelleimer-standorte.geojson", feats)
    write_csv("muelleimer-fuellstand-2024-06-03-16.csv",
              ["Zeitpunkt", "Behaelter_ID", "Ortsteil", "Fuellstand_Prozent",
               "Geleert_vor_Messung", "Batterie_Prozent"], rows)


def gen_lighting() -> None:
    rng = rng_for("smarte-strassenbeleuchtung-pilot.csv")
    rows = []
    areas = [("Jena-Zentrum", 40), ("Neulobeda", 45), ("Jena-Nord", 35)]
    i = 0
    for name, n in areas:
        profile = rng.choice(["P1 Nachtabsenkung 50 % 22-5 Uhr", "P2 bewegungsgesteuert 30/100 %"])
        for _ in range(n):
            i += 1
            lon, lat = point_in(name, rng, core=0.7)
            power = rng.choice([18, 24, 30, 36, 48])
            rows.append([f"LP-{i:04d}", name, lat, lon, "LED", power, profile,
                         rng.choice([3000, 3000, 2700]), f"2023-{rng.randint(3, 11):02d}-01"])
    write_csv("smarte-strassenbeleuchtung-pilot.csv",
              ["Leuchten_ID", "Ortsteil", "Breitengrad", "Laengengrad", "Leuchtmittel",
               "Leistung_W", "Dimmprofil", "Farbtemperatur_K", "Inbetriebnahme"], rows)


def gen_toilets() -> None:
    rng = rng_for("oeffentliche-toiletten.geojson")
    feats = []
    places = ["Jena-Zentrum", "Jena-Zentrum", "Jena-Zentrum", "Jena-Zentrum", "Jena-Nord",
              "Jena-Süd", "Jena-West", "Wenigenjena", "Neulobeda", "Neulobeda", "Winzerla",
              "Lobeda-Altstadt", "Burgau", "Kernberge", "Göschwitz"]
    for i, name in enumerate(places, start=1):
        lon, lat = point_in(name, rng, core=0.6)
        kind = rng.choice(["City-Toilette (vollautomatisch)", "Toilettenanlage",
                           "Toilette im Gebäude"])
        feats.append(feature(lon, lat, {
            "id": f"WC-{i:02d}", "ortsteil": name, "typ": kind,
            "barrierefrei": rng.random() < 0.7, "euroschluessel": rng.random() < 0.5,
            "wickeltisch": rng.random() < 0.5,
            "gebuehr_eur": rng.choice([0.0, 0.5, 0.5, 1.0]),
            "oeffnungszeiten": "24/7" if "City" in kind else rng.choice(
                ["06:00-22:00", "08:00-20:00", "Mo-Fr 07:00-19:00"])}))
    write_geojson("oeffentliche-toiletten.geojson", feats)


def gen_playgrounds() -> None:
    rng = rng_for("spielplaetze.geojson")
    feats = []
    names = [n for n, *_ in ORTSTEILE]
    counts = [max(1, round(POP[n] / 1200)) if POP[n] > 300 else (1 if rng.random() < 0.5 else 0)
              for n in names]
    i = 0
    for name, c in zip(names, counts):
        for _ in range(c):
            i += 1
            lon, lat = point_in(name, rng, core=0.6)
            area = rng.randint(150, 4200)
            feats.append(feature(lon, lat, {
                "id": f"SP-{i:03d}", "ortsteil": name,
                "altersgruppe": rng.choice(["0-6 Jahre", "6-12 Jahre", "0-12 Jahre",
                                            "12+ Jahre (Jugendplatz)"]),
                "flaeche_m2": area, "spielgeraete": max(2, round(area / rng.uniform(180, 400))),
                "schatten": rng.choice(["keiner", "teilweise", "gut"]),
                "letzte_pruefung": (dt.date(2024, 1, 8) + dt.timedelta(days=rng.randint(0, 330))).isoformat()}))
    write_geojson("spielplaetze.geojson", feats)


def gen_code_week() -> None:
    rng = rng_for("code-week-jena-2024-veranstaltungen.csv")
    titles = [
        ("Scratch für Einsteiger", "8-12 Jahre"), ("Calliope mini: Programmieren mit dem Minicomputer", "8-12 Jahre"),
        ("Roboter bauen und steuern", "10-14 Jahre"), ("Python-Grundkurs für Jugendliche", "13-18 Jahre"),
        ("Digitale Selbstverteidigung: sicher im Netz", "Erwachsene"),
        ("Open Data entdecken mit der WISSENsAllmende", "alle Altersgruppen"),
        ("3D-Druck im Makerspace", "12-18 Jahre"), ("Eigene Webseite mit HTML und CSS", "12-16 Jahre"),
        ("Apps bauen mit dem App Inventor", "12-16 Jahre"),
        ("Arduino: Sensoren messen die Luftqualität", "14-18 Jahre"),
        ("Programmieren für Seniorinnen und Senioren", "Senioren"),
        ("Escape Room digital", "10-14 Jahre"), ("Spiele programmieren mit Godot", "14-18 Jahre"),
        ("Lehrkräfte-Workshop: Informatik im Sachunterricht", "Lehrkräfte"),
        ("Datenvisualisierung mit Stadtdaten", "Erwachsene"),
        ("Elektronik löten für Einsteiger", "10-14 Jahre"),
    ]
    organisers = [("Ernst-Abbe-Bibliothek", "Jena-Zentrum"), ("Volkshochschule Jena", "Jena-Zentrum"),
                  ("Stadtteilzentrum Winzerla", "Winzerla"), ("Stadtteilzentrum Neulobeda", "Neulobeda"),
                  ("Smart City Jena", "Jena-Zentrum"), ("Schule (Demodaten)", "Jena-Nord"),
                  ("Makerspace (Demodaten)", "Jena-West"), ("Jugendzentrum (Demodaten)", "Wenigenjena")]
    rows = []
    for i in range(1, 29):
        title, group = titles[(i - 1) % len(titles)] if i <= len(titles) else rng.choice(titles)
        org, place = rng.choice(organisers)
        d = dt.date(2024, 10, 5) + dt.timedelta(days=rng.randint(0, 15))
        start = rng.choice(["09:00", "10:00", "14:00", "15:00", "16:00", "17:30"])
        seats = rng.choice([8, 10, 12, 15, 16, 20, 25, 30])
        booked = min(seats, round(seats * rng.uniform(0.5, 1.15)))
        rows.append([f"CW24-{i:03d}", d.isoformat(), start, title, org, place, group, seats,
                     booked, "ja" if rng.random() < 0.8 else "nein"])
    rows.sort(key=lambda r: (r[1], r[2], r[0]))
    write_csv("code-week-jena-2024-veranstaltungen.csv",
              ["Veranstaltungs_ID", "Datum", "Beginn", "Titel", "Veranstalter", "Ortsteil",
               "Zielgruppe", "Plaetze", "Anmeldungen", "Kostenfrei"], rows)


def gen_traffic_survey() -> None:
    rng = rng_for("verkehrserhebung-2023-knotenpunkte.csv")
    rows = []
    names = ["Jena-Zentrum", "Jena-Zentrum", "Jena-Zentrum", "Jena-Nord", "Jena-Nord",
             "Jena-Nord", "Jena-Süd", "Jena-Süd", "Jena-West", "Jena-West", "Wenigenjena",
             "Wenigenjena", "Neulobeda", "Neulobeda", "Lobeda-Altstadt", "Winzerla",
             "Burgau", "Göschwitz", "Löbstedt", "Zwätzen", "Kernberge", "Isserstedt"]
    for i, name in enumerate(names, start=1):
        lon, lat = point_in(name, rng, core=0.6)
        kfz = round(rng.uniform(9000, 38000) if name in URBAN else rng.uniform(3500, 16000), -2)
        sv = rng.uniform(3.5, 9.5)
        rad = round(kfz * rng.uniform(0.04, 0.16) * (1.6 if name == "Jena-Zentrum" else 1.0), -1)
        fuss = round(rad * rng.uniform(0.6, 2.4) * (2.5 if name == "Jena-Zentrum" else 1.0), -1)
        peak = round(kfz * rng.uniform(0.085, 0.105), -1)
        rows.append([f"K{i:02d}", name, lat, lon, int(kfz), f"{sv:.1f}", int(peak), int(rad),
                     int(fuss), "2023-09-19"])
    write_csv("verkehrserhebung-2023-knotenpunkte.csv",
              ["Knotenpunkt", "Ortsteil", "Breitengrad", "Laengengrad", "Kfz_24h",
               "Schwerverkehrsanteil_Prozent", "Kfz_Spitzenstunde", "Rad_24h", "Fuss_24h",
               "Zaehltag"], rows)


def gen_smart_quarter() -> None:
    rng = rng_for("smartes-quartier-lobeda-monatswerte-2023-2024.csv")
    houses = [("SQ-A", 48), ("SQ-B", 48), ("SQ-C", 40), ("SQ-D", 40), ("SQ-E", 60), ("SQ-F", 40)]
    # 276 flats in total (FACTS: about 250-300)
    feats = []
    rows = []
    heat_season = [1.0, 0.92, 0.78, 0.55, 0.3, 0.12, 0.08, 0.08, 0.2, 0.5, 0.78, 0.95]
    for hid, flats in houses:
        lon, lat = point_in("Neulobeda", rng, core=0.6)
        smart = flats - rng.randint(0, 6)
        feats.append(feature(lon, lat, {"id": hid, "wohnungen": flats,
                                        "wohnungen_smart_home": smart, "ortsteil": "Neulobeda",
                                        "geschosse": rng.choice([5, 6, 11])}))
        for y in (2023, 2024):
            for m in range(12):
                heat = flats * 0.95 * heat_season[m] * (0.93 if y == 2024 else 1.0) * rng.uniform(0.93, 1.07)
                el = flats * rng.uniform(5.5, 7.0) * (1.15 if m in (0, 1, 10, 11) else 1.0)
                temp = 20.4 - (0.3 if y == 2024 else 0) + rng.uniform(-0.3, 0.3) if heat_season[m] > 0.3 else None
                app = min(smart, round(smart * min(0.85, 0.35 + 0.025 * (m + 12 * (y - 2023)))
                                       * rng.uniform(0.95, 1.05)))
                rows.append([f"{y}-{m + 1:02d}", hid, flats, smart, f"{heat:.1f}", round(el),
                             f"{temp:.1f}" if temp is not None else "", app])
    write_geojson("smartes-quartier-lobeda-gebaeude.geojson", feats)
    write_csv("smartes-quartier-lobeda-monatswerte-2023-2024.csv",
              ["Monat", "Gebaeude_ID", "Wohnungen", "Wohnungen_Smart_Home", "Waerme_MWh",
               "Allgemeinstrom_kWh", "Raumtemperatur_Heizperiode_C", "Aktive_App_Nutzer"], rows)


def gen_grid_sales() -> None:
    rng = rng_for("netzabsatz-strom-fernwaerme-2019-2023.csv")
    rows = []
    for y in range(2019, 2024):
        save = {2022: 0.93, 2023: 0.94}.get(y, 1.0)
        hh = 162 * rng.uniform(0.98, 1.02) * (1.03 if y in (2020, 2021) else 1.0) * save
        gew = 188 * rng.uniform(0.97, 1.03) * (0.92 if y == 2020 else 1.0) * save
        ind = 131 * rng.uniform(0.96, 1.04) * save
        fw = 395 * rng.uniform(0.95, 1.05) * (0.9 if y == 2022 else 1.0) * save
        pv = 9.5 * 1.18 ** (y - 2019)
        ev = 1.1 * 1.55 ** (y - 2019)
        rows.append([y, f"{hh:.1f}", f"{gew:.1f}", f"{ind:.1f}", f"{hh + gew + ind:.1f}",
                     f"{fw:.1f}", f"{pv:.1f}", f"{ev:.2f}"])
    write_csv("netzabsatz-strom-fernwaerme-2019-2023.csv",
              ["Jahr", "Strom_Haushalte_GWh", "Strom_Gewerbe_GWh", "Strom_Industrie_GWh",
               "Strom_gesamt_GWh", "Fernwaerme_GWh", "PV_Einspeisung_GWh", "Ladestrom_oeffentlich_GWh"],
              rows)


# ---------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--geometry-source", metavar="DIR",
                    help="folder holding the OpenStreetMap exports ortsteile.geojson and "
                         "stadtgrenze.geojson (default: keep the boundary files in data/files)")
    args = ap.parse_args()
    if args.geometry_source and not os.path.isdir(args.geometry_source):
        ap.error(f"--geometry-source: {args.geometry_source} is not a folder")
    os.makedirs(OUT, exist_ok=True)
    copy_geometries(args.geometry_source)
    load_polygons()

    gen_population_facts()
    gen_sensor_categories()
    gen_age_structure()
    gen_population_development()
    gen_election()
    gen_unemployment()
    gen_tourism()
    gen_library()
    gen_kitas()
    gen_buildings()
    gen_schools()
    gen_energy()
    gen_budget()
    gen_taxes()
    gen_trees()
    weather = make_weather()
    gen_station_plan()
    gen_air_quality(weather)
    gen_air_temperature(weather)
    gen_uv(weather)
    gen_soil_moisture(weather)
    gen_noise()
    gen_noise_mapping()
    gen_bike_counts(weather)
    gen_traffic_lights()
    gen_building_permits()
    gen_parking()
    gen_charging()
    gen_trash()
    gen_lighting()
    gen_toilets()
    gen_playgrounds()
    gen_code_week()
    gen_traffic_survey()
    gen_smart_quarter()
    gen_grid_sales()
    gen_sensor_locations()

    stale = sorted(set(os.listdir(OUT)) - set(WRITTEN) - {
        "ortsteile-jena.geojson", "stadtgrenze-jena.geojson"})
    if stale:
        print("files not written by this run (remove if obsolete):", ", ".join(stale))
    total = 0
    for f in sorted(set(WRITTEN)):
        size = os.path.getsize(os.path.join(OUT, f))
        total += size
        print(f"{size:8d}  {f}")
    print(f"{total:8d}  total")


if __name__ == "__main__":
    main()
