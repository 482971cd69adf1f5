"""hub records: each link in columns beside the record, not inside its JSON

The hub kept a record's link (seq, prev, hash) inside the stored record, appended to the
text the link covers. Now it keeps the text alone and the link in chain_seq, chain_prev
and chain_hash, indexed by hall and seq (partial: linked records only), so looking up a
seq received twice or a declared restore's hash reads an index, not every record of the
hall. Upgrading moves each stored link into the columns and restores the record's text:
where the link was appended at the end (records sent as lines) by cutting it off, byte for
byte; otherwise (records sent as one JSON object, whose hash covers their canonical form)
by re-encoding the record without it. A seq too large for the column stays in the record.

Downgrade appends each link to its record again, as the older code stored it.

Revision ID: a3d9f6c2e8b1
Revises: b7e2c4d9a1f0
Create Date: 2026-12-01 03:00:00.000000

"""
import json

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a3d9f6c2e8b1'
down_revision = 'b7e2c4d9a1f0'
branch_labels = None
depends_on = None

TABLES = ("hub_rating", "hub_rating_event")
CHUNK = 2000
MAX_SEQ = 2**63 - 1


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _record_param(conn) -> str:
    return "CAST(:record AS JSON)" if conn.dialect.name == "postgresql" else ":record"


def _rows(conn, table: str, where: str):
    """(id, record text) of the table's rows matching where, in chunks by id."""
    last = None
    while True:
        after = "" if last is None else "AND id > :last "
        chunk = conn.execute(sa.text(
            f"SELECT id, CAST(record AS TEXT) FROM {table} WHERE {where} {after}"
            f"ORDER BY id LIMIT {CHUNK}"), {} if last is None else {"last": last}).all()
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def _split(text: str):
    """(record text without its link, seq, prev, hash), or None to leave the row as it is."""
    record = json.loads(text)
    chain = record.get("chain") if isinstance(record, dict) else None
    if not isinstance(chain, dict):
        return None
    seq, prev, digest = chain.get("seq"), chain.get("prev"), chain.get("hash")
    if not (type(seq) is int and 1 <= seq <= MAX_SEQ and isinstance(prev, str)
            and isinstance(digest, str)):
        return None
    appended = f',"chain":{_text(chain)}}}'
    if text.endswith(appended):
        bare = text[:-len(appended)] + "}"
    else:
        bare = _text({k: v for k, v in record.items() if k != "chain"})
    return bare, seq, prev[:64], digest[:64]


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('chain_seq', sa.BigInteger(), nullable=True))
            batch_op.add_column(sa.Column('chain_prev', sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column('chain_hash', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    for table in TABLES:
        update = sa.text(f"UPDATE {table} SET record = {_record_param(conn)}, chain_seq = :seq,"
                         f" chain_prev = :prev, chain_hash = :hash WHERE id = :id")
        for chunk in _rows(conn, table, "CAST(record AS TEXT) LIKE '%\"chain\"%'"):
            params = []
            for row_id, text in chunk:
                split = _split(text)
                if split is not None:
                    bare, seq, prev, digest = split
                    params.append({"id": row_id, "record": bare, "seq": seq, "prev": prev,
                                   "hash": digest})
            if params:
                conn.execute(update, params)
    for table in TABLES:
        op.create_index(f"ix_{table}_chain", table, ["origin_hall", "chain_seq"], unique=False,
                        postgresql_where=sa.text("chain_seq IS NOT NULL"),
                        sqlite_where=sa.text("chain_seq IS NOT NULL"))


def downgrade():
    conn = op.get_bind()
    for table in TABLES:
        op.drop_index(f"ix_{table}_chain", table_name=table)
        update = sa.text(f"UPDATE {table} SET record = {_record_param(conn)} WHERE id = :id")
        for chunk in _rows(conn, table, "chain_seq IS NOT NULL"):
            ids = [row_id for row_id, _ in chunk]
            links = {row_id: (seq, prev, digest) for row_id, seq, prev, digest in conn.execute(
                sa.text(f"SELECT id, chain_seq, chain_prev, chain_hash FROM {table} "
                        f"WHERE id IN :ids").bindparams(sa.bindparam("ids", expanding=True)),
                {"ids": ids})}
            params = []
            for row_id, text in chunk:
                seq, prev, digest = links[row_id]
                chain = _text({"seq": seq, "prev": prev, "hash": digest})
                params.append({"id": row_id, "record": f'{text.rstrip()[:-1]},"chain":{chain}}}'})
            conn.execute(update, params)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('chain_hash')
            batch_op.drop_column('chain_prev')
            batch_op.drop_column('chain_seq')
