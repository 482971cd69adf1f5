"""PostgreSQL for the migration test (a schema of its own)."""
from tests.hubkit import pg_url  # noqa: F401
