"""Who may harvest what, which addresses a source may have, and `ckan jena harvest run`."""
import json

import pytest
from click.testing import CliRunner

from ckan.tests import factories, helpers
from ckan.plugins import toolkit

from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks

pytestmark = marks()


def _create(user: dict, org: dict, url: str = "http://93.184.215.14/catalog.ttl", **extra):
    return helpers.call_action("harvest_source_create", context={"user": user["name"], "ignore_auth": False},
                               name="neue-quelle", title="Neue Quelle", url=url, source_type="jena_dcat",
                               owner_org=org["id"], **extra)


@pytest.mark.parametrize("url, reason", [
    ("http://127.0.0.1:5000/catalog.ttl", "internal address"),
    ("http://localhost/catalog.ttl", "internal address"),
    ("http://10.1.2.3/catalog.ttl", "internal address"),
    ("http://169.254.169.254/latest/meta-data", "internal address"),
    ("http://[::1]/catalog.ttl", "internal address"),
    ("file:///etc/passwd", "Only http and https"),
    ("ftp://93.184.215.14/catalog.ttl", "Only http and https"),
])
def test_a_source_may_not_point_at_internal_hosts_or_other_schemes(url, reason, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.harvest.allowed_hosts", "")
    with pytest.raises(toolkit.ValidationError) as error:
        _create(factories.Sysadmin(), factories.Organization(org_type="fachdienst"), url=url)
    assert reason in error.value.error_dict["url"][0]


def test_the_allow_list_opens_internal_hosts_by_range(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.harvest.allowed_hosts", "10.20.0.0/16 geodaten.intern")
    source = _create(factories.Sysadmin(), factories.Organization(org_type="fachdienst"),
                     url="http://10.20.3.4/csw")
    assert source["url"] == "http://10.20.3.4/csw"


@pytest.mark.ckan_config("ckan.locale_default", "de")
def test_the_web_form_explains_a_refused_address_in_german(app, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.harvest.allowed_hosts", "")
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization(org_type="fachdienst")
    form = app.get("/harvest/new", headers={"Authorization": sysadmin["token"]}).body
    assert "DCAT-AP / DCAT-AP.de (Jena)" in form and "SensorThings-API (Jena)" in form
    response = app.post("/harvest/new", data={
        "name": "intern", "title": "Intern", "url": "http://127.0.0.1/catalog.ttl", "source_type": "jena_dcat",
        "owner_org": org["id"], "frequency": "MANUAL", "config": "", "save": ""},
        headers={"Authorization": sysadmin["token"]})
    assert "verweist auf eine interne Adresse" in response.body
    assert helpers.call_action("package_search", q="name:intern", include_private=True)["count"] == 0


def test_editors_and_org_admins_may_not_manage_sources_by_default():
    org_admin, editor = factories.User(), factories.User()
    org = factories.Organization(org_type="fachdienst", users=[
        {"name": org_admin["name"], "capacity": "admin"}, {"name": editor["name"], "capacity": "editor"}])
    for user in (org_admin, editor):
        with pytest.raises(toolkit.NotAuthorized):
            _create(user, org)


def test_org_admins_may_manage_their_organisations_sources_when_configured(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.harvest.org_admins_manage_sources", "true")
    org_admin, editor = factories.User(), factories.User()
    org = factories.Organization(org_type="fachdienst", users=[
        {"name": org_admin["name"], "capacity": "admin"}, {"name": editor["name"], "capacity": "editor"}])
    with pytest.raises(toolkit.NotAuthorized):
        _create(editor, org)
    other = factories.Organization(org_type="fachdienst")
    with pytest.raises(toolkit.NotAuthorized):
        _create(org_admin, other)
    assert _create(org_admin, org)["name"] == "neue-quelle"


def test_a_bad_source_configuration_is_refused_with_the_known_keys():
    with pytest.raises(toolkit.ValidationError) as error:
        _create(factories.Sysadmin(), factories.Organization(org_type="fachdienst"),
                config=json.dumps({"max_withdrawl_share": 0.5}))
    assert "max_withdrawal_share" in str(error.value.error_dict)


def test_the_cli_runs_a_source_with_a_summary(source_server):
    from ckanext.jena.harvest.cli import harvest
    url = catalog.serve(source_server, [catalog.dataset(n) for n in range(1, 4)])
    source = make_source(url)
    result = CliRunner().invoke(harvest, ["run", source["name"]], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "created 3 · updated 0 · unchanged 0 · withdrawn 0 · errors 0" in result.output
    assert "Import" in result.output  # the progress bar
    assert len(harvested()) == 3
    source_server.routes.clear()
    result = CliRunner().invoke(harvest, ["run", source["name"], "--quiet"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "HTTP error 404" in result.output and len(harvested()) == 3
    result = CliRunner().invoke(harvest, ["run", "gibt-es-nicht"])
    assert result.exit_code == 1 and "keine Harvest-Quelle" in result.output
