#!/usr/bin/env bash
# The whole test suite (issue 17): the project's tests on every CKAN version of
# TESTED_CKAN_VERSIONS (scripts/env.sh), and CKAN's own search tests of this CKAN_VERSION run
# against jena_search (skips, each with its reason, in tests/ckan_upstream_skips.yaml).
#
# Two lanes run at the same time, one per core, each on databases and a Redis database of its own:
#   lane 1  the project's tests on CKAN_VERSION (the default: requirements.txt's pin, 2.12.0)
#   lane 2  the project's tests on each other tested version (2.11.6), then CKAN's own search tests
# Lane 2 writes to build/test-lane2.log; its summary is printed at the end.
# JENA_TESTED_CKAN_VERSIONS="" (or a single version) runs lane 1 and CKAN's tests only.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p build
PYTEST_OPTIONS=(-p no:cacheprovider -p tests.ckan_upstream --durations=30)
LANE2_LOG="$ROOT/build/test-lane2.log"

# test.ini with a storage path of DATABASE's own (uploads, compiled assets): webassets keeps one
# manifest per directory, and two lanes' CKANs rewriting one manifest at once lost each other's
# entries ("BundleError: Cannot find version of ... jquery.js" in a CI run of 33f8071)
lane_ini() {
  local database="$1" ini="$ROOT/build/test-$1.ini"
  sed "s#^ckan.storage_path = .*#ckan.storage_path = $ROOT/.local/storage-$database#" test.ini > "$ini"
  echo "$ini"
}

# pytest of CKAN VERSION over DATABASE and Redis database REDIS_DB: run_pytest VERSION DATABASE REDIS_DB ARGS...
run_pytest() {
  local version="$1" database="$2" redis_db="$3"; shift 3
  local venv; venv="$(venv_for "$version")"  # before CKAN_VERSION=... below
  local ini; ini="$(lane_ini "$database")"
  CKAN_VERSION="$version" JENA_VENV="$venv" \
  CKAN_SQLALCHEMY_URL="$(db_url "$database")" CKAN_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/$redis_db" \
    "$venv/bin/pytest" --ckan-ini="$ini" "${PYTEST_OPTIONS[@]}" "$@"
}

# virtualenv and initialised database of another CKAN version (lane 2 prepares its own)
prepare() {
  local version="$1" database="$2" venv
  venv="$(venv_for "$version")"  # before CKAN_VERSION=... below: venv_for reads CKAN_VERSION
  CKAN_VERSION="$version" JENA_VENV="$venv" scripts/setup.sh venv &&
  CKAN_VERSION="$version" JENA_VENV="$venv" scripts/setup.sh database "$database" &&
  CKAN_VERSION="$version" JENA_VENV="$venv" scripts/setup.sh init test.ini "$database" >/dev/null
}

others=()
for version in $TESTED_CKAN_VERSIONS; do
  [ "$version" != "$CKAN_VERSION" ] && others+=("$version")
done
upstream_db="ckan_test${DB_SUFFIX}_upstream"

lane2() {
  local status=0 version
  for version in ${others[@]+"${others[@]}"}; do
    say "lane 2: project tests on CKAN $version"
    if prepare "$version" "ckan_test$(suffix_for "$version")"; then
      # the upgrade test runs once, in lane 1 (it uses both virtualenvs itself)
      run_pytest "$version" "ckan_test$(suffix_for "$version")" 2 tests --ignore=tests/upgrade "$@" || status=1
    else
      echo "FAILED: setting up CKAN $version for the tests" >&2; status=1
    fi
  done
  say "lane 2: CKAN $CKAN_VERSION's own search tests against jena_search"
  if prepare "$CKAN_VERSION" "$upstream_db"; then
    run_pytest "$CKAN_VERSION" "$upstream_db" 3 --pyargs $("$VENV/bin/python" -m tests.ckan_upstream modules) "$@" \
      || status=1
  else
    status=1
  fi
  return $status
}

start=$SECONDS
prepared=0
# the virtualenvs of every other version, made before the lanes: tests/upgrade (lane 1) needs the
# versions it upgrades between when it is collected, lane 2 the tested ones
for version in $UPGRADE_CKAN_VERSIONS ${others[@]+"${others[@]}"}; do
  [ "$version" = "$CKAN_VERSION" ] && continue
  other_venv="$(venv_for "$version")"  # before CKAN_VERSION=... below
  say "virtualenv of CKAN $version ($other_venv)"
  CKAN_VERSION="$version" JENA_VENV="$other_venv" scripts/setup.sh venv \
    || { echo "FAILED: the virtualenv of CKAN $version" >&2; prepared=1; }
done
lane2 "$@" > "$LANE2_LOG" 2>&1 &
lane2_pid=$!

say "lane 1: project tests on CKAN $CKAN_VERSION (lane 2, other versions and CKAN's own tests: $LANE2_LOG)"
run_pytest "$CKAN_VERSION" "ckan_test$DB_SUFFIX" 1 tests "$@"
own=$?
say "lane 1 done after $(( (SECONDS - start) / 60 )) min; waiting for lane 2"

wait $lane2_pid
lane2_status=$?
say "lane 2 (summary; all of it in $LANE2_LOG)"
sed 's/\x1b\[[0-9;]*m//g' "$LANE2_LOG" | grep -E '^==>|(passed|failed|error|deselected|no tests ran).* in [0-9.]+s|^(FAILED|ERROR) '
say "make test: $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"

if [ $own -ne 0 ] || [ $lane2_status -ne 0 ] || [ $prepared -ne 0 ]; then
  printf 'FAILED: project tests on CKAN %s exit %s; lane 2 (%s, CKAN search tests) exit %s\n' \
    "$CKAN_VERSION" "$own" "${others[*]-}" "$lane2_status" >&2
  exit 1
fi
