"""`ckan jena quality check|report`."""
from __future__ import annotations

import sys

import click

from ckan.plugins import toolkit

from . import checks, report as report_module


@click.group(name="quality", short_help="Metadata quality: background checks and the catalog report")
def quality() -> None:
    """Metadata quality of the catalog (data.europa.eu MQA and GovData checks)."""


@quality.command(name="check")
@click.option("--dataset", "dataset_ids", multiple=True, help="Only these datasets (id or name).")
def check(dataset_ids) -> None:
    """Check links and DCAT-AP conformance now (normally a background job does this)."""
    if not dataset_ids:
        dataset_ids = [r["id"] for r in report_module.catalog_scores()]
    failures = 0
    with click.progressbar(dataset_ids, label="checking", file=sys.stderr) as bar:
        for dataset_id in bar:
            try:
                checks.check_dataset(dataset_id)
            except toolkit.ObjectNotFound:
                click.echo(f"\n{dataset_id}: no such dataset", err=True)
                failures += 1
    click.echo(f"checked {len(dataset_ids) - failures} dataset(s)")


@quality.command(name="report")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on standard output.")
def report(as_csv: bool) -> None:
    """Every dataset's score, worst first."""
    rows = report_module.catalog_scores()
    if as_csv:
        report_module.write_csv(rows, sys.stdout)
        return
    for row in rows:
        click.echo(f"{row['points']:>4}/{row['max']}  {row['band']:<10}  {row['name']}")
        for fix in row["fixes"][:3]:
            click.echo(f"              - {fix}")
