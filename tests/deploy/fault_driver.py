"""CKAN actions on another ini's services, for the fault tests (their CKAN is not the test
process's): `python -m tests.deploy.fault_driver INI COMMAND [ARGS...]` prints one JSON line;
`python -m tests.deploy.fault_driver INI --serve` loads CKAN once and answers one command per
line of standard input (a JSON list: command, args...) with one line on standard output, ANSWER
and the JSON result, or ERROR and the traceback. Each command starts as a new process would: no
database connection, no object kept from the one before (the services may have been restarted
in between)."""
from __future__ import annotations

import json
import sys


def _context() -> dict:
    from ckan.plugins import toolkit
    user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"ignore_auth": True, "user": user}


def _call(action: str, **data):
    from ckan.plugins import toolkit
    return toolkit.get_action(action)(_context(), data)


def source(url: str, name: str) -> dict:
    from ckan import model
    org = model.Group.get("fachdienst-umwelt") or _call(
        "organization_create", name="fachdienst-umwelt", title="Fachdienst Umwelt", org_type="fachdienst")
    found = _call("harvest_source_create", name=name, title=f"Quelle {name}", url=url, source_type="jena_dcat",
                  owner_org=org.id if isinstance(org, model.Group) else org["id"], config="{}")
    return {"id": found["id"]}


def dataset(url: str) -> dict:
    from ckan import model
    org = model.Group.get("fachdienst-umwelt") or _call(
        "organization_create", name="fachdienst-umwelt", title="Fachdienst Umwelt", org_type="fachdienst")
    found = _call("package_create", name="baeume", title="Bäume je Ortsteil", license_id="dl-by-de/2.0",
                  owner_org=org.id if isinstance(org, model.Group) else org["id"],
                  notes="Straßenbäume je Ortsteil.", tags=[{"name": "Bäume"}],
                  resources=[{"name": "Bäume", "url": url, "format": "CSV"}])
    return {"id": found["id"], "resource": found["resources"][0]["id"]}


def job(source_id: str) -> dict:
    return {"id": _call("harvest_job_create", source_id=source_id, run=True)["id"]}


def job_show(job_id: str) -> dict:
    found = _call("harvest_job_show", id=job_id)
    return {"status": found["status"], "stats": found["stats"]}


COMMANDS = {"source": source, "dataset": dataset, "job": job, "job_show": job_show}
ANSWER, ERROR = "fault_driver answer: ", "fault_driver error: "


def _run(app, command: str, args: list) -> dict:
    from ckan import model
    # as in a new process: the pool's connections may point at a PostgreSQL that was restarted,
    # and the session must not answer from objects it loaded before
    model.Session.remove()
    model.meta.engine.dispose()
    try:
        with app._wsgi_app.test_request_context():
            return COMMANDS[command](*args)
    finally:
        model.Session.remove()


def serve(app) -> None:
    import traceback
    for line in sys.stdin:
        try:
            answer = ANSWER + json.dumps(_run(app, *_command(line)))
        except Exception:
            answer = ERROR + json.dumps(traceback.format_exc())
        print(answer, flush=True)


def _command(line: str) -> tuple[str, list]:
    command, *args = json.loads(line)
    return command, args


def main() -> None:
    ini, command, *args = sys.argv[1:]
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    app = make_app(load_config(ini))
    if command == "--serve":
        serve(app)
    else:
        print(json.dumps(_run(app, command, args)))


if __name__ == "__main__":
    main()
