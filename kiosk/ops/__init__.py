"""Operations: health, metrics, backups, the OpenAPI description, rate limits.

init_app() only registers routes, hooks and commands; like create_app() it opens no port,
starts no thread and touches no network.
"""
from flask import Flask

# Defaults for the ops keys (instance/config.json may set them; docs/configuration.md).
DEFAULTS = {
    "HEALTH_LISTENER_MAX_AGE": 60,  # seconds without a listener heartbeat before 503
    "HEALTH_SYNC_BACKLOG_MAX_AGE": 3600,  # oldest unsynced rating older than this → 503
    "METRICS_TOKEN": None,  # bearer token for /metrics from other hosts
    "METRICS_ALLOW_LOCALHOST": True,  # 127.0.0.1/::1 may read /metrics without a token
    "BACKUP_DIR": None,  # default: <instance>/backups
    "BACKUP_KEEP": 14,
}


def init_app(app: Flask) -> None:
    from kiosk import ratelimit
    from kiosk.ops import cli, metrics, routes

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.register_blueprint(routes.bp)
    metrics.register(app)
    ratelimit.init_app(app)
    cli.register(app)
