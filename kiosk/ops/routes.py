"""The ops endpoints: /healthz, /metrics, /api/v1/openapi.json."""
from flask import Blueprint, current_app, jsonify

from kiosk.ops import health, metrics, openapi

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    body, status = health.report(current_app)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.get("/metrics")
def prometheus_metrics():
    return metrics.exposition()


@bp.get("/api/v1/openapi.json")
def openapi_description():
    return jsonify(openapi.load())
