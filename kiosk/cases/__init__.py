"""The 差评 workflow (差评整改). dashboard_counts() is what the admin dashboard calls."""


def dashboard_counts(now) -> dict:
    from kiosk.cases.service import open_and_overdue_counts

    return open_and_overdue_counts(now)
