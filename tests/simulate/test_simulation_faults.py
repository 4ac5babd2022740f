"""Faults in the bot that the simulated campaign's checks must catch, on small runs.

The runs take minutes, so they are split over this file and test_simulation_runs.py:
pytest-xdist keeps a file on one worker, and two files can run side by side.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.core import answer_stats, thanks, yousaid
from bot.simulate import boards, campaign
from bot.simulate.traffic import (
    MIN_DAYS,
    MIN_STAFF,
)
from handlers import status_notices

SMALL_STAFF = 300


def _small_run(tmp_path: Path, *, seed: int, staff: int = SMALL_STAFF) -> campaign.SimulationResult:
    # The shortest campaign the plan allows: each fault here shows on any day, and a
    # 20-day run takes a minute or more.
    return campaign.simulate(
        staff=staff,
        seed=seed,
        database_url=f"sqlite:///{tmp_path / 'simulation.db'}",
        settings=load_settings(_env_file=None),
        days=MIN_DAYS,
    )


def test_simulation_fails_when_topics_unchosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Authors who never choose from the topic menu leave their ideas with no topic.
    monkeypatch.setattr(campaign.Replay, "choose_topics", lambda self, actions: None)
    result = _small_run(tmp_path, seed=11, staff=MIN_STAFF)

    assert result.exit_code == 1
    assert any("ideas by topic id" in problem for problem in result.problems)


def test_simulation_fails_when_digest_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Looking for a digest text the bot never sends stands for a digest that never came.
    monkeypatch.setattr(boards, "DIGEST_FRAGMENT", "No such digest")
    monkeypatch.setattr(boards, "WAIT_SECONDS", 2.0)
    result = _small_run(tmp_path, seed=11, staff=MIN_STAFF)

    assert result.exit_code == 1
    assert any("expected weekly digests" in problem for problem in result.problems)


def test_simulation_fails_when_loop_breaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Four faults in the bot, each of which one check after the close must catch.
    send_notices = status_notices.status_outbox_messages
    monkeypatch.setattr(
        status_notices,
        "status_outbox_messages",
        lambda change, *, dedupe_keys: send_notices(
            change, dedupe_keys=dict(list(dedupe_keys.items())[1:])
        ),
    )
    keys = iter(range(1_000_000))
    monkeypatch.setattr(yousaid, "request_key", lambda token: f"yousaid-request:{next(keys)}")
    days_between = answer_stats.days_between
    monkeypatch.setattr(
        answer_stats, "days_between", lambda start, end: days_between(start, end) + 1
    )
    monkeypatch.setattr(thanks, "MERGE_WINDOW", timedelta(0))
    result = _small_run(tmp_path, seed=11, staff=MIN_STAFF)
    failed = {line.label for line in result.loop if not line.ok}

    assert result.exit_code == 1
    assert "status notices, once per author and voter" in failed
    assert '"You said, we did" update in the channel' in failed
    assert "answer statistics in /campaign report" in failed
    assert "thanks cards in the recognition channel" in failed
    assert "idea messages showing their answer" not in failed
