"""Plain-language explainers through the API, the pages, search and the DCAT output: what
citizens read, what data officers may change, and that private stays private on every path."""
import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS as DCT, FOAF, RDF

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.explainer import core, jobs, readability, store
from ckanext.jena.explainer.generator import SECTIONS
from tests.jena_plugins import EXPLAINER_PLUGINS, schema_marks

pytestmark = schema_marks(EXPLAINER_PLUGINS) + [
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de jena_explainer"),
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.usefixtures("clean_db", "clean_index", "explainer_tables"),
]


@pytest.fixture
def org():
    return factories.Organization(org_type="fachdienst")


def make(org, **fields):
    data = {"name": "baeume", "title": "Bäume im öffentlichen Raum", "notes": "Alle Straßenbäume, Werte gerundet.",
            "owner_org": org["id"], "license_id": "dl-by-de/2.0", "tags": [{"name": "Bäume"}],
            "action_fields": ["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"], "theme": ["ENVI"],
            "districts": ["winzerla", "neulobeda"], "frequency": "annual",
            "temporal_coverage": [{"start": "2020-01-01", "end": "2024-12-31"}],
            "contact": [{"name": "Kommunalservice", "email": "ksj@jena.de"}],
            "resources": [{"name": "Baumliste", "url": "https://example.org/baeume.csv", "format": "CSV"}]}
    data.update(fields)
    return helpers.call_action("package_create", **data)


def show(dataset_id, user="", lang=None):
    data = {"id": dataset_id}
    if lang:
        data["lang"] = lang
    return helpers.call_action("jena_explainer_show", context={"user": user, "ignore_auth": False}, **data)


def update(dataset_id, user, **data):
    return helpers.call_action("jena_explainer_update", context={"user": user, "ignore_auth": False},
                               id=dataset_id, **data)


def section(explainer, key):
    return next(s for s in explainer["sections"] if s["key"] == key)


def signed_in(user: dict) -> dict:
    """Request arguments of a signed-in user: an API token, as CKAN's own tests sign in (CKAN
    2.12 no longer takes the user from REMOTE_USER)."""
    return {"headers": {"Authorization": factories.APIToken(user=user["name"])["token"]}}


def officers(org):
    editor = factories.User()
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="member")
    return editor, member


def test_every_dataset_gets_a_plain_german_draft_from_its_metadata(org):
    pkg = make(org)
    explainer = show(pkg["id"])
    assert explainer["lang"] == "de" and explainer["status"] == "generated"
    assert "Automatisch erstellt" in explainer["status_label"]
    assert [s["key"] for s in explainer["sections"]] == list(SECTIONS)
    about = section(explainer, "about")["markdown"]
    assert "Bäume im öffentlichen Raum" in about and "Winzerla" in about
    # the glossary link points at the glossary page, not at a made-up scheme
    assert re.search(r"\[Datensatz\]\(http://[^)]+/glossar#datensatz\)", about)
    assert "Handlungsfeld" in section(explainer, "smart_city")["markdown"]
    assert "Sensorgestützte Grünstadtpflege" in section(explainer, "smart_city")["markdown"]
    assert "Einmal im Jahr gibt es neue Daten." in section(explainer, "freshness")["markdown"]
    assert "2020 bis 2024" in section(explainer, "freshness")["markdown"]
    assert "LibreOffice" in section(explainer, "usage")["markdown"]
    assert "ungefähr" in section(explainer, "limits")["markdown"]      # "gerundet" in the notes
    assert explainer["readability"]["flesch"] >= 60, explainer["readability"]
    assert explainer["readability"]["wstf"] <= 8
    english = show(pkg["id"], lang="en")
    assert "The [dataset](" in section(english, "about")["markdown"]
    assert "once a year" in section(english, "freshness")["markdown"]
    with pytest.raises(toolkit.ValidationError):
        show(pkg["id"], lang="fr")


