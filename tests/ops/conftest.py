from tests.hubkit import hub_app, pg_url  # noqa: F401
