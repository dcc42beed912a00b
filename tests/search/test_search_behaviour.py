"""Dataset search on PostgreSQL, as portal users and API clients meet it."""
import datetime
import json

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.lib import search
from ckan.plugins import toolkit
from ckan.tests import factories, helpers

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


def names(result):
    return sorted(r["name"] for r in result["results"])


def search_as(user=None, **params):
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    return helpers.call_action("package_search", context=context, **params)


class TestGermanFullText:
    def test_word_parts_of_compounds_are_found(self):
        factories.Dataset(name="baumkataster", title="Baumkataster der Stadt Jena")
        factories.Dataset(name="haushalt", title="Haushaltsplan 2025")
        assert names(search_as(q="Baum")) == ["baumkataster"]
        assert names(search_as(q="kataster")) == ["baumkataster"]
        assert names(search_as(q="Haushalt")) == ["haushalt"]

    def test_umlauts_sharp_s_and_inflections_meet(self):
        factories.Dataset(name="strassenbaeume", title="Straßenbäume in Jena-Nord",
                          notes="Standorte aller Bäume an städtischen Straßen.")
        for q in ("Bäume", "Baume", "Baum", "Strassenbaume", "STRASSE", "städtisch", "Jena-Nord"):
            assert names(search_as(q=q)) == ["strassenbaeume"], q

    def test_all_words_of_a_short_query_must_match(self):
        factories.Dataset(name="feinstaub-nord", title="Feinstaub Jena-Nord")
        factories.Dataset(name="feinstaub-lobeda", title="Feinstaub Lobeda")
        assert names(search_as(q="Feinstaub Lobeda")) == ["feinstaub-lobeda"]
        assert names(search_as(q="Feinstaub")) == ["feinstaub-lobeda", "feinstaub-nord"]

    def test_title_matches_rank_above_description_matches(self):
        factories.Dataset(name="nebenbei", title="Haushaltsdaten",
                          notes="Auch Angaben zu Parkhäusern sind enthalten.")
        factories.Dataset(name="parkhaeuser", title="Parkhäuser Jena", notes="Belegung")
        result = search_as(q="Parkhäuser")
        assert [r["name"] for r in result["results"]] == ["parkhaeuser", "nebenbei"]

    def test_phrases_keep_word_order(self):
        factories.Dataset(name="aa", title="Öffentliche Toiletten")
        factories.Dataset(name="bb", title="Toiletten, öffentliche Gebäude")
        assert names(search_as(q='"öffentliche Toiletten"')) == ["aa"]

    def test_a_pasted_address_finds_the_dataset_that_names_it(self, app):
        # Lucene reads "https://..." as field "https" with a regular expression and refuses it
        url = "https://www.jena.de/daten/baeume.csv"
        factories.Dataset(name="mit-adresse", title="Bäume",
                          notes=f"Die Datei liegt unter {url} bereit.")
        factories.Dataset(name="ohne-adresse", title="Bäume im Park")
        assert names(search_as(q=url)) == ["mit-adresse"]
        page = app.get("/dataset/", query_string={"q": url}, status=200)
        assert "/dataset/mit-adresse" in page.body
        assert "/dataset/ohne-adresse" not in page.body

    def test_resource_names_and_extras_are_searchable(self):
        factories.Dataset(name="sensoren", title="Sensoren",
                          extras=[{"key": "sensor_category", "value": "soil_moisture"}],
                          resources=[{"url": "http://example.org/x.csv", "name": "Bodenfeuchte Tageswerte"}])
        assert names(search_as(q="Bodenfeuchte")) == ["sensoren"]
        assert names(search_as(q="soil_moisture")) == ["sensoren"]