def test_the_draft_is_deterministic_and_stored_by_the_background_job(org):
    pkg = make(org)
    dataset = helpers.call_action("package_show", id=pkg["id"])
    first, _ = core.draft_for(dataset)
    second, _ = core.draft_for(dataset)
    assert first == second
    # the change queued a job; the worker runs explain_dataset_job
    queued = helpers.call_action("job_list")
    assert any(job["title"] == "jena explainer" for job in queued)
    assert show(pkg["id"])["stored"] is False
    jobs.explain_dataset_job(pkg["id"])
    stored = show(pkg["id"])
    assert stored["stored"] is True
    assert [s["markdown"] for s in stored["sections"]] == [
        s["markdown"] for s in core.view(dataset, "de", editor=False)["sections"]]


def test_only_editors_of_the_dataset_may_edit_review_and_regenerate(org):
    pkg = make(org)
    editor, member = officers(org)
    stranger = factories.User()
    other_admin = factories.User()
    helpers.call_action("organization_member_create", id=factories.Organization(org_type="fachdienst")["id"],
                        username=other_admin["name"], role="admin")
    for user in ("", member["name"], stranger["name"], other_admin["name"]):
        with pytest.raises(toolkit.NotAuthorized):
            update(pkg["id"], user, sections={"summary": "Neu."})
        with pytest.raises(toolkit.NotAuthorized):
            helpers.call_action("jena_explainer_generate", context={"user": user, "ignore_auth": False}, id=pkg["id"])
    changed = update(pkg["id"], editor["name"], sections={"summary": "Wo in Jena Bäume stehen."}, reviewed=True)
    assert changed["status"] == "reviewed" and changed["reviewed_by"] == editor["name"]
    # citizens see the reviewed text, but not who reviewed it
    public = show(pkg["id"])
    assert public["summary"] == "Wo in Jena Bäume stehen." and public["status"] == "reviewed"
    assert "reviewed_by" not in public and "offered" not in public
    result = helpers.call_action("jena_explainer_generate", context={"user": editor["name"], "ignore_auth": False},
                                 id=pkg["id"])
    assert result["profiling"] is None and set(result) >= {"de", "en"}


def test_private_explainers_stay_private_on_every_path(org, app):
    pkg = make(org, private=True, name="intern", title="Interne Baumliste")
    jobs.explain(pkg["id"], profile=False)
    editor, member = officers(org)
    stranger = factories.User()
    for user in ("", stranger["name"]):
        with pytest.raises(toolkit.NotAuthorized):
            show(pkg["id"], user=user)
    assert show(pkg["id"], user=member["name"])["summary"]  # members may read their private data
    # pages
    assert app.get("/dataset/intern/explainer", status=404)
    assert app.get("/dataset/intern/explainer/edit", status=404)
    page = app.get("/dataset/intern/explainer", **signed_in(member))
    assert "Interne Baumliste" in page.body
    # search snippets: nothing of it for visitors
    found = helpers.call_action("package_search", context={"user": "", "ignore_auth": False}, q="Baumliste")
    assert found["count"] == 0
    assert "Interne Baumliste" not in app.get("/dataset/?q=Baumliste").body
    # DCAT: not in the catalog, not at the dataset's endpoint
    catalog = app.get("/catalog.ttl").body
    assert "Interne Baumliste" not in catalog and "/dataset/intern/explainer" not in catalog
    endpoint = app.get("/dataset/intern.ttl", expect_errors=True)
    assert endpoint.status_code in (403, 404) and "Interne Baumliste" not in endpoint.body


