"""Shared steps of the harvest tests: the plugin set, a source, a run, what the portal holds."""
from __future__ import annotations

import json

import pytest

from ckan.tests import factories, helpers

from tests.jena_plugins import HARVEST_PLUGINS, schema_marks


def marks(plugins: str = HARVEST_PLUGINS) -> list:
    return schema_marks(plugins) + [
        pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "dcat_ap_de jena_explainer"),
        pytest.mark.ckan_config("ckanext.jena.harvest.allowed_hosts", "127.0.0.1"),
        pytest.mark.ckan_config("ckanext.jena.harvest.timeout", "1"),
        pytest.mark.usefixtures("clean_db", "clean_index"),
    ]


def make_source(url: str, source_type: str = "jena_dcat", config: dict | None = None, name: str = "quelle",
                org: dict | None = None) -> dict:
    org = org or factories.Organization(org_type="fachdienst")
    sysadmin = factories.Sysadmin()
    return helpers.call_action("harvest_source_create", context={"user": sysadmin["name"]}, name=name,
                               title=f"Quelle {name}", url=url, source_type=source_type,
                               owner_org=org["id"], config=json.dumps(config or {}))


def run(source: dict, **kwargs) -> dict:
    from ckanext.jena.harvest.runner import run_source
    return run_source(source["id"], **kwargs)


def harvested(state: str = "active") -> list[dict]:
    """Datasets in the portal (not harvest sources), by title."""
    from ckan import model
    names = [p.name for p in model.Session.query(model.Package).filter_by(type="dataset", state=state)]
    found = [helpers.call_action("package_show", id=n) for n in names]
    return sorted(found, key=lambda d: d["title"])


def counting_dictizations(monkeypatch) -> dict:
    """How often CKAN reads each dataset from the database into a dict (package_dictize), by id."""
    import ckan.lib.dictization.model_dictize as model_dictize
    counts: dict = {}
    original = model_dictize.package_dictize

    def counted(pkg, context, *args, **kwargs):
        counts[pkg.id] = counts.get(pkg.id, 0) + 1
        return original(pkg, context, *args, **kwargs)

    monkeypatch.setattr(model_dictize, "package_dictize", counted)
    return counts

