"""The checks of a load run, worked out from what was sent and what the bot stored and sent.

Each check compares an Observation (gathered by tests.load.observe) with the rules:
every acknowledged idea, reply and vote is stored once, nothing unacknowledged is
stored twice, the campaign closed once, and no direct message went twice. The
functions here read nothing themselves, so a test can hand them a made-up fault.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.load.sender import SenderStats

EXAMPLES_SHOWN = 3


@dataclass(frozen=True)
class CheckRow:
    """One line of the results table; ok is None for a figure that is reported, not checked."""

    name: str
    result: str
    ok: bool | None


@dataclass(frozen=True)
class DirectMessage:
    """A message the stand-in received in a person's direct message conversation."""

    recipient: str
    ts: str
    content: str
    # The outbox id in the message's metadata, when the bot sent one.
    outbox_id: int | None = None


@dataclass(frozen=True)
class OutboxRow:
    """One outbox row: its recipient, the ts of the message it sent, and whether it is done."""

    id: int
    recipient: str
    message_id: str | None
    sent: bool
    failed: bool


@dataclass
class Observation:
    """What was sent, what was acknowledged, and what the database and the stand-in hold."""

    # Idea text -> whether its request was acknowledged; stored: idea text -> rows.
    ideas_sent: dict[str, bool] = field(default_factory=dict)
    ideas_stored: Counter[str] = field(default_factory=Counter)
    # Reply ts -> whether its event was acknowledged; stored: reply ts -> comment rows.
    replies_sent: dict[str, bool] = field(default_factory=dict)
    replies_stored: Counter[str] = field(default_factory=Counter)
    # Reply ts -> (deleted, edited), expected for replies whose every event was acknowledged.
    reply_states_expected: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    reply_states_stored: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    # (user, idea ts) pairs: voted as the acknowledged requests make it, touched by an
    # unacknowledged request, touched by any request, and the stored vote rows.
    votes_expected: set[tuple[str, str]] = field(default_factory=set)
    votes_uncertain: set[tuple[str, str]] = field(default_factory=set)
    votes_touched: set[tuple[str, str]] = field(default_factory=set)
    votes_stored: list[tuple[str, str]] = field(default_factory=list)
    vote_count_sum: int = 0
    # Idea id -> the status the manager's acknowledged answer set, and the stored status.
    answers_expected: dict[int, str] = field(default_factory=dict)
    answers_unacknowledged: int = 0
    statuses_stored: dict[int, str | None] = field(default_factory=dict)
    campaign_status: str = ""
    close_log_lines: int = 0
    summary_messages: int = 0
    reports: dict[str, int] = field(default_factory=dict)
    direct_messages: list[DirectMessage] = field(default_factory=list)
    outbox: list[OutboxRow] = field(default_factory=list)
    # Requests sent after the campaign's end; the other checks assume there are none.
    late_requests: int = 0
    kills: int = 0
    # Requests the killed process was handling, through the proxy, when it was killed.
    in_flight_at_kill: int = 0
    restarts: int = 0
    unexpected_exits: list[str] = field(default_factory=list)
    sender: SenderStats = field(default_factory=SenderStats)
    skipped: Counter[str] = field(default_factory=Counter)


def _examples(items: list[str]) -> str:
    shown = ", ".join(items[:EXAMPLES_SHOWN])
    return f" (for example {shown})" if items else ""


def check_ideas(observation: Observation) -> CheckRow:
    """Check that each acknowledged idea is stored once, and no other idea more than once."""
    acknowledged = [text for text, ok in observation.ideas_sent.items() if ok]
    unacknowledged = [text for text, ok in observation.ideas_sent.items() if not ok]
    not_once = [text for text in acknowledged if observation.ideas_stored[text] != 1]
    twice = [text for text in unacknowledged if observation.ideas_stored[text] > 1]
    unknown = [text for text in observation.ideas_stored if text not in observation.ideas_sent]
    stored_unacknowledged = sum(observation.ideas_stored[text] == 1 for text in unacknowledged)
    problems = []
    if not_once:
        counts = [str(observation.ideas_stored[text]) for text in not_once]
        times = ", ".join(counts[:EXAMPLES_SHOWN])
        problems.append(f"{len(not_once)} acknowledged not stored once (stored {times} times)")
    if twice:
        problems.append(f"{len(twice)} unacknowledged stored twice or more")
    if unknown:
        problems.append(f"{len(unknown)} stored that were never sent")
    result = (
        f"{len(acknowledged) - len(not_once)} of {len(acknowledged)} acknowledged stored once; "
        f"{len(unacknowledged)} unacknowledged, {stored_unacknowledged} of them stored once"
    )
    return CheckRow("Ideas stored once", "; ".join([result, *problems]), not problems)


