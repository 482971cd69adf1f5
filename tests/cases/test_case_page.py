"""The case page speaks the manager's language: reason texts and the step progress bar."""
import pytest

from tests.cases.helpers import add_users, bad_rating, login


@pytest.fixture
def ctx(app):
    with app.app_context():
        add_users(app)
        yield


def test_case_page_shows_reason_texts_and_where_the_case_stands(app, ctx):
    _, case_id = bad_rating()
    page = login(app, "aud").get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "办事效率低、业务不熟练" in page  # the text, not the code
    bar = page[page.index('class="case-progress"'):page.index("</ol>")]
    assert bar.count("<li") == 6
    current = bar[bar.index('aria-current="step"'):]
    assert current[:current.index("</li>")].endswith("登记")  # a new case stands at 登记


def test_progress_marks_steps_behind_the_case_done(app):
    # Imported after the app: kiosk.cases and kiosk.sync import each other.
    from kiosk.cases.views import progress

    assert [s for _, s in progress("verified")] == ["done", "done", "current", "todo", "todo", "todo"]
    assert {s for _, s in progress("closed")} == {"done"}
