#!/usr/bin/env bash
# One entry point for the project's local set-up; the Makefile calls its steps.
#   setup.sh deps            Debian packages (only those that are missing)
#   setup.sh venv            virtualenv with the pinned requirements (skipped when unchanged)
#   setup.sh services        project-owned PostgreSQL cluster and Redis on 127.0.0.1
#   setup.sh stop            stop both
#   setup.sh database NAME   create role and database NAME if missing
#   setup.sh ckan-ini        write ckan.ini from config/ckan.ini.template (kept if present)
#   setup.sh init INI [DB]   ckan db init + plugin migrations + search schema for INI
#                            (with DB: that database of the project's cluster, whatever INI says)
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
  command -v "$PYTHON" >/dev/null || missing+=(python3.11 python3.11-venv python3.11-dev)
  command -v gcc >/dev/null || missing+=(gcc)
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

step_venv() {
  local stamp="$VENV/.jena-requirements.sha256" want
  want=$(cat "$ROOT/requirements.txt" "$ROOT/dev-requirements.txt" "$ROOT/setup.py" | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  say "installing the pinned requirements into $VENV (first run takes about two minutes)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip==26.3 setuptools==84.2.1 wheel==0.48.0
  "$VENV/bin/pip" install -q -r "$ROOT/requirements.txt" -r "$ROOT/dev-requirements.txt"
  "$VENV/bin/pip" install -q --no-deps -e "$ROOT"
  "$VENV/bin/pip" check
  echo "$want" > "$stamp"
}

pg_running() { as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

step_services() {
  mkdir -p "$LOCAL" "$REDIS_DIR" "$STORAGE_DIR"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "creating the project's PostgreSQL cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DATA" && chmod 700 "$PG_DATA"
    as_pg_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$PG_DATA/postgresql.conf" <<CONF
# written by scripts/setup.sh: a project-owned cluster, loopback only
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DATA'
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
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 30 start >/dev/null \
      || { tail -20 "$PG_DATA/server.log" >&2; die "PostgreSQL did not start"; }
  fi
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    say "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
      --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null || die "Redis did not start"
  fi
}

step_stop() {
  if [ -f "$PG_DATA/PG_VERSION" ] && pg_running; then
    say "stopping PostgreSQL"; as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  fi
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
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
}

step_ckan_ini() {
  if [ -f "$CKAN_INI" ]; then return 0; fi
  say "writing $CKAN_INI from config/ckan.ini.template"
  local secret; secret=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))')
  sed -e "s|@PG_PORT@|$PG_PORT|g" -e "s|@PG_USER@|$PG_USER|g" -e "s|@PG_PASSWORD@|$PG_PASSWORD|g" \
      -e "s|@REDIS_PORT@|$REDIS_PORT|g" -e "s|@STORAGE_DIR@|$STORAGE_DIR|g" -e "s|@SECRET@|$secret|g" \
      "$ROOT/config/ckan.ini.template" > "$CKAN_INI"
}

step_init() {
  local ini="$1" migrate_ini
  if [ -n "${2:-}" ]; then
    export CKAN_SQLALCHEMY_URL; CKAN_SQLALCHEMY_URL="$(db_url "$2")"
    export CKAN_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/1"
  fi
  "$VENV/bin/ckan" -c "$ini" db init >/dev/null
  # ckanext-harvest's migrations need its plugin loaded; the test config does not load it
  # for every test, so migrate with a copy of the config that does.
  migrate_ini="$(dirname "$ini")/.migrate-$(basename "$ini")"
  sed -E '/^ckan\.plugins *=/{/ harvest( |$)/!s/$/ harvest/}' "$ini" > "$migrate_ini"
  "$VENV/bin/ckan" -c "$migrate_ini" db upgrade -p harvest >/dev/null
  rm -f "$migrate_ini"
  "$VENV/bin/ckan" -c "$ini" jena search init-schema
}

cmd="${1:-}"; shift || true
case "$cmd" in
  deps) step_deps ;;
  venv) step_venv ;;
  services) step_services ;;
  stop) step_stop ;;
  database) step_database "$@" ;;
  ckan-ini) step_ckan_ini ;;
  init) step_init "$@" ;;
  db-url) db_url "$@" ;;
  *) die "usage: $0 deps|venv|services|stop|database NAME|ckan-ini|init INI" ;;
esac
