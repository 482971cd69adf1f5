"""Errors answer with a clear message and roll the session back; JSON for machine clients."""
from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kiosk.extensions import db
from kiosk.ratings.errors import RatingError


def wants_json() -> bool:
    return (
        request.path.startswith(("/api/", "/hub/api/"))
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def register(app: Flask) -> None:
    @app.errorhandler(RatingError)
    def rating_error(exc: RatingError):
        db.session.rollback()
        return jsonify(exc.to_json()), exc.status

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        db.session.rollback()
        message = _("页面已过期或请求不完整（缺少安全令牌），请刷新后重试。")
        if wants_json():
            return jsonify({"error": "csrf", "message": message}), 400
        return render_template("error.html", message=message, status=400), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        if wants_json():
            return jsonify({"error": exc.name.lower().replace(" ", "_"), "message": exc.description}), exc.code
        return render_template("error.html", message=exc.description, status=exc.code), exc.code