class TestFilterDialect:
    def test_tags_are_exact_and_case_sensitive_like_solr_string_fields(self):
        factories.Dataset(name="aa", tags=[{"name": "Umwelt"}, {"name": "Open Data"}])
        factories.Dataset(name="bb", tags=[{"name": "umwelt"}])
        assert names(search_as(fq="tags:Umwelt")) == ["aa"]
        assert names(search_as(fq='tags:"Open Data"')) == ["aa"]
        assert names(search_as(fq="-tags:Umwelt")) == ["bb"]
        assert names(search_as(fq="tags:(Umwelt OR umwelt)")) == ["aa", "bb"]
        assert names(search_as(fq="tags:Umw*")) == ["aa"]

    def test_date_ranges_with_solr_date_math(self):
        old = factories.Dataset(name="alt")
        factories.Dataset(name="neu")
        model.Session.execute(
            model.package_table.update().where(model.package_table.c.id == old["id"])
            .values(metadata_modified=datetime.datetime(2015, 1, 1)))
        model.Session.commit()
        search.rebuild(old["id"])
        assert names(search_as(fq="metadata_modified:[NOW-1DAY TO NOW+1DAY]")) == ["neu"]
        assert names(search_as(fq="metadata_modified:[* TO 2016-01-01T00:00:00Z]")) == ["alt"]
        assert names(search_as(fq="metadata_modified:{2015-01-01T00:00:00Z TO *]")) == ["neu"]

    def test_numeric_ranges(self):
        factories.Dataset(name="leer")
        factories.Dataset(name="zwei", resources=[{"url": "http://e.org/1"}, {"url": "http://e.org/2"}])
        assert names(search_as(fq="num_resources:[1 TO *]")) == ["zwei"]
        assert names(search_as(fq="num_resources:[0 TO 1}")) == ["leer"]

    def test_or_groups_and_negation_combine(self):
        org_a = factories.Organization(name="fd-statistik")
        org_b = factories.Organization(name="stadtwerke")
        factories.Dataset(name="aa", owner_org=org_a["id"], tags=[{"name": "xx"}])
        factories.Dataset(name="bb", owner_org=org_b["id"])
        factories.Dataset(name="cc", owner_org=org_b["id"], tags=[{"name": "xx"}])
        fq = '+organization:(fd-statistik OR stadtwerke) -tags:xx'
        assert names(search_as(fq=fq)) == ["bb"]
        # CKAN wraps fq in required clauses, so an OR needs its parentheses (as with Solr)
        assert names(search_as(fq=f'(owner_org:"{org_a["id"]}" OR tags:xx)')) == ["aa", "cc"]


class TestResultsFacetsPaging:
    def test_facets_count_the_whole_hit_set_not_the_page(self):
        org = factories.Organization(name="kse")
        for i in range(5):
            factories.Dataset(name=f"d{i}", owner_org=org["id"],
                              tags=[{"name": "Baum"}] + ([{"name": "Linde"}] if i % 2 else []))
        result = search_as(rows=1, **{"facet.field": json.dumps(["tags", "organization"])})
        assert result["count"] == 5
        assert len(result["results"]) == 1
        assert result["facets"]["tags"] == {"Baum": 5, "Linde": 2}
        assert result["facets"]["organization"] == {"kse": 5}
        items = result["search_facets"]["organization"]["items"]
        assert items[0]["display_name"] == org["title"]

    def test_facet_limit_keeps_the_most_frequent(self):
        for i in range(3):
            factories.Dataset(tags=[{"name": "oft"}] + ([{"name": "selten"}] if i == 0 else []))
        result = search_as(**{"facet.field": json.dumps(["tags"]), "facet.limit": 1})
        assert result["facets"]["tags"] == {"oft": 3}

    def test_sort_and_paging(self):
        for title in ("Zebra", "Apfel", "Mango"):
            factories.Dataset(title=title)
        asc = search_as(sort="title_string asc")
        assert [r["title"] for r in asc["results"]] == ["Apfel", "Mango", "Zebra"]
        page = search_as(sort="title_string asc", rows=1, start=1)
        assert [r["title"] for r in page["results"]] == ["Mango"]
        assert page["count"] == 3
        newest = search_as(sort="metadata_modified desc")
        assert [r["title"] for r in newest["results"]] == ["Mango", "Apfel", "Zebra"]

    def test_field_list_returns_only_the_requested_fields(self):
        factories.Dataset(name="nur-name", title="Nur Name")
        result = search_as(fl="name,title")
        assert result["results"] == [{"name": "nur-name", "title": "Nur Name"}]

    def test_autocomplete_finds_parts_of_names_and_titles(self):
        factories.Dataset(name="ladestationen", title="Ladestationen für E-Autos")
        factories.Dataset(name="schulen", title="Schulen")
        found = helpers.call_action("package_autocomplete", q="stationen")
        assert [d["name"] for d in found] == ["ladestationen"]