def check_replies(observation: Observation) -> CheckRow:
    """Check each acknowledged reply is stored once, and its deleted and edited state."""
    acknowledged = [ts for ts, ok in observation.replies_sent.items() if ok]
    unacknowledged = [ts for ts, ok in observation.replies_sent.items() if not ok]
    not_once = [ts for ts in acknowledged if observation.replies_stored[ts] != 1]
    twice = [ts for ts in unacknowledged if observation.replies_stored[ts] > 1]
    unknown = [ts for ts in observation.replies_stored if ts not in observation.replies_sent]
    wrong_state = [
        ts
        for ts, state in observation.reply_states_expected.items()
        if observation.reply_states_stored.get(ts) not in (None, state)
    ]
    problems = []
    if not_once:
        problems.append(f"{len(not_once)} acknowledged not stored once{_examples(not_once)}")
    if twice:
        problems.append(f"{len(twice)} unacknowledged stored twice or more{_examples(twice)}")
    if unknown:
        problems.append(f"{len(unknown)} stored that were never sent{_examples(unknown)}")
    if wrong_state:
        problems.append(
            f"{len(wrong_state)} with the wrong deleted or edited state{_examples(wrong_state)}"
        )
    result = (
        f"{len(acknowledged) - len(not_once)} of {len(acknowledged)} acknowledged stored once, "
        f"{len(observation.reply_states_expected) - len(wrong_state)} in the edited or "
        "deleted state sent; "
        f"{len(unacknowledged)} unacknowledged"
    )
    return CheckRow("Replies stored once", "; ".join([result, *problems]), not problems)


def check_votes(observation: Observation) -> CheckRow:
    """Check the stored votes against the acknowledged vote requests, pair by pair."""
    stored_counts = Counter(observation.votes_stored)
    stored = set(stored_counts)
    twice = [f"{user} on {ts}" for (user, ts), count in stored_counts.items() if count > 1]
    certain = (observation.votes_touched | stored) - observation.votes_uncertain
    missing = sorted(certain & (observation.votes_expected - stored))
    extra = sorted(certain & (stored - observation.votes_expected))
    problems = []
    if twice:
        problems.append(f"{len(twice)} stored twice{_examples(twice)}")
    if missing:
        pairs = [f"{user} on {ts}" for user, ts in missing]
        problems.append(f"{len(missing)} acknowledged votes missing{_examples(pairs)}")
    if extra:
        pairs = [f"{user} on {ts}" for user, ts in extra]
        problems.append(
            f"{len(extra)} votes stored that the acknowledged requests took back or never cast"
            f"{_examples(pairs)}"
        )
    if observation.vote_count_sum != len(observation.votes_stored):
        problems.append(
            f"ideas.vote_count adds up to {observation.vote_count_sum}, "
            f"but there are {len(observation.votes_stored)} vote rows"
        )
    result = (
        f"{len(certain) - len(missing) - len(extra)} of {len(certain)} person-idea pairs as the "
        f"acknowledged requests left them, {len(stored)} votes stored; "
        f"{len(observation.votes_uncertain)} pairs touched by an unacknowledged request "
        "not compared"
    )
    return CheckRow("Votes stored once", "; ".join([result, *problems]), not problems)


def check_answers(observation: Observation) -> CheckRow:
    """Check that each acknowledged status answer is stored on its idea; a figure if none."""
    if not observation.answers_expected and not observation.answers_unacknowledged:
        return CheckRow("Status answers stored", "no answers sent", None)
    wrong = [
        str(idea_id)
        for idea_id, status in observation.answers_expected.items()
        if observation.statuses_stored.get(idea_id) != status
    ]
    result = (
        f"{len(observation.answers_expected) - len(wrong)} of "
        f"{len(observation.answers_expected)} acknowledged answers stored; "
        f"{observation.answers_unacknowledged} unacknowledged"
    )
    if wrong:
        result += f"; ideas without their answer: {', '.join(wrong[:EXAMPLES_SHOWN])}"
    return CheckRow("Status answers stored", result, not wrong)


def check_close(observation: Observation) -> CheckRow:
    """Check the campaign closed once: one state change, one summary, one report a manager."""
    problems = []
    if observation.campaign_status != "closed":
        problems.append(f"the campaign is {observation.campaign_status or 'missing'}, not closed")
    if observation.close_log_lines != 1:
        problems.append(f"{observation.close_log_lines} processes logged closing it")
    if observation.summary_messages != 1:
        problems.append(f"{observation.summary_messages} closing summaries in the channel")
    not_once = sorted(user for user, count in observation.reports.items() if count != 1)
    if not observation.reports:
        problems.append("no manager to send the report to")
    if not_once:
        counts = ", ".join(f"{user}: {observation.reports[user]}" for user in not_once)
        problems.append(f"managers without exactly one report ({counts})")
    result = (
        f"status {observation.campaign_status or '-'}, {observation.close_log_lines} close "
        f"logged, {observation.summary_messages} closing summary, reports to "
        f"{len(observation.reports) - len(not_once)} of {len(observation.reports)} managers once"
    )
    return CheckRow("Campaign closed once", "; ".join([result, *problems]), not problems)


