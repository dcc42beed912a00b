"""The plugin set and scheming options of a portal with the Jena schema, as pytest marks."""
import pytest

SCHEMA_PLUGINS = ("jena_search jena_schema jena_taxonomy dcat scheming_datasets scheming_organizations "
                  "spatial_metadata")


def schema_marks(plugins: str = SCHEMA_PLUGINS) -> list:
    return [
        pytest.mark.ckan_config("ckan.plugins", plugins),
        pytest.mark.ckan_config("scheming.dataset_schemas", "ckanext.jena.schema:schemas/dataset.yaml"),
        pytest.mark.ckan_config("scheming.organization_schemas", "ckanext.jena.schema:schemas/organization.yaml"),
        pytest.mark.ckan_config("scheming.presets",
                                "ckanext.scheming:presets.json ckanext.dcat.schemas:presets.yaml"),
        pytest.mark.usefixtures("with_plugins"),
    ]

def with_explainer(plugins: str) -> str:
    """jena_explainer before dcat and scheming: its dataset page template extends theirs."""
    return plugins.replace(" dcat ", " jena_explainer dcat ", 1)


EXPLAINER_PLUGINS = with_explainer(SCHEMA_PLUGINS)

HARVEST_PLUGINS = (SCHEMA_PLUGINS + " jena_dcat harvest jena_harvest jena_harvest_ckan jena_harvest_dcat "
                   "jena_harvest_csw jena_harvest_sensorthings")
# what the demo loader needs: it harvests the bundled demo sources from 127.0.0.1
DEMO_PLUGINS = with_explainer(HARVEST_PLUGINS) + " jena_demo"


def demo_marks(plugins: str = DEMO_PLUGINS) -> list:
    return schema_marks(plugins) + [
        pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de jena_explainer"),
        pytest.mark.ckan_config("ckanext.jena.harvest.allowed_hosts", "127.0.0.1"),
        pytest.mark.ckan_config("ckanext.jena.explainer.allowed_hosts", "127.0.0.1"),
        pytest.mark.ckan_config("ckanext.jena.maps.own_source_paths", "/demo-quellen/"),
    ]
