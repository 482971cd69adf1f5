"""SQL helpers of the hub's batch path."""
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def id_in(conn, column, ids) -> sa.ColumnElement:
    """`column IN ids` for a uuid column. On PostgreSQL `= ANY(one array parameter)`: a
    batch's thousands of ids are then one bound value, not thousands of placeholders that
    SQLAlchemy renders and the driver parses for every query."""
    values = [uuid.UUID(i) for i in ids]
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, values,
                                              type_=postgresql.ARRAY(sa.Uuid())))
    return column.in_(values)
