"""Plugin jena_schema: the Jena dataset and organisation schemas (ckanext-scheming), with
action fields, districts, DCAT-AP.de vocabularies, facets and the offline district map.

Needs in ckan.plugins: jena_schema jena_taxonomy dcat scheming_datasets scheming_organizations
spatial_metadata,
and scheming's options pointing at the schemas here (scheming reads them before this plugin's
update_config may run, so they belong in the ini file):
    scheming.dataset_schemas = ckanext.jena.schema:schemas/dataset.yaml
    scheming.organization_schemas = ckanext.jena.schema:schemas/organization.yaml
    scheming.presets = ckanext.scheming:presets.json ckanext.dcat.schemas:presets.yaml
"""
from __future__ import annotations

import os

import ckan.plugins as plugins
from ckan.lib.plugins import DefaultTranslation
from ckan.plugins import toolkit

from ckanext.jena.taxonomy import store as taxonomy_store

from . import helpers, inbound, places, validators, vocabularies

_ = toolkit._
HERE = os.path.dirname(__file__)
DATASET_SCHEMA = "ckanext.jena.schema:schemas/dataset.yaml"
ORGANIZATION_SCHEMA = "ckanext.jena.schema:schemas/organization.yaml"
PRESETS = "ckanext.scheming:presets.json ckanext.dcat.schemas:presets.yaml"
FACETS = ("action_fields", "districts", "theme", "res_format", "license_id", "organization")
LABELLED_FACETS = ("action_fields", "districts", "theme", "license_id")
# spatial_metadata validates `spatial` and provides Leaflet for the maps
REQUIRED_PLUGINS = ("jena_taxonomy", "dcat", "scheming_datasets", "scheming_organizations", "spatial_metadata")


def _facet_title(name: str) -> str:
    return {
        "action_fields": _("Action fields"),
        "districts": _("Districts"),
        "theme": _("Themes (EU)"),
        "res_format": _("Formats"),
        "license_id": _("Licences"),
        "organization": _("Organisations"),
    }[name]


def _as_list(value) -> list:
    return validators.as_list(value)


class JenaSchemaPlugin(plugins.SingletonPlugin, DefaultTranslation):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IConfigurable, inherit=True)
    plugins.implements(plugins.IValidators)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(plugins.IFacets, inherit=True)
    plugins.implements(plugins.IPackageController, inherit=True)
    plugins.implements(plugins.ITranslation)

    # ITranslation: one catalogue for the whole distribution
    def i18n_directory(self) -> str:
        return os.path.join(os.path.dirname(HERE), "i18n")

    def i18n_domain(self) -> str:
        return "ckanext-jena"

    # IConfigurer
    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")
        toolkit.add_resource("assets", "jena_schema")
        if not config.get("licenses_group_url"):
            config["licenses_group_url"] = "file://" + vocabularies.LICENSES_FILE
        # The action_fields/districts/theme facets are counted over every hit: keep them in the
        # search index's fast facet array.
        extra = set(toolkit.aslist(config.get("ckanext.jena.search.facet_fields") or []))
        config["ckanext.jena.search.facet_fields"] = " ".join(sorted(extra | set(LABELLED_FACETS)))

    # IConfigurable
    def configure(self, config) -> None:
        missing = [name for name in REQUIRED_PLUGINS if not plugins.plugin_loaded(name)]
        if missing:
            raise RuntimeError("jena_schema needs these plugins in ckan.plugins: " + ", ".join(missing))
        for key, value in (("scheming.dataset_schemas", DATASET_SCHEMA),
                           ("scheming.organization_schemas", ORGANIZATION_SCHEMA)):
            if value not in (config.get(key) or ""):
                raise RuntimeError(f"jena_schema needs `{key} = {value}` in the ini file")

    # IValidators / ITemplateHelpers
    def get_validators(self) -> dict:
        return validators.get_validators()

    def get_helpers(self) -> dict:
        return helpers.get_helpers()

    # IFacets
    def dataset_facets(self, facets_dict, package_type):
        out = {name: _facet_title(name) for name in FACETS}
        for key, value in facets_dict.items():
            if key not in out and key not in ("tags", "groups"):
                out[key] = value
        return out

    # IPackageController
    def before_dataset_index(self, pkg_dict: dict) -> dict:
        taxonomy = taxonomy_store.current()
        labels = []
        action_fields = taxonomy.with_fields(_as_list(pkg_dict.get("action_fields")))
        if action_fields:
            pkg_dict["action_fields"] = action_fields
            for notation in action_fields:
                concept = taxonomy.get(notation)
                if concept:
                    labels.extend(concept.labels.values())
        districts = _as_list(pkg_dict.get("districts"))
        if districts:
            pkg_dict["districts"] = districts
            labels.extend(places.label(d, "de") for d in districts)
        themes = _as_list(pkg_dict.get("theme"))
        if themes:
            pkg_dict["theme"] = themes
        for key in ("language",):
            if pkg_dict.get(key):
                pkg_dict[key] = _as_list(pkg_dict[key])
        if labels:
            # searchable ("Grünstadtpflege", "Winzerla") without being a stored field
            pkg_dict["extras_jena_labels"] = " ".join(dict.fromkeys(labels))
        return pkg_dict

    def after_dataset_show(self, context, pkg_dict: dict) -> None:
        """A licence the register does not know (kept as a harvest source wrote it) shows as text,
        and as a link where it is an http(s) address (CKAN's licence snippet links license_url)."""
        license_id = pkg_dict.get("license_id")
        if license_id and not pkg_dict.get("license_url") and license_id not in vocabularies.licenses():
            link = inbound.link(license_id)
            if link:
                pkg_dict["license_url"] = link

    def after_dataset_search(self, search_results: dict, search_params: dict) -> dict:
        facets = search_results.get("search_facets") or {}
        for name in LABELLED_FACETS:
            for item in (facets.get(name) or {}).get("items", []):
                if name == "action_fields":
                    item["display_name"] = helpers.action_field_label(item["name"])
                elif name == "districts":
                    item["display_name"] = helpers.district_label(item["name"])
                elif name == "theme":
                    item["display_name"] = helpers.vocabulary_label("eu_themes", item["name"])
                elif name == "license_id":
                    item["display_name"] = helpers.license_title(item["name"])
        return search_results
