#!/usr/bin/env bash
# Starts the demo hall: initialises the instance once, then serves it with waitress.
set -euo pipefail
cd "$(dirname "$0")/.."
FLASK=".venv/bin/flask --app wsgi"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8080}"
inst="${KIOSK_INSTANCE_PATH:-$PWD/instance}"

if [ ! -f "$inst/hall.db" ]; then
  $FLASK demo
  $FLASK tokens create demo-business-system > "$inst/demo_token"
  chmod 600 "$inst/demo_token"
fi
$FLASK db upgrade >/dev/null 2>&1

echo
echo "Window touchscreens:"
$FLASK windows list | while IFS=$'\t' read -r code name _; do
  echo "  http://$HOST:$PORT/w/$code   $name"
done
echo
echo "Invite a rating (business-system API):"
echo "  curl -s -X POST http://$HOST:$PORT/api/v1/invitations \\"
echo "       -H \"Authorization: Bearer \$(cat $inst/demo_token)\" -H 'Content-Type: application/json' \\"
echo "       -d '{\"window\": \"A01\", \"case_no\": \"2026-XX-0001\", \"service_code\": \"530102001000\"}'"
echo
exec .venv/bin/waitress-serve --host "$HOST" --port "$PORT" --threads 8 wsgi:app
