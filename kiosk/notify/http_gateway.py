"""The HTTP SMS gateway profile: form or JSON POST, app key + signature, a JSON answer.

The common provincial SMS platforms sign the sorted non-empty parameters: md5 over
"k1=v1&k2=v2&key=<secret>" (upper-case hex), or HMAC-SHA256 over "k1=v1&k2=v2" with the
secret (lower-case hex). The answer is a JSON object whose success field equals the
configured value; its message id is kept as the delivery receipt."""
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode

from kiosk.notify.base import SendResult
from kiosk.notify.message import scrub
from kiosk.notify.settings import GatewaySettings


def canonical(params: dict, sign_field: str) -> str:
    return "&".join(f"{k}={params[k]}" for k in sorted(params)
                    if k != sign_field and params[k] not in ("", None))


def signature(params: dict, secret: str, method: str, sign_field: str = "sign") -> str:
    text = canonical(params, sign_field)
    if method == "md5":
        return hashlib.md5(f"{text}&key={secret}".encode()).hexdigest().upper()
    if method == "hmac-sha256":
        return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    raise ValueError(f"unknown signature method {method!r}")


def build_request(s: GatewaySettings, phone: str, text: str, now: float, nonce: str):
    """(headers, body bytes) of one message (pure)."""
    f = s.fields
    params = {f["phone"]: phone, f["content"]: text, f["app_key"]: s.app_key,
              f["timestamp"]: str(int(now * 1000)), f["nonce"]: nonce}
    if s.sign != "none":
        params[f["sign"]] = signature(params, s.app_secret, s.sign, f["sign"])
    if s.format == "json":
        return ({"Content-Type": "application/json; charset=utf-8"},
                json.dumps(params, ensure_ascii=False).encode())
    return ({"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            urlencode(params).encode())


def read_answer(s: GatewaySettings, status: int, body: bytes) -> SendResult:
    """What the gateway said (pure). 5xx, 429 and unreadable answers are passing troubles;
    a refusal in a well-formed answer is final (retrying would be refused again)."""
    if status >= 500 or status == 429:
        return SendResult(False, error=f"gateway HTTP {status}", retry=True)
    try:
        answer = json.loads(body)
    except ValueError:
        return SendResult(False, error=f"gateway HTTP {status}: answer is not JSON", retry=True)
    if not isinstance(answer, dict) or s.success_field not in answer:
        return SendResult(False, error=f"gateway HTTP {status}: answer without "
                                       f"{s.success_field!r}", retry=True)
    if status < 300 and str(answer[s.success_field]) == str(s.success_value):
        ref = answer.get(s.message_id_field)
        return SendResult(True, ref=str(ref)[:64] if ref is not None else None)
    message = scrub(str(answer.get(s.message_field, "")))[:120]
    return SendResult(False, error=f"gateway refused ({s.success_field}="
                                   f"{answer[s.success_field]}): {message}")


class HttpGateway:
    def __init__(self, settings: GatewaySettings, transport=None, clock=time.time):
        import httpx
        self.settings = settings
        self.clock = clock
        self.http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout))

    def send(self, phone: str, text: str) -> SendResult:
        import httpx
        headers, body = build_request(self.settings, phone, text, self.clock(),
                                      secrets.token_hex(8))
        try:
            response = self.http.post(self.settings.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return SendResult(False, error=f"gateway unreachable: {type(exc).__name__}",
                              retry=True)
        return read_answer(self.settings, response.status_code, response.content)

    def close(self) -> None:
        self.http.close()


PROFILES = {"http": HttpGateway}


def make_notifier(settings: GatewaySettings, transport=None):
    if settings.profile not in PROFILES:
        raise ValueError(f"unknown SMS gateway profile {settings.profile!r}")
    return PROFILES[settings.profile](settings, transport=transport)
