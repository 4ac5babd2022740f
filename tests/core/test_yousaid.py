"""Tests of "You said, we did" updates: what they list, posting once, and the monthly update."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.core import audit, privacy, roles
from bot.core.campaigns import cancel_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.ideas import record_idea_message, submit_idea
from bot.core.records import Person
from bot.core.statuses import DONE, NOT_TAKEN_FORWARD, PLANNED, UNDER_CONSIDERATION
from bot.core.yousaid import (
    PostOutcome,
    monthly_day,
    monthly_key,
    post_monthly_updates,
    post_update,
    preview_update,
    request_key,
    set_monthly_updates,
)
from bot.publishers import PlatformPublishers
from bot.simulate.slack_standin import SlackStandIn
from handlers.publisher import SlackPublisher
from handlers.refresher import VoteCountRefresher
from storage.database import Database
from storage.models import (
    Idea,
    IdeaStatusChange,
    OutboxMessage,
    ScheduledRun,
    YouSaidUpdate,
)

LONDON = ZoneInfo("Europe/London")
TOKEN = "xoxb-yousaid-test"
CHANNEL = "C0IDEAS"
MAY = Person("slack", "T1", "U_MAY", "May")  # an engagement manager
ANN = Person("slack", "T1", "U_ANN", "Ann")
BOB = Person("slack", "T1", "U_BOB", "Bob")


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    """A Slack Web API stand-in on 127.0.0.1."""
    with SlackStandIn(bot_token=TOKEN) as running:
        yield running


@pytest.fixture
def notifier(db: Database, standin: SlackStandIn) -> Iterator[PlatformPublishers]:
    """The publisher of a process that serves Slack, talking to the stand-in."""
    client = WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])
    refresher = VoteCountRefresher(db=db, client=client)
    platforms = PlatformPublishers(db, main="slack")
    platforms.add("slack", SlackPublisher(client, timezone=LONDON, refresher=refresher))
    try:
        yield platforms
    finally:
        refresher.stop()


@pytest.fixture
def campaign_id(db: Database, clock: ManualClock) -> int:
    """An open campaign in CHANNEL, with May granted the manager role."""
    roles.grant_role(
        db,
        platform="slack",
        user_id=MAY.user_id,
        role=roles.MANAGER,
        granted_by="t",
        now=clock.now(),
    )
    record = create_campaign(
        db,
        title="Winter <ideas>",
        channel_id=CHANNEL,
        starts="now",
        timezone=LONDON,
        now=clock.now(),
    )
    assert open_campaign(db, record.id, now=clock.now()) is not None
    return record.id


def campaign_idea(
    db: Database,
    clock: ManualClock,
    text: str,
    *,
    author: Person = ANN,
    anonymous: bool = False,
    message_id: str | None = None,
) -> int:
    submitted = submit_idea(
        db, author, text=text, anonymous=anonymous, channel_id=CHANNEL, now=clock.now()
    )
    idea_id = submitted.idea.id
    if message_id is not None:
        record_idea_message(db, idea_id, message_id=message_id, vote_count=0)
    return idea_id


def record_change(
    db: Database,
    clock: ManualClock,
    idea_id: int,
    status: str,
    *,
    reply: str | None = None,
    owner: str | None = None,
) -> int:
    """Store a status change as the status code does: on the idea and in its history."""
    with db.transaction() as session:
        idea = session.get(Idea, idea_id)
        assert idea is not None
        idea.status = status
        idea.status_reply = reply
        idea.status_owner = owner
        change = IdeaStatusChange(
            idea_id=idea_id,
            status=status,
            reply=reply,
            owner=owner,
            changed_by=MAY.user_id,
            changed_at=clock.now(),
        )
        session.add(change)
        session.flush()
        return change.id


def set_idea_fields(db: Database, idea_id: int, **values: Any) -> None:
    with db.transaction() as session:
        idea = session.get(Idea, idea_id)
        assert idea is not None
        for name, value in values.items():
            setattr(idea, name, value)


def outbox_rows(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def update_rows(db: Database) -> list[YouSaidUpdate]:
    with db.transaction() as session:
        return list(session.scalars(select(YouSaidUpdate).order_by(YouSaidUpdate.id)))


def run_keys(db: Database) -> set[str]:
    with db.transaction() as session:
        return set(session.scalars(select(ScheduledRun.key)))


def payload_of(row: OutboxMessage) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(row.payload)
    return payload


def section_texts(payload: dict[str, Any]) -> str:
    texts = []
    for block in payload["blocks"]:
        if block["type"] in ("section", "header"):
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts += [element["text"] for element in block["elements"]]
    return "\n".join(texts)


def test_first_update_groups_latest_answers(
    db: Database, clock: ManualClock, campaign_id: int
) -> None:
    lift = campaign_idea(db, clock, "Fix the lift", message_id="1700000000.000100")
    parking = campaign_idea(db, clock, "More parking", anonymous=True)
    rota = campaign_idea(db, clock, "Share the rota early", author=BOB)
    hidden = campaign_idea(db, clock, "Hidden idea")
    withdrawn = campaign_idea(db, clock, "Withdrawn idea")
    never = campaign_idea(db, clock, "No answer yet")

    record_change(db, clock, lift, UNDER_CONSIDERATION)
    record_change(db, clock, lift, PLANNED, reply="Booked for March", owner="Estates team")
    record_change(db, clock, parking, NOT_TAKEN_FORWARD, reply="No land")
    record_change(db, clock, rota, DONE, reply="Done from May")
    # The latest change only removed the reply.
    record_change(db, clock, rota, DONE, reply=None)
    record_change(db, clock, hidden, DONE)
    # The update covers the changes of hidden and withdrawn ideas without listing them.
    last = record_change(db, clock, withdrawn, PLANNED)
    set_idea_fields(db, hidden, hidden_at=clock.now(), hidden_by=MAY.user_id)
    set_idea_fields(db, withdrawn, withdrawn_at=clock.now())

    draft = preview_update(db, campaign_id)

    assert draft.previous_at is None
    assert draft.after_change_id == 0
    assert draft.last_change_id == last
    assert [group.status for group in draft.groups] == [PLANNED, DONE, NOT_TAKEN_FORWARD]
    assert [group.label for group in draft.groups] == ["Planned", "Done", "Not taken forward"]
    assert draft.idea_count == 3
    listed = {idea.idea_id: idea for idea in draft.ideas}
    assert set(listed) == {lift, parking, rota}
    assert never not in listed
    assert (listed[lift].reply, listed[lift].owner) == ("Booked for March", "Estates team")
    assert listed[lift].message_id == "1700000000.000100"
    assert listed[lift].author_name is not None
    assert listed[rota].status == DONE
    assert listed[rota].reply is None
    assert listed[parking].anonymous
    assert listed[parking].author_name is None


def test_post_stores_update_and_enqueues_once(
    db: Database,
    clock: ManualClock,
    notifier: PlatformPublishers,
    standin: SlackStandIn,
    campaign_id: int,
) -> None:
    ideas = [
        campaign_idea(db, clock, f"Idea {n}", message_id=f"1700000000.00010{n}") for n in range(3)
    ]
    for idea_id in ideas:
        record_change(db, clock, idea_id, PLANNED, reply="Soon & <quick>", owner="Estates")
    key = request_key("abc")

    result = post_update(db, notifier, campaign_id, by=MAY, now=clock.now(), claim_key=key)
    again = post_update(db, notifier, campaign_id, by=MAY, now=clock.now(), claim_key=key)

    assert result.outcome is PostOutcome.POSTED
    assert again.outcome is PostOutcome.ALREADY_POSTED
    [update] = update_rows(db)
    assert update.id == result.update_id
    assert update.created_by == MAY.user_id
    assert update.idea_count == 3
    assert update.campaign_id == campaign_id
    [row] = outbox_rows(db)
    assert row.recipient == CHANNEL
    assert row.dedupe_key == f"yousaid:{update.id}"
    text = section_texts(payload_of(row))
    assert "Winter &lt;ideas&gt;" in text
    assert "*Planned* (3)" in text
    assert "Soon &amp; &lt;quick&gt;" in text
    assert "_Owner: Estates_" in text
    for n in range(3):
        assert f"/archives/{CHANNEL}/p170000000000010{n}|Idea {n}>" in text
    # One permalink call gives the workspace address; the other links are built from it.
    assert len(standin.calls("chat.getPermalink")) == 1
    assert key in run_keys(db)


def test_next_update_covers_later_changes(
    db: Database, clock: ManualClock, notifier: PlatformPublishers, campaign_id: int
) -> None:
    first = campaign_idea(db, clock, "First idea")
    second = campaign_idea(db, clock, "Second idea")
    record_change(db, clock, first, PLANNED)
    posted = post_update(
        db, notifier, campaign_id, by=MAY, now=clock.now(), claim_key=request_key("one")
    )
    assert posted.outcome is PostOutcome.POSTED
    posted_at = clock.now()

    clock.advance(timedelta(days=7))
    nothing = post_update(
        db, notifier, campaign_id, by=MAY, now=clock.now(), claim_key=request_key("two")
    )
    assert nothing.outcome is PostOutcome.NOTHING_NEW
    assert nothing.draft is not None
    assert nothing.draft.previous_at == posted_at
    assert request_key("two") not in run_keys(db)

    record_change(db, clock, second, DONE, reply="Fixed")
    record_change(db, clock, first, DONE)
    draft = preview_update(db, campaign_id)
    assert draft.previous_at == posted_at
    assert {idea.idea_id for idea in draft.ideas} == {first, second}
    assert [group.status for group in draft.groups] == [DONE]

    later = post_update(
        db, notifier, campaign_id, by=MAY, now=clock.now(), claim_key=request_key("three")
    )
    assert later.outcome is PostOutcome.POSTED
    rows = update_rows(db)
    assert [row.idea_count for row in rows] == [1, 2]
    assert rows[1].last_change_id > rows[0].last_change_id
    assert len(outbox_rows(db)) == 2


def test_changes_of_other_campaigns_left_out(
    db: Database, clock: ManualClock, campaign_id: int
) -> None:
    ours = campaign_idea(db, clock, "Ours")
    record_change(db, clock, ours, PLANNED)
    other = create_campaign(
        db, title="Other", channel_id="C0OTHER", starts="now", timezone=LONDON, now=clock.now()
    )
    assert open_campaign(db, other.id, now=clock.now()) is not None
    theirs = submit_idea(db, ANN, text="Theirs", channel_id="C0OTHER", now=clock.now()).idea.id
    record_change(db, clock, theirs, DONE)

    assert [idea.idea_id for idea in preview_update(db, campaign_id).ideas] == [ours]
    assert [idea.idea_id for idea in preview_update(db, other.id).ideas] == [theirs]


def test_campaign_states_rejected(
    db: Database, clock: ManualClock, notifier: PlatformPublishers, campaign_id: int
) -> None:
    with pytest.raises(NotFound) as unknown:
        preview_update(db, 999)
    assert "There is no campaign 999" in unknown.value.user_message

    later = create_campaign(
        db,
        title="Spring",
        channel_id="C0SPRING",
        starts=(clock.now() + timedelta(days=30)).astimezone(LONDON).strftime("%Y-%m-%d %H:%M"),
        timezone=LONDON,
        now=clock.now(),
    )
    with pytest.raises(InvalidInput) as scheduled:
        post_update(db, notifier, later.id, by=MAY, now=clock.now(), claim_key=request_key("s"))
    assert "has not opened yet" in scheduled.value.user_message

    cancel_campaign(db, later.id, by=MAY, now=clock.now())
    with pytest.raises(InvalidInput) as cancelled:
        preview_update(db, later.id)
    assert "was cancelled" in cancelled.value.user_message
    assert update_rows(db) == []


def test_non_manager_rejected_nothing_stored(
    db: Database, clock: ManualClock, notifier: PlatformPublishers, campaign_id: int
) -> None:
    idea_id = campaign_idea(db, clock, "Fix the lift")
    record_change(db, clock, idea_id, PLANNED)

    with pytest.raises(PermissionDenied):
        post_update(db, notifier, campaign_id, by=ANN, now=clock.now(), claim_key=request_key("x"))
    with pytest.raises(PermissionDenied):
        set_monthly_updates(db, ANN, campaign_id, enabled=True, now=clock.now())

    assert update_rows(db) == []
    assert outbox_rows(db) == []
    assert run_keys(db) == set()


def test_monthly_setting_audited(db: Database, clock: ManualClock, campaign_id: int) -> None:
    on = set_monthly_updates(db, MAY, campaign_id, enabled=True, now=clock.now())
    again = set_monthly_updates(db, MAY, campaign_id, enabled=True, now=clock.now())
    off = set_monthly_updates(db, MAY, campaign_id, enabled=False, now=clock.now())

    assert (on.enabled, on.changed) == (True, True)
    assert (again.enabled, again.changed) == (True, False)
    assert (off.enabled, off.changed) == (False, True)
    entries = audit.list_audit(db, action="yousaid_monthly")
    assert [entry.detail for entry in entries] == [{"enabled": False}, {"enabled": True}]
    assert {entry.subject for entry in entries} == {f"campaign:{campaign_id}"}
    assert {entry.actor for entry in entries} == {MAY.user_id}
    with pytest.raises(NotFound):
        set_monthly_updates(db, MAY, 999, enabled=True, now=clock.now())


def test_monthly_day_from_nine_local() -> None:
    # 1 July 2027 is in British Summer Time, so 09:00 local is 08:00 UTC.
    assert monthly_day(datetime(2027, 7, 1, 7, 59, tzinfo=UTC), timezone=LONDON) is None
    assert monthly_day(datetime(2027, 7, 1, 8, 0, tzinfo=UTC), timezone=LONDON) is not None
    assert monthly_day(datetime(2027, 7, 2, 8, 0, tzinfo=UTC), timezone=LONDON) is None
    # 23:30 UTC on 31 January is still 31 January in London.
    assert monthly_day(datetime(2027, 1, 31, 23, 30, tzinfo=UTC), timezone=LONDON) is None


def test_monthly_update_posted_once_a_month(
    db: Database, clock: ManualClock, notifier: PlatformPublishers, campaign_id: int
) -> None:
    quiet = create_campaign(
        db, title="Quiet", channel_id="C0QUIET", starts="now", timezone=LONDON, now=clock.now()
    )
    assert open_campaign(db, quiet.id, now=clock.now()) is not None
    for monthly in (campaign_id, quiet.id):
        set_monthly_updates(db, MAY, monthly, enabled=True, now=clock.now())
    idea_id = campaign_idea(db, clock, "Fix the lift")
    record_change(db, clock, idea_id, PLANNED)

    clock.set(datetime(2027, 2, 1, 8, 55, tzinfo=UTC))
    assert post_monthly_updates(db, notifier, now=clock.now()) == []
    clock.set(datetime(2027, 2, 1, 9, 5, tzinfo=UTC))
    assert post_monthly_updates(db, notifier, now=clock.now()) == [campaign_id]
    assert post_monthly_updates(db, notifier, now=clock.now()) == []

    [update] = update_rows(db)
    assert update.created_by == "scheduler"
    assert run_keys(db) == {monthly_key(campaign_id, datetime(2027, 2, 1).date())}
    assert len(outbox_rows(db)) == 1

    # A change later that day is not posted again the same month.
    record_change(db, clock, idea_id, DONE)
    clock.set(datetime(2027, 2, 1, 15, 0, tzinfo=UTC))
    assert post_monthly_updates(db, notifier, now=clock.now()) == []
    # The next month's update carries it.
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    assert post_monthly_updates(db, notifier, now=clock.now()) == [campaign_id]
    assert [row.idea_count for row in update_rows(db)] == [1, 1]


def test_monthly_update_off_posts_nothing(
    db: Database, clock: ManualClock, notifier: PlatformPublishers, campaign_id: int
) -> None:
    idea_id = campaign_idea(db, clock, "Fix the lift")
    record_change(db, clock, idea_id, PLANNED)
    set_monthly_updates(db, MAY, campaign_id, enabled=True, now=clock.now())
    set_monthly_updates(db, MAY, campaign_id, enabled=False, now=clock.now())

    clock.set(datetime(2027, 2, 1, 9, 5, tzinfo=UTC))
    assert post_monthly_updates(db, notifier, now=clock.now()) == []
    assert update_rows(db) == []


def test_erasure_rekeys_update_poster(
    db: Database, clock: ManualClock, notifier: PlatformPublishers, campaign_id: int
) -> None:
    idea_id = campaign_idea(db, clock, "Fix the lift")
    record_change(db, clock, idea_id, PLANNED)
    post_update(db, notifier, campaign_id, by=MAY, now=clock.now(), claim_key=request_key("e"))

    erased = privacy.erase_person(
        db, platform="slack", user_id=MAY.user_id, actor="cli", now=clock.now()
    )

    assert erased.replaced["yousaid_updates"] == 1
    [update] = update_rows(db)
    assert update.created_by != MAY.user_id
