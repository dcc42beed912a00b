"""Plugin jena_theme: the WISSENsAllmende Jena look — a home page that starts from the
citizen's questions (search, the five Handlungsfelder, newest and most viewed datasets,
"Einfach erklärt"), dataset pages with the explainer, a preview and the download first, the
city's name and colours, a language switch. No third-party assets at run time.
Load it first in ckan.plugins: its templates take precedence."""
from __future__ import annotations

import logging

import ckan.plugins as plugins
from ckan.plugins import toolkit

from ckanext.jena import purge, urls

log = logging.getLogger(__name__)


# the home page links to the action fields and the glossary, the dataset page shows the explainer
REQUIRED_PLUGINS = ("jena_schema", "jena_taxonomy", "jena_explainer")
# a dataset's page: CKAN's view, or ckanext-dcat's when it negotiates the content (then only
# its HTML answer is a page someone reads)
PAGE_ENDPOINTS = ("dataset.read", "dcat.read_dataset")


# the page cache (ckanext/jena/cache/, a shared helper without a plugin of its own) is switched on
# by this plugin's middleware, so its keys are declared here
@toolkit.blanket.config_declarations("../cache/config_declaration.yaml")
class JenaThemePlugin(plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer, inherit=True)
    plugins.implements(plugins.IConfigurable, inherit=True)
    plugins.implements(plugins.ITemplateHelpers)
    plugins.implements(plugins.IMiddleware, inherit=True)
    plugins.implements(plugins.IActions)

    def update_config(self, config) -> None:
        toolkit.add_template_directory(config, "templates")
        toolkit.add_public_directory(config, "public")
        toolkit.add_resource("assets", "jena_theme")
        # no third-party requests from the portal's pages: Gravatar images would be one
        # (for every user without an own picture); CKAN then shows its placeholder
        config["ckan.gravatar_default"] = "disabled"

    def configure(self, config) -> None:
        missing = [name for name in REQUIRED_PLUGINS if not plugins.plugin_loaded(name)]
        if missing:
            raise RuntimeError("jena_theme needs these plugins in ckan.plugins: " + ", ".join(missing))
        # the table jena_dataset_view comes from `ckan db upgrade -p jena_theme` (docs/storage.md)

    def get_actions(self) -> dict:
        return {"dataset_purge": dataset_purge}

    def get_helpers(self) -> dict:
        from . import helpers
        # links built from data go through one rule (ckanext/jena/urls.py), also where CKAN's
        # own templates ask h.is_url before they render a resource URL as a link
        return dict(helpers.get_helpers(), jena_link_url=urls.link_url, is_url=is_url)

    def make_middleware(self, app, config):
        # count dataset page views for "most viewed" (Flask app only; CKAN 2.11 has no Pylons)
        if hasattr(app, "after_request"):
            app.after_request(_count_dataset_view)
            # the portal's public pages and read API, kept for anonymous visitors (a page served
            # from the cache is still counted: the dataset's id and visibility are kept with it)
            from ckanext.jena.cache import pages
            from ckanext.jena.dcat import catalog_page
            page = pages.Rule()
            dataset_page = pages.Rule(keep=_viewed_dataset)
            # a dataset's RDF (ckanext-dcat reads only ?profiles) takes seconds for a dataset
            # with many resources: keyed by that parameter, a few made at once; with content
            # negotiation the same endpoint answers the HTML page, which stays as dataset.read
            rdf_page = pages.Rule(keep=_viewed_dataset, parameters=frozenset({"profiles"}), heavy=True,
                                  narrow=catalog_page.asks_for_rdf)
            pages.install(app, {
                "home.index": page, "dataset.search": page,
                "dataset.read": dataset_page, "dcat.read_dataset": rdf_page,
                "jena_explainer.read": page, "jena_explainer.glossary_page": page,
                "jena_taxonomy.index": page, "jena_taxonomy.read": page,
                "api.action": pages.Rule(when=_cached_action),
            })
            # the compiled assets (content-hashed names): kept by browsers and proxies for a year
            from ckanext.jena.cache import assets
            assets.install(app)
        return app


@toolkit.chained_helper
def is_url(next_helper, *args, **kwargs) -> bool:
    """CKAN's check (a scheme from ckan.valid_url_schemes) and ours: http(s) only."""
    return bool(next_helper(*args, **kwargs)) and bool(args) and urls.is_safe_link(args[0])


# read actions whose anonymous answers the cache may keep (what anyone may read, only from the database)
CACHED_ACTIONS = ("package_search", "package_show", "organization_list", "organization_show",
                  "group_list", "group_show", "tag_list", "license_list")


def _cached_action() -> bool:
    return (toolkit.request.view_args or {}).get("logic_function") in CACHED_ACTIONS


def _viewed_dataset() -> dict:
    pkg = getattr(toolkit.g, "pkg_dict", None) or {}
    return {"pkg_dict": {key: pkg.get(key) for key in ("id", "type", "private", "state")}}


def _count_dataset_view(response):
    """One view more for a public dataset's page that was shown (GET, 200). Private and deleted
    datasets are not counted; the count is written on a connection of its own, so the request's
    session and its transaction are left as they were."""
    try:
        request = toolkit.request
        if (response.status_code != 200 or request.method != "GET" or request.endpoint not in PAGE_ENDPOINTS
                or response.mimetype != "text/html"):
            return response
        pkg = getattr(toolkit.g, "pkg_dict", None) or {}
        if (pkg.get("id") and pkg.get("type", "dataset") == "dataset" and not pkg.get("private")
                and pkg.get("state", "active") == "active"):
            from ckanext.jena.cache import generation
            from . import store
            # a count is no change kept pages must show at once ("most viewed" may lag by
            # ckanext.jena.cache.seconds)
            with generation.unwatched():
                store.count_view(pkg["id"])
    except Exception:  # counting must never cost a visitor the page
        log.warning("could not count a dataset view", exc_info=True)
    return response


def _forget(dataset_id: str) -> None:
    """A purged dataset's view counts go too."""
    from . import store
    store.forget(dataset_id)


dataset_purge = purge.after_purge(_forget)
