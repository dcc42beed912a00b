"""Backups of the whole portal (`ckan jena backup DIR`, `ckan jena restore DIR`).

A backup directory holds
- ``database.dump``: the database of sqlalchemy.url (pg_dump's custom format), i.e. datasets,
  users, organisations, explainers, taxonomy versions, harvest sources, jobs and records,
  quality checks, view counts and the PostgreSQL search index;
- ``uploads.tar.gz``: ckan.storage_path (uploaded files, pictures), without the compiled
  assets (``webassets/``, built again on start);
- ``manifest.json``, written last: a directory without it is no complete backup.

Not in it: the configuration (/etc/ckan/jena/, with the secrets) and Redis (queues and caches,
which a restart may lose). A restore goes into an empty database (or replaces everything with
``--replace``) in one transaction, so a failed restore leaves the database as it was; the search
index is then rebuilt from the restored datasets (for either backend).

pg_dump and pg_restore come from JENA_PG_BIN if set, else from PATH; they must not be older
than the server."""
from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import tarfile
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ckan import model
from ckan.plugins import toolkit

from ckanext.jena.lang import BilingualError

DATABASE = "database.dump"
UPLOADS = "uploads.tar.gz"
MANIFEST = "manifest.json"
FORMAT = 1
# rebuilt by CKAN from the code on start
SKIPPED_UPLOADS = ("webassets",)


class BackupError(BilingualError):
    """A backup or restore failed, in English and German."""


def _tool(name: str) -> str:
    folder = os.environ.get("JENA_PG_BIN")
    path = os.path.join(folder, name) if folder else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise BackupError(f"{name} was not found (install postgresql-client, or set JENA_PG_BIN).",
                          f"{name} wurde nicht gefunden (postgresql-client installieren oder JENA_PG_BIN setzen).")
    return path


def _pg_env() -> dict:
    """The database of sqlalchemy.url for pg_dump/pg_restore, the password not on the command line."""
    url = make_url(toolkit.config["sqlalchemy.url"])
    env = dict(os.environ)
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                            ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[variable] = str(value)
    return env


def _run(command: list[str], what_en: str, what_de: str) -> None:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(f"{what_en} failed: {detail}", f"{what_de} ist fehlgeschlagen: {detail}")


def _storage_path() -> Optional[str]:
    return toolkit.config.get("ckan.storage_path") or None


def _dataset_count() -> int:
    return model.Session.query(model.Package).filter(model.Package.state == "active",
                                                     model.Package.type != "harvest").count()


def backup(directory: str, echo: Callable[[str], None] = lambda _: None) -> dict:
    """Write a backup into ``directory`` (new or empty) and return its manifest."""
    if os.path.exists(directory) and (not os.path.isdir(directory) or os.listdir(directory)):
        raise BackupError(f"{directory} exists and is not an empty directory; a backup never overwrites one.",
                          f"{directory} gibt es schon und ist kein leeres Verzeichnis; eine Sicherung "
                          "überschreibt nie eine andere.")
    os.makedirs(directory, exist_ok=True)
    echo("database ...")
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          "--file", os.path.join(directory, DATABASE)], "pg_dump", "pg_dump")
    storage = _storage_path()
    uploads = None
    if storage and os.path.isdir(storage):
        echo(f"uploads from {storage} ...")
        with tarfile.open(os.path.join(directory, UPLOADS), "w:gz") as archive:
            for entry in sorted(os.listdir(storage)):
                if entry not in SKIPPED_UPLOADS:
                    archive.add(os.path.join(storage, entry), arcname=entry)
        uploads = UPLOADS
    manifest = {"format": FORMAT, "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "database": DATABASE, "uploads": uploads, "datasets": _dataset_count()}
    from ckan import __version__ as ckan_version
    manifest["ckan_version"] = ckan_version  # a restore needs this CKAN version or `ckan db upgrade` after it
    with open(os.path.join(directory, MANIFEST), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
    return manifest


def _has_datasets() -> bool:
    inspector = sa.inspect(model.meta.engine)
    if not inspector.has_table("package"):
        return False
    return model.Session.execute(sa.text("SELECT EXISTS (SELECT 1 FROM package)")).scalar()


def restore(directory: str, replace: bool = False, echo: Callable[[str], None] = lambda _: None) -> dict:
    """Restore the backup in ``directory`` into the configured database and storage path, then
    rebuild the search index. Returns the manifest with the datasets found after the restore."""
    try:
        with open(os.path.join(directory, MANIFEST), encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        raise BackupError(f"{directory} holds no complete backup (no readable {MANIFEST}).",
                          f"{directory} enthält keine vollständige Sicherung ({MANIFEST} fehlt oder ist unlesbar).")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"The backup in {directory} has format {manifest.get('format')!r}, this version reads {FORMAT}.",
                          f"Die Sicherung in {directory} hat das Format {manifest.get('format')!r}, diese Version "
                          f"liest {FORMAT}.")
    if _has_datasets() and not replace:
        raise BackupError("The database already holds datasets; restore into an empty database, or give --replace "
                          "to replace everything in it.",
                          "Die Datenbank enthält schon Datensätze; bitte in eine leere Datenbank zurückspielen oder "
                          "mit --replace alles darin ersetzen.")
    # pg_restore drops and re-creates the tables: no connection of ours may hold them
    model.Session.remove()
    model.meta.engine.dispose()
    echo("database ...")
    dump = os.path.join(directory, DATABASE)
    # extensions (pg_trgm) belong to the superuser who created the database
    # (`scripts/setup.sh database NAME`); the portal's role may neither drop nor create them
    listing = subprocess.run([_tool("pg_restore"), "--list", dump], capture_output=True, text=True)
    if listing.returncode != 0:
        raise BackupError(f"{dump} cannot be read: {listing.stderr.strip()[-1000:]}",
                          f"{dump} ist nicht lesbar: {listing.stderr.strip()[-1000:]}")
    entries = os.path.join(directory, ".restore-list")
    with open(entries, "w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in listing.stdout.splitlines() if " EXTENSION " not in line)
    try:
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", "--use-list", entries, "--dbname", _pg_env()["PGDATABASE"], dump],
             "pg_restore", "pg_restore")
    finally:
        os.remove(entries)
    if manifest.get("uploads"):
        storage = _storage_path()
        if not storage:
            raise BackupError("The backup has uploads but ckan.storage_path is not set; the database is restored, "
                              "the uploads are not.",
                              "Die Sicherung enthält hochgeladene Dateien, aber ckan.storage_path ist nicht gesetzt; "
                              "die Datenbank ist zurückgespielt, die Dateien nicht.")
        echo(f"uploads into {storage} ...")
        os.makedirs(storage, exist_ok=True)
        with tarfile.open(os.path.join(directory, manifest["uploads"]), "r:gz") as archive:
            archive.extractall(storage, filter="data")  # nothing outside the storage path, no devices
    echo("search index ...")
    _rebuild_index()
    manifest["datasets_restored"] = _dataset_count()
    return manifest


def _rebuild_index() -> None:
    from ckan.lib import search as ckan_search
    from ckanext.jena.search import consistency
    ckan_search.rebuild(quiet=True)
    ckan_search.commit()
    model.Session.commit()
    found = consistency.compare()
    if any(found.values()):  # extra entries: datasets the index knew but the backup does not
        consistency.repair(found)
