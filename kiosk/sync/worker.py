"""The hub's outbox worker, and the loop every sync worker runs in.

A worker (this one for our hub, kiosk/sync/profile_worker.py for a province) has a `name`,
run_once(now) -> SyncResult and close(). drain() runs one until nothing is due;
run_forever() loops with the one backoff (kiosk/sync/backoff.py) and logs to "kiosk.sync".

Claim (short write) → send (no transaction open) → settle (short write). Only what the hub
confirmed is marked sent; a crash anywhere in between leaves rows that are sent again and
that the hub recognises as duplicates.
"""
import logging
import random
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from kiosk.integrity.chain import BadLink, link_of
from kiosk.models.base import utcnow
from kiosk.sync import store
from kiosk.sync.apply_config import apply_config
from kiosk.sync.backoff import backoff
from kiosk.sync.client import HubClient, HubError
from kiosk.sync.contact import add_contacts
from kiosk.sync.result import SyncResult
from kiosk.sync.settings import SyncSettings
from kiosk.sync.wire import encode_batch, parse_json, splits_safely
from kiosk.timeutil import iso_utc

BACKOFF_CAP = 60.0
IDLE_POLL = 2.0
BACKLOG_REFRESH = timedelta(seconds=10)  # counting a big backlog per batch would cost more
# An idle hall still tells the hub where it stands this often (the hub's "not heard from").
REPORT_EVERY = timedelta(minutes=5)


log = logging.getLogger("kiosk.sync")


def backoff_delay(failures: int, rng: random.Random, cap: float = BACKOFF_CAP) -> float:
    """The loop's wait after `failures` failed runs in a row: 2 s doubling, jittered, capped."""
    return backoff(failures, first=2.0, cap=cap, rng=rng)


def outcome_rows(claimed: list[store.Claimed], answer: dict):
    """Maps the hub's answer (by record id) to outbox rows: confirmed, rejected, unanswered."""
    ok = set(answer["stored"]) | set(answer["duplicate"])
    refused = {r.get("id"): str(r.get("reason")) for r in answer["rejected"] if isinstance(r, dict)}
    confirmed, rejected, unanswered = [], {}, []
    for c in claimed:
        if c.record_id in ok:
            confirmed.append(c.row_id)
        elif c.record_id in refused:
            rejected[c.row_id] = f"rejected by hub: {refused[c.record_id]}"
        else:
            unanswered.append(c.row_id)
    return confirmed, rejected, unanswered


def run_header(claimed: list[store.Claimed], envelopes: list[str | None]) -> dict | None:
    """The batch's "links" (docs/sync-api.md) when its records are a run of this hall's
    own chain, each envelope as stored (no sealed phone added): the hub then computes each
    link from the first one's prev and checks the last one's hash, so the lines need not
    carry 128 hex digits each, most of a batch's bytes once compressed. None otherwise:
    the records then carry their links themselves."""
    seqs = [c.seq for c in claimed]
    if not seqs or None in seqs or seqs != list(range(seqs[0], seqs[0] + len(seqs))) or any(
            env != c.envelope_text for env, c in zip(envelopes, claimed, strict=True)):
        return None
    try:
        first, last = (link_of(parse_json(c.envelope_text or "{}"))
                       for c in (claimed[0], claimed[-1]))
    except (BadLink, ValueError):
        return None
    if first is None or last is None or (first.seq, last.seq) != (seqs[0], seqs[-1]):
        return None
    return {"seq": first.seq, "prev": first.prev, "hash": last.hash}


