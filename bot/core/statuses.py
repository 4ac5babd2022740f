"""Idea statuses: how a lead answers an idea, and the labels people see."""

from __future__ import annotations

UNDER_CONSIDERATION = "under_consideration"
PLANNED = "planned"
DONE = "done"
NOT_TAKEN_FORWARD = "not_taken_forward"

# Every status in the order menus list them, with its label.
STATUS_LABELS = {
    UNDER_CONSIDERATION: "Under consideration",
    PLANNED: "Planned",
    DONE: "Done",
    NOT_TAKEN_FORWARD: "Not taken forward",
}
# Statuses after which an idea no longer waits for action.
FINAL_STATUSES = frozenset({DONE, NOT_TAKEN_FORWARD})


def status_label(status: str | None) -> str:
    """Return the label of a status, or "Not answered yet" for an idea without one."""
    if status is None:
        return "Not answered yet"
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())
