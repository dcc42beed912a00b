#!/usr/bin/env bash
# The portal in the foreground (http://127.0.0.1:5000), served by gunicorn (scripts/serve.sh:
# several worker processes, no debugger), with its background workers, which stop with it:
# ckanext-harvest's gather consumer and JENA_FETCH_CONSUMERS fetch consumers (default 2), CKAN's
# job worker (the quality checks) and the scheduler (`ckan jena scheduler`: the one process for
# everything periodic: it starts harvest sources whose frequency is due and marks finished jobs).
# Their logs (scheduler.log, harvest-*.log, jobs.log) and the web server's access log are in
# .local/log/. The systemd units in deploy/systemd/ run the same commands (docs/deploy.md).
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

FETCH_CONSUMERS="${JENA_FETCH_CONSUMERS:-2}"
[[ "$FETCH_CONSUMERS" =~ ^[1-9][0-9]?$ ]] \
    || die "JENA_FETCH_CONSUMERS must be a number from 1 to 99, not '$FETCH_CONSUMERS'."
"${CKAN[@]}" harvester gather-consumer >>"$LOG/harvest-gather.log" 2>&1 & pids+=($!)
for ((n = 1; n <= FETCH_CONSUMERS; n++)); do
    "${CKAN[@]}" harvester fetch-consumer >>"$LOG/harvest-fetch.log" 2>&1 & pids+=($!)
done
"${CKAN[@]}" jobs worker >>"$LOG/jobs.log" 2>&1 & pids+=($!)
"${CKAN[@]}" jena scheduler >>"$LOG/scheduler.log" 2>&1 & pids+=($!)
say "workers started (harvest gather, $FETCH_CONSUMERS fetch, job worker, scheduler); logs in ${LOG#$ROOT/}/"
if [ "${1:-}" = "--dev" ]; then
    "${CKAN[@]}" run --host 127.0.0.1 --port 5000 --disable-debugger
else
    # in the background, so that a TERM sent to this script stops it with the workers
    "$ROOT/scripts/serve.sh" "$CKAN_INI" 5000 & pids+=($!)
    wait $!
fi
