# Shared settings for the project's set-up scripts (sourced, not executed).
# Every path lives under the repository; every service listens on 127.0.0.1 only.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="${JENA_LOCAL_DIR:-$ROOT/.local}"
# CKAN version (issue 17): the pin in requirements.txt (2.12.0), or CKAN_VERSION=2.11.6 for
# another one, which gets its own virtualenv (.venv-2.11.6) and its own databases
# (ckan_test_2_11_6, ckan_jena_2_11_6): a database migrated by one CKAN is not used by the other.
DEFAULT_CKAN_VERSION="$(sed -nE 's/^ckan\[requirements\]==([^ ]+).*/\1/p' "$ROOT/requirements.txt")"
CKAN_VERSION="${CKAN_VERSION:-$DEFAULT_CKAN_VERSION}"
if [ "$CKAN_VERSION" = "$DEFAULT_CKAN_VERSION" ]; then
  VENV="${JENA_VENV:-$ROOT/.venv}"; DB_SUFFIX=""
else
  VENV="${JENA_VENV:-$ROOT/.venv-$CKAN_VERSION}"; DB_SUFFIX="_${CKAN_VERSION//./_}"
fi
# the CKAN versions `make test` runs the project's tests on (scripts/run-tests.sh): the default
# (lane 1) and the previous release 2.11.6 (lane 2, before CKAN's own search tests), so every run
# checks both. `make test CKAN_VERSION=2.11.6` tests that version only;
# JENA_TESTED_CKAN_VERSIONS=2.12.0 (one version) or "" (lane 1 only) runs fewer.
PREVIOUS_CKAN_VERSION=2.11.6
if [ "$CKAN_VERSION" = "$DEFAULT_CKAN_VERSION" ]; then
  TESTED_CKAN_VERSIONS="${JENA_TESTED_CKAN_VERSIONS-$DEFAULT_CKAN_VERSION $PREVIOUS_CKAN_VERSION}"
else
  TESTED_CKAN_VERSIONS="${JENA_TESTED_CKAN_VERSIONS-$CKAN_VERSION}"
fi
# tests/upgrade takes a portal of the first version to the second: make test makes both virtualenvs
UPGRADE_CKAN_VERSIONS="${JENA_UPGRADE_CKAN_VERSIONS-2.11.6 2.12.0}"
# virtualenv and database-name suffix of a CKAN version
venv_for() {
  if [ "$1" = "$CKAN_VERSION" ]; then echo "$VENV"
  elif [ "$1" = "$DEFAULT_CKAN_VERSION" ]; then echo "$ROOT/.venv"
  else echo "$ROOT/.venv-$1"; fi
}
suffix_for() { if [ "$1" = "$DEFAULT_CKAN_VERSION" ]; then echo ""; else echo "_${1//./_}"; fi; }
PYTHON="${JENA_PYTHON:-python3.11}"
PG_BIN="${JENA_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${JENA_PG_PORT:-54329}"
PG_DATA="$LOCAL/postgres"
PG_USER="${JENA_DB_USER:-ckan}"
PG_PASSWORD="${JENA_DB_PASSWORD:-ckan}"
REDIS_PORT="${JENA_REDIS_PORT:-63799}"
REDIS_DIR="$LOCAL/redis"
STORAGE_DIR="$LOCAL/storage"
CKAN_INI="${CKAN_INI:-$ROOT/ckan.ini}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# connection URL of database NAME in the project's cluster
db_url() { echo "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$1"; }
