"""Freshness for data officers: the state of a dataset as the clock moves, who sees it (editors
in package_show and on the pages, citizens a plain sentence), the organisation's list of
overdue datasets and the API jena_freshness_list."""
import pytest

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from tests.jena_plugins import SCHEMA_PLUGINS, schema_marks

pytestmark = schema_marks(SCHEMA_PLUGINS + " jena_freshness") + [
    pytest.mark.usefixtures("clean_db", "clean_index"),
]
DAILY = "DAILY"


def make_dataset(org, name="radzaehlung", **extra):
    data = dict(name=name, title="Radzählung " + name, notes="Zählstellen.", owner_org=org["id"],
                license_id="dl-by-de/2.0", frequency=DAILY, modified="2026-03-01", tags=[{"name": "Rad"}],
                theme=["TRAN"], districts=["jena"], access_rights="PUBLIC",
                contact=[{"name": "FD Mobilität", "email": "mobil@jena.de"}],
                resources=[{"url": "https://example.org/rad.csv", "format": "CSV"}])
    data.update(extra)
    return helpers.call_action("package_create", **data)


@pytest.fixture
def officers():
    org = factories.Organization(org_type="fachdienst")
    editor = factories.UserWithToken()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    return org, editor


def call(action, user, **data):
    return helpers.call_action(action, context={"user": user, "ignore_auth": False}, **data)


def test_a_daily_dataset_goes_from_current_to_overdue_as_the_clock_moves(officers, ckan_config, monkeypatch, app):
    org, editor = officers
    make_dataset(org)
    seen = []
    for moment in ("2026-03-01T18:00:00", "2026-03-02T18:00:00", "2026-03-05T08:00:00"):
        monkeypatch.setitem(ckan_config, "ckanext.jena.freshness.now", moment)
        seen.append(call("package_show", editor["name"], id="radzaehlung")["jena_freshness"]["state"])
    assert seen == ["current", "due", "overdue"]
    listing = call("jena_freshness_list", editor["name"], organization=org["name"])
    assert [(d["name"], d["state"], d["days_overdue"]) for d in listing["datasets"]] == [("radzaehlung", "overdue", 3)]
    page = app.get(f"/organization/{org['name']}/freshness", headers={"Authorization": editor["token"]}).body
    assert "Radzählung radzaehlung" in page and "3 days" in page and "overdue" in page


def test_citizens_read_a_sentence_and_only_editors_see_the_state(officers, ckan_config, monkeypatch, app):
    org, editor = officers
    make_dataset(org)
    monkeypatch.setitem(ckan_config, "ckanext.jena.freshness.now", "2026-06-01T00:00:00")
    public = app.get("/dataset/radzaehlung").body
    assert "Should be updated daily; last updated 3 months ago." in public
    assert "jena-freshness-overdue" not in public
    assert "jena-freshness-overdue" in app.get("/dataset/radzaehlung", headers={"Authorization": editor["token"]}).body
    stranger = factories.User()
    assert "jena_freshness" not in call("package_show", stranger["name"], id="radzaehlung")
    assert "jena_freshness" not in call("package_show", "", id="radzaehlung")
    assert call("package_show", editor["name"], id="radzaehlung")["jena_freshness"]["state"] == "overdue"


def test_outsiders_never_see_an_organisations_private_datasets(officers, app):
    org, editor = officers
    make_dataset(org, name="intern-haushalt", private=True)
    other_org = factories.Organization(org_type="fachdienst")
    make_dataset(other_org, name="fremd")
    stranger = factories.UserWithToken()
    member = factories.UserWithToken()  # a member may read the private dataset, not edit it
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="member")
    assert [d["name"] for d in call("jena_freshness_list", editor["name"])["datasets"]] == ["intern-haushalt"]
    assert call("jena_freshness_list", stranger["name"])["datasets"] == []
    assert call("jena_freshness_list", member["name"])["datasets"] == []
    for user in (stranger["name"], member["name"]):
        with pytest.raises(toolkit.NotAuthorized):
            call("jena_freshness_list", user, organization=org["name"])
    with pytest.raises(toolkit.NotAuthorized):
        call("jena_freshness_list", "")
    with pytest.raises(toolkit.NotAuthorized):
        call("jena_freshness_show", stranger["name"], id="intern-haushalt")
    app.get(f"/organization/{org['name']}/freshness", headers={"Authorization": stranger["token"]}, status=403)
    app.get(f"/organization/{org['name']}/freshness", status=403)
    sysadmin = factories.Sysadmin()
    assert {d["name"] for d in call("jena_freshness_list", sysadmin["name"])["datasets"]} == {"intern-haushalt", "fremd"}


@pytest.mark.parametrize("data", [{"organization": ["x"]}, {"organization": {"a": 1}}, {"state": "<script>"},
                                  {"state": "x" * 100000}])
def test_hostile_parameters_are_refused_with_a_sentence(officers, data):
    org, editor = officers
    with pytest.raises(toolkit.ValidationError):
        call("jena_freshness_list", editor["name"], **data)


def test_an_unknown_organisation_is_not_found_for_a_sysadmin_and_refused_for_others(officers):
    org, editor = officers
    with pytest.raises(toolkit.NotAuthorized):
        call("jena_freshness_list", editor["name"], organization="gibt-es-nicht")
    with pytest.raises(toolkit.ObjectNotFound):
        call("jena_freshness_list", factories.Sysadmin()["name"], organization="gibt-es-nicht")


def test_an_editor_can_save_back_what_package_show_answered(officers):
    org, editor = officers
    make_dataset(org)
    shown = call("package_show", editor["name"], id="radzaehlung")
    assert "jena_freshness" in shown
    shown["title"] = "Radzählung neu"
    saved = call("package_update", editor["name"], **shown)
    assert saved["title"] == "Radzählung neu"
    assert "jena_freshness" not in helpers.call_action("package_show", id="radzaehlung", context={"ignore_auth": True})
