"""Tests of peer recognition in the core: settings, giving thanks, merging, posting and overview."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import audit, roles, thanks
from bot.core.checks.post_checks import PostChecks
from bot.core.clock import ManualClock
from bot.core.errors import DeliveryFailed, InvalidInput, PermissionDenied
from bot.core.outbox import OutboundMessage
from bot.core.records import Person
from bot.core.thanks import ThanksCard
from storage.database import Database
from storage.models import OutboxMessage, StaffMember, Thanks, ThanksRecipient

MANAGER = Person("slack", "T1", "U0BOSS")
GIVER = Person("slack", "T1", "U0GIVER")
SAM, JO, KIM = "U0SAM", "U0JO", "U0KIM"
CHANNEL = "C0THANKS"
CHECKS = PostChecks()


def notice(card: ThanksCard, recipient: str, key: str) -> OutboundMessage:
    return OutboundMessage(
        platform=card.platform, recipient=recipient, text=f"thanks {card.id}", dedupe_key=key
    )


class CardPoster:
    """Records the cards posted and updated, standing in for the chat platform."""

    def __init__(self) -> None:
        self.posted: list[ThanksCard] = []
        self.updated: list[ThanksCard] = []
        self.failure: str | None = None

    def post_thanks_card(self, card: ThanksCard) -> str:
        if self.failure is not None:
            raise DeliveryFailed("failed", reason=self.failure)
        self.posted.append(card)
        return f"1700000000.{len(self.posted):06d}"

    def update_thanks_card(self, card: ThanksCard) -> None:
        self.updated.append(card)


@pytest.fixture
def manager(db: Database, clock: ManualClock) -> Person:
    roles.grant_role(
        db, platform="slack", user_id=MANAGER.user_id, role=roles.MANAGER, granted_by="cli",
        now=clock.now(),
    )  # fmt: skip
    return MANAGER


@pytest.fixture
def channel(db: Database, clock: ManualClock, manager: Person) -> str:
    thanks.set_recognition_channel(db, manager, channel_id=CHANNEL, now=clock.now())
    return CHANNEL


def give(
    db: Database,
    clock: ManualClock,
    recipients: list[str],
    message: str = "Thanks for covering my shift",
    *,
    values: tuple[str, ...] = (),
    giver: Person = GIVER,
) -> thanks.GivenThanks:
    return thanks.give_thanks(
        db,
        giver,
        recipients=recipients,
        message=message,
        values=values,
        checks=CHECKS,
        now=clock.now(),
        notice=notice,
    )


def outbox_keys(db: Database) -> list[str]:
    with db.transaction() as session:
        return sorted(session.scalars(select(OutboxMessage.dedupe_key)))


def card_count(db: Database) -> int:
    with db.transaction() as session:
        return len(list(session.scalars(select(Thanks.id))))


def test_channel_needs_manager(db: Database, clock: ManualClock) -> None:
    with pytest.raises(PermissionDenied):
        thanks.set_recognition_channel(db, GIVER, channel_id=CHANNEL, now=clock.now())
    setup = thanks.recognition_setup(db, platform="slack", team_id="T1")
    assert setup.channel_id is None


def test_channel_change_audited_once(db: Database, clock: ManualClock, manager: Person) -> None:
    first = thanks.set_recognition_channel(db, manager, channel_id=CHANNEL, now=clock.now())
    again = thanks.set_recognition_channel(db, manager, channel_id=CHANNEL, now=clock.now())
    assert first.changed
    assert not again.changed
    entries = [e for e in audit.list_audit(db, limit=10) if e.action != audit.ROLE_GRANT]
    assert [entry.action for entry in entries] == [thanks.AUDIT_CHANNEL]
    assert entries[0].detail["channel"] == CHANNEL
    assert entries[0].actor == MANAGER.user_id


def test_values_set_and_audited(db: Database, clock: ManualClock, manager: Person) -> None:
    change = thanks.set_recognition_values(
        db, manager, values_text="Compassionate, open,\n #Respectful ", now=clock.now()
    )
    assert change.setup.values == ("Compassionate", "open", "Respectful")
    shown = thanks.recognition_setup(db, platform="slack", team_id="T1")
    assert shown.values == ("Compassionate", "open", "Respectful")
    actions = [entry.action for entry in audit.list_audit(db, limit=10)]
    assert actions.count(thanks.AUDIT_VALUES) == 1


def test_values_need_manager(db: Database, clock: ManualClock) -> None:
    with pytest.raises(PermissionDenied):
        thanks.set_recognition_values(db, GIVER, values_text="open", now=clock.now())


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("", "separated by commas"),
        (", ,", "separated by commas"),
        (",".join(f"value{n}" for n in range(13)), "at most 12"),
        ("a" * 31, "over the maximum of 30"),
        ("open, Open", "the same value"),
        ("working-together, Working together", "the same value"),
        ("kind!", "letters, digits"),
    ],
)
def test_values_rejected(
    db: Database, clock: ManualClock, manager: Person, text: str, fault: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        thanks.set_recognition_values(db, manager, values_text=text, now=clock.now())
    assert fault in raised.value.user_message
    assert thanks.recognition_setup(db, platform="slack", team_id="T1").values == ()


def test_values_every_problem_reported(db: Database, clock: ManualClock, manager: Person) -> None:
    long_value = "x" * 31
    text = f"open, kind!, {long_value}, Open, b; c"

    with pytest.raises(InvalidInput) as raised:
        thanks.set_recognition_values(db, manager, values_text=text, now=clock.now())

    message = raised.value.user_message
    assert message.startswith("Nothing was changed, because the list has 4 problems:")
    assert '• "kind!" can contain only letters, digits' in message
    assert f'• "{long_value}" has 31 characters, over the maximum of 30.' in message
    assert '• "open" and "Open" are the same value as a hashtag.' in message
    assert '• "b; c" can contain only letters, digits' in message
    assert message.endswith("Fix them and send the list again.")
    assert thanks.recognition_setup(db, platform="slack", team_id="T1").values == ()


def test_twelve_values_accepted(db: Database, clock: ManualClock, manager: Person) -> None:
    text = ", ".join(f"value {chr(97 + n)}" for n in range(12))
    assert len(thanks.set_recognition_values(db, manager, values_text=text, now=clock.now())
               .setup.values) == 12  # fmt: skip


def test_no_channel_stores_nothing(db: Database, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput) as raised:
        give(db, clock, [SAM])
    assert "recognition channel" in raised.value.user_message
    assert card_count(db) == 0
    assert outbox_keys(db) == []


@pytest.mark.parametrize(
    ("recipients", "message", "fault"),
    [
        ([], "Thanks", "at least one colleague"),
        ([GIVER.user_id], "Thanks", "cannot thank yourself"),
        ([SAM, GIVER.user_id], "Thanks", "cannot thank yourself"),
        ([f"U0P{n:02d}" for n in range(11)], "Thanks", "at most 10"),
        ([SAM], "   ", "Add a message"),
        ([SAM], "x" * 1001, "1,001 characters"),
        ([SAM], "Thanks for calling about NHS 943 476 5919", "an NHS number"),
        ([SAM], "Thanks, mail me at jo.bloggs@example.org", "an email address"),
        ([SAM], "#open", "Add a message"),
    ],
)
def test_thanks_rejected(
    db: Database,
    clock: ManualClock,
    manager: Person,
    channel: str,
    recipients: list[str],
    message: str,
    fault: str,
) -> None:
    thanks.set_recognition_values(db, manager, values_text="open", now=clock.now())
    with pytest.raises(InvalidInput) as raised:
        give(db, clock, recipients, message)
    assert fault in raised.value.user_message
    assert card_count(db) == 0
    assert outbox_keys(db) == []


def test_exact_limits_accepted(db: Database, clock: ManualClock, channel: str) -> None:
    recipients = [f"U0P{n:02d}" for n in range(10)]
    given = give(db, clock, recipients, "x" * 1000)
    assert len(given.card.recipients) == 10
    assert len(given.card.message) == 1000


def test_card_stored_with_messages(db: Database, clock: ManualClock, channel: str) -> None:
    given = give(db, clock, [SAM, JO, SAM])
    assert not given.merged
    assert given.added == (SAM, JO)
    assert given.card.recipients == tuple(sorted((SAM, JO)))
    assert given.card.channel_id == CHANNEL
    assert outbox_keys(db) == sorted(
        [thanks.notice_key(given.card.id, SAM), thanks.notice_key(given.card.id, JO)]
    )


def test_directorate_snapshot(db: Database, clock: ManualClock, channel: str) -> None:
    now = clock.now()
    with db.transaction() as session:
        session.add(
            StaffMember(
                email="sam@example.org",
                directorate="Community nursing",
                platform="slack",
                user_id=SAM,
                match_state="column",
                created_at=now,
                updated_at=now,
            )
        )
    given = give(db, clock, [SAM, JO])
    with db.transaction() as session:
        rows = {
            row.user_id: row.directorate
            for row in session.scalars(
                select(ThanksRecipient).where(ThanksRecipient.thanks_id == given.card.id)
            )
        }
    assert rows == {SAM: "Community nursing", JO: None}


def test_hashtags_pick_values(
    db: Database, clock: ManualClock, manager: Person, channel: str
) -> None:
    thanks.set_recognition_values(
        db, manager, values_text="Compassionate, Working together, open", now=clock.now()
    )
    given = give(db, clock, [SAM], "You were so #OPEN with the family #working-together #open")
    assert given.card.values == ("Working together", "open")
    assert given.card.message == "You were so #OPEN with the family"


def test_form_values_join_hashtags(
    db: Database, clock: ManualClock, manager: Person, channel: str
) -> None:
    thanks.set_recognition_values(db, manager, values_text="Compassionate, open", now=clock.now())
    given = give(db, clock, [SAM], "Thanks #open", values=("Compassionate",))
    assert given.card.values == ("Compassionate", "open")


def test_unknown_hashtag_stores_nothing(
    db: Database, clock: ManualClock, manager: Person, channel: str
) -> None:
    thanks.set_recognition_values(db, manager, values_text="Compassionate, open", now=clock.now())
    with pytest.raises(InvalidInput) as raised:
        give(db, clock, [SAM], "Thanks #teamwork")
    assert "#teamwork is not one of" in raised.value.user_message
    assert "#compassionate, #open" in raised.value.user_message
    assert card_count(db) == 0


def test_stale_form_value_rejected(
    db: Database, clock: ManualClock, manager: Person, channel: str
) -> None:
    thanks.set_recognition_values(db, manager, values_text="open", now=clock.now())
    with pytest.raises(InvalidInput) as raised:
        give(db, clock, [SAM], "Thanks", values=("Kind",))
    assert raised.value.field == "values"
    assert card_count(db) == 0


def test_hashtags_plain_without_values(db: Database, clock: ManualClock, channel: str) -> None:
    given = give(db, clock, [SAM], "Thanks for the #teamwork on <#C0WARD|ward-7> &#39;")
    assert given.card.values == ()
    assert given.card.message == "Thanks for the #teamwork on <#C0WARD|ward-7> &#39;"


def test_repeat_within_minute_merged(db: Database, clock: ManualClock, channel: str) -> None:
    first = give(db, clock, [SAM])
    clock.advance(timedelta(seconds=59))
    repeat = give(db, clock, [SAM], "  thanks for covering   my shift ")
    assert repeat.merged
    assert repeat.added == ()
    assert repeat.card.id == first.card.id
    assert card_count(db) == 1
    assert outbox_keys(db) == [thanks.notice_key(first.card.id, SAM)]


def test_repeat_adds_new_colleagues(db: Database, clock: ManualClock, channel: str) -> None:
    first = give(db, clock, [SAM])
    clock.advance(timedelta(seconds=30))
    repeat = give(db, clock, [JO, SAM, KIM])
    assert repeat.merged
    assert repeat.added == (JO, KIM)
    assert repeat.card.recipients == tuple(sorted((SAM, JO, KIM)))
    assert card_count(db) == 1
    card_id = first.card.id
    assert outbox_keys(db) == sorted(thanks.notice_key(card_id, user) for user in (SAM, JO, KIM))


def test_merge_respects_recipient_limit(db: Database, clock: ManualClock, channel: str) -> None:
    give(db, clock, [f"U0P{n:02d}" for n in range(8)])
    with pytest.raises(InvalidInput):
        give(db, clock, [f"U0Q{n:02d}" for n in range(3)])
    assert card_count(db) == 1


def test_other_values_are_new_card(
    db: Database, clock: ManualClock, manager: Person, channel: str
) -> None:
    thanks.set_recognition_values(db, manager, values_text="Kind, Open", now=clock.now())
    give(db, clock, [SAM], "Thanks #kind")
    other = give(db, clock, [SAM], "Thanks #open")
    same = give(db, clock, [SAM], "Thanks #KIND")
    assert not other.merged
    assert same.merged
    assert card_count(db) == 2


def test_repeat_after_minute_is_new_card(db: Database, clock: ManualClock, channel: str) -> None:
    give(db, clock, [SAM])
    clock.advance(timedelta(seconds=61))
    later = give(db, clock, [SAM])
    assert not later.merged
    assert card_count(db) == 2


def test_other_message_is_new_card(db: Database, clock: ManualClock, channel: str) -> None:
    give(db, clock, [SAM])
    other = give(db, clock, [SAM], "Thanks for the cake")
    assert not other.merged
    assert card_count(db) == 2


def test_card_posted_once(db: Database, clock: ManualClock, channel: str) -> None:
    given = give(db, clock, [SAM])
    poster = CardPoster()
    message_id = thanks.deliver_card(db, poster, given.card.id, now=clock.now())
    assert message_id is not None
    assert thanks.deliver_card(db, poster, given.card.id, now=clock.now()) is None
    clock.advance(thanks.POST_RETRY_AFTER * 2)
    assert thanks.retry_unposted_cards(db, poster, now=clock.now()) == 0
    assert [card.id for card in poster.posted] == [given.card.id]
    assert thanks.get_card(db, given.card.id).message_id == message_id


def test_failed_post_retried(db: Database, clock: ManualClock, channel: str) -> None:
    given = give(db, clock, [SAM])
    poster = CardPoster()
    poster.failure = "not_in_channel"
    with pytest.raises(DeliveryFailed):
        thanks.deliver_card(db, poster, given.card.id, now=clock.now())
    poster.failure = None
    assert thanks.retry_unposted_cards(db, poster, now=clock.now()) == 0
    clock.advance(thanks.POST_RETRY_AFTER + timedelta(seconds=1))
    assert thanks.retry_unposted_cards(db, poster, now=clock.now()) == 1
    assert [card.id for card in poster.posted] == [given.card.id]


def test_old_unposted_card_left(db: Database, clock: ManualClock, channel: str) -> None:
    give(db, clock, [SAM])
    clock.advance(thanks.POST_GIVE_UP_AFTER + timedelta(minutes=1))
    poster = CardPoster()
    assert thanks.retry_unposted_cards(db, poster, now=clock.now()) == 0
    assert poster.posted == []


def test_merge_updates_posted_card(db: Database, clock: ManualClock, channel: str) -> None:
    first = give(db, clock, [SAM])
    poster = CardPoster()
    thanks.deliver_card(db, poster, first.card.id, now=clock.now())
    repeat = give(db, clock, [JO])
    assert thanks.show_added_colleagues(db, poster, repeat.card.id)
    assert [card.recipients for card in poster.updated] == [tuple(sorted((SAM, JO)))]


def test_merge_before_post_not_updated(db: Database, clock: ManualClock, channel: str) -> None:
    first = give(db, clock, [SAM])
    give(db, clock, [JO])
    poster = CardPoster()
    assert not thanks.show_added_colleagues(db, poster, first.card.id)
    thanks.deliver_card(db, poster, first.card.id, now=clock.now())
    assert [card.recipients for card in poster.posted] == [tuple(sorted((SAM, JO)))]
    assert poster.updated == []


def test_overview_counts(db: Database, clock: ManualClock, channel: str) -> None:
    other = Person("slack", "T1", SAM)
    give(db, clock, [SAM, JO], "First")
    for n in range(6):
        clock.advance(timedelta(minutes=1))
        give(db, clock, [GIVER.user_id], f"Back to you {n}", giver=other)
    overview = thanks.thanks_overview(db, GIVER)
    assert overview.given == 1
    assert overview.received == 6
    assert [card.message for card in overview.latest_received] == [
        f"Back to you {n}" for n in (5, 4, 3, 2, 1)
    ]
    sam = thanks.thanks_overview(db, other)
    assert (sam.received, sam.given) == (1, 6)
