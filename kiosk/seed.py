"""Initial rows every hall needs, and a realistic demo hall."""
import sqlalchemy as sa

from kiosk.departments.credit_code import check_character
from kiosk.extensions import db
from kiosk.models import Department, Hall, ReasonTemplate, ServiceItem, Staff, Window
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


def demo_credit_code(serial: int) -> str:
    """A checksum-valid 统一社会信用代码 of a made-up 机关 (11) in 五华区 (530102)."""
    body = f"11530102MB{serial:07d}"
    return body + check_character(body)


# key, name; the demo codes are made up but valid (kiosk/departments/credit_code.py).
DEMO_DEPARTMENTS = [
    ("zwfw", "五华区政务服务管理局"),
    ("gongan", "昆明市公安局五华分局"),
    ("scjg", "五华区市场监督管理局"),
    ("budongchan", "五华区不动产登记中心"),
    ("renshe", "五华区人力资源和社会保障局"),
    ("yibao", "五华区医疗保障局"),
    ("gjj", "昆明住房公积金管理中心五华管理部"),
]
# Which department implements each item (实施主体), and which runs each window.
DEMO_ITEM_DEPARTMENTS = {
    "530102001000": "gongan", "530102002000": "gongan", "530102003000": "scjg",
    "530102004000": "scjg", "530102005000": "budongchan", "530102006000": "renshe",
    "530102007000": "yibao", "530102008000": "gjj",
}
DEMO_WINDOW_DEPARTMENTS = {
    "A01": "zwfw", "A02": "zwfw", "A03": "gongan", "B01": "scjg", "B02": "budongchan",
    "C01": "renshe", "C02": "gjj", "D01": "zwfw",
}


def seed_departments() -> dict[str, Department]:
    """The demo departments by key; items and windows without one get theirs."""
    by_key = {}
    for serial, (key, name) in enumerate(DEMO_DEPARTMENTS, start=1):
        code = demo_credit_code(serial)
        dept = db.session.scalars(sa.select(Department).where(Department.credit_code == code)).first()
        if dept is None:
            dept = Department(credit_code=code, name=name, region_code="530102")
            db.session.add(dept)
        by_key[key] = dept
    db.session.flush()
    for item in db.session.scalars(sa.select(ServiceItem).where(
            ServiceItem.code.in_(DEMO_ITEM_DEPARTMENTS), ServiceItem.department_id.is_(None))):
        item.department_id = by_key[DEMO_ITEM_DEPARTMENTS[item.code]].id
    for window in db.session.scalars(sa.select(Window).where(
            Window.code.in_(DEMO_WINDOW_DEPARTMENTS), Window.department_id.is_(None))):
        window.department_id = by_key[DEMO_WINDOW_DEPARTMENTS[window.code]].id
    return by_key


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
    hall.dept_code = hall.dept_code or demo_credit_code(1)  # 政务服务管理局 runs the hall
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
    db.session.flush()
    seed_departments()
    db.session.commit()
    return hall
