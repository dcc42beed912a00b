"""What a portal holds, as JSON: run with the virtualenv of the CKAN to look with.

    <venv>/bin/python tests/upgrade/portal_inventory.py CKAN_INI OUT.json

Datasets as the database has them and as the search index and the API find them, the
explainers through their action, the taxonomy versions and the harvest records with the
harvest objects they point at. tests/upgrade/ compares this before and after an upgrade.
"""
import json
import sys


def inventory(ini: str) -> dict:
    import ckan
    from ckan import model
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from ckan.plugins import toolkit

    app = make_app(load_config(ini))
    with app._wsgi_app.test_request_context():
        from ckanext.jena.harvest import store as harvest_store
        from ckanext.jena.taxonomy import store as taxonomy_store

        site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

        def call(action, **data):
            return toolkit.get_action(action)({"user": site_user, "ignore_auth": False}, data)

        packages = model.Session.query(model.Package).filter(model.Package.state == "active").all()
        stored = {p.id: {"name": p.name, "private": p.private, "type": p.type} for p in packages}
        searched = call("package_search", q="*:*", rows=1000, include_private=True)
        by_word = {}
        for package in packages:
            if package.type != "dataset":
                continue  # harvest sources are not found by the dataset search
            word = max(package.title.split(), key=len)
            hits = call("package_search", q=word, rows=1000, include_private=True)["results"]
            by_word[package.id] = package.id in {hit["id"] for hit in hits}
        explainers = {}
        for package_id in stored:
            for lang in ("de", "en"):
                try:
                    shown = call("jena_explainer_show", id=package_id, lang=lang)
                except toolkit.ObjectNotFound:
                    continue
                explainers[f"{package_id} {lang}"] = {"status": shown["status"], "summary": shown["summary"]}
        records = {}
        for source in model.Session.query(harvest_store.HarvestSource):
            for guid, record in harvest_store.remembered(source.id).items():
                records[f"{source.url} {guid}"] = {"package_id": record.package_id, "state": record.state,
                                                   "content_hash": record.content_hash}
        objects = sorted(
            f"{o.guid} {o.package_id}" for o in model.Session.query(harvest_store.HarvestObject)
            .filter(harvest_store.HarvestObject.current == True))  # noqa: E712 (SQL)
        return {
            "ckan": ckan.__version__,
            "datasets": stored,
            "searched": sorted(r["id"] for r in searched["results"]),
            "search_count": searched["count"],
            "found_by_title_word": by_word,
            "explainers": explainers,
            "taxonomy": [{k: v for k, v in row.items() if k != "loaded_at"} for row in taxonomy_store.history()],
            "taxonomy_in_effect": taxonomy_store.current().version,
            "harvest_records": records,
            "harvest_objects": objects,
        }


if __name__ == "__main__":
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump(inventory(sys.argv[1]), out, sort_keys=True, indent=1)
