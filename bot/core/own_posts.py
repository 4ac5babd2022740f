"""Anonymous posts managed by their authors: anonymous comments, listing and withdrawing.

The author of an anonymous idea or comment is never stored. Each request
carries the chat platform's own identification of the person, and the core
compares author_hash(key, person) with the hash stored on the post.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core.anonymity import author_hash, hash_matches
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.participation import DEFAULT_MIN_GROUP_SIZE, forget_anonymous_idea
from bot.core.records import Person
from storage import comments as comment_store
from storage import ideas as idea_store
from storage import own_posts as own_post_store
from storage.database import Database
from storage.models import Idea

logger = logging.getLogger(__name__)

# A comment is posted as one section block, and Slack allows 3,000 characters of section
# text. Escaping &, < and > lengthens the text, so the limit stays below that.
MAX_COMMENT_LENGTH = 2500


@dataclass(frozen=True)
class OwnIdea:
    """An anonymous idea as its author's list shows it."""

    id: int
    text: str
    channel_id: str | None
    message_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class OwnComment:
    """An anonymous comment as its author's list shows it, with the id of its idea."""

    id: int
    idea_id: int
    text: str
    channel_id: str | None
    message_id: str
    created_at: datetime


@dataclass(frozen=True)
class OwnPosts:
    """A person's anonymous ideas and comments that are not withdrawn, oldest first."""

    ideas: tuple[OwnIdea, ...]
    comments: tuple[OwnComment, ...]


@dataclass(frozen=True)
class CommentTarget:
    """The thread of an idea message, in which an anonymous comment on the idea is posted."""

    idea_id: int
    channel_id: str
    thread_id: str


@dataclass(frozen=True)
class WithdrawnIdea:
    """A withdrawn idea and the channel message that showed it, if it was posted."""

    id: int
    channel_id: str | None
    message_id: str | None


@dataclass(frozen=True)
class WithdrawnComment:
    """A withdrawn anonymous comment and the thread message that showed it."""

    id: int
    idea_id: int
    channel_id: str | None
    message_id: str


def validate_comment_text(text: str) -> str:
    """Return the comment stripped, raising InvalidInput when it is empty or too long."""
    text = text.strip()
    if not text:
        raise InvalidInput("Your comment is empty: write it before posting.", field="text")
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput(
            f"Your comment has {len(text)} characters; the maximum is {MAX_COMMENT_LENGTH}.",
            field="text",
        )
    return text


def comment_target(db: Database, *, idea_id: int) -> CommentTarget:
    """Return the thread an anonymous comment on the idea goes to.

    Raises NotFound for an idea that does not exist, is withdrawn, hidden or not yet posted.
    """
    with db.transaction() as session:
        idea = idea_store.get_idea(session, idea_id)
        if idea is None or not _is_shown(idea) or not idea.channel_id or not idea.message_id:
            raise NotFound(f"Idea {idea_id} is not shown in a channel, so it cannot take comments.")
        return CommentTarget(idea_id=idea.id, channel_id=idea.channel_id, thread_id=idea.message_id)


def add_anonymous_comment(
    db: Database,
    author: Person,
    *,
    key: str,
    idea_id: int,
    message_id: str,
    text: str,
    now: datetime,
) -> bool:
    """Store a comment the bot posted in the idea's thread for an anonymous author.

    The comment counts on the idea, but makes no participation record, because
    that record names the person. Returns False when this message was stored before.
    """
    with db.transaction() as session:
        added = own_post_store.add_anonymous_comment(
            session,
            idea_id,
            platform=author.platform,
            team_id=author.team_id,
            author_hash=author_hash(key, author),
            message_id=message_id,
            text=text,
            now=now,
        )
        if added:
            idea_store.change_comment_count(session, idea_id, delta=1)
    if added:
        logger.info("Stored anonymous comment %s on idea %s", message_id, idea_id)
    return added


