"""What the import looks up once per job instead of once per record (issue 21: fewer queries per
dataset) is looked up again by the next job."""
from ckan.tests import factories, helpers

from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks, run

pytestmark = marks()


def test_the_next_run_puts_new_datasets_into_the_organisation_the_source_has_now(source_server):
    datasets = [catalog.dataset(n) for n in range(1, 3)]
    url = catalog.serve(source_server, datasets)
    first = factories.Organization(org_type="fachdienst")
    source = make_source(url, org=first)
    assert run(source)["created"] == 2
    moved = factories.Organization(org_type="fachdienst")
    helpers.call_action("harvest_source_patch", id=source["id"], owner_org=moved["id"])
    catalog.serve(source_server, datasets + [catalog.dataset(3)])
    summary = run(source)
    assert (summary["created"], summary["unchanged"], summary["errors"]) == (1, 2, 0), summary["messages"]
    owners = {d["title"]: d["owner_org"] for d in harvested()}
    assert owners == {"Messreihe Nummer 1": first["id"], "Messreihe Nummer 2": first["id"],
                      "Messreihe Nummer 3": moved["id"]}
