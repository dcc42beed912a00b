#!/usr/bin/env bash
# The portal in the foreground (http://127.0.0.1:5000) with its background workers, which stop
# with it: ckanext-harvest's gather and fetch consumers (harvest jobs started in the web UI),
# a loop that marks finished harvest jobs every 30 s (`ckan harvester run`, which also ends jobs
# stuck beyond ckan.harvest.timeout), and CKAN's job worker (the quality checks).
# Their logs are in .local/log/.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
CKAN=("$VENV/bin/ckan" -c "$CKAN_INI")
LOG="$LOCAL/log"
mkdir -p "$LOG"
pids=()
stop_workers() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; }
trap stop_workers EXIT
trap 'exit 130' INT TERM

"${CKAN[@]}" harvester gather-consumer >>"$LOG/harvest-gather.log" 2>&1 & pids+=($!)
"${CKAN[@]}" harvester fetch-consumer >>"$LOG/harvest-fetch.log" 2>&1 & pids+=($!)
"${CKAN[@]}" jobs worker >>"$LOG/jobs.log" 2>&1 & pids+=($!)
( while sleep 30; do "${CKAN[@]}" harvester run >>"$LOG/harvest-run.log" 2>&1; done ) & pids+=($!)
say "workers started (harvest gather/fetch, job worker); logs in ${LOG#$ROOT/}/"
"${CKAN[@]}" run --host 127.0.0.1 --port 5000
