"""Explainers of harvested datasets: an officer's text survives re-harvests, and every dataset
of a real DCAT-AP.de catalog (Bremen) gets a plain German draft."""
import os
import statistics

import pytest

from ckan.tests import factories, helpers

from ckanext.jena.explainer import core, jobs, readability
from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks, run
from tests.jena_plugins import HARVEST_PLUGINS, with_explainer

pytestmark = marks(with_explainer(HARVEST_PLUGINS)) + [pytest.mark.usefixtures("explainer_tables")]
BREMEN = os.path.join(os.path.dirname(__file__), "..", "dcat", "examples", "bremen-catalog-original-input.rdf")


def section(explainer, key):
    return next(s["markdown"] for s in explainer["sections"] if s["key"] == key)


def test_a_re_harvest_keeps_the_explainer_a_data_officer_edited_and_offers_the_new_draft(source_server):
    datasets = [catalog.dataset(n) for n in range(1, 3)]
    url = catalog.serve(source_server, datasets)
    org = factories.Organization(org_type="fachdienst")
    source = make_source(url, org=org)
    run(source)
    first = next(d for d in harvested() if d["title"] == "Messreihe Nummer 1")
    jobs.explain_dataset_job(first["id"])  # what the worker does after the harvest changed it
    editor = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    helpers.call_action("jena_explainer_update", context={"user": editor["name"], "ignore_auth": False},
                        id=first["id"], lang="de", reviewed=True,
                        sections={"about": "Hier misst die Stadt den Boden. Jede Zeile ist ein Messwert."})
    # the source renames the dataset; the harvester updates it and the worker renews the draft
    datasets[0] = catalog.dataset(1, title="Bodenmessreihe Eins")
    catalog.serve(source_server, datasets)
    assert run(source)["updated"] == 1
    jobs.explain_dataset_job(first["id"])
    for user in ("", editor["name"]):  # what citizens and the officer read
        after = helpers.call_action("jena_explainer_show", context={"user": user, "ignore_auth": False},
                                    id=first["id"], lang="de")
        assert after["status"] == "reviewed"
        assert section(after, "about") == "Hier misst die Stadt den Boden. Jede Zeile ist ein Messwert."
    assert "Bodenmessreihe Eins" in after["offered"]["about"]           # offered, never forced
    # an unchanged re-harvest does not touch the explainer at all
    assert run(source)["unchanged"] == 2
    assert section(helpers.call_action("jena_explainer_show", id=first["id"], lang="de"), "about").startswith("Hier misst")


def test_every_bremen_dataset_gets_a_plain_german_explainer(source_server):
    with open(BREMEN, "rb") as f:
        source_server.add("/bremen.rdf", f.read(), content_type="application/rdf+xml")
    summary = run(make_source(source_server.url("/bremen.rdf")))
    assert summary["created"] == 153
    scores = []
    for dataset in harvested():
        drafts, _generator = core.draft_for(dataset)
        assert all(drafts["de"][key] for key in ("summary", "about", "usage", "limits")), dataset["name"]
        scores.append(readability.score(core.full_text(drafts["de"]), "de")["flesch"])
    assert len(scores) == 153
    assert statistics.median(scores) >= 60, statistics.median(scores)
    assert min(scores) >= 50, sorted(scores)[:5]
