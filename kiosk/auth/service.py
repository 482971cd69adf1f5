"""Login with lockout: 5 failures lock the account for 15 minutes."""
from datetime import timedelta

import sqlalchemy as sa

from kiosk.auth.passwords import hash_password, needs_rehash, verify_password
from kiosk.extensions import db
from kiosk.models import User
from kiosk.models.audit import audit
from kiosk.models.base import utcnow

MAX_FAILURES = 5
LOCK_MINUTES = 15
# Verifying against a dummy hash keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH = hash_password("not-a-real-password-0")


class LoginRefused(Exception):
    pass


def authenticate(username: str, password: str) -> User:
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    now = utcnow()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise LoginRefused("用户名或密码错误。")
    if user.locked_until and user.locked_until > now:
        raise LoginRefused("登录失败次数过多，账号已临时锁定，请 15 分钟后再试。")
    if not user.active or not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
            audit(username, "lockout", "user", user.id)
        db.session.commit()
        raise LoginRefused("用户名或密码错误。")
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit(username, "login", "user", user.id)
    db.session.commit()
    return user