def list_own_posts(db: Database, person: Person, *, key: str) -> OwnPosts:
    """Return the person's anonymous ideas and comments that are not withdrawn."""
    digest = author_hash(key, person)
    with db.transaction() as session:
        ideas = tuple(
            OwnIdea(
                id=idea.id,
                text=idea.text,
                channel_id=idea.channel_id,
                message_id=idea.message_id,
                created_at=idea.created_at,
            )
            for idea in own_post_store.list_ideas_by_author_hash(session, digest)
            if _is_own(idea.platform, idea.team_id, person)
        )
        comments = []
        for comment in own_post_store.list_comments_by_author_hash(session, digest):
            if not _is_own(comment.platform, comment.team_id, person):
                continue
            idea = idea_store.get_idea(session, comment.idea_id)
            comments.append(
                OwnComment(
                    id=comment.id,
                    idea_id=comment.idea_id,
                    text=comment.text,
                    channel_id=idea.channel_id if idea is not None else None,
                    message_id=comment.message_id,
                    created_at=comment.created_at,
                )
            )
    return OwnPosts(ideas=ideas, comments=tuple(comments))


def withdraw_idea(
    db: Database,
    person: Person,
    *,
    key: str,
    idea_id: int,
    now: datetime,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> WithdrawnIdea | None:
    """Withdraw the person's anonymous idea: clear its text and mark it withdrawn.

    Returns None when it was withdrawn already. Raises NotFound for no such
    idea and PermissionDenied when the person did not post it.
    """
    with db.transaction() as session:
        idea = idea_store.get_idea(session, idea_id)
        if idea is None:
            raise NotFound(f"There is no idea {idea_id}; it may have been removed.")
        if not hash_matches(idea.author_hash, key=key, person=person):
            raise PermissionDenied(
                f"Only the person who posted idea {idea_id} can withdraw it, so it was not changed."
            )
        if not own_post_store.mark_idea_withdrawn(session, idea_id, now=now):
            return None
        forget_anonymous_idea(
            session,
            person,
            campaign_id=idea.campaign_id,
            board_id=idea.board_id,
            min_group_size=min_group_size,
        )
        result = WithdrawnIdea(id=idea.id, channel_id=idea.channel_id, message_id=idea.message_id)
    logger.info("Idea %s withdrawn by its anonymous author", idea_id)
    return result


def withdraw_comment(
    db: Database, person: Person, *, key: str, comment_id: int, now: datetime
) -> WithdrawnComment | None:
    """Withdraw the person's anonymous comment: clear its text and stop counting it.

    Returns None when it was withdrawn already. Raises NotFound for no such
    comment and PermissionDenied when the person did not post it.
    """
    with db.transaction() as session:
        comment = own_post_store.get_comment_by_id(session, comment_id)
        if comment is None:
            raise NotFound(f"There is no comment {comment_id}; it may have been removed.")
        if not hash_matches(comment.author_hash, key=key, person=person):
            raise PermissionDenied(
                "Only the person who posted this comment can withdraw it, so it was not changed."
            )
        if not comment_store.mark_comment_deleted(session, comment.id, now=now):
            return None
        idea_store.change_comment_count(session, comment.idea_id, delta=-1)
        idea = idea_store.get_idea(session, comment.idea_id)
        result = WithdrawnComment(
            id=comment.id,
            idea_id=comment.idea_id,
            channel_id=idea.channel_id if idea is not None else None,
            message_id=comment.message_id,
        )
    logger.info(
        "Comment %s on idea %s withdrawn by its anonymous author", comment_id, result.idea_id
    )
    return result


def _is_own(platform: str, team_id: str, person: Person) -> bool:
    # The hash covers platform and workspace already; this guards against a reused key.
    return platform == person.platform and team_id == person.team_id


def _is_shown(idea: Idea) -> bool:
    return idea.withdrawn_at is None and idea.hidden_at is None