def test_explainer_text_is_sanitised_markdown(org, app):
    pkg = make(org)
    editor, _member = officers(org)
    evil = ('Hallo <script>alert(1)</script> <b onclick="x()">fett</b> <img src=x onerror=alert(2)> '
            '[Klick](javascript:alert(3)) [Auch](java&#115;cript:alert(4)) ![Bild](https://x.org/a.png) '
            '<a href="javascript:alert(5)">Link</a> [CSV](glossar:csv) [Jena](https://www.jena.de) [Unbekannt](glossar:nope)'
            '\n\n[ref]: javascript:alert(6)')
    result = update(pkg["id"], editor["name"], sections={"about": evil})
    stored = result["raw_sections"]["about"]
    for bad in ("<script", "<b", "<img", "onerror", "javascript:", "java&#115;cript", "<a ", "alert(6)"):
        assert bad not in stored, bad
    assert "[Klick]" not in stored and "Klick" in stored and "Bild" in stored
    assert "[Jena](https://www.jena.de)" in stored and "[CSV](glossar:csv)" in stored
    assert "glossar:nope" not in stored
    page = app.get(f"/dataset/{pkg['name']}/explainer").body
    assert "alert(" not in page and "javascript:" not in page  # nothing executable reached the page
    assert 'href="https://www.jena.de"' in page and "/glossar#csv" in page


def test_edits_survive_regeneration_and_a_new_draft_is_offered_not_forced(org):
    pkg = make(org)
    jobs.explain(pkg["id"], profile=False)
    editor, _member = officers(org)
    update(pkg["id"], editor["name"], sections={"limits": "Nicht jeder Baum ist erfasst."})
    # the metadata changes: the automatic sections follow, the officer's section stays
    helpers.call_action("package_patch", id=pkg["id"], title="Straßenbäume in Jena", frequency="monthly",
                        districts=["winzerla", "neulobeda", "ammerbach"])
    jobs.explain(pkg["id"], profile=False)
    mine = show(pkg["id"], user=editor["name"])
    assert section(mine, "limits")["markdown"] == "Nicht jeder Baum ist erfasst."
    assert "Straßenbäume in Jena" in section(mine, "about")["markdown"]
    assert "Jeden Monat kommen neue Daten dazu." in section(mine, "freshness")["markdown"]
    assert mine["status"] == "edited" and mine["edited_sections"] == ["limits"]
    assert "3 von 30" in mine["offered"]["limits"]  # the officer can compare with the new draft
    # once reviewed, nothing changes under the reviewer's eyes: the new draft is offered
    update(pkg["id"], editor["name"], reviewed=True)
    helpers.call_action("package_patch", id=pkg["id"], title="Stadtbäume Jena")
    jobs.explain(pkg["id"], profile=False)
    reviewed = show(pkg["id"], user=editor["name"])
    assert reviewed["status"] == "reviewed"
    assert "Straßenbäume in Jena" in section(reviewed, "about")["markdown"]
    assert "Stadtbäume Jena" in reviewed["offered"]["about"]
    assert "Stadtbäume Jena" not in section(show(pkg["id"]), "about")["markdown"]  # citizens: reviewed text
    # taking the offered section over; the review stays only if asked for
    taken = update(pkg["id"], editor["name"], accept_draft=["about"], reviewed=True)
    assert "Stadtbäume Jena" in section(taken, "about")["markdown"]
    assert "about" not in taken["offered"] and taken["status"] == "reviewed"
    # a text change without reviewed=true withdraws the review
    assert update(pkg["id"], editor["name"], sections={"summary": "Bäume."})["status"] == "edited"
    with pytest.raises(toolkit.ValidationError):
        update(pkg["id"], editor["name"], sections={"nonsense": "x"})


