"""Statistics labels follow the page's language: English window names and reason texts
where they are set, Chinese otherwise and outside a request."""
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.models import Window
from kiosk.stats.queries import labels


def test_window_and_reason_labels_in_each_language(app):
    with app.app_context():
        window = db.session.scalars(sa.select(Window).where(Window.name_en != "")).first()
        key = str(window.id)
        assert labels("window", [key])[key] == f"{window.code} {window.name}"
        assert labels("reason", ["R01"])["R01"] == "办事效率低、业务不熟练"
    with app.test_request_context("/admin/stats?lang=en"):
        assert labels("window", [key])[key] == f"{window.code} {window.name_en}"
        assert labels("reason", ["R01"])["R01"] == "Slow service, unfamiliar with the procedure"
    with app.test_request_context("/admin/stats"):
        assert labels("window", [key])[key] == f"{window.code} {window.name}"
