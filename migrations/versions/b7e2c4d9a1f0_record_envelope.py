"""outbox: each record kept as the exact text its link covers, its envelope beside it

A record used to carry its link (and, at a forwarding hub, its origin hall) inside its own
JSON, and its hash covered its canonical form (sorted keys). Now the outbox keeps the
record's text and its envelope apart, and the hash covers that text. Rows with a link get
their canonical form as text, so every link made before still verifies, unchanged, under
the new rule; rows with an origin hall but no link keep their text, less the origin.

Downgrade puts the envelope back into each record. Records linked after the upgrade (over
their text, not their canonical form) then no longer verify under the old rule.

Revision ID: b7e2c4d9a1f0
Revises: e5b81c3f9a27
Create Date: 2026-11-30 23:00:00.000000

"""
import json

import orjson
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e2c4d9a1f0'
down_revision = 'e5b81c3f9a27'
branch_labels = None
depends_on = None

ENVELOPE_FIELDS = ("chain", "contact", "origin_hall")
CHUNK = 5000


def _chunks(conn, where):
    """(id, payload text, envelope text) of outbox rows matching `where`, by id."""
    last = 0
    while True:
        rows = conn.execute(sa.text(
            "SELECT id, CAST(payload AS TEXT), envelope FROM outbox "
            f"WHERE id > :last AND {where} ORDER BY id LIMIT {CHUNK}"), {"last": last}).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _update(conn, changes: list[dict]) -> None:
    if changes:
        conn.execute(sa.text("UPDATE outbox SET payload = :payload, envelope = :envelope "
                             "WHERE id = :id"), changes)


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('envelope', sa.Text(), nullable=True))
    conn = op.get_bind()
    for rows in _chunks(conn, "envelope IS NULL"):
        changes = []
        for row_id, text, _ in rows:
            record = json.loads(text)
            envelope = {k: record.pop(k) for k in ENVELOPE_FIELDS if k in record}
            if not envelope:
                continue
            content = (orjson.dumps(record, option=orjson.OPT_SORT_KEYS) if "chain" in envelope
                       else json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())
            changes.append({"id": row_id, "payload": content.decode(),
                            "envelope": json.dumps(envelope, separators=(",", ":"))})
        _update(conn, changes)


def downgrade():
    conn = op.get_bind()
    for rows in _chunks(conn, "envelope IS NOT NULL"):
        _update(conn, [{"id": row_id, "envelope": None, "payload": json.dumps(
            {**json.loads(text), **json.loads(envelope)}, ensure_ascii=False)}
            for row_id, text, envelope in rows])
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('envelope')
