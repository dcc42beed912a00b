"""Parse -> store -> serialise -> parse keeps every mapped field: generated datasets
(hypothesis) and the real Bremen catalog GovData harvested (153 datasets).

Every field the dcat_ap_de profile maps is generated: texts, keywords, licences, action fields,
themes, frequency, access rights, languages, places (districts and the area derived from them),
the temporal coverage, contact, landing page, source, provenance, release and modification
dates, version, and the resources' links (url, access_url, download_url), formats, licences and
sizes."""
import datetime
import json
import os
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ckan.lib.munge import munge_title_to_name
from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.dcat.processors import RDFParser, RDFSerializer
from ckanext.jena.schema import inbound, places, vocabularies
from ckanext.jena.taxonomy import model as taxonomy_model
from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

pytestmark = schema_marks(SCHEMA_PLUGINS + " jena_dcat") + [
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de jena_explainer"),
    pytest.mark.usefixtures("clean_db", "clean_index"),
]
BREMEN = os.path.join(os.path.dirname(__file__), "examples", "bremen-catalog-original-input.rdf")
TAXONOMY = taxonomy_model.Taxonomy(*taxonomy_model.packaged_sources(), "http://x/")
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=3, max_size=10)
DATE = st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2030, 12, 31))
# dct:issued / dct:modified: a day, or a moment to the second (as DCAT-AP allows both)
MOMENT = st.one_of(DATE.map(datetime.date.isoformat),
                   st.datetimes(min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2030, 12, 31))
                   .map(lambda moment: moment.replace(microsecond=0).isoformat()))
URL_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)


@st.composite
def resource_links(draw) -> dict:
    """A resource's links as the form asks for them: the file or link (url); a direct download
    (download_url) and an access page or API (access_url), each only where it differs from
    url. DCAT has two properties for the three; see test_links_dcat_cannot_carry."""
    url = "https://daten.example/" + draw(URL_WORD) + "." + draw(st.sampled_from(["csv", "json", "bin"]))
    links = {"url": url}
    if draw(st.booleans()):
        links["download_url"] = url
        if draw(st.booleans()):
            links["access_url"] = "https://api.example/" + draw(URL_WORD)
    return links


def codes(name):
    return list(vocabularies.vocabulary(name)["choices"])


@st.composite
def jena_datasets(draw):
    start = draw(DATE)
    end = draw(st.one_of(st.none(), DATE.filter(lambda d: d >= start)))
    fields = draw(st.lists(st.sampled_from(TAXONOMY.valid_values()), max_size=3, unique=True))
    districts = draw(st.one_of(st.just(["jena"]),
                               st.lists(st.sampled_from(list(places.districts())), min_size=1, max_size=3, unique=True)))
    resources = draw(st.lists(st.fixed_dictionaries({
        "name": WORD.map(str.title), "links": resource_links(),
        "format": st.sampled_from(["CSV", "JSON", "GeoJSON", "XLSX", "PDF"]),
        "license": st.sampled_from(["", "cc-by/4.0", "dl-zero-de/2.0"]),
        "size": st.integers(min_value=0, max_value=10**9),
    }), min_size=1, max_size=3))
    return {
        "title": " ".join(draw(st.lists(WORD, min_size=1, max_size=4))).title(),
        "notes": " ".join(draw(st.lists(WORD, min_size=3, max_size=12))) + ".",
        "tags": [{"name": w} for w in draw(st.lists(WORD, min_size=1, max_size=4, unique=True))],
        "license_id": draw(st.sampled_from(["dl-by-de/2.0", "dl-zero-de/2.0", "cc-by/4.0", "odbl"])),
        "action_fields": TAXONOMY.with_fields(fields),
        "theme": draw(st.lists(st.sampled_from(codes("eu_themes")), max_size=3, unique=True)),
        "frequency": draw(st.sampled_from(codes("frequency"))),
        "access_rights": draw(st.sampled_from(codes("access_rights"))),
        "language": draw(st.lists(st.sampled_from(codes("language")), min_size=1, max_size=2, unique=True)),
        "districts": districts,
        "temporal_coverage": [{"start": start.isoformat(), **({"end": end.isoformat()} if end else {})}],
        "contact": [{"name": draw(WORD).title(), "email": draw(st.text(alphabet="abcdefghij", min_size=3, max_size=8)) + "@jena.de"}],
        "url": "https://www.jena.de/" + draw(WORD),
        "source": "https://opendata.jena.de/dataset/" + draw(WORD),
        "version": draw(st.sampled_from(["1.0", "2024", "3.1.4"])),
        "provenance": draw(st.one_of(st.just(""), st.lists(WORD, min_size=2, max_size=8).map(
            lambda words: " ".join(words).capitalize() + "."))),
        # (without them, ckanext-dcat writes the record's own dates: not a round trip)
        "issued": draw(MOMENT),
        "modified": draw(MOMENT),
        "resources": [{**{k: v for k, v in r.items() if v != "" and k != "links"}, **r["links"]}
                      for r in resources],
    }


