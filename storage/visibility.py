"""SQL conditions for the ideas and comments that counts, digests, reports and exports show.

A moderator's hide and an author's withdrawal keep the row for the audit
trail, so every query behind an output filters with these conditions.
"""

from __future__ import annotations

from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Comment, Idea


def visible_idea() -> ColumnElement[bool]:
    """Return the condition for ideas that are neither hidden by a moderator nor withdrawn."""
    return and_(Idea.hidden_at.is_(None), Idea.withdrawn_at.is_(None))


def visible_comment() -> ColumnElement[bool]:
    """Return the condition for comments that are neither hidden by a moderator nor deleted.

    It does not look at the comment's idea: queries that select comments by
    their ideas apply visible_idea() to those ideas.
    """
    return and_(Comment.hidden_at.is_(None), Comment.deleted_at.is_(None))
