"""The help reply for managers and team leads in Teams, which adds their commands to the staff's."""

from __future__ import annotations

from typing import Any

from bot.core import roles
from handlers.teams.activity import sender
from handlers.teams.context import TeamsContext
from handlers.teams.front import HELP_TEXT, TeamsFront

LEAD_HELP = (
    "As a team lead: **board** opens a Your Shout board in your team's channel, "
    "**board close** and **board reopen** close it or open it again, and **status IDEA-ID** "
    "answers an idea on your board."
)
MANAGER_HELP = (
    "As an engagement manager: **campaign** creates a campaign, **campaigns** lists them, "
    "**campaign add ID CHANNEL** runs one in a Teams channel as well, **campaign close ID**, "
    "**campaign extend ID DAYS** and **campaign cancel ID** change one, **report ID** shows a "
    "closed campaign's final report, **status IDEA-ID** answers an idea, **moderation** shows "
    "the moderation queue, and **board** opens a Your Shout board."
)


def register(front: TeamsFront) -> None:
    """Add the help reply for managers and leads, after every other command."""
    front.add_command(role_help)


def role_help(ctx: TeamsContext, activity: dict[str, Any], text: str) -> str | None:
    """Return the help text with the sender's manager or lead commands; None for staff.

    It replies to any text that no earlier command took, so a manager's mistyped
    command gets the list of commands. Staff get the front's own help text.
    """
    del text
    person = sender(activity)
    if roles.is_manager(ctx.db, person):
        return f"{HELP_TEXT}\n\n{MANAGER_HELP}"
    if roles.has_role(ctx.db, person, roles.LEAD):
        return f"{HELP_TEXT}\n\n{LEAD_HELP}"
    return None
