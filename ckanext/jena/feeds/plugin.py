"""Plugin jena_feeds: Atom feeds of searches with the Jena facets (Handlungsfeld, Ortsteil, EU
theme) at CKAN's /feeds/custom.atom, one feed per Handlungsfeld (/feeds/handlungsfeld/<id>.atom),
linked from the search page and the Handlungsfeld pages. No feed ever lists a private dataset,
whoever asks. Needs jena_schema and jena_taxonomy."""
from __future__ import annotations

import ckan.plugins as plugins
from ckan.plugins import toolkit


class JenaFeedsPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IBlueprint)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(plugins.IPackageController, inherit=True)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")

    def get_blueprint(self):
        from .views import feeds_blueprint
        return [feeds_blueprint]

    def get_helpers(self) -> dict:
        from . import views
        return {"jena_search_feed_url": views.search_feed_url,
                "jena_action_field_feed_url": views.action_field_feed_url}

    def before_dataset_search(self, search_params: dict) -> dict:
        """Every feed (CKAN's dataset, tag, group, organisation and custom feeds, and ours) lists
        public datasets only: a feed is read by feed readers and passed on, so what a logged-in
        reader may see privately stays out of it."""
        try:
            path = toolkit.request.path
        except (RuntimeError, AttributeError, TypeError):  # no request: CLI, jobs
            return search_params
        if path.startswith("/feeds/"):
            search_params["include_private"] = False
            search_params["include_drafts"] = False
        return search_params
