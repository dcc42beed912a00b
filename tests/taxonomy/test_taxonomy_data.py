"""The taxonomy as data: the packaged SKOS file, its checks, mappings and suggestions."""
import pytest

from ckanext.jena.taxonomy import model, suggest

BASE = "https://wissensallmende.example/taxonomy/"


@pytest.fixture
def taxonomy():
    return model.Taxonomy(*model.packaged_sources(), BASE)


def variant(replacements: dict, extra: str = "") -> model.Taxonomy:
    turtle, mappings = model.packaged_sources()
    for old, new in replacements.items():
        assert old in turtle, old
        turtle = turtle.replace(old, new)
    return model.Taxonomy(turtle + extra, mappings, BASE)


def test_the_packaged_taxonomy_is_complete_and_has_no_problems(taxonomy):
    assert taxonomy.problems() == []
    assert [f.notation for f in taxonomy.fields()] == [
        "digitale-infrastruktur", "stadtentwicklung-umwelt-verkehr", "bildung-kultur-soziales",
        "wirtschaft", "digitale-verwaltung"]
    assert [m.notation for m in taxonomy.measures("stadtentwicklung-umwelt-verkehr")] == [
        "smartes-quartier-lobeda", "gruenstadtpflege", "verkehrsmanagement"]
    for concept in taxonomy.concepts.values():
        assert concept.uri == BASE + concept.notation
        assert set(concept.labels) >= {"de", "en"} and set(concept.definitions) >= {"de", "en"}
    assert taxonomy.label("gruenstadtpflege", "en") == "Sensor-based care of green spaces"


def test_earlier_schemes_map_onto_the_current_one(taxonomy):
    assert taxonomy.replacement("acht-punkte-2018-parkleitsystem") == (["verkehrsmanagement"], "closeMatch")
    assert taxonomy.replacement("ziele-2023-datenbereitstellung") == (["digitale-infrastruktur"], "exactMatch")
    assert taxonomy.replacement("acht-punkte-2018-gigabitnetz") == (["digitale-infrastruktur"], "broadMatch")
    assert taxonomy.replacement("gruenstadtpflege") == (["gruenstadtpflege"], "current")
    assert taxonomy.replacement("no-such-thing") == ([], "unknown")
    schemes = {c.scheme for c in taxonomy.concepts.values()}
    assert schemes == {"handlungsfelder", "acht-punkte-2018", "ziele-2023"}


def test_a_measure_implies_its_field(taxonomy):
    assert taxonomy.with_fields(["code-week"]) == ["bildung-kultur-soziales", "code-week"]
    assert taxonomy.field_of("verkehrsmanagement") == "stadtentwicklung-umwelt-verkehr"


def test_broken_taxonomy_files_are_refused_with_reasons():
    broken = variant({'skos:broader <digitale-verwaltung> ;\n    skos:notation "egovernment-plus"':
                      'skos:broader <verwaltung-gibt-es-nicht> ;\n    skos:notation "egovernment-plus"',
                      '"Economy"@en': '"Economy"@fr'},
                     extra='<alt> a skos:Concept ; skos:inScheme <handlungsfelder> ; '
                           'skos:broader <wirtschaft> ; owl:deprecated true ; '
                           'skos:prefLabel "Alt"@de, "Old"@en ; skos:definition "a"@de, "b"@en .\n')
    problems = "\n".join(broken.problems())
    assert "egovernment-plus has an unknown broader concept 'verwaltung-gibt-es-nicht'" in problems
    assert "wirtschaft has no skos:prefLabel in 'en'" in problems
    assert "deprecated concept alt needs dct:isReplacedBy" in problems
    with pytest.raises(model.TaxonomyError):
        model.Taxonomy("<a> <b> ", {}, BASE)


def test_mapping_tables_may_only_name_current_concepts():
    turtle, mappings = model.packaged_sources()
    mappings = dict(mappings, sensor_categories="categories:\n  noise: {action_fields: [laerm]}\n")
    problems = model.Taxonomy(turtle, mappings, BASE).problems()
    assert problems == ["sensor-categories.yaml noise: 'laerm' is not a current concept of the taxonomy"]


def test_diff_names_added_renamed_and_deprecated_concepts(taxonomy):
    changed = variant(
        {'"Wirtschaft"@de': '"Wirtschaft und Arbeit"@de',
         '<smart-city-logistik> a skos:Concept ;':
         '<smart-city-logistik> a skos:Concept ; owl:deprecated true ; dct:isReplacedBy <wirtschaft> ;'},
        extra='<innenstadt-handel> a skos:Concept ; skos:inScheme <handlungsfelder> ; '
              'skos:broader <wirtschaft> ; skos:notation "innenstadt-handel" ; '
              'skos:prefLabel "Digitaler Innenstadthandel"@de, "Digital city-centre retail"@en ; '
              'skos:definition "Läden in der Innenstadt."@de, "Shops in the city centre."@en .\n')
    assert changed.problems() == []
    lines = model.diff(taxonomy, changed)
    assert "added measure of wirtschaft innenstadt-handel: Digitaler Innenstadthandel" in lines
    assert "renamed wirtschaft (de): 'Wirtschaft' -> 'Wirtschaft und Arbeit'" in lines
    assert "deprecated smart-city-logistik; its datasets move to: wirtschaft" in lines
    assert "smart-city-logistik" not in changed.valid_values()


@pytest.mark.parametrize("data, expected", [
    ({"sensor_category": "soil_moisture"}, "gruenstadtpflege"),
    ({"groups": [{"name": "mobilitaet"}]}, "verkehrsmanagement"),
    ({"groups": ["Politik und Wahlen"]}, "digitale-verwaltung"),
    ({"tags": [{"name": "Straßenbäume"}]}, "gruenstadtpflege"),
    ({"theme": ["http://publications.europa.eu/resource/authority/data-theme/ECON"]}, "wirtschaft"),
    ({"title": "Schulstandorte in Jena"}, "lernen-der-zukunft"),
])
def test_suggestions_come_from_the_mapping_tables(taxonomy, data, expected):
    found = suggest.suggest(taxonomy, data)
    assert found and found[0]["id"] == expected
    assert all(s["suggested"] for s in found)


def test_confirmed_action_fields_are_not_suggested_again(taxonomy):
    data = {"sensor_category": "soil_moisture",
            "action_fields": ["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"]}
    assert suggest.suggest(taxonomy, data) == []
    assert suggest.suggest(taxonomy, {"title": "Ohne Bezug"}) == []
