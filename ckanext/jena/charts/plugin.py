"""Plugin jena_chart: a chart view for DataStore tables with a time or category column, drawn on
the server as SVG with a sentence and a table of its values (chart.py; docs/charts.md says why
not ckanext-charts). Add ``jena_chart`` to ``ckan.views.default_views`` to give every suitable
table one."""
from __future__ import annotations

import ckan.plugins as plugins
from ckan.plugins import toolkit

from ckanext.jena import lang

from . import chart


@toolkit.blanket.config_declarations
class JenaChartsPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IResourceView, inherit=True)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")

    def info(self) -> dict:
        return {"name": "jena_chart", "title": toolkit._("Chart"), "icon": "chart-line",
                "iframed": False, "requires_datastore": True,
                # stored with the view: in the portal's language also when a background job makes it
                "default_title": lang.gettext_for("Chart", lang.current())}

    def can_view(self, data_dict: dict) -> bool:
        """Tables in the DataStore whose columns fit a line or bar chart (checked as the site)."""
        resource = data_dict["resource"]
        if not toolkit.asbool(resource.get("datastore_active")):
            return False
        site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
        try:
            fields = toolkit.get_action("datastore_search")(
                {"ignore_auth": True, "user": site_user["name"]}, {"resource_id": resource["id"], "limit": 0})["fields"]
        except (toolkit.ObjectNotFound, toolkit.ValidationError):
            return False
        return chart.chart_plan(fields) is not None

    def setup_template_variables(self, context, data_dict) -> dict:
        # the visitor's own context: a chart shows only what they may read
        return {"chart": chart.resource_chart(data_dict["resource"], {"user": getattr(toolkit.g, "user", "")})}

    def view_template(self, context, data_dict) -> str:
        return "jena_charts/view.html"
