"""Operator commands: flask --app wsgi <command>."""
import json
import secrets
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from kiosk.auth.cli import users_cli
from kiosk.config import make_private
from kiosk.default_ratings import ratings_default
from kiosk.departments.cli import departments_cli, services_cli
from kiosk.devices.cli import devices_cli
from kiosk.exports import SafeCsvWriter
from kiosk.extensions import db
from kiosk.holidays.cli import calendar_cli
from kiosk.integrity.cli import integrity_cli
from kiosk.models import ApiToken, Rating, Window
from kiosk.models.audit import audit
from kiosk.models.base import utcnow
from kiosk.models.tokens import hash_token
from kiosk.ratings.levels import LEVEL_NAMES
from kiosk.seed import ensure_base, seed_demo
from kiosk.stats.cli import report_cli, stats_cli
from kiosk.timeutil import iso_utc

windows_cli = AppGroup("windows", help="Windows of the hall.")
tokens_cli = AppGroup("tokens", help="API tokens for business systems.")
ratings_cli = AppGroup("ratings", help="Ratings.")
ratings_cli.add_command(ratings_default)


class LazyDbGroup(click.Group):
    """`flask db …` (Flask-Migrate), imported only when run: Migrate adds its commands when
    bound, and kiosk/extensions.py LazyMigrate binds it on first use only."""

    def list_commands(self, ctx):
        from flask_migrate.cli import db as migrate_db

        return migrate_db.list_commands(ctx)

    def get_command(self, ctx, name):
        from flask_migrate.cli import db as migrate_db

        return migrate_db.get_command(ctx, name)


@click.group("db", cls=LazyDbGroup)
@click.option("-d", "--directory", default=None,
              help='Migration script directory (default is "migrations")')
@click.option("-x", "--x-arg", multiple=True,
              help="Additional arguments consumed by custom env.py scripts")
@with_appcontext
def db_cli(directory, x_arg) -> None:
    """Database migrations (Flask-Migrate, Alembic)."""
    from flask import g

    g.directory, g.x_arg = directory, x_arg  # as flask_migrate.cli.db: read by its commands


def register(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(windows_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(ratings_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(devices_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(stats_cli)
    app.cli.add_command(departments_cli)
    app.cli.add_command(services_cli)
    app.cli.add_command(integrity_cli)
    app.cli.add_command(report_cli)


@click.command("init")
@click.option("--hall-name", default="政务服务中心", show_default=True)
@with_appcontext
def init_command(hall_name: str) -> None:
    """Create the instance folder, its secrets and the database schema (idempotent)."""
    from flask_migrate import upgrade

    upgrade()
    ensure_base(hall_name)
    make_private(Path(current_app.instance_path))
    click.echo(f"instance ready: {current_app.instance_path}")


@click.command("demo")
@click.option("--history", is_flag=True,
              help="Also a few weeks of past ratings and 差评 handled per department.")
@click.option("--weeks", type=click.IntRange(1, 26), default=4, show_default=True)
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False),
              help="Password of the demo manager and department handlers (none: no login).")
@with_appcontext
def demo_command(history: bool, weeks: int, password_file: str | None) -> None:
    """Seed a realistic demo hall: departments, 8 windows, staff and service items (idempotent)."""
    from flask_migrate import upgrade

    upgrade()
    hall = seed_demo()
    click.echo(f"demo hall: {hall.name}, {db.session.scalar(sa.select(sa.func.count(Window.id)))} windows")
    if history:
        from kiosk.demo_history import seed_history

        password = Path(password_file).read_text().strip() if password_file else None
        done = seed_history(weeks=weeks, password=password)
        click.echo(f"history: {done.invitations} invitations, {done.ratings} ratings, "
                   f"{done.cases} 差评 cases, {done.defaults} default ratings")


@windows_cli.command("list")
def windows_list() -> None:
    for w in db.session.scalars(sa.select(Window).order_by(Window.code)):
        staff = f"{w.staff.name}({w.staff.staff_no})" if w.staff else "-"
        state = "暂停" if w.paused else "服务中"
        click.echo(f"{w.code}\t{w.name}\t{w.scale}级\t{staff}\t{state}")


@windows_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--scale", type=click.Choice(["5", "3"]), default="5")
def windows_add(code: str, name: str, scale: str) -> None:
    if db.session.scalars(sa.select(Window).where(Window.code == code)).first():
        raise click.ClickException(f"window {code} exists")
    window = Window(code=code, name=name, scale=int(scale))
    db.session.add(window)
    audit("cli", "create", "window", code, after={"code": code, "name": name, "scale": int(scale)})
    db.session.commit()
    click.echo(f"window {code} added")


@tokens_cli.command("create")
@click.argument("name")
def tokens_create(name: str) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    if db.session.scalars(sa.select(ApiToken).where(ApiToken.name == name)).first():
        raise click.ClickException(f"a token named {name} exists")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(name=name, token_hash=hash_token(token)))
    audit("cli", "create", "api_token", name)
    db.session.commit()
    click.echo(token)


@tokens_cli.command("list")
def tokens_list() -> None:
    for t in db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)):
        state = f"revoked {iso_utc(t.revoked_at)}" if t.revoked_at else "active"
        click.echo(f"{t.name}\t{iso_utc(t.created_at)}\t{state}")


@tokens_cli.command("revoke")
@click.argument("name")
def tokens_revoke(name: str) -> None:
    token = db.session.scalars(sa.select(ApiToken).where(ApiToken.name == name)).first()
    if token is None:
        raise click.ClickException(f"no token named {name}")
    token.revoked_at = utcnow()
    audit("cli", "revoke", "api_token", name)
    db.session.commit()
    click.echo(f"token {name} revoked")


EXPORT_FIELDS = [
    "id", "rated_at", "window", "staff_no", "service_code", "case_no", "channel", "level",
    "level_name", "scale", "reasons", "comment", "real_name", "uninvited", "is_default", "excluded",
]


def export_row(r: Rating) -> dict:
    """Exports carry no phone number: whether the rating is real-name is enough here."""
    return {
        "id": str(r.id),
        "rated_at": iso_utc(r.rated_at),
        "window": r.window.code,
        "staff_no": r.staff.staff_no if r.staff else None,
        "service_code": r.service.code if r.service else None,
        "case_no": r.case_no,
        "channel": r.channel,
        "level": r.level,
        "level_name": LEVEL_NAMES[r.level],
        "scale": r.scale,
        "reasons": list(r.reasons or []),
        "comment": r.comment,
        "real_name": r.phone is not None,
        "uninvited": r.uninvited,
        "is_default": r.is_default,
        "excluded": r.excluded,
    }


@ratings_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl")
def ratings_export(fmt: str) -> None:
    """Write every rating to standard output, oldest first."""
    rows = db.session.scalars(
        sa.select(Rating).order_by(Rating.rated_at, Rating.id).execution_options(yield_per=1000)
    )
    if fmt == "jsonl":
        for r in rows:
            sys.stdout.write(json.dumps(export_row(r), ensure_ascii=False) + "\n")
        return
    writer = SafeCsvWriter(sys.stdout)
    writer.writerow(EXPORT_FIELDS)
    for r in rows:
        row = export_row(r)
        row["reasons"] = ";".join(row["reasons"])
        writer.writerow(row[field] for field in EXPORT_FIELDS)
