"""Block Kit of "You said, we did": the manager's preview, the replies, and the channel update."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.records import CampaignRecord
from bot.core.schedule import format_local
from bot.core.yousaid import MONTHLY_TIME, MonthlySetting, StatusGroup, UpdateIdea, YouSaidDraft
from handlers.ids import YouSaidIds
from handlers.mrkdwn import escape, excerpt, split_for_sections

Blocks = list[dict[str, Any]]

# Slack allows 50 blocks in a message and 3,000 characters in a section's text.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
# The update lists at most this many ideas, shared fairly between statuses,
# and counts the rest, so the message stays readable and needs few links.
MAX_LISTED_IDEAS = 40
IDEA_TEXT_LENGTH = 150
OWNER_LENGTH = 100
REPLY_LENGTH = 500


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def idea_count_label(count: int) -> str:
    """Return "1 idea" or "N ideas"."""
    return "1 idea" if count == 1 else f"{count:,} ideas"


def _since(draft: YouSaidDraft, *, timezone: ZoneInfo) -> str:
    if draft.previous_at is None:
        return "so far"
    return f"since the last update on {format_local(draft.previous_at, timezone)}"


def _counts_lines(draft: YouSaidDraft) -> list[str]:
    return [f"• {escape(group.label)}: {len(group.ideas):,}" for group in draft.groups]


def preview(draft: YouSaidDraft, *, token: str, timezone: ZoneInfo) -> tuple[str, Blocks]:
    """Build the manager's private preview of an update, with its Post button."""
    campaign = draft.campaign
    count = idea_count_label(draft.idea_count)
    summary = (
        f"The update of *{escape(campaign.title)}* (campaign {campaign.id}) lists {count} with "
        f"a new answer {_since(draft, timezone=timezone)}, by status:\n"
        + "\n".join(_counts_lines(draft))
        + f"\nPost it in <#{campaign.channel_id}>?"
    )
    button_value = json.dumps({"campaign": campaign.id, "token": token})
    blocks: Blocks = [
        _section(summary),
        {
            "type": "actions",
            "block_id": YouSaidIds.PREVIEW_BLOCK.value,
            "elements": [
                {
                    "type": "button",
                    "action_id": YouSaidIds.POST_ACTION.value,
                    "text": {"type": "plain_text", "text": "Post update"},
                    "style": "primary",
                    "value": button_value,
                }
            ],
        },
    ]
    text = f"The update of {escape(campaign.title)} lists {count}. Post it?"
    return text, blocks


def nothing_new(draft: YouSaidDraft, *, timezone: ZoneInfo) -> str:
    """Explain that no idea's answer changed since the last update, so nothing is posted."""
    campaign = draft.campaign
    title = escape(campaign.title)
    if draft.previous_at is None:
        return (
            f"No idea of *{title}* (campaign {campaign.id}) has a status yet, so there is no "
            "update to post. Set the status of its ideas first, then send "
            f"`/campaign yousaid {campaign.id}` again."
        )
    return (
        f"Nothing changed in *{title}* (campaign {campaign.id}) since the last update on "
        f"{format_local(draft.previous_at, timezone)}, so no update was posted."
    )


def posted(draft: YouSaidDraft) -> str:
    """Confirm a posted update with its number of ideas."""
    campaign = draft.campaign
    return (
        f'Posted the "You said, we did" update of *{escape(campaign.title)}* in '
        f"<#{campaign.channel_id}>: {idea_count_label(draft.idea_count)}. It appears there "
        "within a minute."
    )


def already_posted(campaign: CampaignRecord) -> str:
    """Explain that this preview's update was posted already."""
    return (
        f"This update of *{escape(campaign.title)}* was posted already, so nothing more was "
        f"posted. Send `/campaign yousaid {campaign.id}` to check for newer answers."
    )


def stale_button() -> str:
    """Explain a Post button whose value cannot be read."""
    return "This button is out of date. Send `/campaign yousaid ID` for a new preview."


def monthly_reply(setting: MonthlySetting, *, timezone: ZoneInfo) -> str:
    """Confirm the monthly update setting of a campaign."""
    campaign = setting.campaign
    name = f"*{escape(campaign.title)}* (campaign {campaign.id})"
    if setting.enabled:
        state = "now gets" if setting.changed else "already gets"
        return (
            f"{name} {state} a monthly update: on the first day of each month, from "
            f"{MONTHLY_TIME:%H:%M} ({timezone.key}), an update is posted in "
            f"<#{campaign.channel_id}> when an idea's answer changed since the last update. "
            f"Turn it off with `/campaign yousaid {campaign.id} monthly off`."
        )
    state = "Monthly updates are now off" if setting.changed else "Monthly updates are already off"
    return f"{state} for {name}. Post an update at any time with `/campaign yousaid {campaign.id}`."


