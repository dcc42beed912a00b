"""Less work per request: anonymous answers of public pages kept in Redis for every web server
(pages.py), dropped at once when anything in the database changes (generation.py).

A shared helper below every capability: a capability names its cacheable endpoints through
:func:`pages.install` from its plugin's ``make_middleware`` (jena_dcat: the catalog pages;
jena_theme: search, dataset, explainer and Handlungsfeld pages, the read API). Settings in
config_declaration.yaml (``ckanext.jena.cache.*``), read through ckanext.jena.settings."""
