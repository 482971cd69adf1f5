"""The hall rating terminal: create_app() builds the Flask app; nothing starts at import."""
from pathlib import Path

from flask import Flask

from kiosk import config
from kiosk.extensions import LazyMigrate, babel, csrf, db, login_manager

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    inst = config.instance_path()
    if test_config and "INSTANCE_PATH" in test_config:
        inst = Path(test_config["INSTANCE_PATH"]).resolve()
    app = Flask(
        __name__,
        instance_path=str(inst),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config.DEFAULTS)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{inst / 'hall.db'}"
    app.config.update(config.load_instance_config(inst))
    app.config.update(config.env_overrides())
    if test_config:
        app.config.update(test_config)
    from kiosk import workdays

    workdays.init_app(app, inst / "holiday_calendar.json")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.secret_key(inst)

    _init_extensions(app)
    _register_blueprints(app)
    from kiosk import cli, errors, security

    errors.register(app)
    security.register(app)
    cli.register(app)
    from kiosk import ops

    ops.init_app(app)  # health, metrics, backups, OpenAPI, rate limits (kiosk/ops/)
    return app


def _init_extensions(app: Flask) -> None:
    from kiosk import i18n
    from kiosk.db_setup import configure_sqlite

    db.init_app(app)
    app.extensions["migrate"] = LazyMigrate(app, db, directory=str(PROJECT_ROOT / "migrations"),
                                            render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from kiosk.auth.loader import load_user

    login_manager.user_loader(load_user)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.register(app)
    with app.app_context():
        configure_sqlite(db.engine)  # registers event hooks only; opens no connection


def _register_blueprints(app: Flask) -> None:
    from kiosk.api import bp as api_bp
    from kiosk.auth import bp as auth_bp
    from kiosk.touch import bp as touch_bp
    from kiosk.touch import legacy_bp as touch_legacy_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(touch_bp)
    app.register_blueprint(touch_legacy_bp)
    app.register_blueprint(api_bp)
    _register_admin(app)
    csrf.exempt(api_bp)  # machine clients authenticate with bearer tokens, not cookies
    from kiosk.mobile import bp as mobile_bp

    app.register_blueprint(mobile_bp)
    csrf.exempt(mobile_bp)  # checks CSRF itself, after raising the upload limit (mobile/routes.py)
    from kiosk.display import bp as display_bp  # the public wall screen, read-only

    app.register_blueprint(display_bp)
    _register_sync_and_hub(app)
    _register_cases_and_stats(app)


def _register_admin(app: Flask) -> None:
    from kiosk.admin import bp as admin_bp

    app.register_blueprint(admin_bp)
    app.config.setdefault("HOME_ENDPOINTS", [])
    app.config["HOME_ENDPOINTS"].append("admin.dashboard")


def _register_sync_and_hub(app: Flask) -> None:
    """`flask sync …` on every role (a hub can forward upward); the hub only on a hub."""
    from kiosk.sync import bp as sync_bp
    from kiosk.sync import cli  # noqa: F401  (attaches the commands to the blueprint)

    app.register_blueprint(sync_bp)
    if app.config.get("ROLE") == "hub":
        from kiosk.hub import bp as hub_bp

        app.register_blueprint(hub_bp)
        csrf.exempt(hub_bp)  # machine clients sign each request (HMAC); the dashboard has no forms
        app.config.setdefault("HOME_ENDPOINTS", [])
        app.config["HOME_ENDPOINTS"] = ["hub.dashboard", *app.config["HOME_ENDPOINTS"]]


def _register_cases_and_stats(app: Flask) -> None:
    from kiosk.cases.views import bp as cases_bp
    from kiosk.stats.views import NAV as STATS_NAV
    from kiosk.stats.views import bp as stats_bp

    app.register_blueprint(cases_bp)
    app.register_blueprint(stats_bp)
    app.config.setdefault("ADMIN_NAV_EXTRA", [])
    app.config["ADMIN_NAV_EXTRA"] = [*app.config["ADMIN_NAV_EXTRA"], *STATS_NAV]


def close_app(app: Flask) -> None:
    """Releases what an app holds open: the rating committer's own connection (which
    engine.dispose() leaves open), the pooled connections, the writer-lock file and the
    rate limiter's connections of the calling thread. For processes that make many
    apps, such as the tests."""
    import gc

    from kiosk.ratings.committer import EXTENSION as COMMITTER

    committer = app.extensions.pop(COMMITTER, None)
    if committer is not None:
        committer.close()
    for storage in (app.extensions["kiosk_limiter"].storage,
                    app.extensions["kiosk_rate_strategy"].storage):
        if hasattr(storage, "close"):
            storage.close()
    with app.app_context():
        db.engine.dispose()
        writer_lock = getattr(db.engine, "info", {}).get("writer_lock")
        if writer_lock is not None:
            writer_lock.close()
    # Sessions and connections left by threads that have ended sit in reference cycles;
    # collecting them now closes their database files instead of at some later collection.
    gc.collect()
