"""A local SMS gateway on loopback (waitress): checks the app key and the signature on its
own (hashlib, not the code under test), records every message, answers from a script."""
import hashlib
import hmac
import json
import threading
from urllib.parse import parse_qsl

from waitress.server import create_server

from tests.conftest import free_port

APP_KEY, SECRET = "hall-530102", "s3cret-sms-key"
OK = (200, b'{"code": "0", "msg": "ok", "msgId": "M-1"}')


class Gateway:
    def __init__(self, fmt="form", sign="md5"):
        self.fmt, self.sign = fmt, sign
        self.script: list[tuple[int, bytes]] = []  # answers in order, then OK
        self.received: list[dict] = []
        self.bad_signatures = 0

    def _signed_ok(self, params: dict) -> bool:
        text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k])
        if self.sign == "md5":
            expected = hashlib.md5(f"{text}&key={SECRET}".encode()).hexdigest().upper()
        else:
            expected = hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
        return params.get("appKey") == APP_KEY and hmac.compare_digest(
            params.get("sign", ""), expected)

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if self.fmt == "json":
            params = json.loads(body)
        else:
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if not self._signed_ok(params):
            self.bad_signatures += 1
            status, answer = 200, b'{"code": "401", "msg": "bad sign"}'
        else:
            self.received.append(params)
            status, answer = self.script.pop(0) if self.script else OK
        start_response(f"{status} X", [("Content-Type", "application/json")])
        return [answer]


def serve(gateway: Gateway):
    port = free_port()
    server = create_server(gateway, host="127.0.0.1", port=port, threads=2, asyncore_use_poll=True,
                           # its loop notices close() within this, not 1 s
                           asyncore_loop_timeout=0.05)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{port}/sms/send", server, thread
