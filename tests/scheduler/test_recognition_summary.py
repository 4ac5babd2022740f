"""The recognition summary job: managers get last month's summary by direct message, once."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import roles, thanks
from bot.core.checks.post_checks import PostChecks
from bot.core.clock import ManualClock
from bot.core.outbox import OutboundMessage
from bot.core.records import Person
from bot.core.thanks import ThanksCard
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import TEAM_ID
from scheduler import recognition
from tests.scheduler.test_reminders import SETTLE_SECONDS, message_text, wait_for

LONDON = ZoneInfo("Europe/London")
MANAGERS = ("U0MGRA", "U0MGRB")
GIVER = Person("slack", TEAM_ID, "U0GIVER")


def notice(card: ThanksCard, recipient: str, key: str) -> OutboundMessage:
    return OutboundMessage(platform="slack", recipient=recipient, text="thanks", dedupe_key=key)


def summaries(bot: LocalBot, user: str) -> list[str]:
    return [
        message_text(message)
        for message in bot.standin.messages(user)
        if str(message.get("text", "")).startswith("Recognition in")
    ]


def test_job_sends_summary_once(database_url: str) -> None:
    clock = ManualClock(datetime(2027, 2, 10, 12, 0, tzinfo=LONDON))
    with LocalBot(database_url=database_url, clock=clock) as bot:
        assert bot.process is not None
        db = bot.process.db
        for manager in MANAGERS:
            roles.grant_role(
                db,
                platform="slack",
                user_id=manager,
                role=roles.MANAGER,
                granted_by="cli",
                now=clock.now(),
            )
        manager = Person("slack", TEAM_ID, MANAGERS[0])
        thanks.set_recognition_channel(db, manager, channel_id="C0THANKS", now=clock.now())
        thanks.set_recognition_values(db, manager, values_text="Kind, Open", now=clock.now())
        for recipients, message in (
            (["U0SAM"], "Thanks #kind"),
            (["U0JO", "U0KIM"], "Thanks #open #kind"),
        ):
            thanks.give_thanks(
                db,
                GIVER,
                recipients=recipients,
                message=message,
                checks=PostChecks(),
                now=clock.now(),
                notice=notice,
            )

        clock.set(datetime(2027, 3, 1, 8, 55, tzinfo=LONDON))
        recognition.send_recognition_summaries()
        time.sleep(SETTLE_SECONDS)
        assert summaries(bot, MANAGERS[0]) == []

        clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=LONDON))
        recognition.send_recognition_summaries()
        recognition.send_recognition_summaries()
        for user in MANAGERS:
            wait_for(lambda u=user: summaries(bot, u), what=f"the summary to {user}")
        time.sleep(SETTLE_SECONDS)

    for user in MANAGERS:
        [text] = summaries(bot, user)
        assert "Recognition in February 2027" in text
        assert "*2 thank-you cards* thanked *3 colleagues*" in text
        assert "• Kind: 2\n• Open: 1" in text
        assert "Nobody is named or ranked" in text
        assert "U0SAM" not in text
        assert GIVER.user_id not in text
