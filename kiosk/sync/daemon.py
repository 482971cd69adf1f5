"""One sync daemon, several upstreams: a worker per upstream, each in its own thread with its
own backoff, so a province that is down never holds back the city hub (or the other way)."""
import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask
from sqlalchemy.engine import Engine

from kiosk.models.base import utcnow
from kiosk.sync import profiles
from kiosk.sync.profile_worker import ProfileRunResult, ProfileWorker
from kiosk.sync.upstreams import UpstreamSettings, load_all
from kiosk.sync.worker import Worker, drain, run_forever


def make_worker(engine: Engine, upstream: UpstreamSettings):
    if upstream.profile == profiles.HUB:
        return Worker(engine, upstream.hub)
    return ProfileWorker(engine, upstream)


def build_workers(app: Flask, engine: Engine) -> list[tuple[UpstreamSettings, object]]:
    from kiosk.notify.daemon import sms_worker  # the SMS invitations ride in the same process

    workers = [(u, make_worker(engine, u)) for u in load_all(app)]
    sms = sms_worker(app, engine)
    return [*workers, sms] if sms is not None else workers


def drain_profile(worker: ProfileWorker, clock: Callable[[], datetime] = utcnow,
                  max_runs: int = 1000) -> ProfileRunResult:
    """Sends what is due until nothing more is (or the upstream fails): `sync run --once`."""
    total = ProfileRunResult()
    for _ in range(max_runs):
        r = worker.run_once(clock())
        total.taken += r.taken
        total.accepted += r.accepted
        total.failed += r.failed
        total.held += r.held
        total.error = r.error
        if r.error or not (r.more or r.taken):
            break
    return total


def drain_any(worker, clock: Callable[[], datetime] = utcnow):
    return drain(worker, clock) if isinstance(worker, Worker) else drain_profile(worker, clock)


def run_all(workers: list, stop: threading.Event, log=print,
            clock: Callable[[], datetime] = utcnow) -> None:
    """Runs every worker's loop in a thread of its own until `stop` is set."""
    threads = []
    for upstream, worker in workers:
        def loop(worker=worker, name=upstream.name):
            run_forever(worker, stop, clock=clock, log=lambda m, n=name: log(f"[{n}] {m}"))

        thread = threading.Thread(target=loop, name=f"sync-{upstream.name}", daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
