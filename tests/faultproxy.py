"""A small real HTTP/1.1 proxy on loopback that injects faults into batch uploads.

Each POST takes the next mode from `plan` (then "pass"); other requests pass through.
Modes: pass, drop (close without answer), 500_before, 500_after (forwarded, then 500),
timeout (forwarded, answer held past the client's read timeout), reset_mid (forwarded,
half the answer, then TCP RST), dup_first / dup_second (delivered twice; the client gets
the first / second answer), hold (kept for a later `release_held()`, client gets 502),
slow (forwarded, answer delayed by `slow_seconds`).
"""
import socket
import socketserver
import struct
import threading
import time


def _read_message(sock_file) -> bytes | None:
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = sock_file.readline()
        if not line:
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + (sock_file.read(length) if length else b"")


class FaultProxy:
    def __init__(self, upstream_port: int, hold_seconds: float = 1.0):
        self.upstream_port = upstream_port
        self.plan: list[str] = []
        self.seen: list[str] = []
        self.held: list[bytes] = []
        self.hold_seconds = hold_seconds
        self.slow_seconds = 0.5
        self.lock = threading.Lock()
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                while True:
                    request = _read_message(self.rfile)
                    if request is None:
                        return
                    if not proxy.serve_one(request, self.connection):
                        return

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def forward(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as up:
            up.sendall(request)
            return _read_message(up.makefile("rb"))

    def release_held(self) -> list[bytes]:
        with self.lock:
            held, self.held = self.held, []
        return [self.forward(r) for r in held]

    def _next_mode(self, request: bytes) -> str:
        if not request.startswith(b"POST"):
            return "pass"
        with self.lock:
            mode = self.plan.pop(0) if self.plan else "pass"
            self.seen.append(mode)
        return mode

    def serve_one(self, request: bytes, client: socket.socket) -> bool:
        """Returns False when the client connection is finished with."""
        mode = self._next_mode(request)
        if mode == "drop":
            return False
        if mode == "500_before":
            client.sendall(_plain(500, b"injected"))
            return True
        if mode == "hold":
            with self.lock:
                self.held.append(request)
            client.sendall(_plain(502, b"held"))
            return True
        answer = self.forward(request)
        if mode == "dup_first":
            self.forward(request)
        elif mode == "dup_second":
            answer = self.forward(request)
        elif mode == "500_after":
            answer = _plain(500, b"injected after commit")
        elif mode == "timeout":
            time.sleep(self.hold_seconds)
            return False
        elif mode == "slow":
            time.sleep(self.slow_seconds)
        elif mode == "reset_mid":
            client.sendall(answer[: len(answer) // 2])
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        client.sendall(answer)
        return True


def _plain(status: int, body: bytes) -> bytes:
    return (f"HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}"
            "\r\n\r\n").encode() + body
