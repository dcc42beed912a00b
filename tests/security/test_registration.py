"""A registered stranger cannot speak for the city (third attack review, 6 December, F1): with the
portal's configuration (config/ckan.ini.template) anyone may register, but only sysadmins make
organisations and groups, so nobody publishes as "Fachdienst Finanzen" or puts other offices'
datasets, public or private, into a group of their own."""
from __future__ import annotations

import configparser
import pathlib

import pytest

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

TEMPLATE = pathlib.Path(__file__).resolve().parents[2] / "config" / "ckan.ini.template"


def _portal_setting(key: str) -> str:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(TEMPLATE, encoding="utf-8")
    return parser.get("app:main", key)


@pytest.fixture
def portal_auth(ckan_config, monkeypatch):
    for key in ("ckan.auth.create_user_via_web", "ckan.auth.user_create_organizations",
                "ckan.auth.user_create_groups"):
        # as CKAN's config declarations hand them over when the portal's ini is loaded
        monkeypatch.setitem(ckan_config, key, toolkit.asbool(_portal_setting(key)))


@pytest.mark.usefixtures("clean_db", "portal_auth")
def test_a_registered_user_can_register_but_not_make_an_organisation_or_a_group():
    assert toolkit.asbool(toolkit.config.get("ckan.auth.create_user_via_web"))
    stranger = factories.User()
    context = {"user": stranger["name"], "ignore_auth": False}
    with pytest.raises(toolkit.NotAuthorized):
        helpers.call_auth("organization_create", context)
    with pytest.raises(toolkit.NotAuthorized):
        helpers.call_auth("group_create", context)
    with pytest.raises(toolkit.NotAuthorized):
        helpers.call_action("organization_create", context=dict(context), name="stadtverwaltung-jena",
                            title="Stadtverwaltung Jena")
    # a sysadmin still can, and an office's editor cannot add its datasets to a stranger's group
    sysadmin = factories.Sysadmin()
    group = helpers.call_action("group_create", context={"user": sysadmin["name"]}, name="themen")
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], private=True)
    with pytest.raises(toolkit.NotAuthorized):
        helpers.call_action("member_create", context=dict(context), id=group["id"], object=dataset["name"],
                            object_type="package", capacity="public")
