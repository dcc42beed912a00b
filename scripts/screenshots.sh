#!/usr/bin/env bash
# The README's pictures, renewed on purpose: the browser tests that visit the home, dataset
# and explainer pages and the maps (demo content, headless Chromium) take them into build/screenshots/,
# then they are copied over docs/screenshots/ (tracked; commit them if they should change).
# `make test` takes the same pictures into build/screenshots/ only.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export CKAN_SQLALCHEMY_URL; CKAN_SQLALCHEMY_URL="$(db_url "ckan_test$DB_SUFFIX")"
export CKAN_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/1"
export JENA_SCREENSHOTS="$ROOT/build/screenshots"
rm -rf "$JENA_SCREENSHOTS"
say "screenshots from the browser tests"
"$VENV/bin/pytest" --ckan-ini=test.ini -p no:cacheprovider -q \
  "tests/theme/test_browser.py::test_the_pages_citizens_and_officers_use_pass_axe_and_work_with_the_keyboard" \
  "tests/maps/test_browser.py::test_every_kind_of_map_draws_passes_axe_and_opens_its_table_with_the_keyboard"
for name in home dataset explainer map-trees map-ortsteile; do
  cp "$JENA_SCREENSHOTS/$name.png" "docs/screenshots/$name.png"
done
say "docs/screenshots/ renewed (git diff --stat docs/screenshots shows what changed)"
