"""Author hashes and finding the author of an anonymous post."""

from __future__ import annotations

import pytest

from bot.core.anonymity import author_hash, find_author
from bot.core.records import Person

KEY = "k" * 32
OTHER_KEY = "o" * 32


def test_hash_depends_on_each_id_and_key() -> None:
    person = Person(platform="slack", team_id="T1", user_id="U1")
    digest = author_hash(KEY, person)
    assert len(digest) == 64
    assert digest == author_hash(KEY, Person(platform="slack", team_id="T1", user_id="U1"))
    assert digest != author_hash(OTHER_KEY, person)
    assert digest != author_hash(KEY, Person(platform="teams", team_id="T1", user_id="U1"))
    assert digest != author_hash(KEY, Person(platform="slack", team_id="T2", user_id="U1"))
    assert digest != author_hash(KEY, Person(platform="slack", team_id="T1", user_id="U2"))


def test_hash_encoding_is_unambiguous() -> None:
    # Plain concatenation would give "T1U1" for both.
    first = Person(platform="slack", team_id="T1", user_id="U1")
    second = Person(platform="slack", team_id="T", user_id="1U1")
    assert author_hash(KEY, first) != author_hash(KEY, second)


def test_short_key_rejected() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        author_hash("k" * 31, Person(platform="slack", team_id="T1", user_id="U1"))


def test_find_author_among_people() -> None:
    people = [Person(platform="slack", team_id="T1", user_id=f"U{n}") for n in range(5)]
    digest = author_hash(KEY, people[3])
    assert find_author(KEY, digest, people) == people[3]
    assert find_author(OTHER_KEY, digest, people) is None
    assert find_author(KEY, digest, people[:3]) is None
