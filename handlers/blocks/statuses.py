"""Block Kit for answering ideas: the status menu and answer on an idea message, the status
modal, and the direct message that tells an idea's author and voters about its new status."""

from __future__ import annotations

from typing import Any

from bot.core.records import IdeaRecord
from bot.core.statuses import (
    MAX_OWNER_LENGTH,
    MAX_REPLY_LENGTH,
    STATUS_LABELS,
    StatusChange,
    status_label,
)
from handlers.ids import StatusIds
from handlers.mrkdwn import escape, excerpt, split_for_sections

Blocks = list[dict[str, Any]]

# A view's title is at most 24 characters (Block Kit reference).
MODAL_TITLE = "Answer this idea"


def menu_value(idea_id: int, status: str) -> str:
    """Return the value of a status menu option: "IDEA_ID:STATUS"."""
    return f"{idea_id}:{status}"


def parse_menu_value(value: str) -> tuple[int, str] | None:
    """Return (idea id, status) from a status menu option's value, or None when unreadable."""
    idea_part, _, status = value.partition(":")
    if not idea_part.isdigit() or not status:
        return None
    return int(idea_part), status


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def status_menu(idea_id: int) -> dict[str, Any]:
    """Build the overflow menu of statuses shown on an idea's message.

    An overflow menu sends an action on every choice, even of the status the
    idea has, so a lead can change only the reply or owner. Everyone sees it, and
    the handler rejects choices by anyone but a manager or, on a board, its lead.
    """
    return {
        "type": "overflow",
        "action_id": StatusIds.MENU_ACTION,
        "options": [
            _option(label, menu_value(idea_id, status)) for status, label in STATUS_LABELS.items()
        ],
    }


def answer_blocks(idea: IdeaRecord) -> Blocks:
    """Build the blocks that show an idea's status, owner and reply, or none until it has a status.

    The reply (at most 500 characters) and owner (at most 200), 3,500 characters
    after escaping at most, can pass Slack's 3,000-character section text, so
    split_for_sections splits the text into sections within it.
    """
    if idea.status is None:
        return []
    # A manager can answer too, so the label names no role.
    text = f"*Answer: {escape(status_label(idea.status))}*"
    if idea.status_owner:
        text += f" · Owner: {escape(idea.status_owner)}"
    if idea.status_reply:
        text += "\n" + escape(idea.status_reply)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece, "verbatim": True}}
        for piece in split_for_sections(text)
    ]


def status_modal(idea: IdeaRecord, *, status: str) -> dict[str, Any]:
    """Build the modal that sets an idea's status, with status preselected and the reply so far.

    The owner field starts with the idea's owner, so saving keeps it unless it is
    edited. private_metadata carries the idea id.
    """
    options = [_option(label, name) for name, label in STATUS_LABELS.items()]
    chosen = next(option for option in options if option["value"] == status)
    reply_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": StatusIds.REPLY_ACTION,
        "multiline": True,
        "max_length": MAX_REPLY_LENGTH,
        "placeholder": {"type": "plain_text", "text": "A short answer the team will see"},
    }
    if idea.status_reply:
        reply_element["initial_value"] = idea.status_reply
    owner_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": StatusIds.OWNER_ACTION,
        "max_length": MAX_OWNER_LENGTH,
        "placeholder": {"type": "plain_text", "text": "Such as Estates team"},
    }
    if idea.status_owner:
        owner_element["initial_value"] = idea.status_owner
    return {
        "type": "modal",
        "callback_id": StatusIds.MODAL_CALLBACK,
        "private_metadata": str(idea.id),
        "title": {"type": "plain_text", "text": MODAL_TITLE},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*Idea {idea.id}*\n{escape(excerpt(idea.text, length=500))}",
                    "verbatim": True,
                },
            },
            {
                "type": "input",
                "block_id": StatusIds.STATUS_BLOCK,
                "label": {"type": "plain_text", "text": "Status"},
                "element": {
                    "type": "static_select",
                    "action_id": StatusIds.STATUS_ACTION,
                    "options": options,
                    "initial_option": chosen,
                },
            },
            {
                "type": "input",
                "block_id": StatusIds.REPLY_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Reply"},
                "hint": {
                    "type": "plain_text",
                    "text": "Shown under the idea and sent to its author and voters.",
                },
                "element": reply_element,
            },
            {
                "type": "input",
                "block_id": StatusIds.OWNER_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Owner"},
                "hint": {
                    "type": "plain_text",
                    "text": "The team or role taking the idea forward, shown with the answer.",
                },
                "element": owner_element,
            },
        ],
    }


def status_notice(change: StatusChange, *, recipient: str) -> tuple[str, Blocks]:
    """Build the direct message about a status change for one recipient: (text, blocks).

    A new status is announced as one, and a new or edited reply to the same
    status as an updated reply.
    """
    label = status_label(change.status)
    is_author = recipient == change.author_id
    idea_text = escape(excerpt(change.idea.text, length=200))
    # A change made with the command line has no person to name.
    source = "" if change.by_cli else f" from <@{change.changed_by}>"
    if change.status_changed:
        subject = "Your idea" if is_author else "An idea you voted for"
        heading = f"{subject} has an answer{source}: *{escape(label)}*"
        text = f"{subject} is now marked {label}."
    else:
        subject = "your idea" if is_author else "an idea you voted for"
        if change.by_cli:
            heading = f"The reply to {subject} is updated. It is still marked *{escape(label)}*"
        else:
            heading = (
                f"<@{change.changed_by}> updated the reply to {subject}, "
                f"which is still marked *{escape(label)}*"
            )
        text = f"The reply to {subject} is updated. It is still marked {label}."
    lines = [heading, f"> {idea_text}"]
    if change.owner:
        lines.append(f"Owner: {escape(change.owner)}")
    if change.reply:
        lines.append(escape(change.reply))
    if change.idea_link:
        lines.append(f"<{change.idea_link}|View the idea>")
    blocks: Blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines), "verbatim": True}}
    ]
    return text, blocks


def status_saved(change: StatusChange) -> str:
    """Confirm a status change privately to the person who made it."""
    label = status_label(change.status)
    idea_id = change.idea.id
    if not change.changed:
        return (
            f"Idea {idea_id} already has the status {label} with this reply, so nothing "
            "changed and nobody was notified."
        )
    if change.owner_changed and not change.status_changed and not change.reply_changed:
        owner = f"now {change.owner}" if change.owner else "removed"
        return (
            f"The owner of idea {idea_id} is {owner}, and its message shows it. It is still "
            f"marked {label}. Nobody is notified about a change of owner alone."
        )
    if not change.status_changed and change.reply is None:
        return (
            f"The reply to idea {idea_id} is removed, and its message shows it. It is still "
            f"marked {label}. Nobody is notified about a removed reply."
        )
    count = len(change.recipients)
    if count == 0:
        notified = "Nobody is notified, because nobody else voted for it or is named as its author."
    elif count == 1:
        notified = "1 person gets a direct message about it."
    else:
        notified = f"{count} people get a direct message about it."
    if change.status_changed:
        done = f"Idea {idea_id} is now marked {label}, and its message shows it."
    else:
        done = f"The reply to idea {idea_id} is updated, and its message shows it."
    return f"{done} {notified}"


MENU_OUT_OF_DATE = "This status menu is out of date, so nothing changed."
