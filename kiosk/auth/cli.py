import click
import sqlalchemy as sa
from flask.cli import AppGroup

from kiosk.auth.passwords import hash_password, password_problem
from kiosk.extensions import db
from kiosk.models import User
from kiosk.models.audit import audit
from kiosk.models.user import ROLES

users_cli = AppGroup("users", help="Admin accounts (no default password exists).")


def create_user(username: str, password: str, role: str, display_name: str = "") -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role}")
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    if db.session.scalars(sa.select(User).where(User.username == username)).first():
        raise ValueError(f"user {username} exists")
    user = User(username=username, password_hash=hash_password(password), role=role,
                display_name=display_name or username)
    db.session.add(user)
    audit("cli", "create", "user", username, after={"username": username, "role": role})
    db.session.commit()
    return user


@users_cli.command("create-admin")
@click.argument("username")
@click.password_option()
def create_admin(username: str, password: str) -> None:
    """Create an administrator; the password is asked for, never defaulted."""
    try:
        create_user(username, password, "admin")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"administrator {username} created")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.password_option()
def create(username: str, role: str, password: str) -> None:
    try:
        create_user(username, password, role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {username} ({role}) created")
