"""Login with a progressive delay: after 5 failures of one account from one address, each
further failure doubles the wait (up to 15 minutes), counted in the shared rate-limit store.

The answer never tells whether an account exists: an unknown name is checked against a
dummy hash (same time) and is delayed exactly like a known one. Counting per account and
address means nobody elsewhere can lock a colleague out.
"""
import sqlalchemy as sa
from flask_babel import gettext as _

from kiosk import ratelimit
from kiosk.auth.passwords import hash_password, needs_rehash, verify_password
from kiosk.extensions import db
from kiosk.models import User
from kiosk.models.audit import audit

FREE_FAILURES = 5
MAX_WAIT_SECONDS = 15 * 60
# Verifying against a dummy hash keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH = hash_password("not-a-real-password-0")


class LoginRefused(Exception):
    pass


def authenticate(username: str, password: str, address: str = "-") -> User:
    identity = f"{username.casefold()}|{address}"
    wait = ratelimit.failure_wait("login", identity)
    if wait:
        raise LoginRefused(_("登录失败次数过多，请 %(s)d 秒后再试。", s=wait))
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        verify_password(_DUMMY_HASH, password)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        if ratelimit.count_failure("login", identity, FREE_FAILURES, MAX_WAIT_SECONDS) and user:
            audit(username, "login_delayed", "user", user.id, after={"address": address})
            db.session.commit()
        raise LoginRefused("用户名或密码错误。")
    ratelimit.clear_failures("login", identity)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit(username, "login", "user", user.id)
    db.session.commit()
    return user
