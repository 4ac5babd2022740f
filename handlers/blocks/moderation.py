"""Block Kit for reports, the moderation queue, and messages relayed to and from authors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.moderation import (
    MAX_REASON_LENGTH,
    REPORT,
    ItemRef,
    ModeratedItem,
    ModerationResult,
    QueueEntry,
)
from bot.core.outbox import OutboundMessage
from bot.core.relay import MAX_MESSAGE_LENGTH, RelayNote
from handlers.context import PLATFORM
from handlers.ids import ModerationIds
from handlers.mrkdwn import escape, excerpt

Blocks = list[dict[str, Any]]

EXCERPT_LENGTH = 200
SOURCE_LABELS = {
    REPORT: "reported by staff",
    "personal_data": "posted past the personal data check",
    "concern": "posted past the concern check",
    "thread_personal_data": "thread reply with personal data",
}
REPORT_THANKS = (
    "Thank you. The report went to the moderators, who will look at it. "
    "The author is not told who reported it."
)
NOT_REPORTABLE = (
    "Only an idea or a comment in an idea's thread can be reported, and this message is "
    "neither. Use Report to moderators on the idea message or on the reply in its thread."
)
EMPTY_QUEUE = "The moderation queue is empty: no report or flagged post is waiting."
COMMENT_STAYS = (
    "The reply itself stays in the thread, because the bot cannot edit a person's own "
    "message. Ask its author to delete it, or delete it as a workspace admin."
)


def _text_input(*, block_id: str, action_id: str, label: str, max_length: int) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {
            "type": "plain_text_input",
            "action_id": action_id,
            "multiline": True,
            "max_length": max_length,
        },
    }


def _modal(
    *, callback_id: str, metadata: str, title: str, submit: str, note: str, field: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
            field,
        ],
    }


def report_modal(ref: ItemRef) -> dict[str, Any]:
    """Build the modal that requests the reason an idea or comment is reported."""
    return _modal(
        callback_id=ModerationIds.REPORT_CALLBACK,
        metadata=ref.subject,
        title="Report to moderators",
        submit="Report",
        note=f"Engagement managers will see this {ref.kind} and your reason, not your name.",
        field=_text_input(
            block_id=ModerationIds.REASON_BLOCK,
            action_id=ModerationIds.REASON_ACTION,
            label="Why should moderators look at it?",
            max_length=MAX_REASON_LENGTH,
        ),
    )


def message_author_modal(ref: ItemRef) -> dict[str, Any]:
    """Build the modal in which a manager writes to the author of an idea or comment."""
    return _modal(
        callback_id=ModerationIds.MESSAGE_CALLBACK,
        metadata=ref.subject,
        title="Message the author",
        submit="Send",
        note=(
            f"The bot sends this to the author of {ref.kind} {ref.item_id} as a direct message. "
            "If the post is anonymous, you will not learn who they are."
        ),
        field=_text_input(
            block_id=ModerationIds.MESSAGE_BLOCK,
            action_id=ModerationIds.MESSAGE_ACTION,
            label="Your message",
            max_length=MAX_MESSAGE_LENGTH,
        ),
    )


def reply_modal(relay_id: int) -> dict[str, Any]:
    """Build the modal in which an author replies to a manager's message."""
    return _modal(
        callback_id=ModerationIds.REPLY_CALLBACK,
        metadata=str(relay_id),
        title="Reply to the manager",
        submit="Send",
        note="The bot sends your reply to the manager without your name.",
        field=_text_input(
            block_id=ModerationIds.MESSAGE_BLOCK,
            action_id=ModerationIds.MESSAGE_ACTION,
            label="Your reply",
            max_length=MAX_MESSAGE_LENGTH,
        ),
    )


def _where(item: ModeratedItem) -> str:
    if item.campaign_id is not None:
        return f"campaign {item.campaign_id}"
    if item.board_id is not None:
        return f"Your Shout board {item.board_id}"
    return "the standing ideas list"


def _button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def item_buttons(item: ModeratedItem, *, dismiss: bool) -> dict[str, Any]:
    """Build the actions block of an item: Hide or Restore, Dismiss, Message the author."""
    value = item.ref.subject
    elements = [
        _button("Restore", ModerationIds.RESTORE_ACTION, value)
        if item.hidden
        else _button("Hide", ModerationIds.HIDE_ACTION, value, style="danger")
    ]
    if dismiss:
        elements.append(_button("Dismiss", ModerationIds.DISMISS_ACTION, value))
    elements.append(_button("Message the author", ModerationIds.MESSAGE_AUTHOR_ACTION, value))
    return {"type": "actions", "block_id": f"moderation-{item.ref.kind}-{item.ref.item_id}",
            "elements": elements}  # fmt: skip


def _item_heading(item: ModeratedItem, link: str | None) -> str:
    label = f"{item.ref.kind.capitalize()} {item.ref.item_id}"
    if item.ref.kind == "comment":
        label += f" on idea {item.idea_id}"
    heading = f"*<{link}|{label}>*" if link else f"*{label}*"
    states = [state for state, on in (("hidden", item.hidden), ("deleted", item.deleted)) if on]
    suffix = f" ({', '.join(states)})" if states else ""
    return f"{heading} in {_where(item)}{suffix}"


