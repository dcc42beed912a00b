#!/usr/bin/env bash
# One entry point for the project's local set-up; the Makefile calls its steps.
#   setup.sh deps            Debian packages (only those that are missing)
#   setup.sh venv            virtualenv with the pinned requirements (skipped when unchanged)
#   setup.sh services        project-owned PostgreSQL cluster and Redis on 127.0.0.1
#   setup.sh stop            stop both
#   setup.sh database NAME   create role and database NAME if missing, and its DataStore
#                            database NAME_datastore with the read-only role (docs/data.md)
#   setup.sh ckan-ini        write ckan.ini from config/ckan.ini.template (kept if present)
#   setup.sh init INI [DB]   ckan db init with every plugin's migrations (docs/storage.md)
#                            (with DB: that database of the project's cluster, whatever INI says)
#   setup.sh catalogue       compile the German catalogue (.mo) when its .po changed
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

as_pg_owner() {
  # initdb/pg_ctl refuse to run as root: run them as the 'postgres' system user.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

step_deps() {
  local missing=()
  [ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/pg_trgm.control ] || missing+=(postgresql-contrib)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v pg_config >/dev/null || missing+=(libpq-dev)
  # Python 3.11 with venv/ensurepip and its headers (psycopg2 builds from source)
  if ! "$PYTHON" -c 'import ensurepip, venv, sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
    missing+=(python3.11 python3.11-venv python3.11-dev)
  fi
  command -v gcc >/dev/null || missing+=(gcc)
  # the browser tests (tests/theme): Debian's Chromium, driven by Playwright's Python package
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (run as root or install them)"
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  fi
}

# `pip check`, allowing only the version floors requirements-nodeps.txt names (ckanext-xloader's
# requests, urllib3, certifi, idna, six and zipp floors); anything else fails the set-up
pip_check() {
  local report unexpected
  report=$("$VENV/bin/pip" check 2>&1) && return 0
  unexpected=$(printf '%s\n' "$report" | grep -vE \
    '^ckanext-xloader 2\.6\.0 has requirement (requests|urllib3|certifi|idna|six|zipp)>=[0-9.]+, but you have ' || true)
  if [ -n "$unexpected" ]; then printf '%s\n' "$report" >&2; return 1; fi
  printf '%s\n' "$report" | sed 's/^/pip check (expected, see requirements-nodeps.txt): /' >&2
}

step_venv() {
  local stamp="$VENV/.jena-requirements.sha256" want
  local requirements
  # requirements.txt pins the default CKAN; another CKAN_VERSION replaces only CKAN's own pin
  # (the four extensions and everything else stay as pinned there)
  requirements=$(sed -E "s/^ckan\[(requirements|dev)\]==.*/ckan[\1]==$CKAN_VERSION/" \
      "$ROOT/requirements.txt" "$ROOT/dev-requirements.txt")
  want=$(printf '%s\n' "$requirements" | cat - "$ROOT/requirements-nodeps.txt" "$ROOT/setup.py" \
      | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  # a virtualenv keeps its CKAN: one made for another version (.venv of a checkout from before
  # the default moved to 2.12) is not upgraded in place under whoever uses it
  local installed
  installed=$([ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c \
      'import importlib.metadata as m; print(m.version("ckan"))' 2>/dev/null || true)
  if [ -n "$installed" ] && [ "$installed" != "$CKAN_VERSION" ]; then
    die "$VENV holds CKAN $installed, not $CKAN_VERSION: use it with CKAN_VERSION=$installed JENA_VENV=$VENV, or move it away (e.g. to $ROOT/.venv-$installed) for a new one"
  fi
  say "installing the pinned requirements with CKAN $CKAN_VERSION into $VENV (first run takes about two minutes)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip==26.3 setuptools==84.2.1 wheel==0.48.0
  "$VENV/bin/pip" install -q -r <(printf '%s\n' "$requirements")
  # packages whose declared dependencies contradict CKAN's exact pins (why: requirements-nodeps.txt)
  "$VENV/bin/pip" install -q --no-deps -r "$ROOT/requirements-nodeps.txt"
  "$VENV/bin/pip" install -q --no-deps -e "$ROOT"
  pip_check
  echo "$want" > "$stamp"
}

pg_running() { [ -f "$PG_DATA/PG_VERSION" ] && as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

# As root, the cluster belongs to the 'postgres' user, which must be able to reach its data
# directory. A checkout in a private home directory (mode 0700) is not reachable: the data
# then lives in /var/tmp, linked from .local/postgres.
place_pg_data() {
  [ "$(id -u)" = 0 ] || return 0
  [ -e "$PG_DATA" ] && return 0
  if ! runuser -u postgres -- test -x "$LOCAL"; then
    local outside="/var/tmp/ckanext-jena-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)/postgres"
    mkdir -p "$outside"
    ln -s "$outside" "$PG_DATA"
    say "PostgreSQL data in $outside (linked from $PG_DATA): $ROOT is not readable for 'postgres'"
  fi
}

step_services() {
  mkdir -p "$LOCAL" "$REDIS_DIR" "$STORAGE_DIR"
  place_pg_data
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "creating the project's PostgreSQL cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DATA/"; chmod 700 "$PG_DATA/"; fi
    as_pg_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$PG_DATA/postgresql.conf" <<CONF
# written by scripts/setup.sh: a project-owned cluster, loopback only
listen_addresses = '127.0.0.1'
# TCP only: no socket file whose path could exceed the 107-byte limit or clash
unix_socket_directories = ''
max_connections = 60
shared_buffers = 256MB
# fsync off: demo and test data only, never production
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  if ! pg_running; then
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -o "-p $PG_PORT" -w -t 30 start >/dev/null \
      || { tail -20 "$PG_DATA/server.log" >&2; die "PostgreSQL did not start"; }
  fi
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && ! redis_is_ours; then
    die "port $REDIS_PORT answers as a Redis that is not this project's: set JENA_REDIS_PORT"
  fi
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    say "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
      --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null || die "Redis did not start"
  fi
}

redis_is_ours() {
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config get dir 2>/dev/null | sed -n 2p)" = "$(cd "$REDIS_DIR" 2>/dev/null && pwd -P)" ]
}

step_stop() {
  if [ -f "$PG_DATA/PG_VERSION" ] && pg_running; then
    say "stopping PostgreSQL"; as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  fi
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && redis_is_ours; then
    say "stopping Redis"; redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
}

psql_admin() { "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }

step_database() {
  local db="$1"
  if ! psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'" | grep -q 1; then
    psql_admin -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD'"
  fi
  if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
    say "creating database $db"
    psql_admin -c "CREATE DATABASE $db OWNER $PG_USER ENCODING 'UTF8' TEMPLATE template0"
  fi
  # pg_trgm finds word parts inside German compounds; created here because it needs a superuser
  # on PostgreSQL < 13 (on 13+ it is a trusted extension the database owner may create).
  psql_admin -d "$db" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"
  step_datastore "$db"
}

# -- DataStore (issue 18) ---------------------------------------------------------------------
# CKAN's DataStore keeps the loaded tables in a database of their own: NAME_datastore, written
# by the portal's role and read by DATASTORE_READ_USER, which may only SELECT (datastore_search_sql
# runs as that role). The grants are CKAN's own (`ckan datastore set-permissions`), rendered with
# its template so they follow the installed CKAN.
DATASTORE_READ_USER="${JENA_DATASTORE_READ_USER:-ckan_datastore_ro}"
DATASTORE_READ_PASSWORD="${JENA_DATASTORE_READ_PASSWORD:-ckan_datastore_ro}"

step_datastore() {
  local db="$1" datastore="$1_datastore"
  if ! psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname='$DATASTORE_READ_USER'" | grep -q 1; then
    psql_admin -c "CREATE ROLE $DATASTORE_READ_USER LOGIN PASSWORD '$DATASTORE_READ_PASSWORD' NOSUPERUSER NOCREATEDB NOCREATEROLE"
  fi
  if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='$datastore'" | grep -q 1; then
    say "creating DataStore database $datastore"
    psql_admin -c "CREATE DATABASE $datastore OWNER $PG_USER ENCODING 'UTF8' TEMPLATE template0"
  fi
  "$VENV/bin/python" -c 'import sys; from ckanext.datastore.cli import permissions_sql; print(permissions_sql(*sys.argv[1:]))' \
      "$db" "$datastore" "$PG_USER" "$PG_USER" "$DATASTORE_READ_USER" | PGOPTIONS="-c client_min_messages=warning" psql_admin -d "$datastore" >/dev/null
}

step_ckan_ini() {
  # Rewritten when the template changed (new plugins or options), keeping the secret key;
  # the previous file is kept as ckan.ini.bak. Local edits belong in the template.
  local want
  want=$(sha256sum "$ROOT/config/ckan.ini.template" | cut -d' ' -f1)
  if [ -f "$CKAN_INI" ] && grep -q "^# template sha256 $want$" "$CKAN_INI"; then return 0; fi
  if [ -f "$CKAN_INI" ]; then
    cp "$CKAN_INI" "$CKAN_INI.bak"
    say "config/ckan.ini.template changed: rewriting $CKAN_INI (previous one in ckan.ini.bak)"
  else
    say "writing $CKAN_INI from config/ckan.ini.template"
  fi
  PG_PORT="$PG_PORT" PG_USER="$PG_USER" PG_PASSWORD="$PG_PASSWORD" REDIS_PORT="$REDIS_PORT" \
  STORAGE_DIR="$STORAGE_DIR" TEMPLATE_SHA="$want" "$VENV/bin/python" - "$ROOT/config/ckan.ini.template" "$CKAN_INI" <<'PY'
import os, re, secrets, sys, urllib.parse
text = open(sys.argv[1], encoding="utf-8").read()
values = {k: os.environ[k] for k in ("PG_PORT", "REDIS_PORT", "STORAGE_DIR")}
values["PG_USER"] = urllib.parse.quote(os.environ["PG_USER"], safe="")
values["PG_PASSWORD"] = urllib.parse.quote(os.environ["PG_PASSWORD"], safe="")
values["SECRET"] = secrets.token_urlsafe(32)
if os.path.exists(sys.argv[2]):
    found = re.search(r"(?m)^SECRET_KEY = (\S+)$", open(sys.argv[2], encoding="utf-8").read())
    if found:
        values["SECRET"] = found.group(1)
for key, value in values.items():
    text = text.replace(f"@{key}@", value)
text = f"# template sha256 {os.environ['TEMPLATE_SHA']}\n" + text
open(sys.argv[2], "w", encoding="utf-8").write(text)
PY
}

# The compiled catalogues (.mo, build output, not in git). Tests run `setup.sh init` while the
# other lane's CKAN reads the catalogue: pybabel rewrites a .mo in place, so a reader could get
# half a file (CI, lane 2: "unpack requires a buffer of 4 bytes"). Each catalogue is compiled
# to a file beside it and renamed over it (readers see the old or the new one, whole), and only
# when its .po is newer.
step_catalogue() {
  local po mo tmp locale
  for po in "$ROOT"/ckanext/jena/i18n/*/LC_MESSAGES/ckanext-jena.po; do
    mo="${po%.po}.mo"
    if [ -f "$mo" ] && [ "$mo" -nt "$po" ]; then continue; fi
    locale="$(basename "$(dirname "$(dirname "$po")")")"
    tmp="$(mktemp "$mo.XXXXXX")"
    if "$VENV/bin/pybabel" -q compile -l "$locale" -i "$po" -o "$tmp" && chmod 644 "$tmp"; then
      mv -f "$tmp" "$mo"
    else
      rm -f "$tmp"; return 1
    fi
  done
}

step_init() {
  local ini="$1" migrate_ini
  step_catalogue
  if [ -n "${2:-}" ]; then
    export CKAN_SQLALCHEMY_URL; CKAN_SQLALCHEMY_URL="$(db_url "$2")"
    export CKAN_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/1"
    # the DataStore's grants and functions of this CKAN (2.12 adds _table_stats, which its
    # datastore_create needs), also when `setup.sh database` ran with another CKAN's virtualenv
    step_datastore "$2"
  fi
  # CKAN's migrations and those of every plugin with tables (docs/storage.md): `ckan db init`
  # runs the pending ones of each plugin in ckan.plugins. The test config loads few plugins,
  # so migrate with a copy of the config that loads all of them (and what they need to load).
  migrate_ini="$(dirname "$ini")/.migrate-$(basename "$ini")"
  "$VENV/bin/python" - "$ini" "$migrate_ini" <<'PY'
import re
import sys
WITH_TABLES = ("jena_search jena_schema jena_taxonomy jena_explainer dcat scheming_datasets "
               "scheming_organizations spatial_metadata jena_quality harvest jena_harvest jena_theme "
               "jena_datarequest jena_feeds jena_follow").split()
SCHEMING = {"scheming.dataset_schemas": "ckanext.jena.schema:schemas/dataset.yaml",
            "scheming.organization_schemas": "ckanext.jena.schema:schemas/organization.yaml",
            "scheming.presets": "ckanext.scheming:presets.json ckanext.dcat.schemas:presets.yaml"}
text = open(sys.argv[1], encoding="utf-8").read()
found = re.search(r"^ckan\.plugins *=(.*)$", text, re.M)
plugins = found.group(1).split()
plugins += [name for name in WITH_TABLES if name not in plugins]
lines = ["ckan.plugins = " + " ".join(plugins)]
lines += [f"{key} = {value}" for key, value in SCHEMING.items()
          if not re.search(rf"^{re.escape(key)} *=", text, re.M)]
open(sys.argv[2], "w", encoding="utf-8").write(text[:found.start()] + "\n".join(lines) + text[found.end():])
PY
  "$VENV/bin/ckan" -c "$migrate_ini" db init >/dev/null
  rm -f "$migrate_ini"
  if grep -Eq '^ckan\.plugins *=.* jena_taxonomy( |$)' "$ini"; then
    # the packaged taxonomy becomes the one in effect (no-op when unchanged)
    "$VENV/bin/ckan" -c "$ini" jena taxonomy load --quiet
  fi
  # datasets missing from the index (a new index schema after an upgrade starts empty)
  "$VENV/bin/ckan" -c "$ini" search-index rebuild --only-missing --quiet >/dev/null
}

cmd="${1:-}"; shift || true
case "$cmd" in
  deps) step_deps ;;
  venv) step_venv ;;
  services) step_services ;;
  stop) step_stop ;;
  database) step_database "$@" ;;
  datastore) step_datastore "$@" ;;
  ckan-ini) step_ckan_ini ;;
  init) step_init "$@" ;;
  catalogue) step_catalogue ;;
  db-url) db_url "$@" ;;
  *) die "usage: $0 deps|venv|services|stop|database NAME|ckan-ini|init INI|catalogue" ;;
esac