def round_trip(dataset: dict) -> dict:
    serializer = RDFSerializer(profiles=["dcat_ap_de"])
    serializer.graph_from_dataset(dataset)
    parser = RDFParser(profiles=["dcat_ap_de"])
    parser.g = serializer.g
    found = list(parser.datasets())
    assert len(found) == 1
    return found[0]


MAPPED = ("title", "notes", "license_id", "action_fields", "theme", "frequency", "access_rights",
          "language", "districts", "temporal_coverage", "contact", "url", "source", "version",
          "provenance", "issued", "modified")


def mapped(dataset: dict, with_area: bool = True) -> dict:
    """The mapped fields of a dataset. The area (`spatial`) is derived from the districts when
    a dataset is stored; a parsed dataset names the districts and gets it back when stored
    (with_area=False for a parsed dataset not stored yet)."""
    out = {k: dataset.get(k) or None for k in MAPPED}
    if with_area:
        out["spatial"] = json.loads(dataset["spatial"]) if dataset.get("spatial") else None
    out["tags"] = sorted(t["name"] for t in dataset.get("tags") or [])
    out["contact"] = [{k: c.get(k) for k in ("name", "email")} for c in dataset.get("contact") or []]
    # a distribution licence equal to the dataset's is inherited, not a value of its own
    # DCAT needs an access URL on every distribution: the url where there is no access_url
    out["resources"] = list((r.get("name"), r.get("url"), r.get("access_url") or r.get("url"),
                               r.get("download_url"), (r.get("format") or "").upper(),
                               r.get("license") if r.get("license") != dataset.get("license_id") else None,
                               int(r["size"]) if r.get("size") is not None else None)
                              for r in dataset.get("resources") or [])
    # (two resources alike but for an empty licence or size sort by their text form)
    out["resources"] = sorted(out["resources"], key=lambda row: tuple("" if v is None else str(v) for v in row))
    return out


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(generated=jena_datasets())
def test_generated_datasets_survive_serialise_parse_store_serialise_parse(generated):
    org = factories.Organization(org_type="fachdienst")
    stored = helpers.call_action("package_create", name="g-" + uuid.uuid4().hex[:12], owner_org=org["id"],
                                 **generated)
    parsed = round_trip(stored)
    assert mapped(parsed, with_area=False) == mapped(stored, with_area=False)
    again = helpers.call_action("package_create", **dict(parsed, name="p-" + uuid.uuid4().hex[:12],
                                                         owner_org=org["id"]))
    assert mapped(again) == mapped(stored)
    assert mapped(round_trip(again), with_area=False) == mapped(stored, with_area=False)


def test_a_drawn_area_survives_as_its_bounding_box():
    """The output carries a drawn area as dcat:bbox beside the districts derived from it; the
    parser keeps it (the districts' own area would be their whole polygons)."""
    org = factories.Organization(org_type="fachdienst")
    square = {"type": "Polygon", "coordinates": [[[11.58, 50.92], [11.59, 50.92], [11.59, 50.93],
                                                   [11.58, 50.93], [11.58, 50.92]]]}
    stored = helpers.call_action("package_create", name="gezeichnet", owner_org=org["id"], title="Fläche",
                                 notes="Ein gezeichnetes Gebiet.", tags=[{"name": "fläche"}],
                                 license_id="dl-by-de/2.0", spatial=json.dumps(square),
                                 resources=[{"url": "https://daten.example/a.csv", "format": "CSV"}])
    parsed = round_trip(stored)
    again = helpers.call_action("package_create", **dict(parsed, name="wieder", owner_org=org["id"]))
    assert places.parse_geometry(again["spatial"]).bounds == places.parse_geometry(stored["spatial"]).bounds


def test_the_bremen_catalog_parses_into_153_valid_jena_datasets():
    """All 153 are valid as harvested datasets; 152 even by the rules for the city's own (one has
    neither keywords nor themes: no keyword is invented, the gap is listed)."""
    parser = RDFParser(profiles=["dcat_ap_de"])
    with open(BREMEN, "rb") as f:
        parser.parse(f.read(), _format="xml")
    org = factories.Organization(org_type="sonstige")
    created, failures, harvested_only = 0, [], []
    for index, dataset in enumerate(parser.datasets()):
        name = (munge_title_to_name(dataset.get("title") or "datensatz")[:80] + f"-{index}").strip("-")
        try:
            helpers.call_action("package_create", **dict(dataset, name=name, owner_org=org["id"]))
            created += 1
        except toolkit.ValidationError as exc:
            assert ("tags", "missing", None) in {(g["field"], g["problem"], g.get("value"))
                                                 for g in inbound.gaps_of(dataset)}
            harvested_only.append(dataset["title"])
            try:
                stored = helpers.call_action("package_create", **dict(
                    dataset, name=name, owner_org=org["id"], harvested_from="bremen"))
                assert ("tags", "missing", None) in {(g["field"], g["problem"], g.get("value"))
                                                     for g in inbound.gaps_of(stored)}
                created += 1
            except Exception as exc:  # collect all, report together
                failures.append((dataset.get("title"), getattr(exc, "error_dict", str(exc))))
        except Exception as exc:
            failures.append((dataset.get("title"), getattr(exc, "error_dict", str(exc))))
    assert failures == []
    assert created == 153
    assert len(harvested_only) == 1
