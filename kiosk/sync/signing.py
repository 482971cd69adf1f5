"""Request signing between a hall and its hub (pure; docs/sync-api.md "Authentication").

signature = hex(HMAC-SHA256(key, METHOD \\n PATH \\n TIMESTAMP \\n NONCE \\n hex(SHA-256(body))))

The body hash is over the bytes on the wire (gzip-compressed if so), so the hub can check
it before spending any work on decompression.
"""
import hashlib
import hmac
import secrets

MAX_SKEW_SECONDS = 300  # older (or further in the future) than this: refused as a replay

HEADER_HALL = "X-Hall-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def string_to_sign(method: str, path: str, timestamp: int, nonce: str, body: bytes) -> bytes:
    return "\n".join([method.upper(), path, str(timestamp), nonce, body_hash(body)]).encode()


def sign(key: bytes, method: str, path: str, timestamp: int, nonce: str, body: bytes) -> str:
    return hmac.new(key, string_to_sign(method, path, timestamp, nonce, body), "sha256").hexdigest()


def signature_matches(key: bytes, signature: str, method: str, path: str, timestamp: int,
                      nonce: str, body: bytes) -> bool:
    expected = sign(key, method, path, timestamp, nonce, body)
    return hmac.compare_digest(expected, signature or "")


def is_fresh(timestamp: int, now: float) -> bool:
    return abs(now - timestamp) <= MAX_SKEW_SECONDS


def new_nonce() -> str:
    return secrets.token_hex(16)


def signed_headers(hall_id: str, key: bytes, method: str, path: str, body: bytes,
                   now: float, nonce: str | None = None) -> dict[str, str]:
    timestamp = int(now)
    nonce = nonce or new_nonce()
    return {
        HEADER_HALL: hall_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(key, method, path, timestamp, nonce, body),
    }
