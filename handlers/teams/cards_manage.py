"""Adaptive Cards for managers and leads in Teams: campaign, board and status forms, moderation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.core.boards import MAX_QUESTION_LENGTH
from bot.core.campaigns import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MAX_TITLE_LENGTH,
    MAX_TOPIC_LENGTH,
    MAX_TOPICS,
)
from bot.core.moderation import COMMENT, ModeratedItem, QueueEntry
from bot.core.records import IdeaRecord
from bot.core.statuses import MAX_OWNER_LENGTH, MAX_REPLY_LENGTH, STATUS_LABELS
from handlers.blocks.moderation import EXCERPT_LENGTH, SOURCE_LABELS
from handlers.mrkdwn import excerpt
from handlers.teams.cards import (
    Card,
    Element,
    adaptive_card,
    choice_input,
    execute_action,
    form_body,
    plain_text,
    text_block,
    text_input,
    toggle_input,
)
from handlers.teams.cards_ids import (
    TOGGLE_ON,
    BoardInput,
    CampaignInput,
    CardData,
    CardVerb,
    StatusInput,
)

DEFAULT_START_TIME = "09:00"
# The topics field takes up to MAX_TOPICS questions of MAX_TOPIC_LENGTH, one per line.
MAX_TOPICS_TEXT = MAX_TOPICS * (MAX_TOPIC_LENGTH + 1)
CHANNEL_HINT = "The staffvoice app must be installed in the team the channel belongs to."
# Reasons shown per moderation item, each cut to REASON_LENGTH characters.
MAX_REASONS = 5
REASON_LENGTH = 150

# The core's InvalidInput.field names, and the form inputs they mean.
CAMPAIGN_FIELD_NAMES = {
    "title": CampaignInput.NAME.value,
    "topics": CampaignInput.TOPICS.value,
    "channel": CampaignInput.CHANNEL.value,
    "starts": CampaignInput.START_DATE.value,
    "days": CampaignInput.DAYS.value,
}
BOARD_FIELD_NAMES = {"question": BoardInput.QUESTION.value, "channel": BoardInput.CHANNEL.value}


def _hint(text: str) -> Element:
    block = text_block(text, subtle=True)
    block["spacing"] = "none"
    return block


def _channel_field(
    input_id: str, channels: Sequence[tuple[str, str]], *, value: str | None
) -> list[Element]:
    return [
        choice_input(
            input_id,
            label="Channel",
            choices=channels,
            value=value,
            required=True,
            placeholder="Choose a channel",
            error_message="Choose the channel to run it in.",
        ),
        _hint(CHANNEL_HINT),
    ]


def _whole_number(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def campaign_form(
    *,
    values: Mapping[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
    channels: Sequence[tuple[str, str]] = (),
    today: date | None = None,
    timezone_name: str | None = None,
) -> Card:
    """Build the form that creates a campaign.

    channels are (channel id, name) pairs to choose from. Without them the form
    has no channel field, for a handler that uses the conversation it was sent
    in. today is the earliest start date and the default one. timezone_name,
    such as Europe/London, labels the start time. values, error and
    error_field work as in the idea form.
    """
    entered = values or {}
    start_date = entered.get(CampaignInput.START_DATE) or (today.isoformat() if today else None)
    days = _whole_number(entered.get(CampaignInput.DAYS)) if values else DEFAULT_DAYS
    date_input: Element = {
        "type": "Input.Date",
        "id": CampaignInput.START_DATE.value,
        "label": "Start date",
        "isRequired": True,
        "errorMessage": "Choose the date the campaign opens.",
    }
    if start_date:
        date_input["value"] = start_date
    if today:
        date_input["min"] = today.isoformat()
    time_label = f"Start time ({timezone_name})" if timezone_name else "Start time"
    time_input: Element = {
        "type": "Input.Time",
        "id": CampaignInput.START_TIME.value,
        "label": time_label,
        "value": entered.get(CampaignInput.START_TIME) or DEFAULT_START_TIME,
    }
    days_input: Element = {
        "type": "Input.Number",
        "id": CampaignInput.DAYS.value,
        "label": "Length in days",
        "min": 1,
        "max": MAX_DAYS,
        "isRequired": True,
        "errorMessage": f"Give a length of 1 to {MAX_DAYS} days.",
    }
    if days is not None:
        days_input["value"] = days

    fields: list[tuple[str, Sequence[Element]]] = [
        (
            CampaignInput.NAME,
            [
                text_input(
                    CampaignInput.NAME,
                    label="Name",
                    value=entered.get(CampaignInput.NAME),
                    max_length=MAX_TITLE_LENGTH,
                    required=True,
                    placeholder="Spring ideas",
                    error_message="Give the campaign a name.",
                )
            ],
        ),
        (
            CampaignInput.TOPICS,
            [
                text_input(
                    CampaignInput.TOPICS,
                    label="Questions",
                    value=entered.get(CampaignInput.TOPICS),
                    max_length=MAX_TOPICS_TEXT,
                    multiline=True,
                    required=True,
                    placeholder="How could we recognise each other's work better?",
                    error_message="Write at least one question.",
                ),
                _hint(f"One question per line, 1 to {MAX_TOPICS} questions."),
            ],
        ),
    ]
    if channels:
        fields.append(
            (
                CampaignInput.CHANNEL,
                _channel_field(
                    CampaignInput.CHANNEL, channels, value=entered.get(CampaignInput.CHANNEL)
                ),
            )
        )
    fields.extend(
        [
            (CampaignInput.START_DATE, [date_input]),
            (CampaignInput.START_TIME, [time_input]),
            (CampaignInput.DAYS, [days_input]),
            (
                CampaignInput.HIDE_COUNTS,
                [
                    toggle_input(
                        CampaignInput.HIDE_COUNTS,
                        label="Options",
                        title="Hide vote counts until it closes",
                        on=entered.get(CampaignInput.HIDE_COUNTS) == TOGGLE_ON,
                    )
                ],
            ),
        ]
    )
    body = form_body(
        fields,
        error=error,
        error_field=error_field,
        head=[text_block("New campaign", weight="bolder", size="medium")],
        field_names=CAMPAIGN_FIELD_NAMES,
    )
    return adaptive_card(
        body, actions=[execute_action("Create campaign", verb=CardVerb.CREATE_CAMPAIGN)]
    )


def board_form(
    *,
    values: Mapping[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
    channels: Sequence[tuple[str, str]] = (),
) -> Card:
    """Build the form that opens a Your Shout board: its question, and its channel if entered.

    channels, values, error and error_field work as in the campaign form.
    """
    entered = values or {}
    fields: list[tuple[str, Sequence[Element]]] = [
        (
            BoardInput.QUESTION,
            [
                text_input(
                    BoardInput.QUESTION,
                    label="Question",
                    value=entered.get(BoardInput.QUESTION),
                    max_length=MAX_QUESTION_LENGTH,
                    required=True,
                    placeholder="What would make our handovers easier?",
                    error_message="Write the question the board asks.",
                ),
                _hint("The board stays open for ideas and votes until you close it."),
            ],
        )
    ]
    if channels:
        fields.append(
            (
                BoardInput.CHANNEL,
                _channel_field(BoardInput.CHANNEL, channels, value=entered.get(BoardInput.CHANNEL)),
            )
        )
    body = form_body(
        fields,
        error=error,
        error_field=error_field,
        head=[text_block("Open a Your Shout board", weight="bolder", size="medium")],
        field_names=BOARD_FIELD_NAMES,
    )
    return adaptive_card(body, actions=[execute_action("Open board", verb=CardVerb.OPEN_BOARD)])


def status_form(
    idea: IdeaRecord,
    *,
    statuses: Mapping[str, str] = STATUS_LABELS,
    values: Mapping[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
) -> Card:
    """Build the form that answers an idea: status, reply and owner, for the idea in data.

    statuses maps each status name to its label. The fields start with the
    idea's status, reply and owner, or with values when the form is shown again
    after an error, so saving keeps what is not edited.
    """
    if values is None:
        status, reply, owner = idea.status, idea.status_reply, idea.status_owner
    else:
        status = values.get(StatusInput.STATUS)
        reply = values.get(StatusInput.REPLY)
        owner = values.get(StatusInput.OWNER)
    fields: list[tuple[str, Sequence[Element]]] = [
        (
            StatusInput.STATUS,
            [
                choice_input(
                    StatusInput.STATUS,
                    label="Status",
                    choices=statuses.items(),
                    value=status,
                    required=True,
                    placeholder="Choose a status",
                    error_message="Choose the idea's status.",
                )
            ],
        ),
        (
            StatusInput.REPLY,
            [
                text_input(
                    StatusInput.REPLY,
                    label="Reply",
                    value=reply,
                    max_length=MAX_REPLY_LENGTH,
                    multiline=True,
                    placeholder="A short answer the team will see",
                ),
                _hint("Shown under the idea and sent to its author and voters."),
            ],
        ),
        (
            StatusInput.OWNER,
            [
                text_input(
                    StatusInput.OWNER,
                    label="Owner",
                    value=owner,
                    max_length=MAX_OWNER_LENGTH,
                    placeholder="Such as Estates team",
                ),
                _hint("The team or role taking the idea forward, shown with the answer."),
            ],
        ),
    ]
    head = [
        text_block(f"Answer idea {idea.id}", weight="bolder", size="medium"),
        plain_text(excerpt(idea.text, length=500)),
    ]
    body = form_body(fields, error=error, error_field=error_field, head=head)
    return adaptive_card(
        body,
        actions=[
            execute_action("Save", verb=CardVerb.SET_STATUS, data={CardData.IDEA_ID: idea.id})
        ],
    )


def _where(item: ModeratedItem) -> str:
    if item.campaign_id is not None:
        return f"campaign {item.campaign_id}"
    if item.board_id is not None:
        return f"Your Shout board {item.board_id}"
    return "the standing ideas list"


def _item_heading(item: ModeratedItem) -> str:
    label = f"{item.ref.kind.capitalize()} {item.ref.item_id}"
    if item.ref.kind == COMMENT:
        label += f" on idea {item.idea_id}"
    states = [state for state, on in (("hidden", item.hidden), ("deleted", item.deleted)) if on]
    suffix = f" ({', '.join(states)})" if states else ""
    return f"{label} in {_where(item)}{suffix}"


def _moderation_action(item: ModeratedItem) -> Element:
    """Build Restore for a hidden item, else Hide, with the verb and data of its kind."""
    data: dict[str, int]
    if item.ref.kind == COMMENT:
        data = {CardData.COMMENT_ID: item.ref.item_id, CardData.IDEA_ID: item.idea_id}
        hide, restore = CardVerb.HIDE_COMMENT, CardVerb.RESTORE_COMMENT
    else:
        data = {CardData.IDEA_ID: item.ref.item_id}
        hide, restore = CardVerb.HIDE_IDEA, CardVerb.RESTORE_IDEA
    if item.hidden:
        return execute_action("Restore", verb=restore, data=data)
    return execute_action("Hide", verb=hide, data=data, style="destructive")


def moderation_card(item: QueueEntry | ModeratedItem) -> Card:
    """Build the card of one moderation item: what and where it is, why flagged, Hide or Restore.

    A queue entry adds what flagged the item, the number of reports and the
    first MAX_REASONS reasons. A bare item, as after an action, shows no reasons.
    """
    entry: QueueEntry | None
    if isinstance(item, QueueEntry):
        entry, moderated = item, item.item
    else:
        entry, moderated = None, item
    body: list[Element] = [
        plain_text(_item_heading(moderated), weight="bolder"),
        plain_text(excerpt(moderated.text, length=EXCERPT_LENGTH) or "(no text)", italic=True),
    ]
    if entry is not None:
        sources = ", ".join(SOURCE_LABELS.get(source, source) for source in entry.sources)
        if entry.report_count:
            reports = "1 report" if entry.report_count == 1 else f"{entry.report_count} reports"
            sources = f"{sources} · {reports}"
        body.append(plain_text(sources, subtle=True))
        shown_reasons = entry.reasons[:MAX_REASONS]
        for reason in shown_reasons:
            body.append(
                plain_text(f"Reason: {excerpt(reason, length=REASON_LENGTH)}", spacing="small")
            )
        left_out = len(entry.reasons) - len(shown_reasons)
        if left_out:
            noun = "reason" if left_out == 1 else "reasons"
            body.append(plain_text(f"and {left_out} more {noun}", subtle=True, spacing="small"))
    return adaptive_card(body, actions=[_moderation_action(moderated)])
