"""Tests of idea submission, the campaign an idea goes to, posting claims and export."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, NotFound
from bot.core.ideas import (
    MAX_DETAIL_LENGTH,
    MAX_IDEA_LENGTH,
    POST_RETRY_AFTER,
    claim_idea_post,
    export_ideas,
    find_idea_by_message,
    get_idea,
    record_idea_message,
    submit_idea,
    unposted_ideas,
)
from bot.core.records import CampaignRecord, Person, SubmittedIdea
from storage.database import Database
from storage.models import Idea

LONDON = ZoneInfo("Europe/London")
ANN = Person("slack", "T1", "U_ANN", "Ann Smith")
BOB = Person("slack", "T1", "U_BOB", "Bob Jones")


def open_new_campaign(
    db: Database, clock: ManualClock, *, channel_id: str = "C1", days: int = 20
) -> CampaignRecord:
    campaign = create_campaign(
        db,
        title=f"Ideas in {channel_id}",
        channel_id=channel_id,
        starts="now",
        days=days,
        timezone=LONDON,
        now=clock.now(),
    )
    opened = open_campaign(db, campaign.id, now=clock.now())
    assert opened is not None
    return opened


def submit(
    db: Database,
    clock: ManualClock,
    *,
    author: Person = ANN,
    idea_text: str = "Move the team huddle to 9:15",
    channel_id: str | None = "C1",
    anonymous: bool = False,
) -> SubmittedIdea:
    return submit_idea(
        db, author, text=idea_text, channel_id=channel_id, anonymous=anonymous, now=clock.now()
    )


def idea_rows(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Idea)) or 0)


@pytest.mark.parametrize("idea_text", ["", "   ", "\n\t "])
def test_submit_empty_text(db: Database, clock: ManualClock, idea_text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        submit(db, clock, idea_text=idea_text)

    assert "empty" in raised.value.user_message
    assert raised.value.field == "text"
    assert idea_rows(db) == 0


def test_submit_text_at_limit(db: Database, clock: ManualClock) -> None:
    submitted = submit(db, clock, idea_text="x" * MAX_IDEA_LENGTH)

    assert len(get_idea(db, submitted.idea.id).text) == MAX_IDEA_LENGTH
    assert idea_rows(db) == 1


def test_submit_text_over_limit(db: Database, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput) as raised:
        submit(db, clock, idea_text="x" * (MAX_IDEA_LENGTH + 1))

    assert str(MAX_IDEA_LENGTH + 1) in raised.value.user_message
    assert str(MAX_IDEA_LENGTH) in raised.value.user_message
    assert raised.value.field == "text"
    assert idea_rows(db) == 0


def test_submit_limit_after_strip(db: Database, clock: ManualClock) -> None:
    # Surrounding spaces are stripped before the length is checked.
    submitted = submit(db, clock, idea_text="  " + "x" * MAX_IDEA_LENGTH + "\n")

    assert submitted.idea.text == "x" * MAX_IDEA_LENGTH


def test_submit_detail_at_limit(db: Database, clock: ManualClock) -> None:
    submitted = submit_idea(db, ANN, text="Idea", detail="d" * MAX_DETAIL_LENGTH, now=clock.now())

    assert submitted.idea.detail == "d" * MAX_DETAIL_LENGTH


def test_submit_detail_over_limit(db: Database, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput) as raised:
        submit_idea(db, ANN, text="Idea", detail="d" * (MAX_DETAIL_LENGTH + 1), now=clock.now())

    assert str(MAX_DETAIL_LENGTH + 1) in raised.value.user_message
    assert raised.value.field == "detail"
    assert idea_rows(db) == 0


@pytest.mark.parametrize("detail", [None, "", "   \n"])
def test_submit_blank_detail(db: Database, clock: ManualClock, detail: str | None) -> None:
    submitted = submit_idea(db, ANN, text="Idea", detail=detail, now=clock.now())

    assert submitted.idea.detail is None


def test_submit_strips_text(db: Database, clock: ManualClock) -> None:
    submitted = submit_idea(
        db, ANN, text="  Longer lunch \n", detail="\n Because. ", now=clock.now()
    )

    assert submitted.idea.text == "Longer lunch"
    assert submitted.idea.detail == "Because."


def test_submit_same_channel(db: Database, clock: ManualClock) -> None:
    in_c1 = open_new_campaign(db, clock, channel_id="C1")
    clock.advance(timedelta(minutes=5))
    open_new_campaign(db, clock, channel_id="C2")

    submitted = submit(db, clock, channel_id="C1")

    assert submitted.campaign is not None
    assert submitted.campaign.id == in_c1.id
    assert submitted.idea.campaign_id == in_c1.id
    assert submitted.idea.channel_id == "C1"
    assert submitted.idea.campaign_open


def test_submit_newest_open(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock, channel_id="C1")
    clock.advance(timedelta(minutes=5))
    newest = open_new_campaign(db, clock, channel_id="C2")

    from_elsewhere = submit(db, clock, channel_id="D_DIRECT")
    without_channel = submit(db, clock, channel_id=None)

    for submitted in (from_elsewhere, without_channel):
        assert submitted.campaign is not None
        assert submitted.campaign.id == newest.id
        assert submitted.idea.channel_id == "C2"


def test_submit_standing_list(db: Database, clock: ManualClock) -> None:
    submitted = submit(db, clock, channel_id="C1")

    assert submitted.campaign is None
    assert submitted.idea.campaign_id is None
    assert submitted.idea.channel_id is None
    assert not submitted.idea.campaign_open
    assert get_idea(db, submitted.idea.id).campaign_id is None


def test_submit_scheduled_not_used(db: Database, clock: ManualClock) -> None:
    create_campaign(
        db,
        title="Later",
        channel_id="C1",
        starts="2027-02-01 09:00",
        timezone=LONDON,
        now=clock.now(),
    )

    assert submit(db, clock, channel_id="C1").campaign is None


def test_submit_after_close(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    clock.advance(timedelta(days=1))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None

    assert submit(db, clock, channel_id="C1").campaign is None


def test_submit_after_end_before_close(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    clock.set(campaign.ends_at)

    submitted = submit(db, clock, channel_id="C1")

    assert submitted.campaign is None
    assert submitted.idea.campaign_id is None
    assert submitted.idea.channel_id is None


def test_submit_ended_channel_uses_other(db: Database, clock: ManualClock) -> None:
    # C1's campaign has passed its end before the close job ran, while C2's still runs.
    clock.advance(timedelta(hours=1))
    running = open_new_campaign(db, clock, channel_id="C2", days=5)
    clock.advance(timedelta(minutes=5))
    ended = open_new_campaign(db, clock, channel_id="C1", days=1)
    clock.set(ended.ends_at)

    submitted = submit(db, clock, channel_id="C1")

    assert submitted.campaign is not None
    assert submitted.campaign.id == running.id
    assert submitted.idea.channel_id == "C2"


def test_submit_other_platform(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock, channel_id="C1")
    teams_author = Person("teams", "tenant-1", "user-1", "Cat")

    assert submit(db, clock, author=teams_author, channel_id="C1").campaign is None


def test_submit_named_author(db: Database, clock: ManualClock) -> None:
    submitted = submit(db, clock)

    assert submitted.idea.author_id == "U_ANN"
    assert submitted.idea.author_name == "Ann Smith"
    assert not submitted.idea.anonymous


def test_submit_anonymous_row(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)

    submitted = submit(db, clock, anonymous=True)

    assert submitted.idea.anonymous
    assert submitted.idea.author_id is None
    assert submitted.idea.author_name is None
    with db.transaction() as session:
        row = session.execute(
            text("SELECT author_id, author_name, anonymous, team_id FROM ideas WHERE id = :id"),
            {"id": submitted.idea.id},
        ).one()
    assert row.author_id is None
    assert row.author_name is None
    assert bool(row.anonymous)
    assert row.team_id == "T1"


def test_submit_anonymous_no_trace(db: Database, clock: ManualClock) -> None:
    submitted = submit(db, clock, anonymous=True)

    with db.transaction() as session:
        values = session.execute(
            text("SELECT * FROM ideas WHERE id = :id"), {"id": submitted.idea.id}
        ).one()
    assert "U_ANN" not in [str(value) for value in values]
    assert "Ann Smith" not in [str(value) for value in values]


def test_get_idea_unknown(db: Database) -> None:
    with pytest.raises(NotFound):
        get_idea(db, 12345)


def test_get_idea_campaign_open(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock, days=1)
    submitted = submit(db, clock)
    assert get_idea(db, submitted.idea.id).campaign_open

    clock.advance(timedelta(days=1))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None

    assert not get_idea(db, submitted.idea.id).campaign_open


def test_export_ideas_authors(db: Database, clock: ManualClock) -> None:
    campaign = open_new_campaign(db, clock)
    named = submit(db, clock, author=ANN, idea_text="Named")
    hidden = submit(db, clock, author=BOB, idea_text="Hidden", anonymous=True)

    exported = export_ideas(db)

    assert [row["id"] for row in exported] == [named.idea.id, hidden.idea.id]
    assert exported[0]["author"] == "U_ANN"
    assert exported[0]["author_name"] == "Ann Smith"
    assert exported[0]["anonymous"] is False
    assert exported[1]["author"] is None
    assert exported[1]["author_name"] is None
    assert exported[1]["anonymous"] is True
    assert exported[0]["campaign_id"] == campaign.id
    assert exported[0]["text"] == "Named"
    assert exported[0]["created_at"] == clock.now().isoformat()
    assert exported[0]["votes"] == 0
    assert exported[0]["comments"] == 0


def test_export_ideas_by_campaign(db: Database, clock: ManualClock) -> None:
    standing = submit(db, clock, idea_text="Before any campaign")
    campaign = open_new_campaign(db, clock)
    in_campaign = submit(db, clock, idea_text="In the campaign")

    assert [row["id"] for row in export_ideas(db, campaign_id=campaign.id)] == [in_campaign.idea.id]
    assert [row["id"] for row in export_ideas(db)] == [standing.idea.id, in_campaign.idea.id]


def test_claim_idea_post_once(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = submit(db, clock).idea.id

    assert claim_idea_post(db, idea_id, now=clock.now())
    assert not claim_idea_post(db, idea_id, now=clock.now())
    clock.advance(POST_RETRY_AFTER)
    assert not claim_idea_post(db, idea_id, now=clock.now())
    clock.advance(timedelta(seconds=1))
    assert claim_idea_post(db, idea_id, now=clock.now())


def test_claim_idea_post_after_record(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = submit(db, clock).idea.id
    assert claim_idea_post(db, idea_id, now=clock.now())

    record_idea_message(db, idea_id, message_id="1700000000.000200", vote_count=0)
    clock.advance(POST_RETRY_AFTER * 10)

    assert not claim_idea_post(db, idea_id, now=clock.now())


def test_record_idea_message(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = submit(db, clock).idea.id

    record_idea_message(db, idea_id, message_id="1700000000.000200", vote_count=3)

    assert get_idea(db, idea_id).message_id == "1700000000.000200"
    with db.transaction() as session:
        shown = session.scalar(select(Idea.shown_vote_count).where(Idea.id == idea_id))
    assert shown == 3


def test_unposted_ideas_after_retry(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = submit(db, clock).idea.id

    assert unposted_ideas(db, now=clock.now()) == []
    clock.advance(POST_RETRY_AFTER + timedelta(seconds=1))
    unposted = unposted_ideas(db, now=clock.now())

    assert [idea.id for idea in unposted] == [idea_id]
    assert unposted[0].channel_id == "C1"
    assert unposted[0].message_id is None


def test_unposted_ideas_campaign_open(db: Database, clock: ManualClock) -> None:
    # The idea message is rebuilt from this record, so campaign_open must be True.
    open_new_campaign(db, clock)
    submit(db, clock)
    clock.advance(POST_RETRY_AFTER + timedelta(seconds=1))

    unposted = unposted_ideas(db, now=clock.now())

    assert len(unposted) == 1
    assert unposted[0].campaign_open


def test_unposted_ideas_skips_posted(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    posted = submit(db, clock, idea_text="Posted").idea.id
    waiting = submit(db, clock, idea_text="Waiting").idea.id
    record_idea_message(db, posted, message_id="1700000000.000300", vote_count=0)
    clock.advance(POST_RETRY_AFTER * 2)

    assert [idea.id for idea in unposted_ideas(db, now=clock.now())] == [waiting]


def test_unposted_ideas_skips_standing(db: Database, clock: ManualClock) -> None:
    submit(db, clock)
    clock.advance(POST_RETRY_AFTER * 2)

    assert unposted_ideas(db, now=clock.now()) == []


def test_unposted_ideas_limit(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    ids = [submit(db, clock, idea_text=f"Idea {n}").idea.id for n in range(5)]
    clock.advance(POST_RETRY_AFTER * 2)

    assert [idea.id for idea in unposted_ideas(db, now=clock.now(), limit=3)] == ids[:3]


def test_find_idea_by_message(db: Database, clock: ManualClock) -> None:
    open_new_campaign(db, clock)
    idea_id = submit(db, clock).idea.id
    record_idea_message(db, idea_id, message_id="1700000000.000400", vote_count=0)

    found = find_idea_by_message(
        db, platform="slack", channel_id="C1", message_id="1700000000.000400"
    )

    assert found is not None
    assert found.id == idea_id
    assert found.campaign_open


@pytest.mark.parametrize(
    ("platform", "channel_id", "message_id"),
    [
        ("slack", "C1", "1700000000.999999"),
        ("slack", "C2", "1700000000.000400"),
        ("teams", "C1", "1700000000.000400"),
    ],
)
def test_find_idea_by_message_miss(
    db: Database, clock: ManualClock, platform: str, channel_id: str, message_id: str
) -> None:
    open_new_campaign(db, clock)
    idea_id = submit(db, clock).idea.id
    record_idea_message(db, idea_id, message_id="1700000000.000400", vote_count=0)

    found = find_idea_by_message(
        db, platform=platform, channel_id=channel_id, message_id=message_id
    )

    assert found is None
