"""Registration of the Teams handlers beyond the staff ones the front has built in."""

from __future__ import annotations

from handlers.teams.front import TeamsFront


def register_teams(front: TeamsFront) -> None:
    """Add the manager and team lead commands and card actions to the front."""
    # The manager commands register here as they are added.
    del front
