#!/usr/bin/env bash
# The whole test suite: the project's tests, then CKAN's own search tests run against
# jena_search (skips, each with its reason, in tests/ckan_upstream_skips.yaml).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# the project's services, whatever ports scripts/env.sh chose (CKAN reads these over test.ini)
export CKAN_SQLALCHEMY_URL; CKAN_SQLALCHEMY_URL="$(db_url "ckan_test$DB_SUFFIX")"
export CKAN_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/1"
PYTEST=("$VENV/bin/pytest" --ckan-ini=test.ini -p no:cacheprovider -p tests.ckan_upstream)

say "project tests"
"${PYTEST[@]}" tests "$@"
own=$?

say "CKAN's own search tests against jena_search"
"${PYTEST[@]}" --pyargs $(grep -v '^#' tests/ckan_upstream_modules.txt) "$@"
upstream=$?

if [ $own -ne 0 ] || [ $upstream -ne 0 ]; then
  printf 'FAILED: project tests exit %s, CKAN search tests exit %s\n' "$own" "$upstream" >&2
  exit 1
fi
