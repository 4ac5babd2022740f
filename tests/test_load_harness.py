"""The load and fault test on a tiny campaign, and its checks on made-up faults."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from tests.load.checks import (
    CheckRow,
    DirectMessage,
    Observation,
    OutboxRow,
    check_direct_messages,
    check_ideas,
    check_votes,
)
from tests.load.report import render
from tests.load.run import LoadOptions, run_load

# 30 staff make about 80 requests, and at this speed the 20 days take 11.5 seconds. The
# manager answers no idea: at this speed the answers' paced message updates hold up
# their responses for seconds, and sending would fall behind the campaign's close.
TINY = LoadOptions(
    speed=150_000,
    staff=30,
    kill_at_day=6.5,
    restart_after_seconds=1.0,
    lead_seconds=1.0,
    first_answer_day=21,
    settle_seconds=60.0,
    outbox_rate=20.0,
    progress_seconds=60.0,
    quiet_seconds=0.5,
)


def _rows_by_name(rows: list[CheckRow]) -> dict[str, CheckRow]:
    return {row.name: row for row in rows}


def test_load_tiny_campaign_passes(postgres_url: str) -> None:
    # The run creates its own database; the fixture skips the test when PostgreSQL is down.
    result = run_load(TINY, progress=lambda message: None)

    assert result.problems == []
    rows = _rows_by_name(result.rows)
    for name in (
        "Traffic sent in time",
        "Ideas stored once",
        "Replies stored once",
        "Votes stored once",
        "Campaign closed once",
        "No direct message twice",
        "Process restarts",
    ):
        assert rows[name].ok is True, rows[name].result
    assert rows["Process restarts"].result.startswith("1 killed with SIGKILL, 1 restarted")
    assert result.passed
    assert "| Campaign closed once |" in render(result)


def test_checks_catch_repeats() -> None:
    observation = Observation(
        ideas_sent={"Idea A": True, "Idea B": False},
        ideas_stored=Counter({"Idea A": 1, "Idea B": 1}),
        votes_expected={("U1", "1.1")},
        votes_touched={("U1", "1.1"), ("U2", "1.1")},
        votes_stored=[("U1", "1.1")],
        vote_count_sum=1,
        direct_messages=[DirectMessage(recipient="U1", ts="2.1", content="x", outbox_id=1)],
        outbox=[OutboxRow(id=1, recipient="U1", message_id="2.1", sent=True, failed=False)],
    )
    assert check_ideas(observation).ok is True
    assert check_votes(observation).ok is True
    assert check_direct_messages(observation).ok is True

    twice = replace(observation, ideas_stored=Counter({"Idea A": 2, "Idea B": 1}))
    assert check_ideas(twice).ok is False
    lost = replace(observation, ideas_stored=Counter({"Idea B": 1}))
    assert check_ideas(lost).ok is False
    extra_vote = replace(observation, votes_stored=[("U1", "1.1"), ("U2", "1.1")], vote_count_sum=2)
    assert check_votes(extra_vote).ok is False
    repeated = DirectMessage(recipient="U1", ts="2.2", content="x", outbox_id=1)
    sent_twice = replace(observation, direct_messages=[*observation.direct_messages, repeated])
    assert check_direct_messages(sent_twice).ok is False
