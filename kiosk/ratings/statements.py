"""SQL statements of the rating hot path, written once with :named parameters.

On SQLite (every hall) they run straight on the DBAPI cursor of the connection that holds
the write transaction: SQLAlchemy's per-call statement handling and type processing cost
more than SQLite's own work here, and the write transaction is the one serial section of
the whole terminal. On any other database they run through SQLAlchemy text() with typed
parameters, so the same SQL stays portable.
"""
import json
import uuid
from datetime import datetime

import sqlalchemy as sa


def _sqlite_value(value):
    """What SQLAlchemy's SQLite types would store (Uuid, DateTime, JSON, Boolean)."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


class Statement:
    def __init__(self, sql: str, **types: sa.types.TypeEngine):
        self.sql = sql
        self._text = sa.text(sql).bindparams(
            *[sa.bindparam(name, type_=type_) for name, type_ in types.items()]
        )

    def _run(self, conn, params: dict):
        if conn.dialect.name == "sqlite":
            cursor = conn.connection.driver_connection.cursor()
            return cursor.execute(self.sql, {k: _sqlite_value(v) for k, v in params.items()})
        return conn.execute(self._text, params)

    def first(self, conn, params: dict) -> tuple | None:
        row = self._run(conn, params).fetchone()
        return None if row is None else tuple(row)

    def run(self, conn, params: dict) -> None:
        self._run(conn, params)

    def run_many(self, conn, rows: list[dict]) -> None:
        if conn.dialect.name == "sqlite":
            cursor = conn.connection.driver_connection.cursor()
            cursor.executemany(self.sql, [{k: _sqlite_value(v) for k, v in r.items()} for r in rows])
        else:
            conn.execute(self._text, rows)
