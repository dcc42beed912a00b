"""Plugin jena_data: CKAN's DataStore filled by ckanext-xloader, its downloads guarded
(xloader_seam.py), and a ready-to-copy Data API example on the resource page. Load it with
``datastore xloader datatables_view`` (docs/data.md)."""
from __future__ import annotations

import json
from urllib.parse import urlsplit, urlunsplit

import ckan.plugins as plugins
from ckan.plugins import toolkit

from ckanext.jena.scheduler import IPeriodicTasks, PeriodicTask

from ckanext.xloader.interfaces import IXloader

from . import logic, sensors, sqlguard, table_view, xloader_seam
from .table_view import table_view_markup


@toolkit.blanket.config_declarations
class JenaDataPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IConfigurable, inherit=True)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(IPeriodicTasks)
    plugins.implements(IXloader, inherit=True)
    plugins.implements(plugins.IActions)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")
        toolkit.add_resource("assets", "jena_data")
        if toolkit.asbool(config.get("ckanext.jena.data.datastore_follows_main_database")):
            for key in ("ckan.datastore.write_url", "ckan.datastore.read_url"):
                if config.get(key):
                    config[key] = beside_main_database(config[key], config["sqlalchemy.url"])
            # xloader's job log lives in the main database
            config["ckanext.xloader.jobs_db.uri"] = config["sqlalchemy.url"]
        sqlguard.use_allowed_functions(config)

    def configure(self, config) -> None:
        xloader_seam.install()

    def periodic_tasks(self) -> list:
        tasks = []
        every = toolkit.config.get("ckanext.jena.data.submit_missing_every")
        if every:
            tasks.append(PeriodicTask("data: submit tables not yet loaded", every, logic.submit_missing_tables))
        every = toolkit.config.get("ckanext.jena.data.sensor_every")
        if every:
            tasks.append(PeriodicTask("data: sensor observations into the DataStore", every,
                                      sensors.load_all_datastreams))
        return tasks

    def get_actions(self) -> dict:
        return {"datastore_create": sqlguard.datastore_create,
                "datastore_search": sqlguard.datastore_search,
                "datastore_search_sql": sqlguard.datastore_search_sql,
                "resource_view_create": table_view.resource_view_create}

    def can_upload(self, resource_id: str) -> bool:
        # a SensorThings Datastream's table is filled by sensors.py, not from the CSV export
        from ckan import model
        resource = model.Resource.get(resource_id)
        return not (resource and sensors.datastream_of({"url": resource.url, "format": resource.format}))

    def get_helpers(self) -> dict:
        return {"jena_data_api_example": api_example, "jena_table_view_markup": table_view_markup}


def beside_main_database(datastore_url: str, main_url: str) -> str:
    """The main database's URL (host, port, name + "_datastore") with the user and password of
    ``datastore_url`` (scripts/setup.sh database NAME makes NAME_datastore beside NAME)."""
    main, datastore = urlsplit(main_url), urlsplit(datastore_url)
    credentials = datastore.netloc.rpartition("@")[0]
    host = main.netloc.rpartition("@")[2]
    return urlunsplit((main.scheme, f"{credentials}@{host}", main.path.rstrip("/") + "_datastore", "", ""))


def api_example(resource: dict) -> dict:
    """Ready-to-copy calls of the Data API for a table in the DataStore: curl and Python, for
    datastore_search (rows, a filter, full text) and datastore_search_sql."""
    resource_id = resource["id"]
    base = toolkit.config.get("ckan.site_url").rstrip("/") + "/api/3/action/"
    search = f'{base}datastore_search?resource_id={resource_id}&limit=5'
    sql = f'SELECT * FROM "{resource_id}" LIMIT 5'
    python = (
        "import requests\n\n"
        f"answer = requests.get(\"{base}datastore_search\",\n"
        f"                      params={{\"resource_id\": \"{resource_id}\", \"limit\": 5}})\n"
        "for row in answer.json()[\"result\"][\"records\"]:\n"
        "    print(row)\n")
    return {
        "search_url": search,
        "curl": f"curl '{search}'",
        "curl_sql": f"curl -G '{base}datastore_search_sql' --data-urlencode {json.dumps('sql=' + sql)}",
        "python": python,
    }