def check_direct_messages(observation: Observation) -> CheckRow:
    """Check no direct message went twice, and each matches one sent outbox row."""
    messages = observation.direct_messages
    by_content = Counter((message.recipient, message.content) for message in messages)
    by_outbox_id = Counter(message.outbox_id for message in messages if message.outbox_id)
    repeated = [recipient for (recipient, _), count in by_content.items() if count > 1]
    repeated += [f"outbox id {row_id}" for row_id, count in by_outbox_id.items() if count > 1]
    rows_by_ts = Counter(row.message_id for row in observation.outbox if row.message_id)
    message_ts = {message.ts for message in observation.direct_messages}
    without_row = [m.ts for m in observation.direct_messages if rows_by_ts[m.ts] != 1]
    lost = [
        str(row.id)
        for row in observation.outbox
        if row.sent and row.message_id not in message_ts and row.recipient.startswith(("U", "W"))
    ]
    pending = [str(row.id) for row in observation.outbox if not row.sent and not row.failed]
    failed = [str(row.id) for row in observation.outbox if row.failed]
    problems = []
    if repeated:
        problems.append(f"{len(repeated)} sent twice or more{_examples(repeated)}")
    if without_row:
        problems.append(
            f"{len(without_row)} without exactly one outbox row{_examples(without_row)}"
        )
    if lost:
        problems.append(f"{len(lost)} outbox rows marked sent but not received{_examples(lost)}")
    if pending:
        problems.append(f"{len(pending)} outbox rows still unsent{_examples(pending)}")
    if failed:
        problems.append(f"{len(failed)} outbox rows given up{_examples(failed)}")
    result = (
        f"{len(observation.direct_messages)} direct messages to "
        f"{len({m.recipient for m in observation.direct_messages})} people, "
        f"{len(repeated)} repeated; {len(observation.outbox)} outbox rows"
    )
    return CheckRow("No direct message twice", "; ".join([result, *problems]), not problems)


def check_restarts(observation: Observation, *, kills_planned: int) -> CheckRow:
    """Check that the planned kills happened, each process came back, and none died otherwise."""
    problems = []
    if observation.kills != kills_planned:
        problems.append(f"{observation.kills} kills, {kills_planned} planned")
    if observation.restarts != observation.kills:
        problems.append(f"{observation.restarts} restarts after {observation.kills} kills")
    problems.extend(observation.unexpected_exits)
    result = (
        f"{observation.kills} killed with SIGKILL, {observation.restarts} restarted; "
        f"{observation.in_flight_at_kill} requests in flight on it at the kill"
    )
    return CheckRow("Process restarts", "; ".join([result, *problems]), not problems)


def check_schedule(observation: Observation) -> CheckRow:
    """Check that every request was sent before the campaign's end, as the plan has it."""
    late = observation.late_requests
    result = (
        f"{late} requests sent after the campaign's end, because sending fell behind"
        if late
        else "every request sent before the campaign's end"
    )
    return CheckRow("Traffic sent in time", result, late == 0)


def figures(observation: Observation) -> list[CheckRow]:
    """Return the request counts and acknowledgement times, reported without a verdict."""
    stats = observation.sender
    median, p99 = stats.percentile(0.5), stats.percentile(0.99)
    times = "no request acknowledged"
    if median is not None and p99 is not None:
        slowest = max(stats.ack_seconds)
        times = f"p50 {median * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {slowest * 1000:.0f} ms"
    skipped = ", ".join(
        f"{count} ({reason})" for reason, count in sorted(observation.skipped.items())
    )
    return [
        CheckRow(
            "Requests",
            f"{stats.requests} sent in {stats.attempts} attempts, {stats.acknowledged} "
            f"acknowledged, {stats.retries} retries, {stats.failed} unacknowledged after every "
            "attempt",
            None,
        ),
        CheckRow("Time to acknowledge", times, None),
        CheckRow("Actions not sent", skipped or "none", None),
    ]


def run_checks(observation: Observation, *, kills_planned: int) -> list[CheckRow]:
    """Return every check's row, then the figures."""
    return [
        check_schedule(observation),
        check_ideas(observation),
        check_replies(observation),
        check_votes(observation),
        check_answers(observation),
        check_close(observation),
        check_direct_messages(observation),
        check_restarts(observation, kills_planned=kills_planned),
        *figures(observation),
    ]
