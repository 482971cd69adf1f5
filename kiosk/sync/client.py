"""HTTP to the hub: signed, gzip-compressed, with connect and read timeouts."""
import json
import time
from urllib.parse import urlsplit

from kiosk.sync import signing
from kiosk.sync.settings import SyncSettings
from kiosk.sync.wire import LINES_TYPE, gzip_bytes

BATCHES_PATH = "/hub/api/v1/batches"
CONFIG_PATH = "/hub/api/v1/config"
RESTORE_PATH = "/hub/api/v1/integrity/restore"


class HubError(RuntimeError):
    """The hub could not be reached or did not answer with a usable result."""


def _refusal(status: int, content: bytes) -> str:
    """A refusal as people read it: the hub's own message where it gave one (JSON)."""
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message") or body.get("error"), str):
        return f"HTTP {status}: {body.get('message') or body['error']}"[:400]
    return f"HTTP {status}: {content[:300]!r}"


class HubClient:
    def __init__(self, settings: SyncSettings, clock=time.time, transport=None):
        import httpx
        self.settings = settings
        self.clock = clock
        self.http = httpx.Client(
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            transport=transport,
            headers={"User-Agent": "kiosk-sync/1"},
        )

    def close(self) -> None:
        self.http.close()

    def _request(self, method: str, path: str, body: bytes, extra: dict) -> dict:
        import httpx
        url = self.settings.url + path
        headers = signing.signed_headers(self.settings.hall_id, self.settings.key, method,
                                         urlsplit(url).path, body, self.clock())
        try:
            response = self.http.request(method, url, content=body, headers={**extra, **headers})
            content = response.read()
        except httpx.HTTPError as exc:
            raise HubError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise HubError(_refusal(response.status_code, content))
        try:
            return json.loads(content)
        except ValueError as exc:
            raise HubError(f"answer is not JSON: {content[:100]!r}") from exc

    def send_batch(self, raw_batch: bytes) -> dict:
        answer = self._request("POST", BATCHES_PATH, gzip_bytes(raw_batch), {
            "Content-Type": LINES_TYPE, "Content-Encoding": "gzip",
            "Accept-Encoding": "gzip",
        })
        if not all(isinstance(answer.get(k), list) for k in ("stored", "duplicate", "rejected")):
            raise HubError("answer lacks stored/duplicate/rejected")
        return answer

    def declare_restore(self, *, seq: int, digest: str, note: str,
                        hall: str | None = None) -> dict:
        """Tells the hub a hall's chain was rewound to (seq, digest) by a restore: this
        hall's, or (a hub passing a declaration up) that of `hall`, whose records it forwards."""
        declared = {"seq": seq, "hash": digest, "note": note}
        if hall is not None:
            declared["hall"] = hall
        body = json.dumps(declared, ensure_ascii=False).encode()
        return self._request("POST", RESTORE_PATH, body, {"Content-Type": "application/json"})

    def fetch_config(self) -> dict:
        return self._request("GET", CONFIG_PATH, b"", {"Accept-Encoding": "gzip"})
