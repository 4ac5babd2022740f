"""Short runs of the simulated campaign in Teams, and split between Slack and Teams."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.config import load_settings
from bot.simulate import campaign, lifecycle, teams_traffic
from bot.simulate.traffic import MIN_DAYS


def _short_run(tmp_path: Path, *, platform: str, staff: int) -> campaign.SimulationResult:
    return campaign.simulate(
        staff=staff,
        seed=11,
        database_url=f"sqlite:///{tmp_path / 'simulation.db'}",
        settings=load_settings(_env_file=None),
        platform=platform,
        days=MIN_DAYS,
    )


def _campaign_ideas_by_platform(tmp_path: Path) -> dict[str, int]:
    """Count the campaign's ideas by platform; the team boards' ideas have no campaign."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'simulation.db'}")
    query = sa.text(
        "SELECT platform, COUNT(*) FROM ideas WHERE campaign_id IS NOT NULL GROUP BY platform"
    )
    try:
        with engine.connect() as connection:
            return {row[0]: int(row[1]) for row in connection.execute(query)}
    finally:
        engine.dispose()


def test_simulation_on_teams(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = _short_run(tmp_path, platform=campaign.TEAMS, staff=100)
    output = capsys.readouterr().out

    assert result.exit_code == 0, result.problems
    assert result.errors == []
    assert result.expected is not None
    assert result.expected == result.database
    assert result.expected == result.summary
    assert campaign.parse_totals(output) == result.expected
    assert _campaign_ideas_by_platform(tmp_path) == {"teams": result.expected.ideas}
    # Every request went to /api/messages: ideas by message, empty form and message
    # extension, votes by button and like, replies, and deliveries sent twice.
    assert all(label.startswith("Teams ") for label in result.requests)
    for label in (
        teams_traffic.IDEA_MESSAGE_LABEL,
        teams_traffic.IDEA_ALONE_LABEL,
        teams_traffic.SUBMIT_ACTION_LABEL,
        teams_traffic.VOTE_LABEL,
        teams_traffic.LIKE_LABEL,
        teams_traffic.REPLY_LABEL,
        teams_traffic.EDIT_LABEL,
        teams_traffic.APP_REPLY_LABEL,
        teams_traffic.REDELIVERY_LABEL,
    ):
        assert result.requests[label] > 0, (label, result.requests)
    assert not result.not_sent
    assert result.lifecycle["final reports to managers"] == lifecycle.MANAGER_COUNT
    # A 3-day campaign has its final reminder, 48 hours before the close, and no day-10 one.
    assert result.lifecycle["reminders"] == 1
    assert "Not in the Teams run:" in output
    assert "Result: OK on Teams" in output


def test_simulation_on_both_platforms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = _short_run(tmp_path, platform=campaign.BOTH, staff=campaign.MIN_STAFF_ON_BOTH)
    output = capsys.readouterr().out
    by_platform = _campaign_ideas_by_platform(tmp_path)

    assert result.exit_code == 0, result.problems
    assert result.errors == []
    assert result.expected is not None
    assert result.expected == result.database
    assert result.expected == result.summary
    # The Slack summary counts the ideas from both platforms, paper ideas among Slack's.
    assert by_platform["slack"] > 0
    assert by_platform["teams"] > 0
    assert sum(by_platform.values()) == result.expected.ideas
    assert result.requests[teams_traffic.SUBMIT_LABEL] > 0
    assert result.requests["/idea with text"] > 0
    assert result.not_sent[teams_traffic.ACROSS_NOT_SENT] > 0
    assert "Slack only:" in output
    assert "Result: OK on Slack and Teams" in output
