"""Atom feeds of searches with the Jena facets and one per Handlungsfeld: valid Atom, the right
datasets, and never a private one, whoever asks."""
import datetime
import xml.etree.ElementTree as ET

import pytest

from ckan.tests import factories, helpers

from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

pytestmark = schema_marks(SCHEMA_PLUGINS + " jena_feeds") + [pytest.mark.usefixtures("clean_db", "clean_index")]
ATOM = "{http://www.w3.org/2005/Atom}"


def dataset(org, name, **extra):
    data = dict(name=name, title=f"Titel {name}", notes="Daten.", owner_org=org["id"], license_id="dl-by-de/2.0",
                tags=[{"name": "Stadt"}], theme=["EDUC"], districts=["winzerla"], access_rights="PUBLIC",
                contact=[{"name": "FD", "email": "fd@jena.de"}], action_fields=["bildung-kultur-soziales"])
    data.update(extra)
    return helpers.call_action("package_create", **data)


@pytest.fixture
def catalogue():
    org = factories.Organization(org_type="fachdienst")
    dataset(org, "schulen-winzerla")
    dataset(org, "kitas-lobeda", districts=["neulobeda"])
    dataset(org, "verkehr", action_fields=["stadtentwicklung-umwelt-verkehr"], theme=["TRAN"])
    dataset(org, "intern-schulen", private=True)
    return org


def valid_atom(body: bytes) -> list[str]:
    """Checks RFC 4287's required elements and returns the entries' titles."""
    root = ET.fromstring(body)
    assert root.tag == ATOM + "feed"

    def rfc3339(element):
        assert element is not None and element.text
        datetime.datetime.fromisoformat(element.text.replace("Z", "+00:00"))

    for name in ("id", "title"):
        assert (root.findtext(ATOM + name) or "").strip(), name
    rfc3339(root.find(ATOM + "updated"))
    assert any(link.get("rel") == "self" for link in root.findall(ATOM + "link"))
    has_feed_author = root.find(ATOM + "author") is not None
    titles = []
    for entry in root.findall(ATOM + "entry"):
        for name in ("id", "title"):
            assert (entry.findtext(ATOM + name) or "").strip(), name
        rfc3339(entry.find(ATOM + "updated"))
        assert entry.find(ATOM + "link") is not None or entry.find(ATOM + "content") is not None
        assert has_feed_author or entry.find(ATOM + "author") is not None
        titles.append(entry.findtext(ATOM + "title"))
    assert len({e.findtext(ATOM + "id") for e in root.findall(ATOM + "entry")}) == len(titles)
    return sorted(titles)


def test_the_feed_of_a_search_with_jena_facets_is_valid_atom_with_the_right_datasets(app, catalogue):
    feed = app.get("/feeds/custom.atom?action_fields=bildung-kultur-soziales")
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    assert valid_atom(feed.data) == ["Titel kitas-lobeda", "Titel schulen-winzerla"]
    # two facets together (CKAN's own custom feed joined them into one broken filter)
    both = app.get("/feeds/custom.atom?action_fields=bildung-kultur-soziales&districts=winzerla")
    assert valid_atom(both.data) == ["Titel schulen-winzerla"]
    theme = app.get("/feeds/custom.atom?theme=http://publications.europa.eu/resource/authority/data-theme/TRAN")
    assert valid_atom(theme.data) == ["Titel verkehr"]
    assert valid_atom(app.get("/feeds/custom.atom?q=verkehr").data) == ["Titel verkehr"]


def test_one_feed_per_handlungsfeld(app, catalogue):
    feed = app.get("/feeds/handlungsfeld/bildung-kultur-soziales.atom")
    assert valid_atom(feed.data) == ["Titel kitas-lobeda", "Titel schulen-winzerla"]
    assert "Action field Education" in ET.fromstring(feed.data).findtext(ATOM + "title")
    app.get("/feeds/handlungsfeld/gibt-es-nicht.atom", status=404)
    page = app.get("/handlungsfelder/bildung-kultur-soziales").body
    assert "/feeds/handlungsfeld/bildung-kultur-soziales.atom" in page


def test_the_search_page_links_the_feed_of_its_search(app, catalogue):
    page = app.get("/dataset/?q=schule&action_fields=bildung-kultur-soziales&page=1").body
    assert 'href="/feeds/custom.atom?q=schule&amp;action_fields=bildung-kultur-soziales"' in page
    assert 'type="application/atom+xml"' in page


def test_private_datasets_are_never_in_a_feed_even_for_their_editors(app, catalogue):
    sysadmin = factories.SysadminWithToken()
    editor = factories.UserWithToken()
    helpers.call_action("organization_member_create", id=catalogue["id"], username=editor["name"], role="editor")
    for token in (None, sysadmin["token"], editor["token"]):
        headers = {"Authorization": token} if token else {}
        for url in ("/feeds/custom.atom?action_fields=bildung-kultur-soziales",
                    "/feeds/handlungsfeld/bildung-kultur-soziales.atom", "/feeds/dataset.atom",
                    f"/feeds/organization/{catalogue['name']}.atom", "/feeds/tag/Stadt.atom"):
            body = app.get(url, headers=headers).data
            assert b"intern-schulen" not in body and b"Titel intern-schulen" not in body, (url, token)
            valid_atom(body)
    # the editor's own search still finds it
    found = helpers.call_action("package_search", context={"user": editor["name"]}, include_private=True,
                                fq='action_fields:"bildung-kultur-soziales"')
    assert "intern-schulen" in [d["name"] for d in found["results"]]


@pytest.mark.parametrize("query", ['action_fields=a"b', "districts=" + "x" * 300, "page=abc", "page=0",
                                   "&".join(["theme=x"] * 21), "action_fields=a\\b",
                                   # characters XML cannot hold (lxml refused them: 500)
                                   "q=%01%02", "q=%EF%BF%BE", "districts=%01x", "q=a%0Bb"])
def test_a_hostile_feed_address_is_a_clear_400(app, query):
    answer = app.get("/feeds/custom.atom?" + query, status=400)
    assert "feed" in answer.body
