"""A restore declared by a hall below a city hub reaches the province too, before any of
the hall's new records can: neither hub then takes the reused seqs for tampering. While
the city still holds records of the hall from before the restore, or the province will
not take the declaration, nothing is declared anywhere and the hall is told why."""
from pathlib import Path

import pytest
import sqlalchemy as sa

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import AuditLog, HubChainRestore, HubHall
from kiosk.ops.backup import copy_database
from kiosk.sync import settings
from kiosk.sync.client import HubClient, HubError
from kiosk.sync.settings import SyncSettings
from tests.hubkit import CITY, HALL_CODE, add_hall, hub_incidents, make_ratings, pending
from tests.integrity.test_tier_chain import head, sync

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]


def restored_after(hall, city_app, tmp_path, *, city_drained: bool = True):
    """3 records synced up to the province and backed up; 2 more synced to the city (and on
    to the province if city_drained); then the hall starts again from the backup."""
    make_ratings(hall, 3)
    sync(hall)
    sync(city_app)
    backup = tmp_path / "restored.db"
    copy_database(Path(hall.instance_path) / "hall.db", backup)
    make_ratings(hall, 2)
    sync(hall)
    if city_drained:
        sync(city_app)
    return create_app({
        "TESTING": True, "INSTANCE_PATH": hall.instance_path, "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{backup}",
        **{k: hall.config[k] for k in ("SYNC_URL", "SYNC_HALL_ID", "SYNC_KEY_FILE")}})


def declare(hall):
    return hall.test_cli_runner().invoke(args=[
        "integrity", "declare-restore", "--actor", "张工", "--note", "硬盘损坏，用昨晚的备份恢复"])


def restores(hub_app) -> list[tuple]:
    """(hall, seq, hub's seq before, matches, seqs set aside) of each declared restore."""
    with hub_app.app_context():
        r = HubChainRestore
        rows = db.session.execute(sa.select(r.hall_code, r.seq, r.hub_seq_before, r.matches,
                                            r.retired).order_by(r.id)).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def restore_audit(hub_app) -> list[tuple[str, str]]:
    with hub_app.app_context():
        rows = db.session.execute(sa.select(AuditLog.actor, AuditLog.entity_id).where(
            AuditLog.action == "declare_restore").order_by(AuditLog.id)).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def city_declares(city_app, hall: str, seq: int, digest: str) -> dict:
    """The city passing a declaration up by itself, with its own sync settings."""
    with city_app.app_context():
        client = HubClient(settings.load(city_app))
        try:
            return client.declare_restore(seq=seq, digest=digest, note="n", hall=hall)
        finally:
            client.close()


def hall_head(hall) -> tuple[int, str]:
    from kiosk.models import ChainHead
    with hall.app_context():
        row = db.session.get(ChainHead, 1)
        return row.seq, row.hash


def test_a_declared_restore_reaches_the_province_and_is_audited_at_both_hubs(
        app, city, hub_app, tmp_path, closes):
    hall = closes(restored_after(app, city, tmp_path))
    out = declare(hall)
    assert out.exit_code == 0, out.output
    assert "set aside 2" in out.output and "passed up: the hub above had seq 5" in out.output
    make_ratings(hall, 2)  # seq 4 and 5 again
    sync(hall)
    sync(city)
    assert hub_incidents(city) == [] and hub_incidents(hub_app) == []
    assert head(city) == head(hub_app) == 5
    assert restores(city) == restores(hub_app) == [(HALL_CODE, 3, 5, True, 2)]
    assert restore_audit(city) == [(f"hall:{HALL_CODE}", HALL_CODE)]
    assert restore_audit(hub_app) == [(f"hub:{CITY} for hall:{HALL_CODE}", HALL_CODE)]


def test_a_declaration_the_province_took_but_the_city_did_not_can_be_made_again(
        app, city, hub_app, tmp_path, closes):
    hall = closes(restored_after(app, city, tmp_path))
    seq, digest = hall_head(hall)
    # As if the city passed the declaration up and then failed before its own commit:
    assert city_declares(city, HALL_CODE, seq, digest)["retired"] == 2
    out = declare(hall)  # the hall tries again
    assert out.exit_code == 0, out.output
    assert restores(city) == [(HALL_CODE, 3, 5, True, 2)]
    assert restores(hub_app) == [(HALL_CODE, 3, 5, True, 2), (HALL_CODE, 3, 3, True, 0)]
    make_ratings(hall, 2)
    sync(hall)
    sync(city)
    assert hub_incidents(city) == [] and hub_incidents(hub_app) == []
    assert head(hub_app) == 5


def test_no_declaration_while_the_city_still_holds_the_halls_records(app, city, hub_app,
                                                                    tmp_path, closes):
    hall = closes(restored_after(app, city, tmp_path, city_drained=False))
    assert pending(city) == 2
    out = declare(hall)
    assert out.exit_code != 0
    assert "HTTP 409: records of this hall are still on their way upstream" in out.output
    assert restores(city) == restores(hub_app) == []
    assert restore_audit(city) == restore_audit(hub_app) == []
    sync(city)  # once they are up, the declaration goes through
    assert declare(hall).exit_code == 0
    assert restores(city) == restores(hub_app) == [(HALL_CODE, 3, 5, True, 2)]


def test_nothing_is_declared_at_the_city_when_the_province_refuses(app, city, hub_app,
                                                                  tmp_path, closes):
    hall = closes(restored_after(app, city, tmp_path))
    with hub_app.app_context():  # the province no longer takes the hall from the city
        db.session.execute(sa.update(HubHall).where(HubHall.code == CITY)
                           .values(forwards_for=[]))
        db.session.commit()
    out = declare(hall)
    assert out.exit_code != 0
    assert "HTTP 502: the hub above did not take the declaration: HTTP 403" in out.output
    assert restores(city) == restores(hub_app) == []
    assert restore_audit(city) == []
    assert head(city) == 5


def test_only_a_hub_that_forwards_for_a_hall_may_declare_its_restore(app, city, hub_app,
                                                                    hub_url):
    make_ratings(app, 3)
    sync(app)
    sync(city)
    seq, digest = hall_head(app)
    with pytest.raises(HubError, match=f"HTTP 403: {CITY} does not forward for hall OTHER"):
        city_declares(city, "OTHER", seq, digest)
    other = SyncSettings(url=hub_url, hall_id="530103-PL", key=add_hall(hub_app, "530103-PL")
                         .encode())
    client = HubClient(other)
    try:
        with pytest.raises(HubError, match="HTTP 403: 530103-PL does not forward"):
            client.declare_restore(seq=1, digest=digest, note="n", hall=HALL_CODE)
    finally:
        client.close()
    assert restores(hub_app) == [] and restore_audit(hub_app) == []
    assert head(hub_app) == 3
