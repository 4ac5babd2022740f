"""Keyed hashes that let the author of an anonymous post manage it without being stored.

The hash is HMAC-SHA256 under STAFFVOICE_ANON_KEY. Without the key, a copy of the
database cannot be linked to anyone. With the key, anyone can hash every member
of the workspace and so find the author of each anonymous post.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable

from bot.core.errors import InvalidInput
from bot.core.records import Person

# Bumped if the encoding below ever changes, so old and new hashes never collide.
_ENCODING_VERSION = "staffvoice-author-v1"
# A shorter key is easier to guess. 32 characters of secrets.token_urlsafe carry 192 bits.
MIN_KEY_LENGTH = 32

ANONYMITY_OFF_MESSAGE = (
    "Anonymous posting is not turned on in this organisation, so nothing was posted. "
    "Post under your name, or ask an engagement manager about anonymous posting."
)


def author_hash(key: str, person: Person) -> str:
    """Return the hex HMAC-SHA256 of the person's platform, workspace and user under key.

    The three ids are encoded as a JSON list, so no two different people share
    an encoding however their ids are spelled.
    """
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"the anonymity key must have at least {MIN_KEY_LENGTH} characters")
    message = json.dumps([_ENCODING_VERSION, person.platform, person.team_id, person.user_id])
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def find_author(key: str, item_hash: str, people: Iterable[Person]) -> Person | None:
    """Return the person among people whose author hash is item_hash, or None."""
    for person in people:
        if hmac.compare_digest(author_hash(key, person), item_hash):
            return person
    return None


def hash_matches(stored_hash: str | None, *, key: str | None, person: Person) -> bool:
    """Return whether stored_hash is the person's author hash under key.

    False when either is None: a named post, or anonymous posting turned off.
    """
    if stored_hash is None or key is None:
        return False
    return hmac.compare_digest(stored_hash, author_hash(key, person))


def require_key(key: str | None) -> str:
    """Return the anonymity key, raising InvalidInput when anonymous posting is off."""
    if key is None:
        raise InvalidInput(ANONYMITY_OFF_MESSAGE)
    return key
