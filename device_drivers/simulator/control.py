"""Control channel of a running simulator: a Unix socket speaking JSON lines.

Request  {"cmd": "press", "device": 3, "key": 2}
Response {"ok": true, "result": ...} or {"ok": false, "error": "..."}
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import socketserver
import threading
from collections.abc import Callable

from .evp_sim import EvpSimBus
from .keypad_sim import KeypadSim
from .line import SimLine
from .pty_transport import PtyTransport
from .slz68_sim import Slz68SimBus


class SimulatorService:
    """Maps control commands onto a simulator and its pty."""

    def __init__(self, line: SimLine, transport: PtyTransport | None = None) -> None:
        self.line = line
        self.transport = transport

    def dispatch(self, req: dict) -> object:
        cmd = req.get("cmd")
        line = self.line
        dev = req.get("device")
        if cmd == "status":
            return {"path": self.transport.path if self.transport else None, "devices": line.status()}
        if cmd == "unplug":
            if self.transport:
                self.transport.unplug()
            else:
                from . import unplug
                unplug(line)
            return None
        if cmd == "replug":
            if self.transport:
                return self.transport.replug()
            from . import replug
            replug(line)
            return None
        if isinstance(line, KeypadSim):
            if cmd == "press":
                return line.press(int(req["key"]))
            if cmd == "power_cycle":
                line.power_cycle()
                return None
            if cmd == "inject":
                line.inject_bytes(bytes.fromhex(req["hex"]))
                return None
        elif isinstance(line, EvpSimBus):
            if cmd == "press":
                return line.press(int(dev), int(req["key"]))
            if cmd == "cover":
                return line.cover(int(dev))
            if cmd in ("power_cycle", "power_off", "power_on"):
                getattr(line, cmd)(int(dev))
                return None
            if cmd in ("drop_answers", "drop_requests"):
                getattr(line, cmd)(int(dev), int(req.get("count", -1)))
                return None
            if cmd == "slow":
                line.set_slow(int(dev), float(req.get("seconds", 0.0)))
                return None
            if cmd == "noise":
                line.set_noise(float(req.get("probability", 0.0)), int(req.get("max_bytes", 4)),
                               float(req.get("corrupt_probability", 0.0)), req.get("seed"))
                return None
            if cmd == "clear_faults":
                line.clear_faults()
                return None
            if cmd == "inject":
                line.inject_bytes(bytes.fromhex(req["hex"]))
                return None
        elif isinstance(line, Slz68SimBus):
            if cmd == "press":  # --key is the GRADE: 0 不满意 … 3 非常满意
                return line.press(int(dev), int(req["key"]))
            if cmd == "caller_key":  # --key is the caller key code, 11 (0x0B) = 请评价
                return line.caller_key(int(dev), int(req["key"]))
            if cmd == "deaf":
                line.deaf(int(dev), bool(req.get("on", True)))
                return None
            if cmd == "inject":
                line.inject_bytes(bytes.fromhex(req["hex"]))
                return None
        raise ValueError(f"unknown command {cmd!r}")


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for raw in self.rfile:
            try:
                result = self.server.dispatch(json.loads(raw))  # type: ignore[attr-defined]
                reply = {"ok": True, "result": result}
            except Exception as exc:  # the control channel reports, never dies
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            self.wfile.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
            self.wfile.flush()


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class ControlServer:
    def __init__(self, path: str, dispatch: Callable[[dict], object]) -> None:
        self.path = path
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        self._server = _Server(path, _Handler)
        self._server.dispatch = dispatch  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="sim-control", daemon=True)

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class ControlClient:
    """Keeps one connection open: cheap enough for a thousand presses in a bench."""

    def __init__(self, path: str, timeout_s: float = 5.0) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout_s)
        self._sock.connect(path)
        self._file = self._sock.makefile("rwb")

    def call(self, cmd: str, **args) -> object:
        self._file.write(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
        self._file.flush()
        reply = json.loads(self._file.readline())
        if not reply.get("ok"):
            raise RuntimeError(reply.get("error"))
        return reply.get("result")

    def close(self) -> None:
        self._file.close()
        self._sock.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def send_command(path: str, cmd: str, **args) -> object:
    with ControlClient(path) as client:
        return client.call(cmd, **args)
