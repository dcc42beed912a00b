"""Read a ckanext-jena config key: the value set in the ini file, else its declared default.

Every key and its default are written once, in the capability's config_declaration.yaml.
CKAN fills in the declared defaults of the plugins it has loaded, so there `toolkit.config.get`
answers. A key can also be read where its plugin is not loaded (a CLI command, a helper one
capability offers another, a test with fewer plugins, code running before the declarations
are loaded): then the default comes from the same declaration file, never from a second
literal at the call site.
"""
from __future__ import annotations

import functools
import glob
import os
from typing import Any

import yaml
from ckan.plugins import toolkit

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def get(key: str) -> Any:
    """The configured value of ``key``, or its declared default (raises KeyError for a
    ckanext.jena key that no declaration names: a typo, not a missing setting)."""
    if toolkit.config.is_declared(key) or key in toolkit.config:
        return toolkit.config.get(key)
    defaults = declared_defaults()
    if key not in defaults:
        raise KeyError(f"{key} is not declared in any ckanext/jena/*/config_declaration.yaml")
    return defaults[key]


@functools.lru_cache(maxsize=None)
def declared_defaults() -> dict:
    defaults = {}
    for path in sorted(glob.glob(os.path.join(_PACKAGE, "*", "config_declaration.yaml"))):
        with open(path, encoding="utf-8") as f:
            declaration = yaml.safe_load(f) or {}
        for group in declaration.get("groups") or []:
            for option in group.get("options") or []:
                defaults[option["key"]] = option.get("default")
    return defaults