class Worker:
    def __init__(self, engine: Engine, settings: SyncSettings, client: HubClient | None = None,
                 name: str = "hub"):
        self.name = name
        self.engine = engine
        self.settings = settings
        self.in_flight = settings.in_flight  # runs the daemon keeps going at once
        self.client = client or HubClient(settings)
        self.config_due_at: datetime | None = None
        # store.backlog() as last counted, and the rows settled since (kiosk/sync/store.py).
        self._backlog: tuple[datetime, store.Backlog] | None = None
        self._settled_since = self._dead_since = 0
        self._backlog_lock = threading.Lock()
        self._reported: tuple[datetime, dict] | None = None  # the last backlog the hub got
        self._config_lock = threading.Lock()  # drain(parallel=…) shares one worker
        # Records were confirmed since the hub last heard where this hall's chain stands.
        self._chain_unreported = False
        # The hub said it takes a batch as a run of the chain ("links"): not before.
        self.sends_runs = False

    def close(self) -> None:
        self.client.close()

    def _maybe_fetch_config(self, now: datetime) -> None:
        with self._config_lock:
            if self.config_due_at is not None and now < self.config_due_at:
                return
            self.config_due_at = now + timedelta(seconds=self.settings.config_interval)
        try:
            config = self.client.fetch_config()
            apply_config(self.engine, config, now)
            store.note_config_fetched(self.engine, now)
            accepts = config.get("accepts")
            self.sends_runs = isinstance(accepts, list) and "links" in accepts
        except HubError as exc:
            store.note_failure(self.engine, now, f"config: {exc}")

    def _backlog_report(self, now: datetime, sending: int = 0) -> dict:
        """The backlog as `flask sync status` counts it (store.backlog), as it stands once
        the `sending` rows of this batch are confirmed: the hub stores it on receipt, when
        they are. Counted afresh every BACKLOG_REFRESH; in between lowered by what settled."""
        with self._backlog_lock:
            if self._backlog is None or now - self._backlog[0] > BACKLOG_REFRESH:
                self._backlog = (now, store.backlog(self.engine))
                self._settled_since = self._dead_since = 0
            b = self._backlog[1]
            pending = max(b.pending - self._settled_since - sending, 0)
            return {"pending": pending, "oldest_at": iso_utc(b.oldest_at) if pending else None,
                    "dead": b.dead + self._dead_since}

    def _note_settled(self, settled: int, dead: int) -> None:
        with self._backlog_lock:
            self._settled_since += settled
            self._dead_since += dead

    def _note_reported(self, now: datetime, backlog: dict) -> None:
        with self._backlog_lock:
            self._reported = (now, backlog)

    def run_once(self, now: datetime) -> SyncResult:
        self._maybe_fetch_config(now)
        claimed = store.claim(self.engine, now, self.settings.batch_size)
        if not claimed:
            self.report_chain(now)
            return SyncResult()
        claimed, unsendable = self._sendable(now, claimed)
        if not claimed:
            return SyncResult(taken=len(unsendable), refused=len(unsendable),
                              dead=len(unsendable), more=True)
        envelopes = (add_contacts(self.engine, claimed, self.settings.key)
                     if self.settings.send_contact else [c.envelope_text for c in claimed])
        backlog = self._backlog_report(now, len(claimed))
        header = {"batch_id": str(uuid.uuid4()), "hall_id": self.settings.hall_id,
                  "sent_at": iso_utc(now), "backlog": backlog,
                  "chain": store.chain_report(self.engine)}
        try:
            answer = self._send(header, claimed, envelopes)
        except HubError as exc:
            error = str(exc)
            store.settle(self.engine, now, confirmed=[], rejected={},
                         unanswered=[c.row_id for c in claimed], error=error)
            store.note_failure(self.engine, now, error)
            return SyncResult(taken=len(claimed), failed=len(claimed), error=error)
        confirmed, rejected, unanswered = outcome_rows(claimed, answer)
        store.settle(self.engine, now, confirmed=confirmed, rejected=rejected,
                     unanswered=unanswered, error="not answered by hub")
        store.note_success(self.engine, now, len(confirmed))
        self._note_settled(len(confirmed) + len(rejected), len(rejected))
        self._note_reported(now, backlog)
        self._chain_unreported = self._chain_unreported or bool(confirmed)
        return SyncResult(taken=len(claimed), accepted=len(answer["stored"]),
                          duplicate=len(answer["duplicate"]), refused=len(rejected),
                          dead=len(rejected), failed=len(unanswered),
                          more=len(claimed) == self.settings.batch_size)

    def _send(self, header: dict, claimed: list[store.Claimed],
              envelopes: list[str | None]) -> dict:
        """The hub's answer to the batch: sent as a run of the chain where it is one and the
        hub takes runs, else each record with its envelope."""
        linked = list(zip(envelopes, (c.payload_text for c in claimed), strict=True))
        run = run_header(claimed, envelopes) if self.sends_runs else None
        if run is None:
            return self.client.send_batch(encode_batch(**header, items=linked))
        answer = self.client.send_batch(encode_batch(
            **header, items=[(None, c.payload_text) for c in claimed], links=run))
        if answer.get("links_needed"):
            # The hub could not verify the run: each record's own link lets it tell which
            # one is not what this hall hashed.
            log.warning("sync [%s]: hub asked for each link of run %s…", self.name, run["seq"])
            answer = self.client.send_batch(encode_batch(**header, items=linked))
        return answer

    def _sendable(self, now: datetime, claimed: list[store.Claimed]):
        """Rows whose stored text cannot be one line of a batch (never written by this
        code: compact JSON has no raw line break) are parked for a human at once."""
        bad = [c for c in claimed if not (splits_safely(c.payload_text)
                                          and splits_safely(c.envelope_text or ""))]
        if not bad:
            return claimed, []
        store.settle(self.engine, now, confirmed=[], unanswered=[],
                     rejected={c.row_id: "stored text holds a line break" for c in bad})
        self._note_settled(len(bad), len(bad))
        parked = {c.row_id for c in bad}
        return [c for c in claimed if c.row_id not in parked], bad

    def report_chain(self, now: datetime) -> None:
        """Once the outbox is drained, an empty batch tells the hub where the chain stands
        (kiosk/sync/store.py chain_report), so it judges a hole in what it received now
        rather than with the next rating; and the backlog, whenever it differs from what the
        hub last got (a rejection, the last batch) and every REPORT_EVERY while idle."""
        backlog = self._backlog_report(now)
        last = self._reported
        if not (self._chain_unreported or last is None or last[1] != backlog
                or now - last[0] >= REPORT_EVERY):
            return
        body = encode_batch(batch_id=str(uuid.uuid4()), hall_id=self.settings.hall_id,
                            sent_at=iso_utc(now), backlog=backlog, items=[],
                            chain=store.chain_report(self.engine))
        try:
            self.client.send_batch(body)
        except HubError:
            return  # the next idle round tries again
        self._chain_unreported = False
        self._note_reported(now, backlog)


