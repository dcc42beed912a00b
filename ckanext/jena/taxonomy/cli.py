"""`ckan jena taxonomy show|load|migrate`."""
from __future__ import annotations

import json
import sys

import click

from ckan.plugins import toolkit

from . import migrate as migrate_module
from . import model, store


@click.group(name="taxonomy", short_help="The action-field taxonomy: show, load, migrate")
def taxonomy() -> None:
    """The Smart City action-field taxonomy (Handlungsfelder and measures)."""


@taxonomy.command(name="show")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle", "json-ld"]), default="text")
@click.option("--history", is_flag=True, help="List the loaded versions instead.")
def show(lang: str, fmt: str, history: bool) -> None:
    """Print the taxonomy in effect."""
    if history:
        for row in store.history():
            click.echo(f"#{row['id']} version {row['version']} loaded {row['loaded_at']} by {row['loaded_by'] or '-'}")
            for change in row["changes"]:
                click.echo(f"    {change}")
        return
    current = store.current()
    if fmt == "json":
        click.echo(json.dumps(current.as_dict(lang), ensure_ascii=False, indent=2))
        return
    if fmt in ("turtle", "json-ld"):
        click.echo(current.serialize(fmt))
        return
    source = "database" if store.loaded_current() else "packaged file (not loaded yet)"
    click.echo(f"{current.current.label(lang)} — version {current.version} ({source})")
    for field in current.fields():
        click.echo(f"  {field.notation}: {field.label(lang)}")
        for measure in current.measures(field.notation):
            click.echo(f"      {measure.notation}: {measure.label(lang)}")
    for notation, scheme in current.schemes.items():
        if notation != model.CURRENT_SCHEME:
            count = sum(1 for c in current.concepts.values() if c.scheme == notation)
            click.echo(f"  earlier scheme {notation}: {scheme.label(lang)} ({count} concepts, mapped)")


@taxonomy.command(name="load")
@click.option("--file", "turtle_path", type=click.Path(exists=True, dir_okay=False),
              help="Turtle file (default: ckanext.jena.taxonomy.file or the packaged file).")
@click.option("--mappings", "mapping_dir", type=click.Path(exists=True, file_okay=False),
              help="Folder with the mapping tables (default: the packaged ones).")
@click.option("--dry-run", is_flag=True, help="Check and show the changes, store nothing.")
@click.option("--quiet", is_flag=True, help="Say nothing when nothing changed.")
def load(turtle_path, mapping_dir, dry_run: bool, quiet: bool) -> None:
    """Check a taxonomy file, show what changes, and make it the taxonomy in effect."""
    turtle_path = turtle_path or toolkit.config.get("ckanext.jena.taxonomy.file") or None
    try:
        new = model.Taxonomy(*model.read_sources(turtle_path, mapping_dir), store.base_uri())
    except model.TaxonomyError as exc:
        raise click.ClickException(str(exc))
    problems = new.problems()
    if problems:
        for problem in problems:
            click.echo(f"  problem: {problem}", err=True)
        raise click.ClickException(f"{len(problems)} problem(s): nothing was loaded")
    old = store.loaded_current()
    if old is not None and old.checksum == new.checksum:
        if not quiet:
            click.echo(f"taxonomy version {new.version} is already loaded; nothing to do")
        return
    changes = model.diff(old, new)
    for line in changes:
        click.echo(f"  {line}")
    if dry_run:
        click.echo("dry run: nothing stored")
        return
    store.store(new, changes, "cli")
    click.echo(f"loaded taxonomy version {new.version} ({len(new.concepts)} concepts)")
    renamed = {n for n in new.concepts if old and n in old.concepts and
               any(old.concepts[n].label(lang) != new.concepts[n].label(lang) for lang in model.LANGUAGES)}
    if renamed:
        from ckan.lib.search import rebuild
        ids = migrate_module.datasets_carrying(renamed)
        for dataset_id in ids:
            rebuild(dataset_id)
        click.echo(f"re-indexed {len(ids)} dataset(s) that carry renamed concepts")
    planned, unresolved = migrate_module.plan(new)
    if planned or unresolved:
        click.echo(f"{len(planned)} dataset(s) use retired concepts: run `ckan jena taxonomy migrate`")


@taxonomy.command(name="migrate")
@click.option("--dry-run", is_flag=True, help="Show what would change, change nothing.")
def migrate(dry_run: bool) -> None:
    """Move datasets off deprecated concepts and concepts of earlier schemes."""
    current = store.current()
    planned, unresolved = migrate_module.plan(current)
    for change in planned:
        click.echo(f"{change.name}: {', '.join(change.before)} -> {', '.join(change.after)}")
        for note in change.notes:
            click.echo(f"    {note}")
    for change in unresolved:
        click.echo(f"{change.name}: cannot migrate ({'; '.join(change.notes)}); left as it is", err=True)
    if dry_run:
        click.echo(f"dry run: {len(planned)} dataset(s) would change, {len(unresolved)} need a data officer")
        return
    if not planned:
        click.echo(f"nothing to migrate; {len(unresolved)} dataset(s) need a data officer")
        return
    with click.progressbar(length=len(planned), label="migrating", file=sys.stderr) as bar:
        failures = migrate_module.apply(planned, lambda change, error: bar.update(1))
    for change, error in failures:
        click.echo(f"{change.name}: not migrated: {error}", err=True)
    click.echo(f"migrated {len(planned) - len(failures)} dataset(s); {len(failures)} failed; "
               f"{len(unresolved)} need a data officer")
    if failures:
        sys.exit(1)
