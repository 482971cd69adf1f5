"""The hub's links become runs: the revision upgraded from the one before it with links in
place, on SQLite and on PostgreSQL."""
import contextlib

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from kiosk import create_app
from kiosk.extensions import db
from tests.hubkit import pg_schema
from tests.revisions import revisions


def h(n: int) -> str:
    return f"{n:064x}"


# hall → (retired_by, seqs): A has a hole at 4 and a restore that set 6–7 aside; B is whole.
LINKS = {("A", 0): [1, 2, 3, 5, 6], ("A", 1): [6, 7], ("B", 0): [1, 2]}


def _link_rows():
    for (hall, retired_by), seqs in LINKS.items():
        for seq in seqs:
            # Each link's hash names its place, its prev the place before.
            base = 1000 * retired_by + (100 if hall == "B" else 0)
            yield {"hall_code": hall, "retired_by": retired_by, "seq": seq,
                   "prev": h(base + seq - 1), "hash": h(base + seq),
                   "record_id": None, "received_at": "2026-11-30 09:00:00"}


@contextlib.contextmanager
def _database(kind: str, tmp_path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
    else:
        with pg_schema() as url:
            yield url


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql",
                                                         marks=pytest.mark.postgres)])
def test_links_become_runs_and_the_table_goes(kind, tmp_path):
    before, mine = revisions("hub_chain_runs")
    with _database(kind, tmp_path) as url:
        app = create_app({"ROLE": "hub", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                          "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision=before)
            with db.engine.begin() as conn:
                conn.execute(sa.text(
                    "INSERT INTO hub_chain_link (hall_code, retired_by, seq, prev, hash, "
                    "record_id, received_at) VALUES (:hall_code, :retired_by, :seq, :prev, "
                    ":hash, :record_id, :received_at)"), list(_link_rows()))
            upgrade(revision=mine)
            with db.engine.connect() as conn:
                got = conn.execute(sa.text(
                    "SELECT hall_code, retired_by, first_seq, first_prev, last_seq, last_hash "
                    "FROM hub_chain_run ORDER BY hall_code, retired_by, first_seq")).all()
                tables = sa.inspect(conn).get_table_names()
            downgrade(revision=before)
            with db.engine.connect() as conn:
                left = conn.execute(sa.text("SELECT count(*) FROM hub_chain_link")).scalar()
                tables_after = sa.inspect(conn).get_table_names()
            db.engine.dispose()
    assert [tuple(r) for r in got] == [
        ("A", 0, 1, h(0), 3, h(3)),
        ("A", 0, 5, h(4), 6, h(6)),
        ("A", 1, 6, h(1005), 7, h(1007)),
        ("B", 0, 1, h(100), 2, h(102)),
    ]
    assert "hub_chain_link" not in tables
    assert left == 0 and "hub_chain_run" not in tables_after  # recreated empty
