"""A strict reference receiver on loopback: a ThreadingHTTPServer in the test process. Each
profile's receiver checks what the real platform checks and answers as it does; `down` makes
it answer 503 (a platform under maintenance), `received` keeps what it accepted."""
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class Receiver:
    path = "/"

    def __init__(self):
        self.received: list[dict] = []  # the decoded payloads it accepted
        self.receipts: dict[str, str] = {}  # record id → receipt, so a repeat gets the same
        self.refusals: list[str] = []
        self.down = False
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # A receiver implements: decode(headers, body) -> payload (raise Refused), record_key,
    # and answer_ok / answer_refused.
    def accept(self, payload: dict, key: str) -> str:
        with self.lock:
            if key not in self.receipts:
                self.receipts[key] = uuid.uuid4().hex
                self.received.append(payload)
            return self.receipts[key]

    def _handler_class(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.down:
                    return self._send(503, {"message": "maintenance"})
                if self.path != receiver.path:
                    return self._send(404, {"message": "no such path"})
                try:
                    status, answer = receiver.handle(dict(self.headers), body)
                except Refused as exc:
                    receiver.refusals.append(f"{exc.code}: {exc.message}")
                    status, answer = receiver.refused(exc)
                self._send(status, answer)

            def _send(self, status: int, answer: dict):
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def require(payload: dict, fields, code: str = "missing") -> None:
    for name in fields:
        if payload.get(name) in (None, ""):
            raise Refused(code, f"{name} is required")


def one_of(payload: dict, name: str, allowed) -> None:
    if payload.get(name) not in allowed:
        raise Refused("bad_code", f"{name}={payload.get(name)!r} not in {sorted(allowed)}")