def drain(worker, clock: Callable[[], datetime] = utcnow, parallel: int = 1,
          max_runs: int = 100_000) -> SyncResult:
    """Runs a worker until nothing more is due or its upstream fails (`sync run --once`).

    With parallel > 1, that many runs are in flight at once (the hub worker: each its own
    claim, so the hub parses one batch while its database stores another)."""
    total = SyncResult()
    lock = threading.Lock()
    runs = [0]

    def loop() -> None:
        while True:
            r = worker.run_once(clock())
            with lock:
                total.add(r)
                runs[0] += 1
                if total.error or not r.more or runs[0] >= max_runs:
                    return

    threads = [threading.Thread(target=loop) for _ in range(max(parallel, 1) - 1)]
    for t in threads:
        t.start()
    loop()
    for t in threads:
        t.join()
    report_chain = getattr(worker, "report_chain", None)  # the hub worker's chain report
    if report_chain is not None and not total.error:
        report_chain(clock())
    return total


def run_forever(worker, stop: threading.Event, clock: Callable[[], datetime] = utcnow,
                rng: random.Random | None = None) -> None:
    """Loops until `stop` is set (by SIGTERM/SIGINT: the handlers only set the flag)."""
    rng = rng or random.Random()
    failures = 0
    name = getattr(worker, "name", type(worker).__name__)
    while not stop.is_set():
        result = worker.run_once(clock())
        if result.error:
            failures += 1
            delay = backoff_delay(failures, rng)
            log.warning("sync [%s]: %s; retry in %.1f s", name, result.error, delay)
        else:
            if failures:
                log.info("sync [%s]: upstream reachable again", name)
            failures = 0
            delay = 0.0 if result.more else IDLE_POLL
            if result.dead or result.held:
                log.warning("sync [%s]: %s", name, result.summary())
        if delay:
            stop.wait(delay)


def stop_on_signals(stop: threading.Event) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
