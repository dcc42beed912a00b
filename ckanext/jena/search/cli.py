"""`ckan jena search …`: maintain the PostgreSQL search index."""
from __future__ import annotations

import click


@click.group(short_help="PostgreSQL search index (plugin jena_search)")
def search() -> None:
    """Maintain the PostgreSQL search index. Rebuild and clear it with CKAN's own
    `ckan search-index rebuild|clear`."""


@click.command(name="init-schema")
def init_schema() -> None:
    """Create the index tables, their indexes and functions: the same as `ckan db upgrade -p
    jena_search` (idempotent)."""
    from ckanext.jena import migration
    migration.upgrade("jena_search")
    click.secho("jena_search: index schema ready", fg="green")


@click.command(name="check")
@click.option("--consistency", is_flag=True,
              help="Compare the index with the database: datasets missing from, stale in or extra in it.")
@click.option("--repair", is_flag=True, help="With --consistency: index the missing and stale datasets anew "
                                             "and remove the extra ones.")
def check(consistency: bool, repair: bool) -> None:
    """Report whether this CKAN still matches what the search seam was written for; with
    --consistency, whether the index agrees with the database (exit code 1 when not)."""
    if consistency or repair:
        _check_consistency(repair)
        return
    from . import ckan_seam
    found = ckan_seam.problems()
    if found:
        for problem in found:
            click.secho(f"- {problem}", fg="red")
        raise click.exceptions.Exit(1)
    click.secho(f"jena_search fits this CKAN (backend={ckan_seam.backend_name()})", fg="green")


def _check_consistency(repair: bool) -> None:
    from . import consistency
    found = consistency.compare()
    labels = {"missing": "fehlt im Index / missing from the index",
              "stale": "veraltet im Index / stale in the index",
              "extra": "nur im Index / extra in the index"}
    for kind, label in labels.items():
        for package_id in found[kind]:
            click.echo(f"{label}: {package_id}")
    counts = ", ".join(f"{kind} {len(found[kind])}" for kind in labels)
    if not any(found.values()):
        click.secho(f"index consistent with the database ({counts})", fg="green")
        return
    if not repair:
        click.secho(f"index inconsistent ({counts}); `--repair` fixes it", fg="red")
        raise click.exceptions.Exit(1)
    consistency.repair(found)
    left = consistency.compare()
    if any(left.values()):
        click.secho("still inconsistent after the repair: " +
                    ", ".join(f"{kind} {len(left[kind])}" for kind in labels), fg="red")
        raise click.exceptions.Exit(1)
    click.secho(f"repaired ({counts}); index consistent with the database", fg="green")


def _rebuild_worker(number: int, package_ids: list, progress_every: int) -> int:
    """Index ``package_ids`` in a forked process through CKAN's own indexing path."""
    import sqlalchemy as sa

    import ckan.model as model
    from ckan.lib import search as ckan_search
    # the forked child must not share the parent's database connections
    model.meta.engine.dispose(close=False)
    model.Session.remove()
    failed = 0
    for start in range(0, len(package_ids), progress_every):
        chunk = package_ids[start:start + progress_every]
        try:
            # one marker in the change log instead of every row's previous version: kept
            # search counts are made anew after a rebuild anyway (jena_search_changed_rows)
            model.Session.execute(sa.text("SET LOCAL jena.search_bulk = 'on'"))
            ckan_search.rebuild(package_ids=chunk, defer_commit=True, quiet=True)
        except Exception as error:  # report and go on with the next chunk
            model.Session.rollback()
            failed += len(chunk)
            click.secho(f"worker {number}: datasets {start}-{start + len(chunk)} failed: {error}",
                        fg="red", err=True)
            continue
        click.echo(f"worker {number}: {start + len(chunk)}/{len(package_ids)} indexed", err=True)
    return failed


def _default_signals() -> None:
    import signal
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)


@click.command(name="rebuild")
@click.option("--workers", type=click.IntRange(1, 32), default=None,
              help="parallel processes (default: number of CPU cores)")
@click.option("--clear", is_flag=True, help="empty the index first")
def rebuild(workers, clear) -> None:
    """Rebuild the whole index with several processes (CKAN's `search-index rebuild`
    uses one). Each dataset goes through CKAN's own indexing path."""
    import multiprocessing
    import os
    import time

    import sqlalchemy as sa

    import ckan.model as model
    from ckan.lib import search as ckan_search
    from ckan.plugins import toolkit

    workers = workers or os.cpu_count() or 1
    query = model.Session.query(model.Package.id)
    if toolkit.config.get("ckan.search.remove_deleted_packages"):
        query = query.filter(model.Package.state != "deleted")
    ids = [row[0] for row in query]
    if clear:
        ckan_search.clear_all()
    model.Session.remove()
    started = time.perf_counter()
    click.echo(f"indexing {len(ids)} datasets with {workers} worker(s)", err=True)
    context = multiprocessing.get_context("fork")
    # the workers get the default signal handlers, and are ended by close() and join(), not by
    # terminate(): a fork inherits the caller's handlers, and a SIGTERM handler that does not end
    # the process (rq's worker installs one in the process that ran jobs) left an idle worker
    # alive under terminate(), and the command waited for it for ever (seen in a test run)
    pool = context.Pool(workers, initializer=_default_signals)
    try:
        results = [pool.apply_async(_rebuild_worker, (n + 1, ids[n::workers], 500))
                   for n in range(workers)]
        failed = sum(result.get() for result in results)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    elapsed = time.perf_counter() - started
    # fresh planner statistics: right after a rebuild PostgreSQL plans the index's queries from
    # the old tables' figures (measured: free-text searches at 10,000 datasets 73-86 ms instead
    # of about 40 ms until autovacuum came round). The facet values and the words too: with the
    # documents' statistics alone a freshly built index of 10,000 answered free text in 48.8 ms
    # and autocomplete in 17.2, with all three 20.5 and 5.3 ms (make bench-search, 7 December)
    model.Session.execute(sa.text("ANALYZE jena_search_document, jena_search_term, jena_search_word"))
    model.Session.commit()
    rate = (len(ids) - failed) / elapsed if elapsed else 0
    click.secho(f"indexed {len(ids) - failed} of {len(ids)} datasets in {elapsed:.1f} s "
                f"({rate:.0f}/s)", fg="red" if failed else "green")
    if failed:
        raise click.exceptions.Exit(1)


search.add_command(init_schema)
search.add_command(check)
search.add_command(rebuild)
