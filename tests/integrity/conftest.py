from tests.hubkit import city, hall_key, hub_app, hub_url, pg_url  # noqa: F401
