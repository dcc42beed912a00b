"""What the fifth attack review of the running portal found (6 December, session 11) about
harvesting: the records of private datasets were readable by anyone, and an anonymous
harvest_source_create told what a host name resolves to. Its other findings' tests:
tests/security/test_activity_views.py, test_login_throttle.py, test_attack2.py and
tests/data_api/test_sql_places.py."""
from __future__ import annotations

import json

import pytest

from ckan import model
from ckan.tests import factories, helpers

from tests.harvest import catalog
from tests.harvest.helpers import make_source, marks, run

pytestmark = marks()


def _show(app, object_id: str, user: dict | None = None):
    headers = {"Authorization": user["token"]} if user else {}
    api = app.get("/api/3/action/harvest_object_show", query_string={"id": object_id}, headers=headers)
    page = app.get(f"/harvest/object/{object_id}", headers=headers)
    return api.status_code, api.body, page.status_code, page.body


def _record(source: dict):
    from ckanext.harvest.model import HarvestObject
    return model.Session.query(HarvestObject).filter_by(harvest_source_id=source["id"], current=True).one()


def test_the_raw_record_of_a_private_dataset_is_shown_only_to_those_who_may_see_the_dataset(app, source_server):
    org = factories.Organization(org_type="fachdienst")
    member = factories.UserWithToken()
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="member")
    stranger = factories.UserWithToken()
    source = make_source(catalog.serve(source_server, [catalog.dataset(1, notes="Streng vertrauliche Zahlen.")]),
                         org=org)
    assert run(source)["created"] == 1
    record = _record(source)
    object_id, package_id = record.id, record.package_id
    status, body, page_status, _page = _show(app, object_id)
    assert (status, page_status) == (200, 200) and "Streng vertrauliche" in body  # public: as before

    helpers.call_action("package_patch", {"user": factories.Sysadmin()["name"]}, id=package_id, private=True)
    for user in (None, stranger):
        status, body, page_status, page = _show(app, object_id, user)
        assert (status, page_status) == (403, 403), (user and user["name"], status, page_status)
        assert "Streng vertrauliche" not in body and "Streng vertrauliche" not in page
    by_dataset = app.get("/api/3/action/harvest_object_show", query_string={"dataset_id": package_id})
    assert by_dataset.status_code == 403 and "Streng vertrauliche" not in by_dataset.body
    status, body, page_status, _page = _show(app, object_id, member)
    assert (status, page_status) == (200, 200) and "Streng vertrauliche" in body


def test_a_record_without_dataset_of_a_private_source_is_shown_to_its_managers_only(app, source_server):
    from ckanext.harvest.model import HarvestObject
    org = factories.Organization(org_type="fachdienst")
    source = make_source(catalog.serve(source_server, [catalog.dataset(1, notes="Interne Planung.")]),
                         config={"private": True, "license_id": "dl-by-de/2.0"}, org=org)
    assert run(source)["created"] == 1
    record = _record(source)
    object_id = record.id
    # a record whose import failed has no dataset: only the source's configuration says private
    model.Session.query(HarvestObject).filter_by(id=object_id).update({"package_id": None})
    model.Session.commit()
    status, body, page_status, page = _show(app, object_id)
    assert (status, page_status) == (403, 403) and "Interne Planung" not in body + page
    status, body, _page_status, _page = _show(app, object_id, factories.SysadminWithToken())
    assert status == 200 and "Interne Planung" in body


def test_an_anonymous_source_creation_is_refused_before_its_address_is_looked_up(app, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.jena.harvest.allowed_hosts", "")
    org = factories.Organization(org_type="fachdienst")
    for url in ("http://localhost:6379/", "http://gibt-es-nicht.invalid/"):
        response = app.post("/api/3/action/harvest_source_create", data=json.dumps({
            "name": "probe", "title": "Probe", "url": url, "source_type": "jena_dcat", "owner_org": org["id"]}),
            content_type="application/json")
        assert response.status_code == 403, (url, response.status_code, response.body)
        for telling in ("127.0.0.1", "intern", "auflösen", "resolve"):
            assert telling not in response.body, (url, telling)
