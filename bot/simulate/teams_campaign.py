"""`staffvoice simulate --platform teams`: the simulated campaign with all staff in Teams.

The bot serves Teams only, against the Bot Connector stand-in. A manager adds the app to
the team of the campaign's channel, and each manager opens a personal chat with it, so
that it can post in the channel and send them digests and reports. The campaign runs in
that channel, and the seeded plan of traffic.py is sent as Teams activities
(teams_traffic.py) day by day, as in the Slack run. At the close the run compares the
totals of the final report card in the channel with the database's and with those
expected from the activities sent. It checks that each manager got every digest and the
report once and the channel every reminder, that no vote after the close counted, and
that each idea has the topic its author chose. The parts of the Slack run left out are
printed when the run starts.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from bot.core.clock import ManualClock
from bot.simulate.campaign import (
    CAMPAIGN_TITLE,
    OUTBOX_RATE,
    SENDER_THREADS,
    SETTLE_TIMEOUT_SECONDS,
    SUMMARY_HEADER,
    TEAMS,
    TEAMS_SENDS_PER_SECOND,
    CampaignRun,
    DatabaseCounter,
    Replay,
    SenderPool,
    SimulationResult,
    parse_totals,
)
from bot.simulate.common import SimulationFailed, wait_until
from bot.simulate.lifecycle import MANAGER_COUNT, Lifecycle, LifecycleFailed
from bot.simulate.local_bot import LocalBot
from bot.simulate.teams_traffic import TEAMS_CHANNEL, TeamsStaff, teams_users
from bot.simulate.traffic import CampaignPlan, DayPlan

# The parts of the Slack run that the Teams run leaves out, and why.
NOT_IN_TEAMS_RUN = (
    "the announcement, Remind me presses and opening messages, the team Your Shout boards "
    "and the thanks cards, because the run sends them as Slack requests only.",
    "the staff list, the paper ideas and the participation report's check, because the "
    "run's staff list gives Slack IDs only.",
    'the answers after the close and "You said, we did", because their checks read '
    "Slack messages only.",
)
# The lifecycle count of a Slack part the Teams run leaves out.
OPENING_MESSAGES = "opening messages"


class TeamsCampaignRun(CampaignRun):
    """One simulated campaign in Teams, from the bot's start to its final report."""

    def __init__(
        self,
        plan: CampaignPlan,
        *,
        database_url: str,
        result: SimulationResult,
        folder: Path,
        min_group_size: int,
        platform: str = TEAMS,
    ) -> None:
        """min_group_size is not used: the run has no staff list to group people by."""
        del min_group_size
        if platform != TEAMS:
            raise ValueError(f"TeamsCampaignRun runs on Teams only, not {platform!r}")
        self.plan = plan
        self.database_url = database_url
        self.result = result
        self.folder = folder
        self.teams_people = teams_users(plan)
        self.started = time.monotonic()

    def run(self) -> None:
        """Start the bot, open the campaign in Teams, replay the plan, close and check."""
        clock = ManualClock(datetime.now(UTC))
        managers = [member.user_id for member in self.plan.staff[:MANAGER_COUNT]]
        with LocalBot(
            database_url=self.database_url,
            clock=clock,
            slack=False,
            teams=True,
            teams_managers=[self.teams_people[user_id].aad_id for user_id in managers],
            outbox_rate=OUTBOX_RATE,
            teams_sends_per_second=TEAMS_SENDS_PER_SECOND,
        ) as bot:
            assert bot.process is not None
            campaign = self._create_campaign(
                bot, clock=clock, platform=TEAMS, channel_id=TEAMS_CHANNEL.channel_id
            )
            teams = TeamsStaff(bot=bot, plan=self.plan, people=self.teams_people)
            self.lifecycle = Lifecycle(
                bot=bot,
                campaign=campaign,
                staff=[member.user_id for member in self.plan.staff],
                usernames={member.user_id: member.username for member in self.plan.staff},
                timezone=bot.process.settings.timezone,
                seed=self.plan.seed,
                inbox=teams.inbox,
            )
            counter = DatabaseCounter(bot.process.settings.database_url, campaign_id=campaign.id)
            pool = SenderPool(bot, threads=SENDER_THREADS)
            replay = Replay(self.plan, bot=bot, pool=pool, campaign=campaign, teams=teams)
            for line in NOT_IN_TEAMS_RUN:
                print(f"Not in the Teams run: {line}")
            try:
                teams.join(installer=managers[0], personal=managers, send=replay.send_activity)
                self._open(replay, clock=clock)
                self._run_days(replay, clock=clock, counter=counter)
                self._close(replay, clock=clock, counter=counter)
                self.lifecycle.check_close()
                self._vote_after_close(replay, counter=counter)
                self._check_topics(replay, counter=counter)
            except LifecycleFailed as error:
                raise SimulationFailed(str(error)) from None
            finally:
                self.result.problems.extend(self.lifecycle.problems)
                self.result.lifecycle = self.lifecycle.counts()
                del self.result.lifecycle[OPENING_MESSAGES]
                self.result.digest = self.lifecycle.last_digest()
                self._collect(replay)
                pool.close()
                counter.dispose()

    def _open(self, replay: Replay, *, clock: ManualClock) -> None:
        """Move the clock to the campaign's start and wait for its launch card."""
        assert replay.teams is not None
        clock.set(replay.campaign.starts_at)
        replay.teams.wait_for_launch(CAMPAIGN_TITLE, timeout=SETTLE_TIMEOUT_SECONDS)
        print(
            f"Opened {CAMPAIGN_TITLE!r} in Teams channel {TEAMS_CHANNEL.name!r}, "
            f"{self.elapsed():.1f} s."
        )

    def _move_clock(self, clock: ManualClock, moment: datetime) -> None:
        """Move the clock, then wait for the digests and reminders due by then."""
        clock.set(moment)
        self.lifecycle.wait_for_notices(moment)

    def _channels(self, replay: Replay) -> str:
        return f"Teams channel {TEAMS_CHANNEL.channel_id}"

    def _after_ideas(
        self, day_plan: DayPlan, *, replay: Replay, clock: ManualClock, counter: DatabaseCounter
    ) -> None:
        """Wait for the day's ideas to have their cards in the channel."""
        assert replay.teams is not None
        replay.teams.find_idea_cards(
            day_plan.ideas, records=counter, timeout=SETTLE_TIMEOUT_SECONDS
        )

    def _after_engagement(self, day: int, *, replay: Replay, clock: ManualClock) -> None:
        """Send nothing more: the boards and thanks cards are sent in the Slack run only."""

    def _close(self, replay: Replay, *, clock: ManualClock, counter: DatabaseCounter) -> None:
        """Close the campaign, print its final report card, and keep the three sets of totals."""
        teams = replay.teams
        assert teams is not None
        self._reach_close(replay, clock=clock)
        wait_until(
            lambda: teams.find_card(SUMMARY_HEADER) is not None,
            timeout=SETTLE_TIMEOUT_SECONDS,
            describe=lambda: "the scheduler did not post the final report card in Teams",
        )
        lines = teams.find_card(SUMMARY_HEADER) or []
        print(f"\nFinal report card as posted in Teams channel {TEAMS_CHANNEL.name!r}:")
        for line in lines:
            print(f"  {line}")
        self._record_totals(replay, counter, summary=parse_totals("\n".join(lines)))
        teams.check_cards_closed(timeout=SETTLE_TIMEOUT_SECONDS)
