"""INSERT ... ON CONFLICT DO NOTHING for the two supported dialects."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_if_absent(session: Session, model: type[Any], /, **values: Any) -> bool:
    """Insert a row unless it would break a unique constraint; return whether it was inserted."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(model).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(model).values(**values).on_conflict_do_nothing()
    else:
        raise NotImplementedError(f"unsupported database dialect {dialect}")
    # The cursor's rowcount is -1 here because the ORM adds RETURNING, so the
    # returned key tells whether a row went in.
    key_columns = list(model.__table__.primary_key.columns)
    return session.execute(statement.returning(*key_columns)).first() is not None
