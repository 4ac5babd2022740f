"""Tests of campaign topics and settings, closing early and extending."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.core import roles
from bot.core.campaigns import (
    MAX_DAYS,
    MAX_TOPIC_LENGTH,
    MAX_TOPICS,
    cancel_campaign,
    close_campaign,
    close_campaign_early,
    create_campaign,
    extend_campaign,
    get_campaign,
    list_campaigns,
    open_campaign,
    update_campaign,
)
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.records import CampaignRecord, Person
from storage.database import Database
from storage.models import Campaign, Topic

LONDON = ZoneInfo("Europe/London")
MANAGER = Person("slack", "T1", "U0MAN", "Mia")
STAFF = Person("slack", "T1", "U0STAFF", "Sam")


def create(
    db: Database,
    clock: ManualClock,
    *,
    topics: list[str] | tuple[str, ...] = ("How could we recognise each other's work?",),
    title: str = "Spring ideas",
    starts: str = "now",
    days: int = 20,
    **options: bool | str,
) -> CampaignRecord:
    return create_campaign(
        db,
        title=title,
        channel_id="C1",
        starts=starts,
        days=days,
        timezone=LONDON,
        now=clock.now(),
        topics=topics,
        **options,  # type: ignore[arg-type]
    )


def open_new(db: Database, clock: ManualClock, *, days: int = 20) -> CampaignRecord:
    campaign = create(db, clock, days=days)
    opened = open_campaign(db, campaign.id, now=clock.now())
    assert opened is not None
    return opened


def make_manager(db: Database, clock: ManualClock) -> None:
    roles.grant_role(
        db,
        platform="slack",
        user_id=MANAGER.user_id,
        role="manager",
        granted_by="cli",
        now=clock.now(),
    )


def row_counts(db: Database) -> tuple[int, int]:
    with db.transaction() as session:
        campaigns = session.scalar(select(func.count()).select_from(Campaign)) or 0
        topics = session.scalar(select(func.count()).select_from(Topic)) or 0
        return int(campaigns), int(topics)


def test_create_stores_topics_in_order(db: Database, clock: ManualClock) -> None:
    campaign = create(db, clock, topics=["  First question? ", "Second question?"])

    assert [t.question for t in campaign.topics] == ["First question?", "Second question?"]
    assert [t.position for t in campaign.topics] == [1, 2]
    assert get_campaign(db, campaign.id).topics == campaign.topics
    assert list_campaigns(db)[0].topics == campaign.topics


def test_create_without_topics(db: Database, clock: ManualClock) -> None:
    campaign = create(db, clock, topics=())

    assert campaign.topics == ()
    assert row_counts(db) == (1, 0)


def test_create_stores_settings(db: Database, clock: ManualClock) -> None:
    campaign = create(
        db, clock, hide_counts=True, repeat_quarterly=True, created_by=MANAGER.user_id
    )

    stored = get_campaign(db, campaign.id)
    assert stored.hide_counts is True
    assert stored.repeat_quarterly is True
    assert stored.created_by == MANAGER.user_id


def test_create_settings_default_off(db: Database, clock: ManualClock) -> None:
    campaign = create(db, clock)

    assert campaign.hide_counts is False
    assert campaign.repeat_quarterly is False
    assert campaign.created_by is None


@pytest.mark.parametrize(
    ("topics", "expected"),
    [
        (["Q?"] * 2, "repeats an earlier question"),
        (["Pay?", "pay? "], "repeats an earlier question"),
        (["Q1?", "  "], "Topic 2 is empty"),
        (["x" * (MAX_TOPIC_LENGTH + 1)], f"the maximum is {MAX_TOPIC_LENGTH}"),
        ([f"Q{n}?" for n in range(MAX_TOPICS + 1)], f"the maximum is {MAX_TOPICS}"),
    ],
)
def test_create_invalid_topics_store_nothing(
    db: Database, clock: ManualClock, topics: list[str], expected: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        create(db, clock, topics=topics)

    assert expected in raised.value.user_message
    assert raised.value.field == "topics"
    assert row_counts(db) == (0, 0)


def test_create_max_topics_and_length(db: Database, clock: ManualClock) -> None:
    topics = [f"{n}" + "x" * (MAX_TOPIC_LENGTH - 2) for n in range(MAX_TOPICS)]

    campaign = create(db, clock, topics=topics)

    assert len(campaign.topics) == MAX_TOPICS
    assert row_counts(db) == (1, MAX_TOPICS)


@pytest.mark.parametrize(
    ("options", "field", "expected"),
    [
        ({"days": 0}, "days", "1 to 366 days"),
        ({"days": -3}, "days", "1 to 366 days"),
        ({"starts": "2027-01-10 09:00"}, "starts", "is in the past"),
        ({"title": "t" * 201}, "title", "the maximum is 200"),
        ({"title": "  "}, "title", "is empty"),
    ],
)
def test_create_invalid_input_fields(
    db: Database, clock: ManualClock, options: dict[str, object], field: str, expected: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        create(db, clock, **options)  # type: ignore[arg-type]

    assert raised.value.field == field
    assert expected in raised.value.user_message
    assert row_counts(db) == (0, 0)


def test_create_topics_string_rejected(db: Database, clock: ManualClock) -> None:
    with pytest.raises(TypeError):
        create(db, clock, topics="One question?")  # type: ignore[arg-type]


def test_close_early_then_close_path(db: Database, clock: ManualClock) -> None:
    make_manager(db, clock)
    campaign = open_new(db, clock)
    clock.advance(timedelta(days=3))

    moved = close_campaign_early(db, campaign.id, by=MANAGER, now=clock.now())

    assert moved.ends_at == clock.now()
    assert moved.status == "open"
    closed = close_campaign(db, campaign.id, now=clock.now())
    assert closed is not None
    assert closed.status == "closed"


def test_close_early_by_administrator(db: Database, clock: ManualClock) -> None:
    campaign = open_new(db, clock)

    moved = close_campaign_early(db, campaign.id, by=None, now=clock.now())

    assert moved.ends_at == clock.now()


def test_close_early_non_manager(db: Database, clock: ManualClock) -> None:
    campaign = open_new(db, clock)

    with pytest.raises(PermissionDenied):
        close_campaign_early(db, campaign.id, by=STAFF, now=clock.now())

    assert get_campaign(db, campaign.id).ends_at == campaign.ends_at


def test_close_early_rejects_scheduled(db: Database, clock: ManualClock) -> None:
    campaign = create(db, clock, starts="2027-02-01 09:00")

    with pytest.raises(InvalidInput) as raised:
        close_campaign_early(db, campaign.id, by=None, now=clock.now())

    assert "has not opened yet" in raised.value.user_message
    assert get_campaign(db, campaign.id).ends_at == campaign.ends_at


def test_close_early_rejects_closed(db: Database, clock: ManualClock) -> None:
    campaign = open_new(db, clock, days=1)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None

    with pytest.raises(InvalidInput) as raised:
        close_campaign_early(db, campaign.id, by=None, now=clock.now())

    assert "is closed already" in raised.value.user_message


def test_close_early_unknown_campaign(db: Database, clock: ManualClock) -> None:
    with pytest.raises(NotFound):
        close_campaign_early(db, 999, by=None, now=clock.now())


def test_extend_keeps_local_time(db: Database, clock: ManualClock) -> None:
    make_manager(db, clock)
    campaign = create(db, clock, starts="2027-03-15 09:00", days=5)

    extended = extend_campaign(
        db, campaign.id, days=10, by=MANAGER, now=clock.now(), timezone=LONDON
    )

    # 2027-03-20 09:00 GMT plus ten local days crosses the change to BST.
    assert campaign.ends_at == datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
    assert extended.ends_at == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)
    assert get_campaign(db, campaign.id).ends_at == extended.ends_at


def test_extend_non_manager(db: Database, clock: ManualClock) -> None:
    campaign = open_new(db, clock)

    with pytest.raises(PermissionDenied):
        extend_campaign(db, campaign.id, days=2, by=STAFF, now=clock.now(), timezone=LONDON)

    assert get_campaign(db, campaign.id).ends_at == campaign.ends_at


@pytest.mark.parametrize("days", [0, -1])
def test_extend_non_positive_days(db: Database, clock: ManualClock, days: int) -> None:
    campaign = open_new(db, clock)

    with pytest.raises(InvalidInput) as raised:
        extend_campaign(db, campaign.id, days=days, by=None, now=clock.now(), timezone=LONDON)

    assert "1 or more" in raised.value.user_message
    assert get_campaign(db, campaign.id).ends_at == campaign.ends_at


def test_extend_over_maximum(db: Database, clock: ManualClock) -> None:
    campaign = open_new(db, clock, days=20)

    with pytest.raises(InvalidInput) as raised:
        extend_campaign(
            db, campaign.id, days=MAX_DAYS - 19, by=None, now=clock.now(), timezone=LONDON
        )

    assert f"at most {MAX_DAYS - 20} days" in raised.value.user_message
    assert get_campaign(db, campaign.id).ends_at == campaign.ends_at


def test_extend_to_maximum(db: Database, clock: ManualClock) -> None:
    campaign = open_new(db, clock, days=20)

    extended = extend_campaign(
        db, campaign.id, days=MAX_DAYS - 20, by=None, now=clock.now(), timezone=LONDON
    )

    length = (
        extended.ends_at.astimezone(LONDON).date() - campaign.starts_at.astimezone(LONDON).date()
    )
    assert length.days == MAX_DAYS


def test_extend_rejects_closed(db: Database, clock: ManualClock) -> None:
    campaign = open_new(db, clock, days=1)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None

    with pytest.raises(InvalidInput) as raised:
        extend_campaign(db, campaign.id, days=2, by=None, now=clock.now(), timezone=LONDON)

    assert "is closed already" in raised.value.user_message


def test_cancel_scheduled_campaign(db: Database, clock: ManualClock) -> None:
    make_manager(db, clock)
    campaign = create(db, clock, starts="2027-02-01 09:00")

    cancelled = cancel_campaign(db, campaign.id, by=MANAGER, now=clock.now())

    assert cancelled.status == "cancelled"
    assert get_campaign(db, campaign.id).status == "cancelled"
    assert list_campaigns(db, statuses=("scheduled", "open")) == []
    # The opening never happens, even when its time comes.
    assert open_campaign(db, campaign.id, now=campaign.starts_at) is None


def test_cancel_non_manager(db: Database, clock: ManualClock) -> None:
    campaign = create(db, clock, starts="2027-02-01 09:00")

    with pytest.raises(PermissionDenied):
        cancel_campaign(db, campaign.id, by=STAFF, now=clock.now())

    assert get_campaign(db, campaign.id).status == "scheduled"


def test_cancel_rejects_open(db: Database, clock: ManualClock) -> None:
    campaign = open_new(db, clock)

    with pytest.raises(InvalidInput) as raised:
        cancel_campaign(db, campaign.id, by=None, now=clock.now())

    assert "Close it early instead" in raised.value.user_message
    assert get_campaign(db, campaign.id).status == "open"


def test_cancel_twice_rejected(db: Database, clock: ManualClock) -> None:
    campaign = create(db, clock, starts="2027-02-01 09:00")
    cancel_campaign(db, campaign.id, by=None, now=clock.now())

    with pytest.raises(InvalidInput) as raised:
        cancel_campaign(db, campaign.id, by=None, now=clock.now())

    assert "is cancelled already" in raised.value.user_message


def test_cancel_unknown_campaign(db: Database, clock: ManualClock) -> None:
    with pytest.raises(NotFound):
        cancel_campaign(db, 404, by=None, now=clock.now())


def edit(db: Database, clock: ManualClock, campaign_id: int, **changes: object) -> CampaignRecord:
    values: dict[str, object] = {
        "by": None,
        "title": "Spring ideas, edited",
        "channel_id": "C1",
        "starts": "2027-02-01 09:00",
        "days": 20,
        "timezone": LONDON,
        "now": clock.now(),
        "topics": ["What slows you down?", "Who deserves thanks?"],
        "hide_counts": True,
        "repeat_quarterly": False,
    }
    values.update(changes)
    return update_campaign(db, campaign_id, **values)  # type: ignore[arg-type]


def test_edit_scheduled_campaign(db: Database, clock: ManualClock) -> None:
    make_manager(db, clock)
    campaign = create(db, clock, starts="2027-02-01 09:00")

    edited = edit(db, clock, campaign.id, by=MANAGER, starts="2027-02-08 10:00", days=10)

    assert edited.title == "Spring ideas, edited"
    assert [topic.question for topic in edited.topics] == [
        "What slows you down?",
        "Who deserves thanks?",
    ]
    assert edited.starts_at == datetime(2027, 2, 8, 10, 0, tzinfo=UTC)
    assert edited.ends_at == datetime(2027, 2, 18, 10, 0, tzinfo=UTC)
    assert edited.hide_counts is True
    assert get_campaign(db, campaign.id).topics == edited.topics


def test_edit_invalid_input_changes_nothing(db: Database, clock: ManualClock) -> None:
    campaign = create(db, clock, starts="2027-02-01 09:00")

    with pytest.raises(InvalidInput) as raised:
        edit(db, clock, campaign.id, topics=[])

    assert raised.value.field == "topics"
    assert get_campaign(db, campaign.id) == campaign


def test_edit_open_rejected(db: Database, clock: ManualClock) -> None:
    campaign = open_new(db, clock)

    with pytest.raises(InvalidInput) as raised:
        edit(db, clock, campaign.id)

    assert "can no longer be edited" in raised.value.user_message
    assert get_campaign(db, campaign.id) == campaign


def test_edit_non_manager(db: Database, clock: ManualClock) -> None:
    campaign = create(db, clock, starts="2027-02-01 09:00")

    with pytest.raises(PermissionDenied):
        edit(db, clock, campaign.id, by=STAFF)

    assert get_campaign(db, campaign.id) == campaign


def test_edit_open_checked_before_start(db: Database, clock: ManualClock) -> None:
    campaign = open_new(db, clock)
    clock.advance(timedelta(days=1))
    started = campaign.starts_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")

    with pytest.raises(InvalidInput) as raised:
        edit(db, clock, campaign.id, starts=started)

    assert raised.value.user_message == (
        f"Campaign {campaign.id} is open already, so it can no longer be edited. "
        "Extend or close it instead."
    )


def test_edit_cancelled_rejected(db: Database, clock: ManualClock) -> None:
    campaign = create(db, clock, starts="2027-02-01 09:00")
    cancel_campaign(db, campaign.id, by=None, now=clock.now())

    with pytest.raises(InvalidInput) as raised:
        edit(db, clock, campaign.id)

    assert raised.value.user_message.endswith("Create a new one instead.")
    assert get_campaign(db, campaign.id).status == "cancelled"


def test_edit_into_overlap_rejected(db: Database, clock: ManualClock) -> None:
    first = create(db, clock, starts="2027-02-01 09:00")
    second = create(db, clock, starts="2027-03-01 09:00")

    with pytest.raises(InvalidInput) as raised:
        edit(db, clock, second.id, starts="2027-02-10 09:00")

    assert f"Campaign {first.id}" in raised.value.user_message
    assert raised.value.user_message.endswith(
        "Choose times that do not overlap it, or another channel."
    )
    assert get_campaign(db, second.id) == second
