# ckanext-jena: CKAN extensions for WISSENsAllmende Jena, the City of Jena's urban data platform.
# SPDX-License-Identifier: AGPL-3.0-or-later
from setuptools import find_namespace_packages, setup

setup(
    name="ckanext-jena",
    version="0.1.0",
    description="CKAN extensions for WISSENsAllmende Jena: search on PostgreSQL, Jena schemas, "
                "taxonomy, DCAT-AP.de, harvesting, plain-language explainers",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-or-later",
    python_requires=">=3.10",
    packages=find_namespace_packages(include=["ckanext.jena", "ckanext.jena.*"]),
    include_package_data=True,
    package_data={"ckanext.jena": ["**/*.yaml", "**/*.json", "**/*.csv", "**/*.geojson",
                                   "**/*.ttl", "**/*.html", "**/*.sql", "**/*.po", "**/*.mo",
                                   "**/*.css", "**/*.js", "**/*.rdf", "**/*.md", "data/data/*.txt",
                                   "migration/*/alembic.ini", "migration/*/script.py.mako"]},
    zip_safe=False,
    entry_points={
        "ckan.plugins": [
            "jena_search = ckanext.jena.search.plugin:JenaSearchPlugin",
            "jena_demo = ckanext.jena.demo.plugin:JenaDemoPlugin",
            "jena_schema = ckanext.jena.schema.plugin:JenaSchemaPlugin",
            "jena_taxonomy = ckanext.jena.taxonomy.plugin:JenaTaxonomyPlugin",
            "jena_dcat = ckanext.jena.dcat.plugin:JenaDcatPlugin",
            "jena_quality = ckanext.jena.quality.plugin:JenaQualityPlugin",
            "jena_freshness = ckanext.jena.freshness.plugin:JenaFreshnessPlugin",
            "jena_feeds = ckanext.jena.feeds.plugin:JenaFeedsPlugin",
            "jena_datarequest = ckanext.jena.datarequest.plugin:JenaDatarequestPlugin",
            "jena_follow = ckanext.jena.follow.plugin:JenaFollowPlugin",
            "jena_harvest = ckanext.jena.harvest.plugin:JenaHarvestPlugin",
            "jena_harvest_ckan = ckanext.jena.harvest.plugin:JenaCkanHarvesterPlugin",
            "jena_harvest_dcat = ckanext.jena.harvest.plugin:JenaDcatHarvesterPlugin",
            "jena_harvest_csw = ckanext.jena.harvest.plugin:JenaCswHarvesterPlugin",
            "jena_harvest_sensorthings = ckanext.jena.harvest.plugin:JenaSensorThingsHarvesterPlugin",
            "jena_explainer = ckanext.jena.explainer.plugin:JenaExplainerPlugin",
            "jena_theme = ckanext.jena.theme.plugin:JenaThemePlugin",
            "jena_security = ckanext.jena.security.plugin:JenaSecurityPlugin",
            "jena_data = ckanext.jena.data.plugin:JenaDataPlugin",
            "jena_chart = ckanext.jena.charts.plugin:JenaChartsPlugin",
            "jena_maps = ckanext.jena.maps.plugin:JenaMapsPlugin",
            "jena_ortsteil_map = ckanext.jena.maps.plugin:JenaOrtsteilMapPlugin",
        ],
        # explainer generators (ckanext.jena.explainer.generator names one)
        "ckanext.jena.explainer_generators": [
            "rules = ckanext.jena.explainer.rules:RuleGenerator",
        ],
        # `ckan jena …` commands of no single plugin (ckanext/jena/cli.py adds them)
        "ckanext.jena.commands": [
            "backup = ckanext.jena.backup.cli:backup",
            "restore = ckanext.jena.backup.cli:restore",
            "scheduler = ckanext.jena.scheduler.cli:scheduler",
        ],
        "ckan.rdf.profiles": [
            "dcat_ap_de = ckanext.jena.dcat.profile:DcatApDeProfile",
            # chained after dcat_ap_de in ckanext.dcat.rdf.profiles: the explainer as foaf:page
            "jena_explainer = ckanext.jena.explainer.dcat:JenaExplainerProfile",
        ],
    },
)