def test_the_dataset_page_search_results_and_printable_page_show_the_explainer(org, app):
    pkg = make(org)
    jobs.explain(pkg["id"], profile=False)
    summary = readability.plain_text(show(pkg["id"])["summary"])
    page = app.get(f"/dataset/{pkg['name']}").body
    assert 'id="einfach-erklaert"' in page and "Einfach erklärt" in page
    assert "Automatisch erstellt" in page                 # drafts are labelled as such
    assert "/explainer/edit" not in page                  # visitors get no edit link
    results = app.get("/dataset/?q=Bäume").body
    assert summary in results
    printable = app.get(f"/dataset/{pkg['name']}/explainer").body
    assert "Worum geht es?" in printable and "Was sind die Grenzen?" in printable
    assert '<html lang="de"' in printable or "lang=\"de\"" in printable
    english = app.get(f"/en/dataset/{pkg['name']}/explainer").body
    assert "What is this about?" in english
    assert app.get("/glossar").body.count("<dt") >= 15
    api = helpers.call_action("package_search", q="Bäume")
    assert api["results"][0]["explainer_summary"] == summary


def test_a_data_officer_edits_and_reviews_in_the_browser(org, app):
    pkg = make(org)
    jobs.explain(pkg["id"], profile=False)
    editor, member = officers(org)
    url = f"/dataset/{pkg['name']}/explainer/edit"
    app.get(url, **signed_in(member), status=403)
    browser = app.test_client()  # one browser: the CSRF token belongs to its session
    form = browser.get(url, **signed_in(editor))
    assert "Flesch" in form.body and "Wiener Sachtextformel" in form.body
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.body).group(1)
    fields = {f"section-{key}": section(show(pkg["id"], user=editor["name"]), key)["markdown"] for key in SECTIONS}
    long_text = ("Die Straßenbaumbestandsaufnahme dokumentiert sämtliche kommunalverwaltungsseitig "
                 "registrierten Gehölzindividuen einschließlich ihrer dendrologischen Charakteristika.")
    fields.update({"_csrf_token": token, "lang": "de", "section-about": long_text, "action": "check"})
    checked = browser.post(url, data=fields, **signed_in(editor))
    assert "Es wurde noch nichts gespeichert." in checked.body
    assert '<mark class="jena-long-word">' in checked.body  # long words are highlighted
    assert section(show(pkg["id"]), "about")["markdown"] != long_text
    fields.update({"section-about": "Hier steht, wo in Jena Bäume stehen.", "action": "save", "reviewed": "true"})
    browser.post(url, data=fields, **signed_in(editor))
    after = show(pkg["id"])
    assert section(after, "about")["markdown"] == "Hier steht, wo in Jena Bäume stehen."
    assert after["status"] == "reviewed"
    assert "Von der Redaktion geprüft" in app.get(f"/dataset/{pkg['name']}").body


def test_readability_scores_follow_amstad_and_mark_long_words():
    easy = readability.score("Die Stadt zählt die Bäume. Jeder Baum hat eine Nummer.", "de")
    hard = readability.score("Die Straßenbaumbestandsaufnahme dokumentiert kommunalverwaltungsseitig registrierte "
                             "Gehölzindividuen einschließlich dendrologischer Charakteristika.", "de")
    assert easy["flesch"] > 60 > hard["flesch"]
    assert easy["wstf"] < 8 < hard["wstf"]
    assert "Straßenbaumbestandsaufnahme" in hard["long_words"] and not easy["long_words"]
    assert hard["targets_met"] is False and easy["targets_met"] is True
    english = readability.score("The city counts the trees. Each tree has a number.", "en")
    assert english["flesch"] > 60 and english["wstf"] is None
    # links and list markers do not count as words
    assert readability.plain_text("- [CSV](glossar:csv) ist eine Tabelle") == "CSV ist eine Tabelle."


def test_the_readability_action_is_for_logged_in_users(org):
    user = factories.User()
    result = helpers.call_action("jena_explainer_readability", context={"user": user["name"], "ignore_auth": False},
                                 text="Die Stadt zählt die Bäume.", lang="de")
    assert result["flesch"] > 60
    with pytest.raises(toolkit.NotAuthorized):
        helpers.call_action("jena_explainer_readability", context={"user": "", "ignore_auth": False}, text="x")


