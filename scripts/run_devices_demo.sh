#!/usr/bin/env bash
# Simulated evaluators for the demo hall and the device listener that drives them.
#
# One simulated EVP/1 bus behind a pty in the instance folder, one evaluator per window
# (address N = the N-th window in code order), a control socket to press keys, and
# `flask devices listen`. Runs until stopped (Ctrl-C / SIGTERM stops both children);
# scripts/run_demo.sh starts it in the background.
set -euo pipefail
cd "$(dirname "$0")/.."
export KIOSK_INSTANCE_PATH="${KIOSK_INSTANCE_PATH:-$PWD/instance}"
FLASK=".venv/bin/flask --app wsgi"
inst="$KIOSK_INSTANCE_PATH"
logs="$inst/logs"
link="$inst/evaluators.tty"
control="$inst/evaluators.sock"
mkdir -p "$logs"

if [ ! -f "$inst/hall.db" ]; then
  $FLASK demo
fi
$FLASK devices demo-setup --port "$link"
count=$($FLASK windows list | wc -l)
# Window A02 is also wired the queue-system way: an SLZ-68 bus with its caller (address 1)
# and four-key evaluator (0x81 = 129), driven by the same listener; 请评价 on the caller
# invites, a press rates.
slz_link="$inst/slz68.tty"
slz_control="$inst/slz68.sock"
if ! $FLASK devices list | grep -qF "$slz_link#129"; then
  $FLASK devices add --protocol slz68 --window A02 --port "$slz_link" --caller 1 \
    --evaluator 0x81 --timeout 30
fi

children=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

rm -f "$control" "$slz_control"
.venv/bin/python -m device_drivers.simulator serve --pty-link "$link" --devices "1-$count" \
  --control "$control" > "$logs/simulator.log" 2>&1 &
children+=($!)
for _ in $(seq 1 50); do [ -S "$control" ] && break; sleep 0.1; done
[ -S "$control" ] || { echo "simulator did not start, see $logs/simulator.log" >&2; exit 1; }

.venv/bin/python -m device_drivers.simulator serve --protocol slz68 --callers 1 --evaluators 129 \
  --pty-link "$slz_link" --control "$slz_control" > "$logs/slz68-simulator.log" 2>&1 &
children+=($!)
for _ in $(seq 1 50); do [ -S "$slz_control" ] && break; sleep 0.1; done

$FLASK devices listen > "$logs/devices.log" 2>&1 &
children+=($!)

echo "Simulated evaluators: $count on $link (device N = window N in code order)"
$FLASK windows list | awk -F'\t' '{ printf "  device %d -> %s %s\n", NR, $1, $2 }'
echo "Press a key (1 非常满意 … 5 非常不满意; 3-level windows take keys 2-4):"
echo "  .venv/bin/python -m device_drivers.simulator press --control $control --device 3 --key 2"
echo "Evaluator states:  .venv/bin/python -m device_drivers.simulator status --control $control"
echo "Device health:     $FLASK devices list"
echo "SLZ-68 at A02: caller 请评价, then a press on its evaluator (keys 0-3 = 不满意…非常满意):"
echo "  .venv/bin/python -m device_drivers.simulator caller-key --control $slz_control --device 1 --key 0x0B"
echo "  .venv/bin/python -m device_drivers.simulator press --control $slz_control --device 129 --key 3"
echo "Logs: $logs/simulator.log, $logs/slz68-simulator.log, $logs/devices.log (both buses)"
wait