class TestPrivacy:
    def test_private_datasets_only_for_members_and_drafts_only_for_their_creator(self):
        member = factories.User()
        outsider = factories.User()
        org = factories.Organization(users=[{"name": member["name"], "capacity": "editor"}])
        factories.Dataset(name="oeffentlich", owner_org=org["id"])
        factories.Dataset(name="intern", owner_org=org["id"], private=True)
        factories.Dataset(name="entwurf", owner_org=org["id"], state="draft", user=member)

        assert names(search_as()) == ["oeffentlich"]
        assert names(search_as(outsider, include_private=True, include_drafts=True)) == ["oeffentlich"]
        assert names(search_as(member, include_private=True)) == ["intern", "oeffentlich"]
        assert names(search_as(member, include_drafts=True)) == ["entwurf", "oeffentlich"]
        # facets must not leak what a visitor may not see
        result = search_as(**{"facet.field": json.dumps(["organization"])})
        assert result["facets"]["organization"] == {org["name"]: 1}

    def test_autocomplete_hides_private_datasets(self):
        org = factories.Organization()
        factories.Dataset(name="geheim-baum", owner_org=org["id"], private=True)
        found = helpers.call_action("package_autocomplete", context={"user": "", "ignore_auth": False},
                                    q="baum")
        assert found == []


class TestIndexing:
    def test_index_entry_is_written_in_the_same_transaction_as_the_dataset(self):
        dataset = factories.Dataset(title="Transaktion")
        package_xmin = model.Session.execute(
            model.sa.text("SELECT xmin::text FROM package WHERE id = :id"), {"id": dataset["id"]}).scalar()
        # the index row is written in a savepoint; indexed_xact names its top-level transaction
        index_xmin = model.Session.execute(
            model.sa.text("SELECT (indexed_xact::text::bigint & 4294967295)::text "
                          "FROM jena_search_document WHERE id = :id"), {"id": dataset["id"]}).scalar()
        assert package_xmin == index_xmin

    def test_a_failed_write_leaves_the_index_as_it_was(self):
        # The write must fail AFTER the search document was written in the same transaction:
        # a deferred constraint trigger fails the COMMIT itself, and first checks (from inside
        # that transaction) that the index already holds the new title.
        dataset = factories.Dataset(name="bleibt", title="Alter Titel")
        model.Session.execute(model.sa.text("""
            CREATE FUNCTION jena_test_fail_commit() RETURNS trigger AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM jena_search_document
                         WHERE id = NEW.id AND title = 'Neuer Titel') THEN
                RAISE EXCEPTION 'jena test: commit failed after the index was written';
              END IF;
              RAISE EXCEPTION 'jena test: the index was not written before the commit';
            END $$ LANGUAGE plpgsql"""))
        model.Session.execute(model.sa.text("""
            CREATE CONSTRAINT TRIGGER jena_test_fail_commit AFTER UPDATE ON package
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            EXECUTE FUNCTION jena_test_fail_commit()"""))
        model.Session.commit()
        try:
            with pytest.raises(model.sa.exc.DBAPIError,
                               match="commit failed after the index was written"):
                helpers.call_action("package_update", id=dataset["id"], name="bleibt",
                                    title="Neuer Titel")
            model.Session.rollback()
        finally:
            model.Session.execute(model.sa.text("DROP TRIGGER jena_test_fail_commit ON package"))
            model.Session.execute(model.sa.text("DROP FUNCTION jena_test_fail_commit()"))
            model.Session.commit()
        assert names(search_as(q="Alter")) == ["bleibt"]
        assert search_as(q="Neuer")["count"] == 0
        assert helpers.call_action("package_show", id=dataset["id"])["title"] == "Alter Titel"

    def test_updates_and_deletes_reach_the_index_at_once(self):
        dataset = factories.Dataset(title="Vorher")
        helpers.call_action("package_patch", id=dataset["id"], title="Nachher")
        assert search_as(q="Nachher")["count"] == 1
        assert search_as(q="Vorher")["count"] == 0
        helpers.call_action("package_delete", id=dataset["id"])
        assert search_as(q="Nachher")["count"] == 0

    def test_other_plugins_index_fields_are_searchable(self):
        # ckanext-spatial, scheming etc. add fields in before_dataset_index; CKAN copies
        # extras to the root of the document, so a plain field filter finds them
        factories.Dataset(name="mit-extra", extras=[{"key": "district", "value": "Winzerla"}])
        assert names(search_as(fq='district:"Winzerla"')) == ["mit-extra"]

    def test_rebuild_and_clear(self):
        factories.Dataset(name="aa")
        factories.Dataset(name="bb")
        search.clear_all()
        assert search_as()["count"] == 0
        search.rebuild()
        assert names(search_as()) == ["aa", "bb"]


