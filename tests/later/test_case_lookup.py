"""Finding a case on /m/ by 办件编号 plus a check the citizen can answer: never by the number
alone, the same answer for an unknown case and a wrong check, limited per client and case."""
import re

import pytest

from tests.later.helpers import invite, link_path
from tests.mobile.helpers import csrf_from

pytestmark = pytest.mark.timeout(60)
CSRF_INPUT = re.compile(r'<input id="csrf_token"[^>]*>')


def lookup(client, case_no, check):
    token = csrf_from(client, "/m/case")
    return client.post("/m/case", data={"csrf_token": token, "case_no": case_no, "check": check})


def test_the_hall_page_offers_the_lookup(client):
    page = client.get("/m/").get_data(as_text=True)
    assert "按办件编号评价" in page and 'action="/m/case"' in page


def test_right_short_code_or_phone_digits_open_the_case_page(client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0200", phone="13812345678")
    code = body["later"]["short_code"]
    for check in (code, code.lower(), f" {code[:3]} {code[3:]} ", "5678"):
        r = lookup(client, "2026-XX-0200", check)
        assert r.status_code == 303, check
        assert r.headers["Location"].endswith(link_path(body))
    page = client.get(link_path(body)).get_data(as_text=True)
    assert "2026-XX-0200" in page


def _without_csrf(html: str) -> str:
    return CSRF_INPUT.sub("", html)


def test_unknown_case_and_wrong_check_get_the_same_answer_and_show_nothing(client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0201", window="A03",
                  phone="13812345678")
    wrong = lookup(client, "2026-XX-0201", "1234")
    unknown = lookup(client, "2026-XX-9999", "1234")
    assert wrong.status_code == unknown.status_code == 404
    wrong_html, unknown_html = (_without_csrf(r.get_data(as_text=True).replace(n, ""))
                                for r, n in ((wrong, "2026-XX-0201"), (unknown, "2026-XX-9999")))
    assert wrong_html == unknown_html
    assert "办件编号或验证信息不正确" in wrong_html
    for secret in ("A03", body["later"]["short_code"], "5678", "/m/l/"):
        assert secret not in wrong_html


def test_case_number_alone_or_no_phone_on_file_never_opens(client, api_headers):
    invite(client, api_headers, case_no="2026-XX-0202")  # no phone given
    assert lookup(client, "2026-XX-0202", "").status_code == 422
    assert lookup(client, "2026-XX-0202", "0000").status_code == 404
    assert lookup(client, "", "ABCDEF").status_code == 422


def test_attempts_are_limited_per_client_even_with_the_right_answer_after(client, api_headers):
    body = invite(client, api_headers, case_no="2026-XX-0203")
    for _ in range(5):
        assert lookup(client, "2026-XX-0203", "WRONG1").status_code == 404
    limited = lookup(client, "2026-XX-0203", body["later"]["short_code"])
    assert limited.status_code == 429 and "尝试次数过多" in limited.get_data(as_text=True)
    assert "Location" not in limited.headers


def test_attempts_are_limited_per_case_across_clients(app, api_headers):
    first = app.test_client()
    body = invite(first, api_headers, case_no="2026-XX-0204")
    for _ in range(10):  # ten different phones (cookies), one wrong guess each
        assert lookup(app.test_client(), "2026-XX-0204", "WRONG1").status_code == 404
    assert lookup(app.test_client(), "2026-XX-0204", body["later"]["short_code"]).status_code == 429
    # Another case is not affected by the guesses at this one.
    other = invite(first, api_headers, case_no="2026-XX-0205")
    assert lookup(app.test_client(), "2026-XX-0205", other["later"]["short_code"]).status_code == 303
