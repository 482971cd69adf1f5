"""What the hub knows about each hall's chain, for the dashboard and /metrics."""
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kiosk.extensions import db
from kiosk.models import HubChainHead, HubChainRestore, HubIntegrityIncident

RECENT = 20
INCIDENT_NAMES = {
    "gap": _l("缺号（记录未上传）"),
    "hash_mismatch": _l("内容被改"),
    "conflict": _l("同一序号内容不同"),
    "broken_link": _l("链接断开"),
    "bad_link": _l("链字段无效"),
    "restore_mismatch": _l("恢复声明与中心不符"),
}
# What each kind means for the people who review it; the stored detail (the program's own
# words, in English) stays beside it for whoever traces the cause.
INCIDENT_MEANINGS = {
    "gap": _l("这些序号的记录从未送达中心：很可能在上传前被删除。"),
    "hash_mismatch": _l("记录内容与大厅写入时的哈希不符：写入后被改动，中心已拒收。"),
    "conflict": _l("中心已有此序号的另一份内容：大厅的链被改写或回退（未声明的备份恢复），或旧内容换了编号重发。"),
    "broken_link": _l("这条记录与前一条接不上：前面的记录被改动后重新计算了哈希。"),
    "bad_link": _l("记录的链字段无法读取，中心已拒收。"),
    "restore_mismatch": _l("大厅声明恢复到的记录与中心保存的不一致。"),
}


@dataclass
class HallChain:
    code: str
    verified_seq: int = 0  # links 1..verified_seq all received
    reported_seq: int | None = None  # the hall's own newest seq, as it last said
    incidents: dict[str, int] = field(default_factory=dict)  # kind → count
    unreviewed: dict[str, int] = field(default_factory=dict)  # kind → not yet reviewed
    last_incident_at: datetime | None = None
    restores: int = 0

    @property
    def incident_total(self) -> int:
        return sum(self.incidents.values())

    @property
    def unreviewed_total(self) -> int:
        return sum(self.unreviewed.values())


def chain_overview() -> list[HallChain]:
    halls: dict[str, HallChain] = {}
    for head in db.session.scalars(sa.select(HubChainHead)):
        halls[head.hall_code] = HallChain(head.hall_code, head.seq, head.reported_seq)
    i = HubIntegrityIncident
    for code, kind, count, unreviewed, last in db.session.execute(
            sa.select(i.hall_code, i.kind, sa.func.count(),
                      sa.func.count().filter(i.reviewed_at.is_(None)), sa.func.max(i.detected_at))
            .group_by(i.hall_code, i.kind)):
        hall = halls.setdefault(code, HallChain(code))
        hall.incidents[kind] = count
        hall.unreviewed[kind] = unreviewed
        hall.last_incident_at = max(filter(None, (hall.last_incident_at, last)))
    r = HubChainRestore
    for code, count in db.session.execute(sa.select(r.hall_code, sa.func.count())
                                          .group_by(r.hall_code)):
        halls.setdefault(code, HallChain(code)).restores = count
    return [halls[c] for c in sorted(halls)]


def recent_incidents(limit: int = RECENT) -> list[HubIntegrityIncident]:
    return list(db.session.scalars(sa.select(HubIntegrityIncident)
                                   .order_by(HubIntegrityIncident.id.desc()).limit(limit)))


def recent_restores(limit: int = RECENT) -> list[HubChainRestore]:
    return list(db.session.scalars(sa.select(HubChainRestore)
                                   .order_by(HubChainRestore.id.desc()).limit(limit)))


def dashboard_context() -> dict:
    return {"chains": chain_overview(), "incidents": recent_incidents(),
            "restores": recent_restores(), "incident_names": INCIDENT_NAMES,
            "incident_meanings": INCIDENT_MEANINGS}
