"""`ckan jena dcat export`."""
from __future__ import annotations

import sys

import click

from . import export as export_module


@click.group(name="dcat", short_help="DCAT-AP.de: export the catalog")
def dcat() -> None:
    """The portal's DCAT-AP.de output."""


@dcat.command(name="export")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@click.option("--format", "fmt", type=click.Choice(sorted(export_module.FORMATS)), default="ttl")
@click.option("--page-size", type=int, default=200, show_default=True)
@click.option("--profile", default=None, help="RDF profiles (default: ckanext.dcat.rdf.profiles).")
def export(target: str, fmt: str, page_size: int, profile) -> None:
    """Write the public catalog to TARGET (use - for standard output), page by page."""
    stream = sys.stdout.buffer if target == "-" else open(target, "wb")
    try:
        with click.progressbar(length=0, label="exporting", file=sys.stderr) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)
            count = export_module.export_catalog(stream, fmt, page_size, profile, progress)
    finally:
        if stream is not sys.stdout.buffer:
            stream.close()
    click.echo(f"exported {count} dataset(s) to {target}", err=True)
