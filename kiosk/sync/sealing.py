"""AES-256-GCM sealing of small secrets (pure): a hall key at rest on the hub, and a
citizen's phone number inside a record, readable only by a hub entitled to it."""
import base64
import hashlib
import hmac
import os

PREFIX = "v1."


class SealError(ValueError):
    pass


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A separate 32-byte key per purpose, so the HMAC key never encrypts anything itself."""
    return hmac.new(secret, b"kiosk-seal:" + purpose.encode(), hashlib.sha256).digest()


def seal(key: bytes, plaintext: str, aad: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, plaintext.encode(), aad.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + ct).decode()


def unseal(key: bytes, token: str, aad: str) -> str:
    """`aad` binds the secret to its row (e.g. the rating id): it cannot be moved elsewhere."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    if not token.startswith(PREFIX):
        raise SealError("unknown seal version")
    raw = base64.urlsafe_b64decode(token[len(PREFIX):])
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], aad.encode()).decode()
    except InvalidTag as exc:
        raise SealError("seal does not open with this key") from exc
