"""Initial rows every hall needs, and a realistic demo hall."""
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Hall, ReasonTemplate, ServiceItem, Staff, Window
from kiosk.models.reasons import SEED_REASONS


def ensure_base(hall_name: str = "政务服务中心") -> Hall:
    """The hall row and reason template version 1 (until the hub publishes a newer one)."""
    hall = db.session.scalars(sa.select(Hall).limit(1)).first()
    if hall is None:
        hall = Hall(name=hall_name)
        db.session.add(hall)
    if db.session.get(ReasonTemplate, 1) is None:
        db.session.add(ReasonTemplate(version=1, items=SEED_REASONS))
    db.session.commit()
    return hall


DEMO_SERVICES = [
    ("530102001000", "居民身份证换领"),
    ("530102002000", "户口迁移登记"),
    ("530102003000", "个体工商户设立登记"),
    ("530102004000", "企业开办一件事"),
    ("530102005000", "不动产登记"),
    ("530102006000", "社会保险参保登记"),
    ("530102007000", "医保异地就医备案"),
    ("530102008000", "公积金提取"),
]
DEMO_STAFF = [  # 工号, name, 星级 (None: the idle screen shows the hall's 服务承诺 instead)
    ("YN0101", "张三", 5), ("YN0102", "李四", 4), ("YN0103", "王芳", 5), ("YN0104", "赵敏", None),
    ("YN0105", "陈晨", 4), ("YN0106", "刘洋", 3), ("YN0107", "杨静", None), ("YN0108", "周杰", 4),
]
DEMO_WINDOWS = [
    ("A01", "综合受理窗口", "General Services", 5), ("A02", "综合受理窗口", "General Services", 5),
    ("A03", "户籍办理窗口", "Household Registration", 5),
    ("B01", "企业开办窗口", "Business Start-up", 5), ("B02", "不动产登记窗口", "Real Estate Registration", 5),
    ("C01", "社保医保窗口", "Social & Medical Insurance", 5), ("C02", "公积金窗口", "Housing Fund", 3),
    ("D01", "咨询导办窗口", "Information & Guidance", 3),
]
DEMO_HALL = {
    "name_en": "Wuhua District Government Service Center, Kunming",
    "supervision_phone": "0871-12345",
    "service_promise": "一次告知 · 限时办结 · 首问负责",
}


def seed_demo() -> Hall:
    hall = ensure_base("昆明市五华区政务服务中心")
    hall.allow_uninvited = True  # the demo hall has chosen to take uninvited ratings too
    hall.region_code = hall.region_code or "530102"
    hall.dept_code = hall.dept_code or "11530102MB1234567X"
    for field, value in DEMO_HALL.items():
        setattr(hall, field, getattr(hall, field) or value)
    services = []
    for code, name in DEMO_SERVICES:
        item = db.session.scalars(sa.select(ServiceItem).where(ServiceItem.code == code)).first()
        if item is None:
            item = ServiceItem(code=code, name=name)
            db.session.add(item)
        services.append(item)
    staff = []
    for staff_no, name, stars in DEMO_STAFF:
        person = db.session.scalars(sa.select(Staff).where(Staff.staff_no == staff_no)).first()
        if person is None:
            person = Staff(staff_no=staff_no, name=name, stars=stars)
            db.session.add(person)
        staff.append(person)
    for i, (code, name, name_en, scale) in enumerate(DEMO_WINDOWS):
        window = db.session.scalars(sa.select(Window).where(Window.code == code)).first()
        if window is None:
            window = Window(code=code, name=name, name_en=name_en, scale=scale)
            window.services = [services[i], services[(i + 1) % len(services)]]
            window.staff = staff[i]
            db.session.add(window)
    db.session.commit()
    return hall
