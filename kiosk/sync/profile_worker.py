"""Sends records to one profile upstream (a province, the national platform): one record per
request, per-record status in upstream_delivery. Same interface as the hub's worker
(kiosk/sync/worker.py): name, run_once(now) -> SyncResult, close().

take new rows past this upstream's cursor → pick the due ones → for each: an event waits
until the province has its rating; validate (held on a problem), map, sign or encrypt, POST,
store the receipt, or the refusal (retried, dead after max_refusals). When the upstream is
unreachable or answers garbage the run stops at that record, so a down province costs one
timeout per run, and the other upstreams (their own threads and rows) are not touched.
"""
import secrets
import time
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine

from kiosk.sync import delivery_store as ds
from kiosk.sync import profiles
from kiosk.sync.case_events import case_event, supplement_as_rating, upstream_kind
from kiosk.sync.enrich import rating_records, records_with_facts
from kiosk.sync.profiles.base import Answer
from kiosk.sync.result import SyncResult
from kiosk.sync.upstreams import UpstreamSettings
from kiosk.sync.validation import problems


class Unreachable(Exception):
    """The upstream could not be reached, failed (5xx) or answered garbage."""


class ProfileWorker:
    def __init__(self, engine: Engine, upstream: UpstreamSettings, transport=None,
                 clock=time.time):
        import httpx  # loaded where used: the web processes never need it

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
        import httpx

        creds = self.upstream.credentials
        to_fields = (self.profile.event_payload if record.get("kind") == "case_event"
                     else self.profile.to_payload)
        request = self.profile.encode(to_fields(record, creds), creds, self.path, self.clock(),
                                      secrets.token_hex(16))
        try:
            response = self.http.request(request.method, self.upstream.url,
                                         content=request.body, headers=request.headers)
        except httpx.HTTPError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise Unreachable(f"HTTP {response.status_code}")
        answer = self.profile.read_answer(response.status_code, response.content)
        if answer.garbled:
            raise Unreachable(answer.error)
        return answer

    def _event_records(self, events: dict[str, dict]) -> dict[str, dict | None]:
        """event id → what to send (None: its rating is not accepted by this upstream yet)."""
        rating_ids = [e["rating_id"] for e in events.values()]
        ratings = rating_records(self.engine, rating_ids)
        sent = ds.rating_deliveries(self.engine, self.name, rating_ids)
        out = {}
        for eid, event in events.items():
            status, receipt = sent.get(event["rating_id"], (None, None))
            rating = ratings.get(event["rating_id"])
            if status != "accepted" or rating is None:
                out[eid] = None
            elif upstream_kind(event) == "supplement":
                out[eid] = supplement_as_rating(event, rating)
            else:
                out[eid] = case_event(event, rating, receipt)
        return out

    def run_once(self, now: datetime) -> SyncResult:
        taken = ds.take_new(self.engine, self.name, now)
        batch = ds.due(self.engine, self.name, now, self.upstream.batch_size)
        result = SyncResult(taken=len(batch), more=bool(taken))
        records = records_with_facts(self.engine, {d.record_id: d.payload_text for d in batch})
        # Ratings first, then the events, which need their rating accepted upstream.
        ratings = [d for d in batch if records[d.record_id].get("kind") == "rating"]
        events = [d for d in batch if records[d.record_id].get("kind") != "rating"]
        for item in ratings:
            if not self._deliver(item, records[item.record_id], now, result):
                return result
        outgoing = self._event_records({d.record_id: records[d.record_id] for d in events})
        for item in events:
            record = outgoing[item.record_id]
            if record is None:
                ds.mark_waiting(self.engine, item, now)
            elif not self._deliver(item, record, now, result):
                return result
        result.more = result.more or len(batch) == self.upstream.batch_size
        return result

    def _deliver(self, item: ds.Due, record: dict, now: datetime, result: SyncResult) -> bool:
        """Sends one record and notes the outcome; False when the upstream is unreachable."""
        reasons = problems(record, self.profile)
        if reasons:
            ds.mark_held(self.engine, item, now, reasons)
            result.held += 1
            return True
        try:
            answer = self._post(record)
        except Unreachable as exc:
            result.error = f"{self.name}: {exc}"
            ds.mark_failed(self.engine, item, now, result.error)
            result.failed += 1
            return False
        if answer.accepted:
            ds.mark_accepted(self.engine, item, now, answer.receipt_id)
            result.accepted += 1
            return True
        result.refused += 1
        result.failed += 1
        if ds.mark_refused(self.engine, item, now, f"refused by {self.name}: {answer.error}",
                           self.upstream.max_refusals):
            result.dead += 1
        return True
