"""A strict reference receiver on loopback: a ThreadingHTTPServer in the test process. Each
profile's receiver checks what the real platform checks and answers as it does; `down` makes
it answer 503 (a platform under maintenance), `received` keeps what it accepted."""
import json
import threading
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECTIFICATION_CODES = {"3", "10", "11", "12", "20", "21", "999"}


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class Receiver:
    path = "/"

    def __init__(self):
        self.received: list[dict] = []  # the decoded payloads it accepted
        self.receipts: dict[str, str] = {}  # record id → receipt, so a repeat gets the same
        self.events: list[dict] = []  # 整改 events accepted, in order
        self.first_cases: dict[str, str] = {}  # case no → record id of its first assessment
        self.hits: Counter = Counter()  # record/event id → valid requests that carried it
        self.refusals: list[str] = []
        self.down = False
        self.garble = False  # answers 200 with a body that is not the platform's JSON
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
    def accept(self, payload: dict, key: str, case_no: str | None = None,
               assess_number: str = "1") -> str:
        """A rating (assessment 1) or a 补充评价 (assessment 2, only after the first)."""
        with self.lock:
            self.hits[key] += 1
            if key not in self.receipts:
                if str(assess_number) == "2":
                    if case_no not in self.first_cases:
                        raise Refused("no_first", f"second assessment of unknown case {case_no}")
                elif case_no:
                    if self.first_cases.get(case_no, key) != key:
                        raise Refused("repeat", f"case {case_no} was already rated")
                    self.first_cases[case_no] = key
                self.receipts[key] = uuid.uuid4().hex
                self.received.append(payload)
            return self.receipts[key]

    def accept_event(self, payload: dict, key: str, rating_key: str, receipt: str | None,
                     code: str) -> str:
        """A 整改 event: only for a rating this platform accepted, under its receipt."""
        with self.lock:
            self.hits[key] += 1
            if rating_key not in self.receipts:
                raise Refused("unknown_rating", f"no rating {rating_key} for this event")
            if receipt and receipt != self.receipts[rating_key]:
                raise Refused("bad_receipt", "receipt does not match the rating")
            if code not in RECTIFICATION_CODES:
                raise Refused("bad_code", f"rectification status {code!r}")
            if key not in self.receipts:
                self.receipts[key] = uuid.uuid4().hex
                self.events.append(payload)
            return self.receipts[key]

    def codes_for(self, rating_key: str, field: str, code_field: str) -> list[str]:
        return [e[code_field] for e in self.events if e[field] == rating_key]

    def _handler_class(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.down:
                    return self._send(503, {"message": "maintenance"})
                if receiver.garble:
                    return self._send_raw(200, b"<html><body>gateway error</body>")
                if self.path != receiver.path:
                    return self._send(404, {"message": "no such path"})
                try:
                    status, answer = receiver.handle(dict(self.headers), body)
                except Refused as exc:
                    receiver.refusals.append(f"{exc.code}: {exc.message}")
                    status, answer = receiver.refused(exc)
                self._send(status, answer)

            def _send(self, status: int, answer: dict):
                self._send_raw(status, json.dumps(answer, ensure_ascii=False).encode())

            def _send_raw(self, status: int, data: bytes):
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
