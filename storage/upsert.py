"""INSERT ... ON CONFLICT DO NOTHING for the two supported dialects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ClauseElement

# Statements built by insert_if_absent, by dialect, model and the names of the values.
# Votes and event claims run them on every request, and building one anew, cache key
# included, cost more than running it.
_STATEMENTS: dict[tuple[str, type[Any], tuple[str, ...]], Any] = {}


def insert_if_absent(session: Session, model: type[Any], /, **values: Any) -> bool:
    """Insert a row unless it would break a unique constraint; return whether it was inserted."""
    dialect = session.get_bind().dialect.name
    if any(isinstance(value, ClauseElement) for value in values.values()):
        # SQL expressions as values cannot become bound parameters of a kept statement.
        statement = _build(dialect, model, values)
        return session.execute(statement).first() is not None
    key = (dialect, model, tuple(sorted(values)))
    statement = _STATEMENTS.get(key)
    if statement is None:
        table: Table = model.__table__
        parameters = {name: bindparam(name, type_=table.c[name].type) for name in key[2]}
        statement = _build(dialect, model, parameters)
        _STATEMENTS[key] = statement
    return session.execute(statement, values).first() is not None


def _build(dialect: str, model: type[Any], values: dict[str, Any]) -> Any:
    table: Table = model.__table__
    if dialect == "postgresql":
        insert: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        insert = sqlite.insert(table)
    else:
        raise NotImplementedError(f"unsupported database dialect {dialect}")
    # ON CONFLICT DO NOTHING returns no row, so a returned key means a row went in.
    return insert.values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
