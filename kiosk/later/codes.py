"""The receipt's short code and the phone check: what a citizen can answer (pure)."""
import hmac
import re
import secrets

# No 0/O, 1/I: the code is read off paper and typed on a phone.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 6


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def normalise_check(text: str) -> str:
    """What the citizen typed, without spaces or dashes, upper-case."""
    return re.sub(r"[\s-]", "", text or "").upper()


def phone_last4(phone: str | None) -> str | None:
    return phone[-4:] if phone and len(phone) >= 4 else None


def check_matches(check: str, short_code: str | None, last4: str | None) -> bool:
    """Either answer opens the case. Compared in constant time, both always compared."""
    check = normalise_check(check)
    by_code = hmac.compare_digest(check.encode(), (short_code or "\0" * 6).encode())
    by_phone = len(check) == 4 and check.isdigit() and hmac.compare_digest(
        check.encode(), (last4 or "\0" * 4).encode())
    return bool(short_code) and by_code or bool(last4) and by_phone