class TestErrors:
    def test_unsupported_syntax_is_a_400_naming_the_part(self, app):
        response = app.get("/api/3/action/package_search", query_string={"q": "title:baum~2"},
                           status=400)
        error = response.json["error"]
        assert error["__type"] == "Search Query Error"
        assert "fuzzy" in error["message"]

    def test_bad_sort_is_a_400(self, app):
        response = app.get("/api/3/action/package_search", query_string={"sort": "title sideways"},
                           status=400)
        assert "sort" in response.json["error"]["message"]

    def test_search_page_answers_400_not_500_for_unsupported_syntax(self, app):
        response = app.get("/dataset/", query_string={"q": "name:/re.ex/"}, status=400)
        assert "regular expression" in response.body


@pytest.mark.ckan_config("ckan.plugins", "jena_search")
@pytest.mark.usefixtures("with_plugins")
class TestBoundingBox:
    def polygon(self, minx, miny, maxx, maxy):
        return json.dumps({"type": "Polygon", "coordinates": [[
            [minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]})

    def test_ext_bbox_finds_overlapping_extents(self):
        factories.Dataset(name="lobeda", extras=[{"key": "spatial",
                                                  "value": self.polygon(11.59, 50.88, 11.62, 50.90)}])
        factories.Dataset(name="nord", extras=[{"key": "spatial",
                                                "value": self.polygon(11.58, 50.94, 11.60, 50.96)}])
        factories.Dataset(name="ohne-raumbezug")
        assert names(search_as(ext_bbox="11.60,50.89,11.70,50.92")) == ["lobeda"]
        assert names(search_as(ext_bbox="11.0,50.0,12.0,51.0")) == ["lobeda", "nord"]

    def test_bad_bbox_is_a_clear_400(self, app):
        response = app.get("/api/3/action/package_search", query_string={"ext_bbox": "11,50,abc"},
                           status=400)
        assert "minx,miny,maxx,maxy" in response.json["error"]["message"]


@pytest.mark.ckan_config("ckan.plugins", "jena_search")
@pytest.mark.usefixtures("with_plugins")
def test_parallel_rebuild_command_restores_the_index(cli):
    from ckan.cli.cli import ckan
    for i in range(5):
        factories.Dataset(name=f"parallel-{i}")
    search.clear_all()
    assert search_as()["count"] == 0
    started = model.Session.execute(sa.text("SELECT now()")).scalar()
    last_change = model.Session.execute(sa.text("SELECT COALESCE(max(seq), 0) FROM jena_search_change")).scalar()
    model.Session.commit()
    result = cli.invoke(ckan, ["jena", "search", "rebuild", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "indexed 5 of 5 datasets" in result.output
    model.Session.remove()
    # the rebuild marks the change log once per chunk instead of listing each row it wrote
    logged = model.Session.execute(sa.text(
        "SELECT count(index_id), count(*) - count(index_id) FROM jena_search_change WHERE seq > :s"),
        {"s": last_change}).one()
    assert tuple(logged) == (0, 2)
    assert names(search_as()) == [f"parallel-{i}" for i in range(5)]
    # the planner's statistics of the index are renewed by the rebuild
    analysed = dict(model.Session.execute(sa.text(
        "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname IN "
        "('jena_search_document', 'jena_search_term', 'jena_search_word')")).all())
    assert sorted(analysed) == ["jena_search_document", "jena_search_term", "jena_search_word"]
    assert all(when is not None and when > started for when in analysed.values()), analysed


class TestWhatPeopleType:
    def test_search_box_text_is_never_a_syntax_error(self, app):
        factories.Dataset(name="saale", title="Pegel der Saale in Jena")
        for q in ("Jena (Saale", "[Saale]", 'Saale"', "Saale~", "Saale^", "Saale\\", "!Saale"):
            response = app.get("/api/3/action/package_search", query_string={"q": q})
            assert response.json["result"]["count"] == 1, q

    def test_whole_tokens_like_domains_are_found(self):
        factories.Dataset(name="kontakt", notes="Fragen an statistik@jena.de oder www.jena.de")
        assert names(search_as(q="jena.de")) == ["kontakt"]
        assert names(search_as(q="statistik@jena.de")) == ["kontakt"]

    @pytest.mark.parametrize("params", [
        {"start": "99999999999999999999"},
        {"fq": "metadata_modified:[NOW-99999999999999YEARS TO NOW]"},
        {"q": "Baum\x00"},
        {"rows": "10", "facet.field": json.dumps([f"f{i}" for i in range(60)])},
    ])
    def test_absurd_input_is_a_400_not_a_500(self, app, params):
        app.get("/api/3/action/package_search", query_string=params, status=400)
