"""CLI of the simulator.

  python -m device_drivers.simulator serve --pty-link /tmp/evp --devices 1,2,3 \
      [--keys 5] [--baud 9600] [--fast] [--control /tmp/evp.sock] [--protocol evp|kp]
  python -m device_drivers.simulator press --control /tmp/evp.sock --device 3 --key 2
  python -m device_drivers.simulator serve --protocol slz68 --callers 1 --evaluators 0x81 ...
  python -m device_drivers.simulator caller-key --control /tmp/slz.sock --device 1 --key 0x0B
  python -m device_drivers.simulator cover|power-cycle|unplug|replug|status --control ... [--device N]
  python -m device_drivers.simulator fault --control ... --device 2 --drop-answers 5
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from . import _parse_addresses
from .control import ControlServer, SimulatorService, send_command
from .evp_sim import EvpSimBus
from .keypad_sim import KeypadSim
from .pty_transport import PtyTransport
from .slz68_sim import Slz68SimBus


def serve(args: argparse.Namespace) -> int:
    timing = not args.fast
    if args.protocol == "kp":
        line = KeypadSim(args.serial, args.keys, baud=args.baud, timing=timing)
    elif args.protocol == "slz68":
        line = Slz68SimBus(_parse_addresses(args.callers), _parse_addresses(args.evaluators),
                           baud=args.baud, timing=timing)
    else:
        turnaround = None if args.turnaround_ms is None else args.turnaround_ms / 1000.0
        line = EvpSimBus(_parse_addresses(args.devices), keys=args.keys, baud=args.baud,
                         timing=timing, turnaround_s=turnaround, serial_prefix=args.serial_prefix)
    transport = PtyTransport(line, args.pty_link)
    path = transport.start()
    service = SimulatorService(line, transport)
    control = ControlServer(args.control, service.dispatch).start() if args.control else None
    print(f"simulator {args.protocol} on {path} -> {transport.slave_path}"
          + (f", control {args.control}" if args.control else ""), flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())  # handlers only set a flag
    stop.wait()
    if control:
        control.close()
    transport.close()
    return 0


def client(args: argparse.Namespace) -> int:
    cmd = args.command.replace("-", "_")
    extra = {}
    if getattr(args, "device", None) is not None:
        extra["device"] = args.device
    if cmd in ("press", "caller_key"):
        extra["key"] = args.key
    if cmd == "fault":
        results = []
        if args.drop_answers is not None:
            results.append(send_command(args.control, "drop_answers", count=args.drop_answers, **extra))
        if args.drop_requests is not None:
            results.append(send_command(args.control, "drop_requests", count=args.drop_requests, **extra))
        if args.slow_ms is not None:
            results.append(send_command(args.control, "slow", seconds=args.slow_ms / 1000, **extra))
        if args.noise is not None:
            results.append(send_command(args.control, "noise", probability=args.noise,
                                        corrupt_probability=args.corrupt))
        if args.clear:
            results.append(send_command(args.control, "clear_faults"))
        print(json.dumps(results))
        return 0
    print(json.dumps(send_command(args.control, cmd, **extra), ensure_ascii=False, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m device_drivers.simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve simulated devices behind a pty")
    s.add_argument("--pty-link", required=True, help="symlink to create for the pty slave")
    s.add_argument("--protocol", choices=["evp", "kp", "slz68"], default="evp")
    s.add_argument("--callers", default="1", help="SLZ-68 caller addresses (slz68)")
    s.add_argument("--evaluators", default="129", help="SLZ-68 evaluator addresses (slz68)")
    s.add_argument("--devices", default="1", help="EVP addresses, e.g. 1,2,3 or 1-32")
    s.add_argument("--keys", type=int, default=5, choices=[3, 5])
    s.add_argument("--baud", type=int, default=9600)
    s.add_argument("--fast", action="store_true", help="no byte timing (unit tests)")
    s.add_argument("--turnaround-ms", type=float, default=None)
    s.add_argument("--serial-prefix", default="EVPSIM-")
    s.add_argument("--serial", default="KP0001", help="keypad serial (kp)")
    s.add_argument("--control", help="Unix socket for press/fault commands")
    s.set_defaults(func=serve)
    for name in ("press", "caller-key", "cover", "power-cycle", "power-off", "power-on", "unplug", "replug",
                 "status", "fault"):
        c = sub.add_parser(name)
        c.add_argument("--control", required=True)
        c.add_argument("--device", type=int)
        if name in ("press", "caller-key"):
            c.add_argument("--key", type=lambda v: int(v, 0), required=True)
        if name == "fault":
            c.add_argument("--drop-answers", type=int)
            c.add_argument("--drop-requests", type=int)
            c.add_argument("--slow-ms", type=float)
            c.add_argument("--noise", type=float)
            c.add_argument("--corrupt", type=float, default=0.0)
            c.add_argument("--clear", action="store_true")
        c.set_defaults(func=client)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
