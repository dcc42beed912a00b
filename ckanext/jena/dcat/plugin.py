"""Plugin jena_dcat: DCAT-AP.de 3.0 output (profile `dcat_ap_de`), the streaming export and
the metadata quality score. Needs ckanext-dcat's `dcat` plugin and `jena_schema`."""
from __future__ import annotations

import ckan.plugins as plugins
from ckan.plugins import toolkit


@toolkit.blanket.config_declarations
class JenaDcatPlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IConfigurable, inherit=True)
    plugins.implements(plugins.IClick)
    plugins.implements(plugins.IMiddleware, inherit=True)
    plugins.implements(plugins.IPackageController, inherit=True)
    plugins.implements(plugins.IActions)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")
        # this profile by default, and content negotiation on /dataset/<id>
        if not config.get("ckanext.dcat.rdf.profiles"):
            config["ckanext.dcat.rdf.profiles"] = "dcat_ap_de"

    def configure(self, config) -> None:
        missing = [name for name in ("dcat", "jena_schema", "jena_taxonomy") if not plugins.plugin_loaded(name)]
        if missing:
            raise RuntimeError("jena_dcat needs these plugins in ckan.plugins: " + ", ".join(missing))

    def get_commands(self) -> list:
        from ckanext.jena.cli import with_subgroup
        from .cli import dcat
        return with_subgroup(dcat)

    # -- what the catalog publishes (publication.py) --------------------------------------------
    def before_dataset_index(self, pkg_dict: dict) -> dict:
        import json
        from . import publication
        validated = pkg_dict.get("validated_data_dict")
        publication.index_fields(pkg_dict, json.loads(validated) if validated else pkg_dict)
        return pkg_dict

    def get_actions(self) -> dict:
        # (dcat_datasets_list belongs to dcat_json_interface, which the portal does not load)
        actions = {name: _published_only(name) for name in ("dcat_catalog_show", "dcat_catalog_search")}
        actions["dcat_dataset_show"] = _dataset_show
        return actions

    def make_middleware(self, app, config):
        # ckanext-dcat's catalog pages (/catalog.ttl?q=…) let the search's errors through as 500s;
        # CKAN's own search page answers them itself
        if hasattr(app, "register_error_handler"):
            from ckan.lib.search.common import SearchError
            app.register_error_handler(SearchError, _bad_search)
            from . import catalog_page
            if catalog_page.ENDPOINT in app.view_functions:
                app.view_functions[catalog_page.ENDPOINT] = catalog_page.wrap_view(
                    app.view_functions[catalog_page.ENDPOINT])
                # a catalog page costs seconds (a DoS risk): anonymous answers are kept until
                # the next change in the database, keyed by the parameters the page reads, and
                # only a few are made at once (ckanext/jena/cache/)
                from ckanext.jena.cache import pages
                pages.install(app, {catalog_page.ENDPOINT: pages.Rule(
                    parameters=catalog_page.PARAMETERS, heavy=True, narrow=catalog_page.asks_for_rdf)})
                pages.heavy_actions(app, HEAVY_ACTIONS)
        return app


def _published_only(name: str):
    """ckanext-dcat's catalog actions, searching only what the catalog publishes."""
    @toolkit.chained_action
    @toolkit.side_effect_free
    def action(original_action, context, data_dict):
        from . import catalog_page, publication
        data_dict = dict(data_dict or {})
        data_dict["fq"] = publication.with_filter(data_dict.get("fq"))
        _check_profiles(data_dict)
        return catalog_page.with_quoted_paging(original_action)(context, data_dict)
    action.__name__ = name
    action.__doc__ = (f"ckanext-dcat's {name}, leaving out the datasets the catalog does not publish (at most "
                      "three different profiles; through the API a heavy page, see ckanext/jena/cache/pages.py).")
    return action


@toolkit.chained_action
@toolkit.side_effect_free
def _dataset_show(original_action, context, data_dict):
    """ckanext-dcat's dcat_dataset_show (at most three different profiles; through the API a
    heavy page, see ckanext/jena/cache/pages.py)."""
    _check_profiles(data_dict or {})
    return original_action(context, data_dict)


_dataset_show.__name__ = "dcat_dataset_show"


def _check_profiles(data_dict: dict) -> None:
    """At most three different profiles (ValidationError): ckanext-dcat makes the graph once per
    profile named. (Through the API these actions are heavy pages too: ``HEAVY_ACTIONS``, limited
    before the API runs them.)"""
    from . import catalog_page
    problem = catalog_page.profiles_problem(data_dict.get("profiles"))
    if problem:
        raise toolkit.ValidationError({"profiles": [problem]})


# ckanext-dcat's actions that make a catalog or a dataset's RDF: through the API, as heavy as the
# pages (a re-attack, 7 December: ten anonymous clients of dcat_catalog_show held every web worker)
HEAVY_ACTIONS = ("dcat_catalog_show", "dcat_catalog_search", "dcat_dataset_show")


def _bad_search(error):
    """A query the search cannot run is the client's mistake: 400 with a sentence that says so.
    Other search failures (the index is down) stay server errors."""
    from ckan.lib.search.common import SearchQueryError
    from flask import current_app
    from werkzeug.exceptions import BadRequest
    # CKAN core raises the plain SearchError for misplaced local parameters ({!lucene} in fq)
    if not isinstance(error, SearchQueryError) and not str(error).startswith("Local parameters"):
        raise error
    message = toolkit._("The search query is not valid: {error}. Check the brackets and quotes, "
                        "or search for the words alone.").format(error=error)
    return current_app.handle_http_exception(BadRequest(description=message))
