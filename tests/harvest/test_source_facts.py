"""Where a dataset comes from, for other capabilities: the action jena_harvest_source_facts.
The explainer asks it instead of reading ckanext-harvest's tables, and it tells nobody more
than the dataset itself would (who may not see the dataset learns nothing)."""
import pytest

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena.explainer import core
from tests.harvest import catalog
from tests.harvest.helpers import harvested, make_source, marks, run
from tests.jena_plugins import HARVEST_PLUGINS, with_explainer

pytestmark = marks(with_explainer(HARVEST_PLUGINS)) + [pytest.mark.usefixtures("explainer_tables")]


def facts(dataset_id, user=""):
    return helpers.call_action("jena_harvest_source_facts", context={"user": user, "ignore_auth": False},
                               id=dataset_id)


def test_the_explainer_names_the_harvest_source_it_learns_through_the_action(source_server):
    org = factories.Organization(org_type="fachdienst")
    source = make_source(catalog.serve(source_server, [catalog.dataset(1)]), name="umweltkatalog", org=org)
    run(source)
    (dataset,) = harvested()
    assert facts(dataset["id"]) == {"harvested": True, "harvest_source_id": source["id"],
                                    "harvest_source_title": "Quelle umweltkatalog"}
    drafts, _generator = core.draft_for(dataset)
    assert any("aus einer anderen Quelle: Quelle umweltkatalog." in text for text in drafts["de"].values())
    # a dataset made in the portal comes from nowhere else
    own = factories.Dataset(owner_org=org["id"], license_id="dl-by-de/2.0", notes="Eigene Daten.",
                            tags=[{"name": "Eigen"}])
    assert facts(own["id"]) == {"harvested": False, "harvest_source_id": None, "harvest_source_title": None}
    assert not any("anderen Quelle" in text for text in core.draft_for(own)[0]["de"].values())


def test_who_may_not_see_the_dataset_learns_nothing_of_its_source(source_server):
    org = factories.Organization(org_type="fachdienst")
    source = make_source(catalog.serve(source_server, [catalog.dataset(1)]), name="intern", org=org)
    run(source)
    (dataset,) = harvested()
    helpers.call_action("package_patch", id=dataset["id"], private=True)
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="member")
    for user in ("", factories.User()["name"]):
        with pytest.raises(toolkit.NotAuthorized):
            facts(dataset["id"], user=user)
    assert facts(dataset["id"], user=member["name"])["harvest_source_id"] == source["id"]
    with pytest.raises(toolkit.ObjectNotFound):
        facts("gibt-es-nicht")
    # never the source's address or settings, to anyone
    assert set(facts(dataset["id"], user=member["name"])) == {"harvested", "harvest_source_id",
                                                              "harvest_source_title"}
