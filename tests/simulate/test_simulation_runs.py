"""Small end-to-end runs of the simulated campaign whose checks must all pass.

The runs take minutes, so they are split over this file and test_simulation_faults.py:
pytest-xdist keeps a file on one worker, and two files can run side by side.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.simulate import answers, boards, campaign, directory, lifecycle, recognition
from bot.simulate.traffic import (
    Action,
    ActionKind,
    Ledger,
    build_plan,
)

SMALL_STAFF = 300


def _small_run(tmp_path: Path, *, seed: int, staff: int = SMALL_STAFF) -> campaign.SimulationResult:
    return campaign.simulate(
        staff=staff,
        seed=seed,
        database_url=f"sqlite:///{tmp_path / 'simulation.db'}",
        settings=load_settings(_env_file=None),
    )


def test_simulation_totals_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = build_plan(staff=SMALL_STAFF, seed=11)
    result = _small_run(tmp_path, seed=11)
    output = capsys.readouterr().out

    assert result.exit_code == 0, result.problems
    assert result.errors == []
    assert result.problems == []
    assert result.expected is not None
    assert result.expected == result.database
    assert result.expected == result.summary
    assert result.expected.ideas == len(plan.ideas) + len(directory.PAPER_IDEAS)
    assert result.expected.votes > 400
    assert result.requests[campaign.REDELIVERY_LABEL] > 0
    assert result.requests["reaction_added" + campaign.AFTER_CLOSE_SUFFIX] == 6
    assert "Campaign closed" in output
    assert campaign.parse_totals(output) == result.expected
    assert "Result: OK" in output
    assert "Participation by directorate" in output
    # The lifecycle around the traffic: announcement, interest, notices and report.
    assert result.requests[lifecycle.ANNOUNCE_LABEL] == 1
    assert result.requests[lifecycle.REMIND_LABEL] > 0
    assert result.requests[campaign.TOPIC_CHOICE_LABEL] > 0
    assert result.lifecycle["opening messages"] > 0
    assert result.lifecycle["reminders"] == 2
    assert result.lifecycle["final reports to managers"] == lifecycle.MANAGER_COUNT
    # 20 days hold 19 or 20 08:00s between a start and a close at the same time of day.
    assert result.lifecycle["digests"] in {
        19 * lifecycle.MANAGER_COUNT,
        20 * lifecycle.MANAGER_COUNT,
    }
    assert any(line.startswith("*Participants so far:*") for line in result.digest)
    # The team boards beside the campaign: traffic, answers and one digest per board and Monday.
    assert result.boards["boards"] == len(boards.TEAMS)
    assert result.boards["board ideas"] > 0
    assert result.boards["board votes"] > 0
    assert result.boards["answers"] > 0
    assert result.boards["answer messages"] >= result.boards["answers"]
    # 20 days hold 2 or 3 Mondays, and each brings one digest per board.
    assert result.boards["weekly digests"] in {2 * len(boards.TEAMS), 3 * len(boards.TEAMS)}
    assert result.requests[boards.START_LABEL] == len(boards.TEAMS)
    # After the close: answers by menu and file, their notices, the update and the report.
    assert [line.label for line in result.loop if not line.ok] == []
    assert len(result.loop) == 6
    assert result.requests[answers.MENU_LABEL] == answers.MENU_ANSWERS
    assert result.requests[answers.FORM_LABEL] == answers.MENU_ANSWERS
    assert result.requests[answers.YOUSAID_LABEL] == 1
    assert result.requests[answers.POST_LABEL] == 2
    assert result.answer_stats.startswith(f"Answers: {answers.ANSWER_TARGET} of ")
    assert "Answer statistics in /campaign report: Answers:" in output
    # Peer recognition during the campaign, with one repeat merged into its card.
    assert result.requests[recognition.THANKS_LABEL] == SMALL_STAFF // recognition.STAFF_PER_CARD
    assert result.requests[recognition.REPEAT_LABEL] == 1


def test_simulation_fails_when_totals_differ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class LedgerMissingOneVote(Ledger):
        """Forgets the first reaction vote sent, as if a request were counted wrongly."""

        dropped = False

        def apply(self, action: Action) -> None:
            if action.kind is ActionKind.REACTION_ADDED and not self.dropped:
                self.dropped = True
                return
            super().apply(action)

    monkeypatch.setattr(campaign, "Ledger", LedgerMissingOneVote)
    monkeypatch.setattr(campaign, "SETTLE_TIMEOUT_SECONDS", 2.0)
    result = _small_run(tmp_path, seed=11)

    assert result.exit_code == 1
    # The extra vote is caught on day 1, or on day 2 when the database still lagged by
    # that one vote at the day-1 check and so matched the short expected count.
    assert any(
        "database vs expected" in problem and "votes:" in problem for problem in result.problems
    )