def _author(idea: UpdateIdea) -> str:
    if idea.anonymous:
        return "Anonymous"
    return escape(idea.author_name or "A colleague")


def idea_lines(idea: UpdateIdea, *, link: str | None) -> str:
    """Return an idea's lines: its text linked to its message, its author, owner and reply."""
    shown = escape(excerpt(idea.text, length=IDEA_TEXT_LENGTH))
    linked = f"<{link}|{shown}>" if link else shown
    lines = f"• {linked} ({_author(idea)})"
    answer = []
    if idea.owner:
        answer.append(f"_Owner: {escape(excerpt(idea.owner, length=OWNER_LENGTH))}_")
    if idea.reply:
        answer.append(escape(excerpt(idea.reply, length=REPLY_LENGTH)))
    if answer:
        lines += "\n      " + " · ".join(answer)
    return lines


def _shares(groups: tuple[StatusGroup, ...], *, limit: int) -> list[int]:
    """Return how many ideas of each group to list: one at a time to each in turn, up to limit."""
    shares = [0] * len(groups)
    left = limit
    while left > 0:
        assigned = False
        for index, group in enumerate(groups):
            if left > 0 and shares[index] < len(group.ideas):
                shares[index] += 1
                left -= 1
                assigned = True
        if not assigned:
            break
    return shares


def listed_ideas(draft: YouSaidDraft) -> list[UpdateIdea]:
    """Return the ideas update_message lists at most, each status's share of MAX_LISTED_IDEAS."""
    shares = _shares(draft.groups, limit=MAX_LISTED_IDEAS)
    return [
        idea
        for group, share in zip(draft.groups, shares, strict=True)
        for idea in group.ideas[:share]
    ]


def more_label(count: int) -> str:
    """Return the line that stands for ideas left out: "and 1 more idea", "and N more ideas"."""
    return f"_…and {count:,} more {'idea' if count == 1 else 'ideas'}_"


def _pack_group(heading: str, lines: list[str], *, total: int, max_sections: int) -> list[str]:
    """Pack a status's heading and idea lines into at most max_sections section texts.

    Ideas that do not fit are left out, and the last text ends with
    more_label() for them and for the ideas of the status beyond lines.
    """
    texts: list[str] = []
    current = heading
    listed = 0
    # Room kept for the "and N more ideas" line, whose longest form is under 40 characters.
    reserve = 40
    for line in lines:
        trial_texts = list(texts)
        trial_current = current
        for piece in split_for_sections(line, limit=MAX_SECTION_TEXT):
            if len(trial_current) + 1 + len(piece) <= MAX_SECTION_TEXT:
                trial_current = f"{trial_current}\n{piece}"
            else:
                trial_texts.append(trial_current)
                trial_current = piece
        room_in_last = len(trial_current) + 1 + reserve <= MAX_SECTION_TEXT
        sections_needed = len(trial_texts) + (1 if room_in_last else 2)
        if sections_needed > max_sections:
            break
        texts, current = trial_texts, trial_current
        listed += 1
    if listed < total:
        current = f"{current}\n{more_label(total - listed)}"
    texts.append(current)
    return texts


# The opening line's pointer to where Slack users see the discussion of an idea.
SEE_DISCUSSION = "Open an idea to see its thread."


def update_message(
    draft: YouSaidDraft,
    *,
    links: Mapping[int, str],
    timezone: ZoneInfo,
    see_discussion: str = SEE_DISCUSSION,
) -> tuple[str, Blocks]:
    """Build the channel update: the changed ideas by status, cut to Slack's limits.

    Each status gets a heading with its count and lists its share of
    MAX_LISTED_IDEAS. A status whose ideas would take more blocks than are
    left, keeping one for each status after it, lists fewer. A status that
    lists fewer ideas than it has ends with "and N more ideas".
    """
    campaign = draft.campaign
    title = escape(campaign.title)
    count = idea_count_label(draft.idea_count)
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "You said, we did"}},
        _section(
            f"*{title}*: {count} with a new answer {_since(draft, timezone=timezone)}. "
            + see_discussion
        ),
    ]
    shares = _shares(draft.groups, limit=MAX_LISTED_IDEAS)
    for index, (group, share) in enumerate(zip(draft.groups, shares, strict=True)):
        later_groups = len(draft.groups) - index - 1
        texts = _pack_group(
            f"*{escape(group.label)}* ({len(group.ideas):,})",
            [idea_lines(idea, link=links.get(idea.idea_id)) for idea in group.ideas[:share]],
            total=len(group.ideas),
            max_sections=MAX_BLOCKS - len(blocks) - later_groups,
        )
        blocks += [_section(text) for text in texts]
    text = f"You said, we did: {title} has {count} with a new answer."
    return text, blocks
