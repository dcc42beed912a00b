"""Fifth attack review (6 December, H1): the activities of a private dataset's resource views
stay out of the activity stream (security/activity.py)."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks, with_explainer
from tests.security.test_attack2 import _api, _dataset_ids, activity_tables  # noqa: F401 (fixture)

# the portal's plugins (ckan.ini.template) less the demo, with CKAN's image view to make views of
PLUGINS = "jena_security jena_theme activity image_view " + with_explainer(HARVEST_PLUGINS)

pytestmark = schema_marks(PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.usefixtures("clean_db", "activity_tables", "harvest_tables", "clean_index", "explainer_tables"),
]


def test_the_resource_views_of_a_private_dataset_stay_out_of_the_activity_stream(app):
    """Found by the attack review of 6 December: `new resource view` / `changed resource view`
    activities carry no permission labels, so anonymous user activity lists showed the title and
    description of a private dataset's views (their object is the dataset)."""
    org = factories.Organization(org_type="fachdienst")
    editor = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    as_editor = {"user": editor["name"]}
    created = {}
    for name, private in (("geheime-kennzahlen", True), ("offene-kennzahlen", False)):
        dataset = helpers.call_action(
            "package_create", as_editor, name=name, title=name, owner_org=org["id"], private=private,
            action_fields=["stadtentwicklung-umwelt-verkehr"], license_id="dl-by-de/2.0",
            notes="Kennzahlen des Haushalts", tags=[{"name": "Haushalt"}],
            resources=[{"url": "https://example.org/k.csv", "format": "CSV", "name": "Tabelle"}])
        view = helpers.call_action("resource_view_create", as_editor, resource_id=dataset["resources"][0]["id"],
                                   view_type="image_view", title=f"Sicht {name}", description=f"Vertraulich {name}")
        helpers.call_action("resource_view_update", as_editor, id=view["id"], resource_id=view["resource_id"],
                            view_type="image_view", title=f"Sicht {name} 2", description=f"Vertraulich {name}")
        created[name] = dataset
    hidden, shown = created["geheime-kennzahlen"], created["offene-kennzahlen"]
    everything = helpers.call_action("user_activity_list", as_editor, id=editor["name"])
    view_activities = [a for a in everything if "resource view" in a["activity_type"]]
    assert {a["object_id"] for a in view_activities} == {hidden["id"], shown["id"]}  # the editor sees both
    status, result = _api(app, "user_activity_list", id=editor["name"])
    assert status == 200
    assert hidden["id"] not in _dataset_ids(result) and "Vertraulich geheime" not in str(result)
    assert shown["id"] in _dataset_ids(result) and "Vertraulich offene" in str(result)
    for activity in view_activities:
        if activity["object_id"] == hidden["id"]:
            for action in ("activity_show", "activity_data_show"):
                status, result = _api(app, action, id=activity["id"])
                assert status in (403, 404) and "Vertraulich" not in str(result), (action, status)
    status, result = _api(app, "recently_changed_packages_activity_list")
    assert "Vertraulich geheime" not in str(result)
