#!/usr/bin/env bash
# The portal's web server for production: gunicorn with the settings in config/gunicorn.conf.py
# (sync workers, 2 per core + 1, 60 s request timeout, no debugger), in the foreground.
#   scripts/serve.sh [INI [PORT]]     defaults: $CKAN_INI (ckan.ini), port 5000
# PORT 0 takes a free port (the log line "Listening at: http://127.0.0.1:N" names it).
# JENA_WEB_HOST (127.0.0.1), JENA_WEB_WORKERS and JENA_WEB_TIMEOUT override the defaults;
# the access log goes to $JENA_LOG_DIR/web-access.log (.local/log/), errors to stderr.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
INI="$(realpath -m "${1:-$CKAN_INI}")"
PORT="${2:-5000}"
[ -f "$INI" ] || die "no ini file at $INI"
export CKAN_INI="$INI"
export JENA_LOG_DIR="${JENA_LOG_DIR:-$LOCAL/log}"
mkdir -p "$JENA_LOG_DIR"
cd "$ROOT"
exec "$VENV/bin/gunicorn" --config "$ROOT/config/gunicorn.conf.py" \
    --bind "${JENA_WEB_HOST:-127.0.0.1}:$PORT" --chdir "$ROOT"