def test_the_explainer_is_published_in_dcat_as_documentation(org, app):
    pkg = make(org)
    jobs.explain(pkg["id"], profile=False)
    graph = Graph().parse(data=app.get(f"/dataset/{pkg['name']}.ttl").body, format="turtle")
    pages = [p for p in graph.objects(None, FOAF.page) if str(p).endswith(f"/dataset/{pkg['name']}/explainer")]
    assert len(pages) == 1
    page = pages[0]
    assert (page, RDF.type, FOAF.Document) in graph
    descriptions = {d.language: str(d) for d in graph.objects(page, DCT.description)}
    assert set(descriptions) == {"de", "en"}
    assert "Worum geht es?" in descriptions["de"] and "What is this about?" in descriptions["en"]
    # the publisher's own description is untouched
    dataset = next(graph.subjects(FOAF.page, page))
    assert [str(d) for d in graph.objects(dataset, DCT.description)] == ["Alle Straßenbäume, Werte gerundet."]
    assert isinstance(page, URIRef)


@pytest.mark.parametrize("text", [
    "<[](javascript:0)script>alert(1)<[](javascript:0)/script>",
    "<<b>script>alert(1)",
    "<<b>img src=x onerror=alert(1)>",
    "[a [b] c](javascript:alert(1))",
    "[x](javascript:alert((1)))",
    "[x](javascript:alert(1) 'a')",
    "[x][1]\n\n> [1]: javascript:alert(1)",
    "![x](https://evil.example/p.png 'a')",
    "![x][1]\n\n[1]: https://evil.example/p.png",
    "[x](/\\evil.example)",
    "[x](//evil.example)",
    "[x](data:text/html,abc)",
    "<https://evil.example>",
])
def test_tricks_never_reach_the_page_as_html_images_or_unsafe_links(org, app, text):
    pkg = make(org)
    editor, _member = officers(org)
    try:
        stored = update(pkg["id"], editor["name"], sections={"about": text})["raw_sections"]["about"]
    except toolkit.ValidationError as refused:  # refused with a reason in both languages
        message = str(refused.error_dict["about"][0])
        assert "nicht erlaubt" in message and "does not allow" in message
        return
    from ckanext.jena.explainer import sanitise
    assert sanitise.problems(stored) == []
    page = app.get(f"/dataset/{pkg['name']}/explainer").body
    assert "javascript:" not in page and "evil.example/p.png" not in page
    if not stored:  # nothing readable was left: the section is not shown at all
        assert 'id="explainer-about"' not in page
        return
    part = page[page.index('id="explainer-about"'):page.index('id="explainer-source"')]
    assert "<img" not in part and "<script" not in part and "javascript:" not in part
    assert "evil.example" not in re.findall(r'href="([^"]*)"', part).__str__()


def test_an_officer_can_decline_an_offered_draft_and_a_review_pins_the_text(org):
    pkg = make(org)
    jobs.explain(pkg["id"], profile=False)
    editor, _member = officers(org)
    update(pkg["id"], editor["name"], reviewed=True)
    helpers.call_action("package_patch", id=pkg["id"], title="Stadtbäume Jena", frequency="monthly")
    jobs.explain(pkg["id"], profile=False)
    offered = show(pkg["id"], user=editor["name"])["offered"]
    assert {"about", "freshness"} <= set(offered)
    # take over one section: the review stays, and the other reviewed sections are not replaced later
    taken = update(pkg["id"], editor["name"], accept_draft=["about"])
    assert taken["status"] == "reviewed" and "about" not in taken["offered"] and "freshness" in taken["offered"]
    update(pkg["id"], editor["name"], sections={"summary": "Wo Bäume stehen."})       # review withdrawn
    helpers.call_action("package_patch", id=pkg["id"], title="Bäume der Stadt Jena")
    jobs.explain(pkg["id"], profile=False)
    after = show(pkg["id"], user=editor["name"])
    assert after["status"] == "edited"
    assert "Einmal im Jahr" in section(after, "freshness")["markdown"]            # the reviewed text stays
    assert "Bäume der Stadt Jena" in after["offered"]["about"]
    # "keep my text": the offers go away until the draft changes again
    kept = update(pkg["id"], editor["name"], dismiss_draft=True)
    assert kept["offered"] == {} and "Einmal im Jahr" in section(kept, "freshness")["markdown"]
    jobs.explain(pkg["id"], profile=False)
    assert show(pkg["id"], user=editor["name"])["offered"] == {}


