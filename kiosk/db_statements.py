"""SQL statements of the write transaction (the rating hot path, its rollups and outbox
row, the record chain), written once with :named parameters.

On SQLite (every hall) they run straight on the DBAPI cursor of the connection that holds
the write transaction: SQLAlchemy's per-call statement handling and type processing cost
more than SQLite's own work here, and the write transaction is the one serial section of
the whole terminal. On any other database they run through SQLAlchemy text() with typed
parameters, so the same SQL stays portable.
"""
import json

import sqlalchemy as sa


def _nullable(convert):
    return lambda value: None if value is None else convert(value)


# What SQLAlchemy's SQLite types store, for the parameters declared with those types.
_SQLITE_CONVERTERS = {
    sa.Uuid: _nullable(lambda value: value.hex),
    sa.DateTime: _nullable(lambda value: value.strftime("%Y-%m-%d %H:%M:%S.%f")),
    sa.JSON: json.dumps,
    sa.Boolean: _nullable(int),
}


class Statement:
    def __init__(self, sql: str, **types: sa.types.TypeEngine):
        self.sql = sql
        self._text = sa.text(sql).bindparams(
            *[sa.bindparam(name, type_=type_) for name, type_ in types.items()]
        )
        self._converters = {name: _SQLITE_CONVERTERS[type(t)] for name, t in types.items()}

    def _sqlite_params(self, params: dict) -> dict:
        if not self._converters:
            return params
        out = dict(params)
        for name, convert in self._converters.items():
            out[name] = convert(out[name])
        return out

    def _run(self, conn, params: dict):
        if conn.dialect.name == "sqlite":
            cursor = conn.connection.driver_connection.cursor()
            return cursor.execute(self.sql, self._sqlite_params(params))
        return conn.execute(self._text, params)

    def first(self, conn, params: dict) -> tuple | None:
        row = self._run(conn, params).fetchone()
        return None if row is None else tuple(row)

    def run(self, conn, params: dict) -> None:
        self._run(conn, params)

    def run_many(self, conn, rows: list[dict]) -> None:
        if conn.dialect.name == "sqlite":
            cursor = conn.connection.driver_connection.cursor()
            cursor.executemany(self.sql, [self._sqlite_params(r) for r in rows])
        else:
            conn.execute(self._text, rows)
