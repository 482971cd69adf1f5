"""A case's personal rating link: the invitation id signed with the hall's secret key.

Nothing is stored for it: a forged or altered link fails the signature, and how long it
works is the invitation's own deadline (checked when it is opened and again, atomically,
when the rating is recorded). A new secret key invalidates every printed link."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "kiosk.later-link"


def _serializer(secret_key=None) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key or current_app.config["SECRET_KEY"], salt=SALT)


def link_token(invitation_id: int, secret_key=None) -> str:
    return _serializer(secret_key).dumps(invitation_id)


def invitation_id_from(token: str) -> int | None:
    """The invitation a link is for, or None when it is not one of ours."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def later_url(invitation_id: int) -> str:
    from kiosk.mobile.links import public_url  # the mobile package imports this module

    return public_url("mobile.rate_later", token=link_token(invitation_id))
