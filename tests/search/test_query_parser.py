"""The Lucene/DisMax dialect CKAN sends, as jena_search reads it (no database needed)."""
import pytest

from ckanext.jena.search.lucene import (
    MATCH_ALL, MUST, MUST_NOT, SHOULD, Bool, Term, UnsupportedQuery, minimum_should_match,
    parse_dismax, parse_lucene)


def occurs(node):
    return [(c.occur, c.node.field, c.node.text) for c in node.clauses]


def test_ckan_filter_with_required_and_grouped_values():
    node = parse_lucene('+capacity:public +state:(active OR draft)')
    assert [c.occur for c in node.clauses] == [MUST, MUST]
    state = node.clauses[1].node
    assert isinstance(state, Bool)
    assert [(c.occur, c.node.field, c.node.text) for c in state.clauses] == [
        (SHOULD, "state", "active"), (SHOULD, "state", "draft")]


def test_default_operator_and_makes_bare_clauses_required():
    node = parse_lucene("tags:a tags:b")
    assert [c.occur for c in node.clauses] == [MUST, MUST]


def test_lucene_precedence_a_or_b_and_c():
    # Lucene's addClause: "a OR b AND c" -> a SHOULD, b MUST, c MUST
    node = parse_lucene("name:a OR name:b AND name:c", default_and=False)
    assert [c.occur for c in node.clauses] == [SHOULD, MUST, MUST]


def test_negation_forms():
    for text in ("-tags:x", "NOT tags:x", "!tags:x"):
        node = parse_lucene(text)
        assert occurs(node) == [(MUST_NOT, "tags", "x")]


def test_quoted_values_ranges_and_wildcards():
    node = parse_lucene('tags:"Open Data" metadata_modified:[NOW-1YEAR TO *] res_format:CS* '
                        'num_resources:{0 TO 5]')
    kinds = [(c.node.field, c.node.kind) for c in node.clauses]
    assert kinds == [("tags", "phrase"), ("metadata_modified", "range"),
                     ("res_format", "prefix"), ("num_resources", "range")]
    modified, num = node.clauses[1].node, node.clauses[3].node
    assert (modified.low, modified.high) == ("NOW-1YEAR", None)
    assert (num.include_low, num.include_high) == (False, True)


def test_field_exists_and_match_all():
    assert parse_lucene("*:*") == MATCH_ALL
    assert parse_lucene("extras_spatial:*") == Term("extras_spatial", "exists")
    assert parse_lucene("extras_spatial:[* TO *]") == Term("extras_spatial", "exists")


def test_escaped_characters_and_blank_after_colon():
    assert parse_lucene(r'name:foo\:bar') == Term("name", "term", "foo:bar")
    assert parse_lucene('groups: "lenny"') == Term("groups", "phrase", "lenny")
    assert parse_lucene("_query_store : true") == Term("_query_store", "term", "true")


def test_hyphenated_ids_are_terms_not_negations():
    node = parse_lucene("id:2b2c6e0a-4d5f-4e8b-9c1a-000000000001")
    assert node == Term("id", "term", "2b2c6e0a-4d5f-4e8b-9c1a-000000000001")


@pytest.mark.parametrize("text, part", [
    ("title:roam~", "fuzzy"),
    ('"baum kataster"~3', "proximity"),
    ("{!frange l=0}foo", "local parameters"),
    ("name:/ba.m/", "regular expression"),
    ("tags:(a OR b", "parenthesis"),
    ('tags:"open', "quoted phrase"),
    ("metadata_modified:[2020 TO", "range"),
    ("--included", "operator"),
])
def test_unsupported_or_malformed_syntax_names_the_problem(text, part):
    with pytest.raises(UnsupportedQuery) as error:
        parse_lucene(text)
    assert part in str(error.value)


@pytest.mark.parametrize("text", [
    "https://www.jena.de/daten/baeume.csv",
    "HTTP://example.org/a?b=c&d=e",
    "ftp://ftp.jena.de/pub/",
])
def test_a_pasted_address_is_text_not_a_field_with_a_regular_expression(text):
    # Lucene would read "https" as a field and "//..." as a regular expression and refuse it
    assert parse_lucene(text) == Term(None, "phrase", text)


def test_an_address_next_to_words_and_filters_keeps_them():
    node = parse_lucene("Baum https://www.jena.de/x.csv tags:Umwelt")
    assert occurs(node) == [(MUST, None, "Baum"), (MUST, None, "https://www.jena.de/x.csv"),
                            (MUST, "tags", "Umwelt")]


def test_a_field_named_like_a_scheme_without_slashes_stays_a_field():
    assert parse_lucene("http:foo") == Term("http", "term", "foo")


def test_boosts_only_rank_and_are_accepted():
    assert parse_lucene("title:baum^2") == Term("title", "term", "baum")


def test_dismax_counts_optional_words_with_ckans_mm():
    node = parse_dismax("Baum Jena Ortsteil Kataster", "2<-1 5<80%")
    assert node.min_should == 3
    assert all(c.occur == SHOULD for c in node.clauses)
    node = parse_dismax('+Baum -Linde "Jena Nord"', "2<-1 5<80%")
    assert [c.occur for c in node.clauses] == [MUST, MUST_NOT, SHOULD]
    assert node.clauses[2].node.kind == "phrase"


def test_dismax_is_lenient_with_what_people_type():
    assert parse_dismax("", None) == MATCH_ALL
    node = parse_dismax("Jena - Nord", "2<-1 5<80%")
    assert [c.node.text for c in node.clauses] == ["Jena", "Nord"]


@pytest.mark.parametrize("spec, n, expected", [
    ("2<-1 5<80%", 1, 1), ("2<-1 5<80%", 2, 2), ("2<-1 5<80%", 3, 2), ("2<-1 5<80%", 5, 4),
    ("2<-1 5<80%", 10, 8), ("100%", 4, 4), ("1", 4, 1), ("-1", 4, 3), ("-25%", 4, 3),
    ("75%", 4, 3),
])
def test_minimum_should_match(spec, n, expected):
    assert minimum_should_match(spec, n) == expected
