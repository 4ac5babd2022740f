"""Registration of the Teams handlers beyond the staff ones the front has built in."""

from __future__ import annotations

from handlers.teams import (
    manage_boards,
    manage_campaigns,
    manage_help,
    manage_moderation,
    manage_reports,
    manage_statuses,
)
from handlers.teams.front import TeamsFront


def register_teams(front: TeamsFront) -> None:
    """Add the manager and team lead commands and card actions to the front.

    The help reply comes last, because it replies to any text no command took.
    """
    manage_campaigns.register(front)
    manage_reports.register(front)
    manage_boards.register(front)
    manage_statuses.register(front)
    manage_moderation.register(front)
    manage_help.register(front)
