#!/usr/bin/env bash
# Creates the portal's first sysadmin once. Name and password come from JENA_ADMIN_USER /
# JENA_ADMIN_PASSWORD; without a password one is generated, kept in .local/admin-password
# and printed, so a newcomer can log in.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
INI="$1"
NAME="${JENA_ADMIN_USER:-admin}"
PWFILE="$LOCAL/admin-password"
if [ -n "${JENA_ADMIN_PASSWORD:-}" ]; then
  PASSWORD="$JENA_ADMIN_PASSWORD"
  (umask 077; echo "$PASSWORD" > "$PWFILE")
elif [ -f "$PWFILE" ]; then
  PASSWORD="$(cat "$PWFILE")"
else
  PASSWORD="$("$VENV/bin/python" -c 'import secrets; print("jena-" + secrets.token_urlsafe(12))')"
  umask 077; echo "$PASSWORD" > "$PWFILE"
fi
if ! "$VENV/bin/ckan" -c "$INI" user show "$NAME" 2>/dev/null | grep -q "name=$NAME "; then
  "$VENV/bin/ckan" -c "$INI" user add "$NAME" "email=$NAME@localhost" "password=$PASSWORD" >/dev/null
fi
"$VENV/bin/ckan" -c "$INI" sysadmin add "$NAME" >/dev/null 2>&1 || true
say "sysadmin: $NAME / password: $PASSWORD"
