"""One sync daemon, several upstreams: a worker per upstream, each in its own thread with its
own backoff, so a province that is down never holds back the city hub (or the other way).
Every worker has the same interface (kiosk/sync/worker.py): name, run_once(now), close()."""
import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask
from sqlalchemy.engine import Engine

from kiosk.models.base import utcnow
from kiosk.sync import profiles
from kiosk.sync.profile_worker import ProfileWorker
from kiosk.sync.upstreams import UpstreamSettings, load_all
from kiosk.sync.worker import Worker, run_forever


def make_worker(engine: Engine, upstream: UpstreamSettings):
    if upstream.profile == profiles.HUB:
        return Worker(engine, upstream.hub, name=upstream.name)
    return ProfileWorker(engine, upstream)


def build_workers(app: Flask, engine: Engine) -> list[tuple[UpstreamSettings, object]]:
    from kiosk.notify.daemon import sms_worker  # the SMS invitations ride in the same process

    workers = [(u, make_worker(engine, u)) for u in load_all(app)]
    sms = sms_worker(app, engine)
    return [*workers, sms] if sms is not None else workers


def run_all(workers: list, stop: threading.Event,
            clock: Callable[[], datetime] = utcnow) -> None:
    """Runs every worker's loop in a thread of its own until `stop` is set; a worker with
    `in_flight` > 1 (the hub's) in that many threads, each run its own claim."""
    threads = []
    for upstream, worker in workers:
        for i in range(max(1, getattr(worker, "in_flight", 1))):
            thread = threading.Thread(target=run_forever, args=(worker, stop, clock),
                                      name=f"sync-{upstream.name}-{i}", daemon=True)
            thread.start()
            threads.append(thread)
    for thread in threads:
        thread.join()
