"""flask hub …: halls allowed to send, and the reason template published downward."""
import json

import click
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hub import bp, keys
from kiosk.hub.published import HALL_SETTING_KEYS
from kiosk.models import HubHall, ReasonTemplate
from kiosk.models.audit import audit
from kiosk.models.reasons import valid_items
from kiosk.timeutil import iso_utc


@bp.cli.command("add-hall")
@click.argument("code")
@click.argument("name")
@click.option("--forwards-for", "forwards_for", multiple=True, metavar="HALL_CODE",
              help="A lower hub: a hall whose records it may send (repeat for each).")
def add_hall(code: str, name: str, forwards_for: tuple[str, ...]) -> None:
    """Register a hall and print its key ONCE (it is stored sealed, never shown again)."""
    if db.session.scalars(sa.select(HubHall).where(HubHall.code == code)).first():
        raise click.ClickException(f"hall {code} exists")
    key = keys.new_hall_key()
    db.session.add(HubHall(code=code, name=name, key_sealed=keys.seal_hall_key(code, key),
                           may_forward=bool(forwards_for), forwards_for=list(forwards_for),
                           settings={}))
    audit("cli", "create", "hub_hall", code,
          after={"code": code, "name": name, "forwards_for": list(forwards_for)})
    db.session.commit()
    click.echo(key)


@bp.cli.command("list-halls")
def list_halls() -> None:
    for h in db.session.scalars(sa.select(HubHall).order_by(HubHall.code)):
        state = "active" if h.active else "disabled"
        click.echo(f"{h.code}\t{h.name}\t{state}\tlast sync {iso_utc(h.last_sync_at) or '-'}")


@bp.cli.command("set-hall-setting")
@click.argument("code")
@click.argument("name", type=click.Choice(HALL_SETTING_KEYS))
@click.argument("value", type=bool)
def set_hall_setting(code: str, name: str, value: bool) -> None:
    """A setting the hall picks up on its next sync."""
    hall = db.session.scalars(sa.select(HubHall).where(HubHall.code == code)).first()
    if hall is None:
        raise click.ClickException(f"no hall {code}")
    hall.settings = {**(hall.settings or {}), name: value}
    db.session.commit()
    click.echo(f"{code}: {name}={value}")


@bp.cli.command("publish-reasons")
@click.argument("items_file", type=click.File(encoding="utf-8"))
def publish_reasons(items_file) -> None:
    """Publish a new reason-template version from a JSON list of {"code", "text", "text_en"?}."""
    items = json.load(items_file)
    if not valid_items(items):
        raise click.ClickException('expected a JSON list of {"code": …, "text": …, "text_en": …}')
    latest = db.session.scalar(sa.select(sa.func.max(ReasonTemplate.version))) or 0
    db.session.add(ReasonTemplate(version=latest + 1, items=items))
    audit("cli", "publish", "reason_template", str(latest + 1))
    db.session.commit()
    click.echo(f"reason template version {latest + 1} published")
