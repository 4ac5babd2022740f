"""Gather an Observation: what the replay sent, what the database stores, what the stand-in got."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import sqlalchemy as sa

from bot.simulate.campaign import SUMMARY_HEADER
from bot.simulate.lifecycle import REPORT_FRAGMENT
from bot.simulate.slack_standin import SlackStandIn, direct_message_channel
from bot.simulate.traffic import ActionKind
from handlers.outbox_sender import OUTBOX_EVENT_TYPE
from tests.load.checks import DirectMessage, Observation, OutboxRow
from tests.load.fleet import BotFleet
from tests.load.replay import CHANNEL_ID, LoadReplay

# The line bot.core.campaigns logs when this process moved a campaign to closed.
CLOSE_LOG_LINE = "Closed campaign {campaign_id}"


def observe(
    replay: LoadReplay,
    *,
    database_url: str,
    campaign_id: int,
    standin: SlackStandIn,
    fleet: BotFleet,
    managers: list[str],
) -> Observation:
    """Read everything the checks compare, once the bot has finished its work."""
    observation = Observation(sender=replay.sender.stats, skipped=Counter(replay.skipped))
    _sent(observation, replay)
    observation.late_requests = replay.late
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            _stored(observation, connection, campaign_id=campaign_id)
    finally:
        engine.dispose()
    observation.close_log_lines = len(
        fleet.log_lines(CLOSE_LOG_LINE.format(campaign_id=campaign_id))
    )
    observation.summary_messages = sum(
        _header(message) == SUMMARY_HEADER for message in standin.messages(CHANNEL_ID)
    )
    people = sorted({member.user_id for member in replay.plan.staff} | set(managers))
    for user_id in people:
        for conversation in (user_id, direct_message_channel(user_id)):
            for message in standin.messages(conversation):
                content = json.dumps(
                    [message.get("text", ""), message.get("blocks")], sort_keys=True
                )
                observation.direct_messages.append(
                    DirectMessage(
                        recipient=user_id,
                        ts=str(message["ts"]),
                        content=content,
                        outbox_id=_outbox_id(message),
                    )
                )
    observation.reports = {
        user_id: sum(
            REPORT_FRAGMENT in str(message.get("text", "")) for message in standin.messages(user_id)
        )
        for user_id in managers
    }
    observation.kills = fleet.kills()
    observation.restarts = fleet.restarts()
    observation.unexpected_exits = fleet.unexpected_exits()
    return observation


def _outbox_id(message: dict[str, Any]) -> int | None:
    """Return the outbox id in a message's metadata, or None when it has none."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != OUTBOX_EVENT_TYPE:
        return None
    value = (metadata.get("event_payload") or {}).get("outbox_id")
    return int(value) if value is not None else None


def _header(message: dict[str, object]) -> str | None:
    blocks = message.get("blocks")
    if not isinstance(blocks, list) or not blocks or blocks[0].get("type") != "header":
        return None
    return str(blocks[0]["text"]["text"])


def _sent(observation: Observation, replay: LoadReplay) -> None:
    """Turn the replay's record of acknowledged requests into the expected state."""
    plan, ledger = replay.plan, replay.ledger
    for index, acknowledged in replay.ideas_sent.items():
        observation.ideas_sent[plan.ideas[index].text] = acknowledged
    for index, acknowledged in replay.replies_sent.items():
        observation.replies_sent[replay.comment_ts[index]] = acknowledged
        if acknowledged and index not in replay.uncertain_replies:
            deleted = index not in ledger.live_comments
            edited = index in ledger.edited_comments
            observation.reply_states_expected[replay.comment_ts[index]] = (deleted, edited)
    message_ts = {index: message.ts for index, message in replay.idea_messages.items()}
    observation.votes_expected = {
        (user, message_ts[idea]) for user, idea in ledger.votes if idea in message_ts
    }
    observation.votes_uncertain = {
        (user, message_ts[idea]) for user, idea in replay.uncertain_votes if idea in message_ts
    }
    vote_kinds = (ActionKind.REACTION_ADDED, ActionKind.REACTION_REMOVED, ActionKind.VOTE_BUTTON)
    observation.votes_touched = {
        (action.user_id, message_ts[action.idea])
        for day in plan.days
        for action in day.actions()
        if action.kind in vote_kinds and action.idea in message_ts
    }
    for answer in replay.answers:
        if answer.acknowledged:
            observation.answers_expected[answer.idea_id] = answer.status
        else:
            observation.answers_unacknowledged += 1


def _stored(observation: Observation, connection: sa.Connection, *, campaign_id: int) -> None:
    """Read the ideas, replies, votes, statuses, campaign and outbox rows from the database."""
    for text, count in connection.execute(
        sa.text("SELECT text, COUNT(*) FROM ideas GROUP BY text")
    ):
        observation.ideas_stored[str(text)] = int(count)
    comments = connection.execute(
        sa.text("SELECT message_id, deleted_at IS NOT NULL, edited_at IS NOT NULL FROM comments")
    )
    for message_id, deleted, edited in comments:
        observation.replies_stored[str(message_id)] += 1
        observation.reply_states_stored[str(message_id)] = (bool(deleted), bool(edited))
    votes = connection.execute(
        sa.text("SELECT v.user_id, i.message_id FROM votes v JOIN ideas i ON i.id = v.idea_id")
    )
    observation.votes_stored = [(str(user), str(ts)) for user, ts in votes]
    observation.vote_count_sum = int(
        connection.execute(sa.text("SELECT COALESCE(SUM(vote_count), 0) FROM ideas")).scalar() or 0
    )
    statuses = connection.execute(sa.text("SELECT id, status FROM ideas"))
    observation.statuses_stored = {idea_id: status for idea_id, status in statuses}
    status = connection.execute(
        sa.text("SELECT status FROM campaigns WHERE id = :id"), {"id": campaign_id}
    ).scalar()
    observation.campaign_status = str(status or "")
    rows = connection.execute(
        sa.text(
            "SELECT id, recipient, message_id, sent_at IS NOT NULL, failed_at IS NOT NULL "
            "FROM outbox ORDER BY id"
        )
    )
    observation.outbox = [
        OutboxRow(
            id=int(row_id),
            recipient=str(recipient),
            message_id=message_id,
            sent=bool(sent),
            failed=bool(failed),
        )
        for row_id, recipient, message_id, sent, failed in rows
    ]
