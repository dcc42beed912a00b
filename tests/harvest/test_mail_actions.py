"""ckanext-harvest 1.6.3 registers its mail helpers (and an exception class) as API actions: called
through the API they answered 500 to anyone. A web request is refused now (403 unless sysadmin,
409 for a sysadmin: they are no API actions), while ckanext-harvest's own notification mails,
sent when a job finishes, go out as before."""
from __future__ import annotations

import datetime

import pytest

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.harvest.guards import INTERNAL_FUNCTIONS
from tests.harvest.helpers import make_source, marks

pytestmark = marks()

MAIL_HELPERS = ("send_mail", "send_error_email", "send_summary_email", "prepare_error_mail",
                "prepare_summary_mail", "get_mail_extra_vars")


def test_every_mail_helper_ckanext_harvest_registers_is_guarded():
    """A new helper in a later ckanext-harvest is noticed here, not by an attack review."""
    import inspect
    from ckanext.harvest.plugin import _get_logic_functions
    registered = _get_logic_functions("ckanext.harvest.logic.action", {})
    not_actions = {name for name, function in registered.items()
                   if inspect.isclass(function) or list(inspect.signature(function).parameters) != ["context", "data_dict"]}
    assert not_actions == set(INTERNAL_FUNCTIONS) == set(MAIL_HELPERS) | {"InactiveSource"}
    from ckanext.jena.harvest import logic
    assert not_actions <= set(logic.get_actions()) & set(logic.get_auth_functions())


@pytest.mark.parametrize("name", INTERNAL_FUNCTIONS)
def test_strangers_and_users_are_refused_with_a_403(app, name):
    user = factories.UserWithToken()
    for headers in ({}, {"Authorization": user["token"]}):
        answer = app.post(f"/api/3/action/{name}", headers=headers,
                          json={"recipients": [{"name": "x", "email": "x@example.org"}], "subject": "s", "body": "b"})
        assert answer.status_code == 403, answer.get_data(as_text=True)[:300]
        assert answer.json["success"] is False
        assert answer.json["error"]["__type"] == "Authorization Error"


@pytest.mark.parametrize("name", INTERNAL_FUNCTIONS)
def test_a_sysadmin_learns_that_it_is_no_api_action(app, name):
    sysadmin = factories.SysadminWithToken()
    answer = app.post(f"/api/3/action/{name}", headers={"Authorization": sysadmin["token"]}, json={})
    assert answer.status_code == 409, answer.get_data(as_text=True)[:300]
    assert answer.json["success"] is False
    assert "cannot be called through the API" in answer.json["error"]["message"]


@pytest.mark.parametrize("name", INTERNAL_FUNCTIONS)
def test_asking_whether_one_may_call_it_is_a_plain_no(name):
    """ckanext-harvest's helper also stood as its own auth function: check_access answered 500."""
    user = factories.User()
    with pytest.raises(toolkit.NotAuthorized):
        toolkit.check_access(name, {"user": user["name"]}, {})
    sysadmin = factories.Sysadmin()
    assert toolkit.check_access(name, {"user": sysadmin["name"]}, {}) is True


def test_a_call_through_the_registry_without_a_request_is_left_alone():
    """Outside a web request (or with ignore_auth) the helper runs as it always did: send_mail
    gets the context and data_dict as recipients and subject and fails for want of a body,
    before any mail; the exception class answers with an instance of itself."""
    from ckanext.harvest.logic.action.create import InactiveSource
    with pytest.raises(TypeError, match="body"):
        helpers.call_action("send_mail", {"ignore_auth": True})
    assert isinstance(helpers.call_action("InactiveSource", {"ignore_auth": True}), InactiveSource)


@pytest.mark.ckan_config("ckan.harvest.status_mail.errored", "true")
@pytest.mark.usefixtures("with_request_context")
def test_a_job_that_failed_still_mails_its_errors(monkeypatch):
    """ckanext-harvest's harvest_jobs_run finishes a job and calls send_error_email → send_mail as
    Python functions; here as its CLI (`ckan harvester run`) does: in a test request context, as
    the site user, without ignore_auth."""
    import ckan.lib.mailer as mailer
    from ckan import model
    from ckanext.harvest.model import HarvestGatherError, HarvestJob
    sent = []
    monkeypatch.setattr(mailer, "mail_recipient", lambda **mail: sent.append(mail))
    source = make_source("http://127.0.0.1:9/catalog.ttl")
    job_dict = helpers.call_action("harvest_job_create", source_id=source["id"], run=False)
    job = HarvestJob.get(job_dict["id"])
    job.status = "Running"
    job.gather_started = job.gather_finished = datetime.datetime.utcnow()
    model.Session.add(HarvestGatherError(message="Die Quelle antwortet nicht.", job=job))
    model.Session.commit()
    factories.Sysadmin(email="fachdienst@jena.invalid")
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    toolkit.get_action("harvest_jobs_run")({"user": site_user["name"]}, {"source_id": source["id"]})
    assert HarvestJob.get(job_dict["id"]).status == "Finished"
    to_sysadmin = [mail for mail in sent if mail["recipient_email"] == "fachdienst@jena.invalid"]
    assert len(to_sysadmin) == 1, sent
    assert "Error Notification" in to_sysadmin[0]["subject"]
    assert "Die Quelle antwortet nicht." in to_sysadmin[0]["body"]
