"""harvest_source_clear through the action API, with the PostgreSQL search index loaded.

ckanext-harvest clears a source with one raw statement that carries its own ``BEGIN; … COMMIT;``
and then re-indexes the source in the same session: the index must cope with a session whose
transaction was committed behind SQLAlchemy's back (issue 15, finding 8)."""
from ckan import model
from ckan.lib import search
from ckan.tests import factories

from tests.harvest.helpers import harvested, make_source, marks

pytestmark = marks()


def harvested_into(source: dict, count: int) -> list[dict]:
    """Datasets as a finished harvest job leaves them: each linked to the source by a harvest object."""
    from ckanext.harvest.model import HarvestJob, HarvestObject
    job = HarvestJob(source_id=source["id"], status="Finished")
    job.save()
    datasets = []
    for number in range(1, count + 1):
        dataset = factories.Dataset(
            title=f"Messreihe Nummer {number}", owner_org=source["owner_org"], license_id="dl-by-de/2.0",
            action_fields=["stadtentwicklung-umwelt-verkehr"], tags=[{"name": "Umwelt"}])
        HarvestObject(job=job, harvest_source_id=source["id"], package_id=dataset["id"], guid=f"jena-test-{number}",
                      current=True, state="COMPLETE", report_status="added").save()
        search.rebuild(dataset["id"])  # indexed with its harvest source, as a harvest leaves it
        datasets.append(dataset)
    return datasets


def test_a_sysadmin_clears_a_harvest_source_and_its_datasets_leave_the_portal(app):
    source = make_source("http://127.0.0.1:9/catalog.ttl")
    harvested_into(source, 3)
    assert len(harvested()) == 3
    sysadmin = factories.Sysadmin()
    headers = {"Authorization": factories.APIToken(user=sysadmin["name"])["token"]}

    response = app.post("/api/3/action/harvest_source_clear", json={"id": source["id"]},
                        headers=headers, status=200)

    assert response.json["result"] == {"id": source["id"]}
    model.Session.remove()
    assert harvested() == []
    found = app.get("/api/3/action/package_search", query_string={"q": "Messreihe"}).json["result"]
    assert found["count"] == 0
    # the source itself stays, is still in the index and can be harvested again
    kept = app.get("/api/3/action/harvest_source_show", query_string={"id": source["id"]},
                   headers=headers).json["result"]
    assert kept["name"] == source["name"]
    listed = app.get("/api/3/action/package_search",
                     query_string={"fq": "dataset_type:harvest", "include_private": "true"},
                     headers=headers).json["result"]
    assert [d["name"] for d in listed["results"]] == [source["name"]]
