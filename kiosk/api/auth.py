"""Bearer-token authentication for business systems."""
import functools

import sqlalchemy as sa
from flask import g, jsonify, request
from flask_babel import gettext as _

from kiosk.extensions import db
from kiosk.models import ApiToken
from kiosk.models.tokens import hash_token


def token_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized(_("缺少 API 令牌：请使用 Authorization: Bearer <token>。"))
        api_token = db.session.scalars(
            sa.select(ApiToken).where(
                ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None)
            )
        ).first()
        if api_token is None:
            return _unauthorized(_("API 令牌无效或已吊销。"))
        g.api_client = api_token.name
        return view(*args, **kwargs)

    return wrapper


def _unauthorized(message: str):
    response = jsonify({"error": "unauthorized", "message": message})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = "Bearer"
    return response
