"""/healthz: is this instance able to do its job right now? One named result per check."""
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import Flask

from kiosk import workdays
from kiosk.extensions import db
from kiosk.models.base import utcnow
from kiosk.ops import probes
from kiosk.timeutil import to_local

OK, FAIL, NOT_CONFIGURED, WARN = "ok", "fail", "not_configured", "warn"
# From this day (hall time) on, next year's official calendar should be in place: the
# State Council publishes it in autumn, and 5-working-day deadlines soon reach January.
CALENDAR_WARN_FROM = (12, 1)


@dataclass
class Check:
    status: str
    detail: dict = field(default_factory=dict)


def _age_s(then: datetime | None, now: datetime) -> float | None:
    return None if then is None else round((now - then).total_seconds(), 1)


def check_database() -> Check:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any driver error means the same thing here: not reachable
        db.session.rollback()
        return Check(FAIL, {"error": type(exc).__name__})
    return Check(OK, {"dialect": db.engine.dialect.name})


def check_listener(app: Flask, now: datetime) -> Check:
    beat = probes.listener_heartbeat(app)
    if beat is None:
        return Check(NOT_CONFIGURED)
    age = _age_s(beat, now)
    limit = float(app.config["HEALTH_LISTENER_MAX_AGE"])
    return Check(OK if age <= limit else FAIL, {"heartbeat_age_s": age, "max_age_s": limit})


def check_sync(app: Flask, now: datetime) -> Check:
    state = probes.sync_health(app)
    if state is None:
        return Check(NOT_CONFIGURED)
    oldest_age = _age_s(state.oldest_at, now)
    limit = float(app.config["HEALTH_SYNC_BACKLOG_MAX_AGE"])
    healthy = oldest_age is None or oldest_age <= limit
    return Check(OK if healthy else FAIL, {
        "pending": state.pending,
        "oldest_unsynced_age_s": oldest_age,
        "max_age_s": limit,
        "dead": state.dead,
        "consecutive_failures": state.consecutive_failures,
        "last_success_age_s": _age_s(state.last_success_at, now),
    })


def check_calendar(now: datetime) -> Check:
    """Warns (the hall keeps working) when a calendar year the deadlines need is missing."""
    today = to_local(now).date()
    workdays.refresh_supplement()
    needed = [today.year]
    if (today.month, today.day) >= CALENDAR_WARN_FROM:
        needed.append(today.year + 1)
    missing = [year for year in needed if workdays.calendar_source(year) is None]
    detail = {"years_needed": needed, "missing": missing}
    if missing:
        detail["action"] = "flask --app wsgi calendar import FILE (docs/configuration.md)"
    return Check(WARN if missing else OK, detail)


def check_chain() -> Check:
    """The newest records queued upstream still hash as written, and the head agrees."""
    verdict = probes.chain_tail()
    detail = {"newest_seq": verdict.head.seq if verdict.head else 0,
              "checked": verdict.checked}
    if verdict.intact:
        return Check(OK, detail)
    detail["problems"] = [f"{p.kind}@{p.seq}" for p in verdict.problems[:5]]
    detail["action"] = "flask --app wsgi integrity verify (docs/security.md)"
    return Check(FAIL, detail)


def run_checks(app: Flask, now: datetime | None = None) -> dict[str, Check]:
    now = now or utcnow()
    checks = {"database": check_database()}
    if checks["database"].status != OK:
        return checks  # the other checks read the database: they would only repeat this
    if app.config.get("ROLE") != "hub":  # a hub has no evaluators
        checks["listener"] = check_listener(app, now)
        checks["calendar"] = check_calendar(now)
        checks["chain"] = check_chain()
    checks["sync"] = check_sync(app, now)  # a hub that forwards upward syncs too
    return checks


def report(app: Flask, now: datetime | None = None) -> tuple[dict, int]:
    checks = run_checks(app, now)
    failing = sorted(name for name, c in checks.items() if c.status == FAIL)
    body = {
        "status": "fail" if failing else "ok",
        "role": app.config.get("ROLE", "hall"),
        "failing": failing,
        "warnings": sorted(name for name, c in checks.items() if c.status == WARN),
        "checks": {name: {"status": c.status, **c.detail} for name, c in checks.items()},
    }
    return body, 503 if failing else 200
