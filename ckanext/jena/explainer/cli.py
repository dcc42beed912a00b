"""`ckan jena explainer …`: make and read explainers from the command line."""
from __future__ import annotations

import json

import click


@click.group(name="explainer", short_help="Plain-language explainers (Einfach erklärt)")
def explainer() -> None:
    """Make and show the plain-language explainers of datasets."""


def all_dataset_ids() -> list[str]:
    import sqlalchemy as sa
    from ckan import model
    rows = model.Session.execute(sa.text(
        "SELECT id FROM package WHERE state = 'active' AND type = 'dataset' ORDER BY name"))
    return [row[0] for row in rows]


@explainer.command("generate")
@click.argument("datasets", nargs=-1)
@click.option("--all", "all_datasets", is_flag=True, help="Every active dataset.")
@click.option("--no-profile", is_flag=True, help="Use stored resource profiles; do not read the files.")
@click.option("--force", is_flag=True, help="Read every file again, also unchanged ones.")
def generate(datasets, all_datasets, no_profile, force) -> None:
    """Profile the resources of DATASETS (names or ids) and renew their automatic drafts.
    Sections written by editors and reviewed explainers are kept; the new draft is offered."""
    from ckan.plugins import toolkit
    from . import jobs
    if all_datasets:
        ids = all_dataset_ids()
    elif datasets:
        ids = []
        for name in datasets:
            try:
                ids.append(toolkit.get_action("package_show")({"ignore_auth": True}, {"id": name})["id"])
            except toolkit.ObjectNotFound:
                raise click.ClickException(f"No dataset {name!r}. / Kein Datensatz {name!r}.")
    else:
        raise click.UsageError("Name datasets or use --all.")
    with click.progressbar(length=len(ids), label="Explainers") as bar:
        totals = jobs.explain_all(ids, profile=not no_profile, force=force, progress=bar.update)
    click.echo(f"{totals['datasets']} explainers renewed; {totals['profiled']} files profiled, "
               f"{totals['failed']} could not be read; a new draft is on offer for {totals['offered']}.")


@explainer.command("show")
@click.argument("dataset")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de")
@click.option("--json", "as_json", is_flag=True, help="jena_explainer_show's result as JSON.")
def show(dataset, lang, as_json) -> None:
    """Print DATASET's explainer as citizens read it, with its readability."""
    from ckan.plugins import toolkit
    result = toolkit.get_action("jena_explainer_show")({"ignore_auth": True}, {"id": dataset, "lang": lang})
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"# {result['dataset_name']} ({result['status_label']})\n")
    click.echo(result["summary"] + "\n")
    for section in result["sections"]:
        if section["key"] != "summary" and section["markdown"]:
            click.echo(f"## {section['heading']}\n\n{section['markdown']}\n")
    score = result["readability"]
    click.echo(f"Flesch: {score['flesch']}  WSTF: {score['wstf']}  words: {score['words']}")
