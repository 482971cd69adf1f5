"""One realistic data set for the statistics tests: two departments, ratings by every
channel, 差评 handled on time, overdue, revisited, appealed and excluded — all given today
(hall time) so the wall screen, the statistics pages and the quarterly report all see them."""
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from kiosk.cases import appeals, service
from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.invitations.service import create_invitation
from kiosk.models import BadCase, Department, ServiceItem, Window
from kiosk.models.base import utcnow
from kiosk.ratings.service import record_rating
from kiosk.stats import case_rollup
from kiosk.timeutil import to_local
from tests.cases.helpers import add_users, user

ITEM = "530102001000"  # implemented by 公安 although served at 人社's window A01 (一窗受理)


@dataclass
class DataSet:
    today: date
    police: int
    labour: int


def build(app) -> DataSet:
    add_users(app)
    with app.app_context():
        police = Department(name="五华区公安分局", credit_code="11100000000019713D",
                            region_code="530102")
        labour = Department(name="五华区人社局", credit_code="914403001922038216",
                            region_code="530102")
        db.session.add_all([police, labour])
        db.session.flush()
        db.session.scalars(sa.select(ServiceItem).where(ServiceItem.code == ITEM)).one() \
            .department_id = police.id
        windows = {w.code: w for w in db.session.scalars(sa.select(Window))}
        windows["A01"].department_id = labour.id
        windows["A02"].department_id = police.id
        db.session.commit()
        ids = (police.id, labour.id)
        now = utcnow()

        def rate(window, level, channel="evaluator", **kw):
            # A few seconds apart, all today in hall time (up to now).
            rate.n += 1
            return record_rating(window_code=window, level=level, channel=channel,
                                 rated_at=now - timedelta(seconds=60 - rate.n), **kw).rating
        rate.n = 0

        def case_of(rating):
            return db.session.scalar(sa.select(BadCase.id).where(BadCase.rating_id == rating.id))

        # 人社 (window A01, no item): 6 counted ratings + 1 excluded after an appeal.
        for level, channel in ((1, "evaluator"), (1, "touch"), (2, "qr"), (3, "evaluator")):
            rate("A01", level, channel)
        rate("A01", 3, "default", is_default=True)
        fixed = case_of(rate("A01", 4, "touch", reasons=["R01", "R02"], phone="13812345678"))
        appealed = case_of(rate("A01", 5, "qr", reasons=["R03"]))
        # 公安: window A02, and the item at A01 through an invitation.
        rate("A02", 1)
        rate("A02", 2, "touch")
        late = case_of(rate("A02", 5, "touch", reasons=["R01"]))
        pending = case_of(rate("A02", 4, "qr", reasons=["R02"]))
        invitation = create_invitation(window_code="A01", case_no="DS-1", service_code=ITEM)
        rate("A01", 1, "touch", invitation_id=invitation.invitation.id)
        create_invitation(window_code="A02", case_no="DS-2")  # invited, not (yet) rated …
        create_invitation(window_code="B01", case_no="DS-2")  # … and offered again at B01

        mgr, h1 = user("mgr"), user("h1")
        for case in (fixed, late, pending, appealed):
            service.assign(mgr, case, h1.id)
        service.verify(h1, fixed, "founded", "属实")
        service.rectify(h1, fixed, "窗口增加引导人员")
        service.reply(h1, fixed, "已整改")
        service.revisit(mgr, fixed, "satisfied")
        service.close(mgr, fixed)
        service.set_publishable(mgr, fixed, True)
        service.verify(h1, late, "founded", "属实")
        appeals.file_appeal(h1, appealed, "误按")
        appeals.decide_appeal(mgr, appealed, True, "监控核实为误按")
        # Two deadlines already passed (a data set, not a workflow): one case finished
        # after its deadline, one still open.
        with write_transaction(db.session()) as conn:
            due = {"due": (now - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                   "a": late, "b": pending}
            # Changed behind the steps' back: the case rollup is told, as a step would.
            with case_rollup.tracking(conn, late), case_rollup.tracking(conn, pending):
                conn.execute(sa.text("UPDATE bad_case SET due_at = :due WHERE id IN (:a, :b)"),
                             due)
                conn.execute(sa.text(
                    "UPDATE case_deadline SET due_at = :due WHERE case_id IN (:a, :b)"), due)
            db.session.commit()
        service.rectify(h1, late, "补充培训")
        return DataSet(to_local(now).date(), *ids)
