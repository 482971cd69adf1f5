"""Flask extensions, created unbound; create_app() binds them."""
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that later Alembic batch migrations on SQLite can find them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
# Flask-Login's own banner is English-only; ours goes through the catalogue.
login_manager.login_message = _l("请先登录后再访问此页面。")
login_manager.login_message_category = "info"


class LazyMigrate:
    """Flask-Migrate bound on first use. Alembic costs ~11 MB per process; the web workers,
    the device listener and the sync daemon never migrate, so only `flask db …`, `flask init`,
    `flask demo` and the tests that migrate load it."""

    def __init__(self, app, db, **options) -> None:
        self._app, self._db, self._options = app, db, options

    def __getattr__(self, name):
        from flask_migrate import Migrate

        Migrate().init_app(self._app, self._db, **self._options)  # replaces this placeholder
        return getattr(self._app.extensions["migrate"], name)
