#!/usr/bin/env bash
# The README's pictures, renewed on purpose: the browser test that visits the home, dataset
# and explainer pages (demo content, headless Chromium) takes them into build/screenshots/,
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
  "tests/theme/test_browser.py::test_the_pages_citizens_and_officers_use_pass_axe_and_work_with_the_keyboard"
for name in home dataset explainer; do
  cp "$JENA_SCREENSHOTS/$name.png" "docs/screenshots/$name.png"
done
say "docs/screenshots/ renewed (git diff --stat docs/screenshots shows what changed)"
