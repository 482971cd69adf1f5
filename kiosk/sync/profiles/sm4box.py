"""SM4-CBC with PKCS#7 padding and an HMAC-SM3 tag (pure): the Fujian-style payload box.

box = base64(IV ‖ ciphertext); tag = hex(HMAC-SM3(key, app_id ‖ "\\n" ‖ timestamp ‖ "\\n" ‖ box)).
CBC alone would let a wrong key or a flipped bit through as garbage; the tag refuses both.
"""
import base64
import hmac as std_hmac
import os

KEY_BYTES = 16
BLOCK_BITS = 128


class BoxError(ValueError):
    pass


def check_key(key: bytes) -> bytes:
    if len(key) != KEY_BYTES:
        raise BoxError(f"an SM4 key has {KEY_BYTES} bytes (32 hex digits), not {len(key)}")
    return key


def key_from_hex(text: str) -> bytes:
    try:
        return check_key(bytes.fromhex(text.strip()))
    except ValueError as exc:
        raise BoxError(str(exc)) from exc


def seal(key: bytes, plaintext: bytes, iv: bytes | None = None) -> str:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    iv = iv or os.urandom(16)
    padder = padding.PKCS7(BLOCK_BITS).padder()
    padded = padder.update(plaintext) + padder.finalize()
    enc = Cipher(algorithms.SM4(check_key(key)), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + enc.update(padded) + enc.finalize()).decode()


def open_box(key: bytes, box: str) -> bytes:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    try:
        raw = base64.b64decode(box, validate=True)
    except ValueError as exc:
        raise BoxError("payload is not base64") from exc
    if len(raw) < 32 or len(raw) % 16:
        raise BoxError("payload has no whole SM4 blocks")
    dec = Cipher(algorithms.SM4(check_key(key)), modes.CBC(raw[:16])).decryptor()
    unpadder = padding.PKCS7(BLOCK_BITS).unpadder()
    try:
        return unpadder.update(dec.update(raw[16:]) + dec.finalize()) + unpadder.finalize()
    except ValueError as exc:
        raise BoxError("payload does not decrypt with this key") from exc


def tag(key: bytes, app_id: str, timestamp: str, box: str) -> str:
    from cryptography.hazmat.primitives import hashes, hmac
    mac = hmac.HMAC(check_key(key), hashes.SM3())
    mac.update(f"{app_id}\n{timestamp}\n{box}".encode())
    return mac.finalize().hex()


def tag_matches(key: bytes, app_id: str, timestamp: str, box: str, given: str) -> bool:
    return std_hmac.compare_digest(tag(key, app_id, timestamp, box), given or "")