def queue_message(
    entries: Sequence[QueueEntry],
    *,
    links: Mapping[ItemRef, str | None],
    total: int | None = None,
) -> tuple[str, Blocks]:
    """Build the moderation queue: each item with its excerpt, place, sources, reasons and buttons.

    Slack allows 50 blocks a message, and each item takes three, so the queue
    shows at most 16 items. total is the number of items waiting when entries
    contains only the oldest of them, and defaults to the number of entries.
    """
    if not entries:
        return EMPTY_QUEUE, [{"type": "section", "text": {"type": "mrkdwn", "text": EMPTY_QUEUE}}]
    waiting = len(entries) if total is None else total
    shown = entries[:16]
    blocks: Blocks = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*Moderation queue*: {waiting} item(s) waiting, oldest first.",
            },
        }
    ]
    for entry in shown:
        item = entry.item
        sources = ", ".join(SOURCE_LABELS.get(source, source) for source in entry.sources)
        lines = [
            _item_heading(item, links.get(item.ref)),
            f"> {escape(excerpt(item.text, length=EXCERPT_LENGTH)) or '(no text)'}",
            f"{sources}" + (f" · {entry.report_count} report(s)" if entry.report_count else ""),
        ]
        if entry.reasons:
            reasons = "; ".join(escape(excerpt(reason, length=150)) for reason in entry.reasons[:5])
            lines.append(f"Reasons: {reasons}")
        blocks.append({"type": "divider"})
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "\n".join(lines), "verbatim": True},
            }
        )
        blocks.append(item_buttons(item, dismiss=True))
    fallback = f"Moderation queue: {waiting} item(s) waiting."
    return fallback, blocks


def action_confirmation(result: ModerationResult) -> tuple[str, Blocks]:
    """Confirm a hide, restore or dismiss to the manager, with the button that undoes a hide."""
    item = result.item
    name = f"{item.ref.kind.capitalize()} {item.ref.item_id}"
    if result.action == "hide":
        if not result.changed and not item.hidden:
            text = f"{name} was deleted by its author, so there is nothing to hide."
        elif item.ref.kind == "idea":
            text = (
                f"{name} is hidden: its message now says it was hidden by a moderator, and it "
                "is left out of counts, digests, reports and exports."
            )
        elif item.anonymous:
            text = (
                f"{name} is hidden: its thread reply, which the bot posted for its anonymous "
                "author, now says it was hidden by a moderator, and it is left out of counts, "
                "digests, reports and exports."
            )
        else:
            text = f"{name} is hidden from counts, digests, reports and exports. {COMMENT_STAYS}"
    elif result.action == "restore":
        text = f"{name} is shown again." if result.changed else f"{name} was not hidden."
    else:
        text = f"{name} stays as it is; its reports are closed."
    blocks: Blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if result.action == "hide" and item.hidden:
        blocks.append(
            {
                "type": "actions",
                "elements": [_button("Restore", ModerationIds.RESTORE_ACTION, item.ref.subject)],
            }
        )
    return text, blocks


class SlackRelayRenderer:
    """Builds the direct messages of reports and relayed messages as Block Kit."""

    def report_notice(
        self, item: ModeratedItem, *, recipient: str, dedupe_key: str
    ) -> OutboundMessage:
        """Build a manager's notice of a newly reported item, pointing to the queue."""
        text = (
            f"Staff reported {item.ref.kind} {item.ref.item_id} in {_where(item)}. "
            "Send `/campaign moderate` to see the moderation queue."
        )
        blocks: Blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        return OutboundMessage(
            platform=PLATFORM, recipient=recipient, text=text, dedupe_key=dedupe_key, blocks=blocks
        )

    def relay_to_author(
        self, note: RelayNote, *, recipient: str, dedupe_key: str
    ) -> OutboundMessage:
        """Build the author's copy of a manager's message, with a Reply button."""
        kind = note.item.ref.kind
        text = f"A manager has a question about your {kind}: {note.text}"
        body = (
            f"*A manager has a question about your {kind}:*\n{escape(note.text)}\n\n"
            f"Your {kind}: _{escape(excerpt(note.item.text, length=EXCERPT_LENGTH))}_"
        )
        blocks: Blocks = [
            {"type": "section", "text": {"type": "mrkdwn", "text": body, "verbatim": True}},
            {
                "type": "actions",
                "elements": [_button("Reply", ModerationIds.REPLY_ACTION, str(note.relay_id))],
            },
        ]
        return OutboundMessage(
            platform=PLATFORM, recipient=recipient, text=text, dedupe_key=dedupe_key, blocks=blocks
        )

    def relay_to_manager(
        self, note: RelayNote, *, recipient: str, dedupe_key: str
    ) -> OutboundMessage:
        """Build the manager's copy of an author's reply; it names the post, not the person."""
        ref = note.item.ref
        text = f"The author of {ref.kind} {ref.item_id} replied: {note.text}"
        body = (
            f"*The author of {ref.kind} {ref.item_id} replied:*\n{escape(note.text)}\n\n"
            f"The {ref.kind}: _{escape(excerpt(note.item.text, length=EXCERPT_LENGTH))}_"
        )
        blocks: Blocks = [
            {"type": "section", "text": {"type": "mrkdwn", "text": body, "verbatim": True}},
            {
                "type": "actions",
                "elements": [
                    _button("Message the author", ModerationIds.MESSAGE_AUTHOR_ACTION, ref.subject)
                ],
            },
        ]
        return OutboundMessage(
            platform=PLATFORM, recipient=recipient, text=text, dedupe_key=dedupe_key, blocks=blocks
        )
