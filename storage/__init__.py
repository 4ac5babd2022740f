"""Persistence: SQLAlchemy models, sessions, storage functions and Alembic migrations."""
