"""When each action of the plan is sent, in simulated seconds from the campaign's start.

Each campaign day has three phases, sent in order: the day's ideas from 01:00 to
04:00, then votes and replies from 04:00 to 20:00, then second thoughts (edited and
deleted replies, reversed reactions) and the manager's answers from 20:00 to 22:00.
Within a phase the actions are spread at random, seeded, over its hours. The runner
waits for one phase to finish before the next begins, because a vote needs its idea's
message and an edit needs its reply.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum

from bot.simulate.traffic import Action, CampaignPlan

SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600
IDEAS_HOURS = (1, 4)
ENGAGEMENT_HOURS = (4, 20)
FOLLOW_UP_HOURS = (20, 22)
# From the first answer day on, the manager answers ANSWERS_PER_DAY ideas each day.
FIRST_ANSWER_DAY = 3
ANSWERS_PER_DAY = 2


class PhaseKind(StrEnum):
    """The part of a campaign day a phase holds."""

    IDEAS = "ideas"
    ENGAGEMENT = "engagement"
    FOLLOW_UPS = "follow-ups"


@dataclass
class Phase:
    """One phase of one day: its actions, each with its time in simulated seconds."""

    day: int
    kind: PhaseKind
    starts: float
    ends: float
    actions: list[tuple[float, Action]] = field(default_factory=list)
    # How many ideas the manager answers in this phase, at times spread like the actions.
    answers: list[float] = field(default_factory=list)


def build_timeline(
    plan: CampaignPlan, *, seed: int, first_answer_day: int = FIRST_ANSWER_DAY
) -> list[Phase]:
    """Return the plan's phases in the order they are sent."""
    rng = random.Random(seed)
    phases = []
    for day_plan in plan.days:
        day_start = (day_plan.day - 1) * SECONDS_PER_DAY
        windows = (
            (PhaseKind.IDEAS, IDEAS_HOURS, day_plan.ideas),
            (PhaseKind.ENGAGEMENT, ENGAGEMENT_HOURS, day_plan.engagement),
            (PhaseKind.FOLLOW_UPS, FOLLOW_UP_HOURS, day_plan.follow_ups),
        )
        for kind, (first_hour, last_hour), actions in windows:
            starts = day_start + first_hour * SECONDS_PER_HOUR
            ends = day_start + last_hour * SECONDS_PER_HOUR
            times = sorted(rng.uniform(starts, ends) for _ in actions)
            phase = Phase(
                day=day_plan.day,
                kind=kind,
                starts=starts,
                ends=ends,
                actions=list(zip(times, actions, strict=True)),
            )
            if kind is PhaseKind.FOLLOW_UPS and day_plan.day >= first_answer_day:
                phase.answers = sorted(rng.uniform(starts, ends) for _ in range(ANSWERS_PER_DAY))
            phases.append(phase)
    return phases
