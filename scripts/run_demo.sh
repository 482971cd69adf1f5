#!/usr/bin/env bash
# Starts the demo hall: the web app, simulated evaluators with the device listener, and the
# sync daemon feeding a local hub. Initialises everything once; Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
export KIOSK_INSTANCE_PATH="${KIOSK_INSTANCE_PATH:-$PWD/instance}"
FLASK=".venv/bin/flask --app wsgi"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8080}"
HUB_PORT="${HUB_PORT:-8090}"
inst="$KIOSK_INSTANCE_PATH"
logs="$inst/logs"

if [ ! -f "$inst/hall.db" ]; then
  $FLASK demo
  fresh_hall=1
fi
$FLASK db upgrade >/dev/null 2>&1
mkdir -p "$logs"
if [ ! -f "$inst/demo_token" ]; then
  (umask 077; $FLASK tokens create demo-business-system > "$inst/demo_token")
fi
if [ ! -f "$inst/demo_admin_password" ]; then
  # A random password for this demo instance only; no default password exists.
  (umask 077; .venv/bin/python -c "import secrets; print('Demo-' + secrets.token_urlsafe(12))" > "$inst/demo_admin_password")
  $FLASK users create-admin admin --password "$(cat "$inst/demo_admin_password")" >/dev/null
fi
if [ -n "${fresh_hall:-}" ]; then
  # Four weeks of past ratings and 差评 handled by each department (about a minute, once).
  # The demo manager ("manager") and each department's handler sign in with the same password.
  echo "Seeding four weeks of demo history…"
  $FLASK demo --history --password-file "$inst/demo_admin_password" | tail -1
fi

children=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
# Ctrl-C: stop every child and end quietly (no traceback, exit status 0).
trap 'cleanup; echo; echo "Demo hall stopped."; exit 0' INT TERM
trap cleanup EXIT

# The local hub and the sync daemon.
HUB_PORT="$HUB_PORT" bash scripts/run_hub_demo.sh > "$logs/hub-setup.log" 2>&1
hub_inst="$inst/hub"
HUB_ENV=(env KIOSK_INSTANCE_PATH="$hub_inst" KIOSK_ROLE=hub KIOSK_DATABASE_URL="sqlite:///$hub_inst/hub.db")
"${HUB_ENV[@]}" .venv/bin/flask --app wsgi users create-admin admin \
  --password "$(cat "$inst/demo_admin_password")" >/dev/null 2>&1 || true  # exists after the first run
env KIOSK_INSTANCE_PATH="$hub_inst" KIOSK_ROLE=hub KIOSK_DATABASE_URL="sqlite:///$hub_inst/hub.db" \
  .venv/bin/waitress-serve --host 127.0.0.1 --port "$HUB_PORT" --threads 4 wsgi:app \
  > "$logs/hub.log" 2>&1 &
children+=($!)
$FLASK sync run > "$logs/sync.log" 2>&1 &
children+=($!)

# Simulated evaluators and the device listener.
if [ -x scripts/run_devices_demo.sh ]; then
  bash scripts/run_devices_demo.sh > "$logs/devices-setup.log" 2>&1 &
  children+=($!)
fi

echo
echo "Window touchscreens:"
$FLASK windows list | while IFS=$'\t' read -r code name _; do
  echo "  http://$HOST:$PORT/touch/$code   $name"
done
echo
echo "Admin:  http://$HOST:$PORT/admin/   user admin, password in $inst/demo_admin_password"
echo "        also manager, and one 差评 handler per department: zwfw gongan scjg budongchan renshe yibao gjj"
echo "Hub:    http://127.0.0.1:$HUB_PORT/hub/   same user and password"
echo
echo "Invite a rating (business-system API):"
echo "  curl -s -X POST http://$HOST:$PORT/api/v1/invitations \\"
echo "       -H \"Authorization: Bearer \$(cat $inst/demo_token)\" -H 'Content-Type: application/json' \\"
echo "       -d '{\"window\": \"A01\", \"case_no\": \"2026-XX-0001\", \"service_code\": \"530102001000\"}'"
if [ -x scripts/run_devices_demo.sh ]; then
  echo "Press a key on a simulated evaluator (device N = window N in the list above;"
  echo "--key is the key the citizen presses: 1 非常满意 … 5 非常不满意; on a three-key window 1 满意, 2 基本满意, 3 不满意):"
  echo "  .venv/bin/python -m device_drivers.simulator press --control $inst/evaluators.sock --device 1 --key 2"
fi
echo "Logs: $logs"
echo
echo "Serving on http://$HOST:$PORT/ (admin at /admin/). Ctrl-C stops everything."
.venv/bin/python -m kiosk.serve --host "$HOST" --port "$PORT" --workers 2 --threads 8 &
children+=($!)
wait "${children[-1]}" || true
