"""The truth about place in explainers (issue 14, item 8): a harvested record about somewhere else
(a Land, all of Germany, a place in France) is never described as being "für ganz Jena"; a
harvested record that names no place says so. The city's own datasets keep "ganz Jena" when
they name no Ortsteil."""
import json
import os

import pytest

from ckanext.jena.explainer import core
from tests.harvest.helpers import harvested, make_source, marks
from tests.harvest.test_real_corpus import CORPUS, PORTALS, REAL
from tests.jena_plugins import HARVEST_PLUGINS, with_explainer

pytestmark = [m for m in marks(with_explainer(HARVEST_PLUGINS))
              if m.args[:1] != ("ckanext.jena.harvest.allowed_hosts",)] + [
    pytest.mark.ckan_config("ckanext.jena.harvest.allowed_hosts", "127.0.0.1 " + PORTALS),
    pytest.mark.usefixtures("explainer_tables")]

# Germany's bounding box, a point in Jena, a point in Évian (France)
GERMANY = {"type": "Polygon", "coordinates": [[[5.87, 47.27], [15.04, 47.27], [15.04, 55.06], [5.87, 55.06],
                                                [5.87, 47.27]]]}
IN_JENA = {"type": "Point", "coordinates": [11.5865, 50.9279]}
IN_FRANCE = {"type": "Point", "coordinates": [6.59, 46.40]}


def _text(drafts: dict, lang: str) -> str:
    return " ".join(drafts[lang].values())


def test_no_explainer_of_a_harvested_real_record_places_it_in_jena():
    from ckanext.jena.harvest.runner import run_source
    for number, name in enumerate(("sh-opendata-catalog-page50.rdf", "gdide-csw-getrecords-iso19139.xml",
                                   "geonetwork-datara-dcat.rdf")):
        source_type, url, config, *_ = CORPUS[name]
        source = make_source(url, source_type, config, name=f"quelle-{number}")
        run_source(source["id"], document=os.path.join(REAL, name))
    datasets = harvested()
    # at least what the corpus test expects of these three documents (the lenient import raises it)
    assert len(datasets) >= sum(CORPUS[name][3] for name in ("sh-opendata-catalog-page50.rdf",
                                                             "gdide-csw-getrecords-iso19139.xml",
                                                             "geonetwork-datara-dcat.rdf"))
    places = {"elsewhere": 0, "larger": 0, "none": 0}
    for dataset in datasets:
        drafts, _generator = core.draft_for(dataset)
        assert "ganz Jena" not in _text(drafts, "de") and "in Jena" not in _text(drafts, "de"), dataset["name"]
        assert "all of Jena" not in _text(drafts, "en"), dataset["name"]
        about = drafts["de"]["about"]
        places["elsewhere"] += "Gebiet außerhalb von Jena" in about
        places["larger"] += "größeres Gebiet, zu dem Jena gehört" in about
        places["none"] += "Der Datensatz nennt keinen Ort." in about
    assert sum(places.values()) == len(datasets), places
    assert places["elsewhere"] and places["larger"], places


@pytest.mark.parametrize("spatial, harvested_from, expected_de, expected_en", [
    (GERMANY, "GDI-DE", "ein größeres Gebiet, zu dem Jena gehört", "a larger area that includes Jena"),
    (IN_FRANCE, "DataRA", "Die Daten gelten für ein Gebiet außerhalb von Jena.", "an area outside Jena"),
    (None, "GovData", "Der Datensatz nennt keinen Ort.", "The dataset names no place."),
    (IN_JENA, "Geoportal Jena", "Die Daten gelten für ganz Jena.", "The data covers all of Jena."),
    (None, None, "Die Daten gelten für ganz Jena.", "The data covers all of Jena."),  # the city's own
])
def test_the_explainer_says_where_a_record_is_about(spatial, harvested_from, expected_de, expected_en):
    from ckanext.jena.explainer.generator import Inputs
    from ckanext.jena.explainer.rules import RuleGenerator
    from ckanext.jena.taxonomy import store as taxonomy_store
    dataset = {"id": "x", "name": "x", "title": "Bodenrichtwerte", "resources": [{"format": "CSV"}]}
    if spatial:
        dataset["spatial"] = json.dumps(spatial)
        dataset["districts"] = ["jena"]  # what a geometry covering the city is turned into
    inputs = Inputs(dataset=dataset, profiles=[], taxonomy=taxonomy_store.current(), harvest_source=harvested_from)
    german, english = RuleGenerator().generate(inputs, "de"), RuleGenerator().generate(inputs, "en")
    assert expected_de in " ".join(german.values()) and expected_en in " ".join(english.values())
    if harvested_from and spatial is not IN_JENA:
        assert "ganz Jena" not in " ".join(german.values()) and "all of Jena" not in " ".join(english.values())
