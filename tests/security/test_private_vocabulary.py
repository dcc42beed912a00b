"""Tags and formats of private datasets stay private (docs/security.md listed this as a known gap):
CKAN core's tag and format lists read the tables directly, so anonymous visitors saw the tag and the
format of a private dataset in the action API and in the form's autocompletion (/api/2/util/...)."""
import pytest

from ckan.tests import factories, helpers

from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

pytestmark = schema_marks("jena_security " + SCHEMA_PLUGINS) + [
    pytest.mark.usefixtures("clean_db", "clean_index"),
]

SECRET_TAG = "kita-schliessung-geheim"
SECRET_FORMAT = "PERSONALXLSX"
PUBLIC_TAG = "baumkataster-offen"


@pytest.fixture
def datasets():
    """A public dataset and a private one of another organisation, whose member is returned too."""
    member = factories.UserWithToken()
    org = factories.Organization(org_type="fachdienst", users=[{"name": member["name"], "capacity": "editor"}])
    other = factories.Organization(org_type="fachdienst")
    common = dict(action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0")
    public = factories.Dataset(owner_org=other["id"], tags=[{"name": PUBLIC_TAG}],
                               resources=[{"url": "https://example.org/b.csv", "format": "CSV"}], **common)
    private = factories.Dataset(owner_org=org["id"], private=True,
                                tags=[{"name": SECRET_TAG}, {"name": PUBLIC_TAG}],
                                resources=[{"url": "https://example.org/p.xlsx", "format": SECRET_FORMAT}],
                                **common)
    return {"public": public, "private": private, "member": member}


def api(app, action, params, token=None, status=200):
    headers = {"Authorization": token} if token else {}
    return app.get(f"/api/3/action/{action}", query_string=params, headers=headers, status=status).json


def test_anonymous_visitors_never_see_a_private_datasets_tag_or_format(app, datasets):
    assert PUBLIC_TAG in api(app, "tag_list", {})["result"]
    assert SECRET_TAG not in api(app, "tag_list", {})["result"]
    assert SECRET_TAG not in [t["name"] for t in api(app, "tag_list", {"all_fields": "true"})["result"]]
    assert api(app, "tag_autocomplete", {"q": "kita"})["result"] == []
    assert api(app, "tag_autocomplete", {"q": "baum"})["result"] == [PUBLIC_TAG]
    searched = api(app, "tag_search", {"query": "kita"})["result"]
    assert searched == {"count": 0, "results": []}
    assert api(app, "tag_search", {"query": "baum"})["result"]["count"] == 1
    hidden = api(app, "tag_show", {"id": SECRET_TAG}, status=404)
    # the same answer as for a tag that does not exist: no oracle for the private dataset's tag
    # (third attack review of 6 December, F6: "Schlagwort nicht gefunden" against "Nicht gefunden")
    assert hidden["error"] == api(app, "tag_show", {"id": "gibt-es-nicht-xq"}, status=404)["error"]
    assert api(app, "tag_show", {"id": PUBLIC_TAG})["result"]["name"] == PUBLIC_TAG
    assert api(app, "format_autocomplete", {"q": "personal"})["result"] == []
    assert api(app, "format_autocomplete", {"q": "cs"})["result"] == ["csv"]
    # the dataset form's autocompletion endpoints
    util_tags = app.get("/api/2/util/tag/autocomplete", query_string={"incomplete": "kita"}).json
    assert SECRET_TAG not in repr(util_tags)
    util_formats = app.get("/api/2/util/resource/format_autocomplete",
                           query_string={"incomplete": "personal"}).json
    assert SECRET_FORMAT.lower() not in repr(util_formats).lower()


def test_a_member_and_a_sysadmin_see_the_private_datasets_tag_and_format(app, datasets):
    sysadmin = factories.SysadminWithToken()
    for token in (datasets["member"]["token"], sysadmin["token"]):
        assert SECRET_TAG in api(app, "tag_list", {}, token)["result"]
        assert api(app, "tag_autocomplete", {"q": "kita"}, token)["result"] == [SECRET_TAG]
        assert api(app, "tag_show", {"id": SECRET_TAG}, token)["result"]["name"] == SECRET_TAG
        assert api(app, "format_autocomplete", {"q": "personal"}, token)["result"] == [SECRET_FORMAT.lower()]


def test_a_tag_is_hidden_again_when_its_only_dataset_becomes_private(app, datasets):
    sysadmin = factories.Sysadmin()
    helpers.call_action("package_patch", {"user": sysadmin["name"]}, id=datasets["public"]["id"], private=True)
    assert PUBLIC_TAG not in api(app, "tag_list", {})["result"]
    assert api(app, "format_autocomplete", {"q": "cs"})["result"] == []


def test_a_vocabulary_is_listed_as_before(app, datasets):
    sysadmin = factories.Sysadmin()
    vocabulary = helpers.call_action("vocabulary_create", {"user": sysadmin["name"]},
                                     name="stadtteile-test", tags=[{"name": "lobeda-west"}])
    assert api(app, "tag_list", {"vocabulary_id": vocabulary["id"]})["result"] == ["lobeda-west"]


def test_an_organisations_member_list_names_its_private_datasets_only_to_those_who_may_see_them(app, datasets):
    """Third attack review of 6 December (F6): CKAN's member_list checks only that the organisation
    may be shown, and gave anonymous visitors the ids of its private datasets."""
    private, org = datasets["private"]["id"], datasets["private"]["owner_org"]
    public = factories.Dataset(owner_org=org, action_fields=["stadtentwicklung-umwelt-verkehr"],
                               license_id="dl-by-de/2.0", tags=[{"name": PUBLIC_TAG}])
    stranger = factories.UserWithToken()
    for token in (None, stranger["token"]):
        listed = [m[0] for m in api(app, "member_list", {"id": org, "object_type": "package"}, token)["result"]]
        assert public["id"] in listed and private not in listed
    for token in (datasets["member"]["token"], factories.SysadminWithToken()["token"]):
        listed = [m[0] for m in api(app, "member_list", {"id": org, "object_type": "package"}, token)["result"]]
        assert {public["id"], private} <= set(listed)
