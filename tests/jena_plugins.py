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
