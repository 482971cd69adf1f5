"""Prometheus metrics at /metrics: request latency from hooks, everything else read from
the database at scrape time (a few GROUP BY / COUNT queries), so every process agrees.

kiosk.serve runs several worker processes. With PROMETHEUS_MULTIPROC_DIR set in the
environment before start (the systemd unit sets it and empties it in ExecStartPre), each
worker writes its latency samples to files there and a scrape sums them over all workers.
Without it, a scrape sees only the latency of the worker that answered it.
"""
import hmac
import os
import time

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from kiosk.extensions import db
from kiosk.models import Device, HubAuthRefusal, HubBatch, HubRating, Rating
from kiosk.models.base import utcnow
from kiosk.ops import probes

LOCAL_ADDRESSES = {"127.0.0.1", "::1"}

# Not in the global registry: each scrape builds its own registry (tests build many apps).
REQUEST_LATENCY = Histogram(
    "kiosk_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint.",
    ["method", "endpoint", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=None,
)


class DatabaseCollector:
    """Gauges computed from the database when Prometheus scrapes."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        yield from self._ratings()
        if self.app.config.get("ROLE") != "hub":
            yield from self._devices()
        else:
            yield from self._hub_refusals()
        yield from self._sync()
        yield from self._chain()

    def _ratings(self):
        table = HubRating if self.app.config.get("ROLE") == "hub" else Rating
        family = GaugeMetricFamily("kiosk_ratings", "Ratings stored, by channel and level.",
                                   labels=["channel", "level"])
        rows = db.session.execute(
            sa.select(table.channel, table.level, sa.func.count()).group_by(table.channel, table.level)
        )
        for channel, level, count in rows:
            family.add_metric([channel, str(level)], count)
        yield family

    def _devices(self):
        online = GaugeMetricFamily("kiosk_devices", "Evaluator devices, by state.", labels=["state"])
        misses = GaugeMetricFamily("kiosk_device_misses", "Polls a device did not answer.",
                                   labels=["port", "address"])
        counts = {"online": 0, "offline": 0}
        for port, address, is_online, missed in db.session.execute(
            sa.select(Device.port, Device.address, Device.online, Device.misses)
        ):
            counts["online" if is_online else "offline"] += 1
            misses.add_metric([port, str(address)], missed or 0)
        for state, n in counts.items():
            online.add_metric([state], n)
        yield online
        yield misses

    def _hub_refusals(self):
        conflicts = GaugeMetricFamily(
            "kiosk_hub_conflicts", "Records refused because their id or rating belongs to "
            "another hall, or differs from what is stored, by sending hall.", labels=["hall"])
        for hall, count in db.session.execute(
            sa.select(HubBatch.hall_code, sa.func.sum(HubBatch.conflict))
            .group_by(HubBatch.hall_code)
        ):
            conflicts.add_metric([hall], count or 0)
        yield conflicts
        refusals = GaugeMetricFamily("kiosk_hub_auth_refusals",
                                     "Requests the hub refused before reading them, by reason.",
                                     labels=["reason"])
        for reason, count in db.session.execute(
            sa.select(HubAuthRefusal.reason, sa.func.sum(HubAuthRefusal.count))
            .group_by(HubAuthRefusal.reason)
        ):
            refusals.add_metric([reason], count or 0)
        yield refusals

    def _sync(self):
        state = probes.sync_health(self.app)
        if state is None:
            return
        now = utcnow()
        age = 0.0 if state.oldest_at is None else (now - state.oldest_at).total_seconds()
        yield GaugeMetricFamily("kiosk_sync_backlog", "Outbox rows not yet confirmed upstream.",
                                value=state.pending)
        yield GaugeMetricFamily("kiosk_sync_backlog_oldest_age_seconds",
                                "Age of the oldest unsynced outbox row.", value=age)
        yield GaugeMetricFamily("kiosk_sync_dead_letters", "Outbox rows the upstream rejected.",
                                value=state.dead)
        yield GaugeMetricFamily("kiosk_sync_consecutive_failures",
                                "Failed sync attempts since the last success.",
                                value=state.consecutive_failures)
        if state.last_success_at is not None:
            yield GaugeMetricFamily("kiosk_sync_last_success_age_seconds",
                                    "Seconds since the upstream last accepted a batch.",
                                    value=(now - state.last_success_at).total_seconds())


    def _chain(self):
        """Hub: integrity incidents and verified head per hall. Hall: its own chain."""
        if self.app.config.get("ROLE") == "hub":
            from kiosk.hub.chain_status import chain_overview

            incidents = GaugeMetricFamily("kiosk_integrity_incidents",
                                          "Breaks found in a hall's record chain, by kind.",
                                          labels=["hall", "kind"])
            unreviewed = GaugeMetricFamily(
                "kiosk_integrity_incidents_unreviewed",
                "Integrity incidents no supervisor has marked as reviewed, by kind.",
                labels=["hall", "kind"])
            verified = GaugeMetricFamily("kiosk_chain_verified_seq",
                                         "Newest seq of a hall's chain received without a hole.",
                                         labels=["hall"])
            for hall in chain_overview():
                verified.add_metric([hall.code], hall.verified_seq)
                for kind, count in hall.incidents.items():
                    incidents.add_metric([hall.code, kind], count)
                    unreviewed.add_metric([hall.code, kind], hall.unreviewed.get(kind, 0))
            yield incidents
            yield unreviewed
            yield verified
            return
        verdict = probes.chain_tail()
        yield GaugeMetricFamily("kiosk_chain_intact",
                                "1 if the newest records of the hall's chain verify, else 0.",
                                value=1 if verdict.intact else 0)
        yield GaugeMetricFamily("kiosk_chain_seq", "Newest seq in the hall's record chain.",
                                value=verdict.head.seq if verdict.head else 0)


def _start_timer() -> None:
    g._ops_started = time.perf_counter()


def _observe(response):
    started = g.pop("_ops_started", None)
    if started is not None:
        endpoint = request.endpoint or "unmatched"  # the rule, not the path: bounded labels
        REQUEST_LATENCY.labels(request.method, endpoint, str(response.status_code)).observe(
            time.perf_counter() - started)
    return response


def allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    return bool(current_app.config["METRICS_ALLOW_LOCALHOST"]) and request.remote_addr in LOCAL_ADDRESSES


def exposition() -> Response:
    if not allowed():
        abort(403, "metrics are served to 127.0.0.1 or with the METRICS_TOKEN bearer token")
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(DatabaseCollector(current_app._get_current_object()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def register(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_observe)
