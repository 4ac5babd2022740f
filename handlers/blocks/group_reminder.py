"""Block Kit of the reminder to groups: the form, its preview, and the message staff get."""

from __future__ import annotations

import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.group_reminders import MAX_NOTE_LENGTH, ReminderGroup
from bot.core.participation_records import DIMENSION_LABELS
from bot.core.records import CampaignRecord
from bot.core.schedule import format_local
from handlers.ids import GroupReminderIds
from handlers.mrkdwn import escape, split_for_sections

# Slack's limits: 75 characters of option text and 100 options per select menu.
MAX_OPTION_TEXT = 75
MAX_OPTIONS = 100


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def group_value(name: str) -> str:
    """Return a group's option value: a digest, as Slack caps values at 150 characters."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]


def groups_block_id(dimension: str) -> str:
    """Return the block id of a dimension's groups menu."""
    return f"{GroupReminderIds.GROUPS_BLOCK_PREFIX.value}{dimension}"


def _option_text(group: ReminderGroup) -> str:
    counts = f" ({group.participants} of {group.headcount})"
    name = group.name
    if len(name) + len(counts) > MAX_OPTION_TEXT:
        name = name[: MAX_OPTION_TEXT - len(counts) - 1] + "…"
    return name + counts


def compose_modal(
    campaign: CampaignRecord, *, groups: dict[str, list[ReminderGroup]], min_group_size: int
) -> dict[str, Any]:
    """Build the form: one menu of groups per dimension that has any, and an optional message."""
    blocks: list[dict[str, Any]] = [
        _section(
            f"Remind the staff of chosen groups who have not taken part in "
            f"*{escape(campaign.title)}* yet, by direct message. Choose groups from one list "
            f"only. Each group shows how many of its people took part so far; groups of "
            f"fewer than {min_group_size} people are not listed."
        )
    ]
    for dimension, choices in groups.items():
        if not choices:
            continue
        # NOTE: Slack shows at most 100 options in a menu, so further groups are left out.
        options = [
            {"text": _plain(_option_text(group)), "value": group_value(group.name)}
            for group in choices[:MAX_OPTIONS]
        ]
        blocks.append(
            {
                "type": "input",
                "block_id": groups_block_id(dimension),
                "optional": True,
                "label": _plain(DIMENSION_LABELS[dimension]),
                "element": {
                    "type": "multi_static_select",
                    "action_id": GroupReminderIds.GROUPS_ACTION.value,
                    "placeholder": _plain("Choose groups"),
                    "options": options,
                },
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": GroupReminderIds.NOTE_BLOCK.value,
            "optional": True,
            "label": _plain("Message (optional)"),
            "hint": _plain("Added to the reminder, which gives the campaign's questions."),
            "element": {
                "type": "plain_text_input",
                "action_id": GroupReminderIds.NOTE_ACTION.value,
                "multiline": True,
                "max_length": MAX_NOTE_LENGTH,
            },
        }
    )
    return {
        "type": "modal",
        "callback_id": GroupReminderIds.COMPOSE_CALLBACK.value,
        "private_metadata": str(campaign.id),
        "title": _plain("Remind groups"),
        "submit": _plain("Preview"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def confirm_view(*, recipients: int, groups: list[str], metadata: str) -> dict[str, Any]:
    """Build the preview that states how many people the reminder reaches, to send it."""
    people = "1 person" if recipients == 1 else f"{recipients:,} people"
    return {
        "type": "modal",
        "callback_id": GroupReminderIds.CONFIRM_CALLBACK.value,
        "private_metadata": metadata,
        "title": _plain("Remind groups"),
        "submit": _plain("Send"),
        "close": _plain("Cancel"),
        "blocks": [
            _section(
                f"This reminder will reach {people} who have not taken part yet. Send it?\n"
                f"Groups: {escape(', '.join(groups))}"
            )
        ],
    }


def notice_view(text: str) -> dict[str, Any]:
    """Build a closing view with one message, such as the confirmation after sending."""
    return {
        "type": "modal",
        "title": _plain("Remind groups"),
        "close": _plain("Close"),
        "blocks": [_section(text)],
    }


def sent_text(recipients: int) -> str:
    """Confirm a reminder with the number of recipients, never who they are."""
    people = "1 person" if recipients == 1 else f"{recipients:,} people"
    return (
        f"Reminder sent to {people} by direct message. The messages go out over the next "
        "minutes, one per person."
    )


def staff_message(
    campaign: CampaignRecord, *, note: str | None, timezone: ZoneInfo
) -> tuple[str, list[dict[str, Any]]]:
    """Build the reminder a member of staff gets: the campaign, its questions and how to join."""
    questions = "".join(
        f"\n{topic.position}. {escape(topic.question)}" for topic in campaign.topics
    )
    heading = "The question:" if len(campaign.topics) == 1 else "The questions:"
    lines = [
        f"*{escape(campaign.title)}* is open until "
        f"{format_local(campaign.ends_at, timezone)}, and everyone's ideas count."
    ]
    if questions:
        lines.append(f"{heading}{questions}")
    lines.append(
        f"To take part, send `/idea` followed by your idea in <#{campaign.channel_id}>, or "
        "`/idea` alone there to open a form where you can post anonymously. You can also "
        "vote and comment on colleagues' ideas in the channel."
    )
    if note:
        lines.append(f">{escape(note).replace(chr(10), chr(10) + '>')}")
    text = "\n\n".join(lines)
    blocks = [_section(part) for part in split_for_sections(text)]
    return f"{campaign.title} is open: share your ideas with /idea", blocks