def test_flags_and_lists_are_read_as_users_send_them(org):
    pkg = make(org)
    editor, _member = officers(org)
    assert update(pkg["id"], editor["name"], accept_draft="false", reviewed="true")["status"] == "reviewed"
    assert update(pkg["id"], editor["name"], reviewed="false")["status"] == "generated"
    for bad in ({"reviewed": "maybe"}, {"accept_draft": 1}, {"accept_draft": ["about", "nonsense"]},
                {"sections": "text"}):
        with pytest.raises(toolkit.ValidationError):
            update(pkg["id"], editor["name"], **bad)
    with pytest.raises(toolkit.ValidationError):
        update(pkg["id"], editor["name"], sections={"about": "x" * 5000})   # refused, not cut silently


def test_purging_a_dataset_removes_its_explainers_and_profiles(org):
    pkg = make(org)
    jobs.explain(pkg["id"], profile=False)
    store.save_profile(pkg["resources"][0]["id"], pkg["id"], "fp", {"kind": "table", "columns": []}, None)
    assert store.explainers(pkg["id"]) and store.profiles(pkg["id"])
    helpers.call_action("dataset_purge", id=pkg["id"])
    assert store.explainers(pkg["id"]) == {} and store.profiles(pkg["id"]) == {}


def test_the_german_follows_the_grammar_of_what_is_filled_in():
    from ckanext.jena.explainer.generator import Inputs
    from ckanext.jena.explainer.rules import RuleGenerator
    from ckanext.jena.taxonomy import store as taxonomy_store
    sensor = {"id": "x", "name": "laerm", "title": "Lärm", "sensor_category": "Lärm",
              "districts": ["winzerla", "neulobeda", "ammerbach", "burgau"], "resources": [],
              "theme": ["http://publications.europa.eu/resource/authority/data-theme/ENVI"]}
    sensor_profile = {"kind": "sensor", "sensor": {"observed_property": {"de": "Lärm"}, "unit": {"name": "Dezibel"},
                                                   "interval_seconds": 3600}}
    text = RuleGenerator().generate(Inputs(dataset=sensor, taxonomy=taxonomy_store.current(),
                                           profiles=[{"resource_id": "r", "profile": sensor_profile}]), "de")
    assert text["summary"].startswith("Sensoren in 4 Ortsteilen messen laufend.")
    assert "Es geht um die Umwelt." in text["about"]
    assert "Etwa jede Stunde kommt ein neuer Messwert." in text["freshness"]
    table = {"id": "y", "name": "t", "title": "T", "districts": ["jena"], "resources": [{"format": "CSV"}],
             "temporal_coverage": [{"start": "2017-12-31", "end": "2017-12-31"}], "license_id": "dl-zero-de/2.0"}
    one_row = {"kind": "table", "rows": 1, "columns": [{"name": "Anzahl", "type": "integer", "min": 5, "max": 5}]}
    text = RuleGenerator().generate(Inputs(dataset=table, taxonomy=taxonomy_store.current(),
                                           profiles=[{"resource_id": "r", "profile": one_row}]), "de")
    assert "Die Tabelle hat 1 Zeile und 1 Spalte." in text["contents"]
    assert "31. Dezember 2017" in text["freshness"]
    assert "ohne Bedingungen" in text["usage"] and "Die Daten sind offen." in text["source"]
