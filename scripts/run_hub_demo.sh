#!/usr/bin/env bash
# Initialises (once) a demo hub beside the demo hall and prints how to start both processes.
#   hub instance:  $KIOSK_INSTANCE_PATH/hub  (SQLite: hub.db; master key hub_master_key)
#   hall instance: $KIOSK_INSTANCE_PATH      (its sync is configured to the hub)
# Idempotent: a second run only prints the commands. Needs the demo hall (scripts/run_demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
hall_inst="${KIOSK_INSTANCE_PATH:-$PWD/instance}"
hub_inst="$hall_inst/hub"
HUB_PORT="${HUB_PORT:-8090}"
HALL_ID="${HALL_ID:-530102-WH}"
HALL_FLASK=(env "KIOSK_INSTANCE_PATH=$hall_inst" .venv/bin/flask --app wsgi)
HUB_ENV=(env "KIOSK_INSTANCE_PATH=$hub_inst" KIOSK_ROLE=hub "KIOSK_DATABASE_URL=sqlite:///$hub_inst/hub.db")

if [ ! -f "$hall_inst/hall.db" ]; then
  "${HALL_FLASK[@]}" demo >/dev/null
fi
if [ ! -f "$hub_inst/hub.db" ]; then
  mkdir -p "$hub_inst"
  "${HUB_ENV[@]}" .venv/bin/flask --app wsgi db upgrade >/dev/null 2>&1
  "${HUB_ENV[@]}" .venv/bin/flask --app wsgi init --hall-name "演示中心（hub）" >/dev/null
  key=$("${HUB_ENV[@]}" .venv/bin/flask --app wsgi hub add-hall "$HALL_ID" "昆明市五华区政务服务中心")
  "${HALL_FLASK[@]}" sync configure --url "http://127.0.0.1:$HUB_PORT" --hall-id "$HALL_ID" --key "$key" >/dev/null
  unset key
  echo "demo hub initialised in $hub_inst; hall $HALL_ID configured to sync to it"
  echo "create a dashboard login with:"
  echo "  ${HUB_ENV[*]} .venv/bin/flask --app wsgi users create-admin admin"
fi
echo
echo "Start the hub web app (dashboard: http://127.0.0.1:$HUB_PORT/hub/):"
echo "  ${HUB_ENV[*]} .venv/bin/waitress-serve --host 127.0.0.1 --port $HUB_PORT --threads 4 wsgi:app"
echo "Start the hall's sync daemon:"
echo "  KIOSK_INSTANCE_PATH=$hall_inst .venv/bin/flask --app wsgi sync run"
echo "See the hall's sync state:"
echo "  KIOSK_INSTANCE_PATH=$hall_inst .venv/bin/flask --app wsgi sync status"
