"""Sends records to one profile upstream (a province, the national platform): one record per
request, per-record status in upstream_delivery. run_once(now) is what run_forever loops on.

take new rows past this upstream's cursor → pick the due ones → for each: validate (held on a
problem), map, sign or encrypt, POST, store the receipt or the error. When the upstream is
unreachable the run stops at the first record, so a down province costs one timeout per run,
and the other upstreams (their own threads and rows) are not touched.
"""
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine

from kiosk.sync import delivery_store as ds
from kiosk.sync import profiles
from kiosk.sync.enrich import records_with_facts
from kiosk.sync.profiles.base import Answer
from kiosk.sync.upstreams import UpstreamSettings
from kiosk.sync.validation import problems


@dataclass
class ProfileRunResult:
    taken: int = 0
    accepted: int = 0
    failed: int = 0
    held: int = 0
    error: str | None = None  # the upstream could not be reached: back off
    more: bool = False


class ProfileWorker:
    def __init__(self, engine: Engine, upstream: UpstreamSettings, transport=None,
                 clock=time.time):
        import httpx
        self.engine = engine
        self.upstream = upstream
        self.profile = profiles.get(upstream.profile)
        self.clock = clock
        self.path = urlsplit(upstream.url).path or "/"
        self.http = httpx.Client(
            timeout=httpx.Timeout(upstream.read_timeout, connect=upstream.connect_timeout),
            transport=transport, headers={"User-Agent": "kiosk-sync/1"})

    @property
    def name(self) -> str:
        return self.upstream.name

    def close(self) -> None:
        self.http.close()

    def _post(self, record: dict) -> Answer:
        """Raises httpx.HTTPError when the upstream cannot be reached or fails (5xx)."""
        import httpx
        creds = self.upstream.credentials
        payload = self.profile.to_payload(record, creds)
        request = self.profile.encode(payload, creds, self.path, self.clock(),
                                      secrets.token_hex(16))
        response = self.http.request(request.method, self.upstream.url, content=request.body,
                                     headers=request.headers)
        if response.status_code >= 500:
            raise httpx.HTTPStatusError(f"HTTP {response.status_code}", request=response.request,
                                        response=response)
        return self.profile.read_answer(response.status_code, response.content)

    def run_once(self, now: datetime) -> ProfileRunResult:
        import httpx
        result = ProfileRunResult(taken=ds.take_new(self.engine, self.name, now))
        batch = ds.due(self.engine, self.name, now, self.upstream.batch_size)
        records = records_with_facts(self.engine, {d.record_id: d.payload_text for d in batch})
        for item in batch:
            record = records[item.record_id]
            reasons = problems(record, self.profile)
            if reasons:
                ds.mark_held(self.engine, item, now, reasons)
                result.held += 1
                continue
            try:
                answer = self._post(record)
            except httpx.HTTPError as exc:
                result.error = f"{self.name}: {type(exc).__name__}: {exc}"
                ds.mark_failed(self.engine, item, now, result.error)
                result.failed += 1
                return result
            if answer.accepted:
                ds.mark_accepted(self.engine, item, now, answer.receipt_id)
                result.accepted += 1
            else:
                ds.mark_failed(self.engine, item, now, f"refused by {self.name}: {answer.error}")
                result.failed += 1
        result.more = len(batch) == self.upstream.batch_size
        return result
