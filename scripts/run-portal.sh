#!/usr/bin/env bash
# The portal in the foreground (http://127.0.0.1:5000), served by gunicorn (scripts/serve.sh:
# several worker processes, no debugger), with its background workers, which stop with it:
# ckanext-harvest's gather and fetch consumers (harvest jobs started in the web UI), a loop
# that marks finished harvest jobs every 30 s (`ckan harvester run`, which also ends jobs
# stuck beyond ckan.harvest.timeout), and CKAN's job worker (the quality checks).
# Their logs and the web server's access log are in .local/log/.
#   scripts/run-portal.sh --dev   CKAN's development server instead, reloading changed code
#                                 (`make run-dev`; never in front of visitors)
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
if [ "${1:-}" = "--dev" ]; then
    "${CKAN[@]}" run --host 127.0.0.1 --port 5000 --disable-debugger
else
    # in the background, so that a TERM sent to this script stops it with the workers
    "$ROOT/scripts/serve.sh" "$CKAN_INI" 5000 & pids+=($!)
    wait $!
fi
