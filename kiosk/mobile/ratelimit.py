"""A small fixed-window rate limiter kept in the database, so every waitress worker process
shares the same counters. Clients are told apart by IP address and by a random id in their
(signed) session cookie; either one over its limit is refused."""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request, session
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.models.base import utcnow
from kiosk.models.mobile import RateLimitHit


@dataclass(frozen=True)
class Limit:
    hits: int
    seconds: int


# Per client (IP and cookie separately). A hall's Wi-Fi puts many phones behind one IP, so
# the per-IP limit is looser than the per-cookie one.
DEFAULT_LIMITS = {
    "uninvited_ip": Limit(30, 3600),
    "uninvited_cookie": Limit(3, 600),
    "lookup_ip": Limit(10, 60),
    "lookup_cookie": Limit(10, 60),
    # Case lookup by 办件编号 + check: a 4-digit check must not be guessable, so few
    # attempts per client, and per case whoever asks.
    "case_ip": Limit(30, 3600),
    "case_cookie": Limit(5, 600),
    "case_case": Limit(10, 3600),
}


def limit_for(name: str) -> Limit:
    configured = current_app.config.get("MOBILE_RATE_LIMITS", {}).get(name)
    return Limit(*configured) if configured else DEFAULT_LIMITS[name]


def client_cookie_id() -> str:
    if "client_id" not in session:
        session["client_id"] = secrets.token_hex(8)
    return session["client_id"]


def client_keys(bucket: str) -> list[tuple[str, Limit]]:
    ip = request.remote_addr or "unknown"
    return [
        (f"{bucket}:ip:{ip}", limit_for(f"{bucket}_ip")),
        (f"{bucket}:cookie:{client_cookie_id()}", limit_for(f"{bucket}_cookie")),
    ]


_EPOCH = datetime(1970, 1, 1)  # naive UTC, like every stored time


def _window_key(key: str, limit: Limit, now: datetime) -> tuple[str, datetime]:
    index = int((now - _EPOCH).total_seconds()) // limit.seconds
    return f"{key}:{index}", _EPOCH + timedelta(seconds=(index + 1) * limit.seconds)


def is_limited(bucket: str, now: datetime | None = None) -> bool:
    """Peeks without counting."""
    now = now or utcnow()
    for key, limit in client_keys(bucket):
        window_key, _ = _window_key(key, limit, now)
        hits = db.session.scalar(sa.select(RateLimitHit.hits).where(RateLimitHit.key == window_key))
        if hits is not None and hits >= limit.hits:
            return True
    return False


def hit(bucket: str, now: datetime | None = None, extra: list[str] = ()) -> bool:
    """Counts one attempt; True when the client is still within every limit.
    extra: further keys of the bucket counted with the "<bucket>_<kind>" limit, where
    kind is the part before the first colon (e.g. "case:<办件编号>" under the bucket "case")."""
    now = now or utcnow()
    allowed = True
    keys = client_keys(bucket) + [
        (f"{bucket}:{key}", limit_for(f"{bucket}_{key.split(':')[0]}")) for key in extra]
    with write_transaction(db.session()) as conn:
        conn.execute(sa.delete(RateLimitHit).where(RateLimitHit.expires_at < now))
        for key, limit in keys:
            window_key, expires_at = _window_key(key, limit, now)
            stmt = sqlite_insert(RateLimitHit).values(key=window_key, hits=1, expires_at=expires_at)
            stmt = stmt.on_conflict_do_update(
                index_elements=[RateLimitHit.key], set_={"hits": RateLimitHit.hits + 1}
            ).returning(RateLimitHit.hits)
            if conn.execute(stmt).scalar_one() > limit.hits:
                allowed = False
        db.session.commit()
    return allowed

