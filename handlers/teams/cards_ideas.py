"""Adaptive Cards for ideas in Teams: the idea form, and the idea card posted in a channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.ideas import MAX_DETAIL_LENGTH, MAX_IDEA_LENGTH
from bot.core.records import IdeaRecord, TopicRecord
from bot.core.statuses import status_label
from handlers.blocks.campaigns import comment_label
from handlers.blocks.ideas import (
    HIDDEN_IDEA_NOTICE,
    SOURCE_LABELS,
    WITHDRAWN_IDEA_NOTICE,
    vote_label,
)
from handlers.teams.cards import (
    Card,
    Element,
    adaptive_card,
    choice_input,
    execute_action,
    form_body,
    plain_text,
    rich_text,
    text_block,
    text_input,
    text_run,
    toggle_input,
)
from handlers.teams.cards_ids import TOGGLE_ON, CardData, CardVerb, IdeaInput

# The toggle explains anonymity in the words of the Slack form.
ANONYMOUS_LABEL = "Anonymity"
ANONYMOUS_TITLE = "Post anonymously. Your name is not shown or stored with the idea."

# The core's InvalidInput.field names for the idea, and the form's inputs they mean.
IDEA_FIELD_NAMES = {
    "text": IdeaInput.TEXT.value,
    "detail": IdeaInput.DETAIL.value,
    "topic": IdeaInput.TOPIC.value,
}


def idea_form(
    *,
    topics: Sequence[TopicRecord],
    allow_anonymous: bool,
    values: Mapping[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
    max_text: int = MAX_IDEA_LENGTH,
    max_detail: int = MAX_DETAIL_LENGTH,
) -> Card:
    """Build the form that shares an idea: idea, topic, detail and the anonymity toggle.

    The topic menu appears only when the campaign has topics, and the toggle
    only when anonymous posting is on. values are the inputs as Teams sent them,
    keyed by input id, which a form shown again after an error keeps. error is
    shown at the top, and error_field (an input id or the core's field name)
    marks the field at fault.
    """
    entered = values or {}
    fields: list[tuple[str, Sequence[Element]]] = [
        (
            IdeaInput.TEXT,
            [
                text_input(
                    IdeaInput.TEXT,
                    label="Your idea",
                    value=entered.get(IdeaInput.TEXT),
                    max_length=max_text,
                    required=True,
                    placeholder="One idea, in a sentence or two",
                    error_message="Write your idea before posting it.",
                )
            ],
        )
    ]
    if topics:
        fields.append(
            (
                IdeaInput.TOPIC,
                [
                    choice_input(
                        IdeaInput.TOPIC,
                        label="Topic",
                        choices=[
                            (str(topic.id), f"{topic.position}. {topic.question}")
                            for topic in topics
                        ],  # fmt: skip
                        value=entered.get(IdeaInput.TOPIC),
                        required=True,
                        placeholder="Choose the question it answers",
                        error_message="Choose the question your idea answers.",
                    )
                ],
            )
        )
    fields.append(
        (
            IdeaInput.DETAIL,
            [
                text_input(
                    IdeaInput.DETAIL,
                    label="Detail",
                    value=entered.get(IdeaInput.DETAIL),
                    max_length=max_detail,
                    multiline=True,
                )
            ],
        )
    )
    if allow_anonymous:
        fields.append(
            (
                IdeaInput.ANONYMOUS,
                [
                    toggle_input(
                        IdeaInput.ANONYMOUS,
                        label=ANONYMOUS_LABEL,
                        title=ANONYMOUS_TITLE,
                        on=entered.get(IdeaInput.ANONYMOUS) == TOGGLE_ON,
                    )
                ],
            )
        )
    body = form_body(
        fields,
        error=error,
        error_field=error_field,
        head=[text_block("Share an idea", weight="bolder", size="medium")],
        field_names=IDEA_FIELD_NAMES,
    )
    return adaptive_card(body, actions=[execute_action("Post idea", verb=CardVerb.SUBMIT_IDEA)])


def author_label(idea: IdeaRecord) -> str:
    """Return how the idea's author is shown: their name, Anonymous, or the idea's source."""
    if idea.anonymous:
        return "Anonymous"
    if idea.source in SOURCE_LABELS:
        return SOURCE_LABELS[idea.source]
    return idea.author_name or "A colleague"


def _refresh(idea_id: int) -> Element:
    """Build the refresh that lets a client ask the bot for the idea's current card.

    Teams refreshes a card automatically only for the users in userIds, at most
    60, or for everyone in a chat or channel of at most 60 members when userIds
    is left out. An empty list turns automatic refresh off, so a channel of
    hundreds does not send one invoke per viewer, and the card's "Refresh card"
    menu item still sends one. The bot updates the message for everyone when it
    changes.
    """
    return {
        "action": execute_action(
            "Refresh", verb=CardVerb.REFRESH_IDEA, data={CardData.IDEA_ID: idea_id}
        ),
        "userIds": [],
    }


def _answer_elements(idea: IdeaRecord) -> list[Element]:
    """Return the lines showing the idea's status, owner and reply, or none until answered."""
    if idea.status is None:
        return []
    runs = [text_run(f"Answer: {status_label(idea.status)}", weight="bolder")]
    if idea.status_owner:
        runs.append(text_run(f" · Owner: {idea.status_owner}"))
    elements = [rich_text(*runs)]
    if idea.status_reply:
        elements.append(plain_text(idea.status_reply, spacing="small"))
    return elements


def _vote_line(idea: IdeaRecord, *, counts_hidden: bool) -> str:
    comments = comment_label(idea.comment_count)
    if idea.voting_closed:
        if counts_hidden:
            return f"Voting closed · {comments}"
        return f"Voting closed · {vote_label(idea.vote_count)} · {comments}"
    if counts_hidden:
        # Teams shows a count beside each reaction, so while counts are hidden
        # the card invites votes by button only. A like still counts as a vote.
        return (
            f"Vote with the button · counts stay hidden until the campaign closes · {comments} · "
            "comment by replying"
        )
    return (
        f"{vote_label(idea.vote_count)} · {comments} · vote with a like or the button, "
        "comment by replying"
    )


def idea_card(idea: IdeaRecord, *, counts_hidden: bool) -> Card:
    """Build the card that shows an idea in its channel, with a Vote button while voting is open.

    counts_hidden leaves the vote count out. Callers set it while the idea's
    campaign hides counts and is open. The comment count is always shown,
    because the replies are visible below the card anyway. A hidden or
    withdrawn idea shows only a notice, as on Slack.
    """
    if idea.withdrawn:
        # Withdrawal is final, so the card needs no refresh.
        return adaptive_card([plain_text(WITHDRAWN_IDEA_NOTICE, italic=True, subtle=True)])
    if idea.hidden:
        # A moderator may restore it, and a refresh then shows it again.
        return adaptive_card(
            [plain_text(HIDDEN_IDEA_NOTICE, italic=True, subtle=True)],
            refresh=_refresh(idea.id),
        )

    body: list[Element] = [plain_text(idea.text)]
    if idea.detail:
        body.append(plain_text(idea.detail))
    if idea.topic_question:
        body.append(plain_text(f"Topic: {idea.topic_question}", subtle=True))
    body.extend(_answer_elements(idea))
    votes = _vote_line(idea, counts_hidden=counts_hidden)
    footer = f"Idea {idea.id} from {author_label(idea)} · {votes}"
    body.append(plain_text(footer, subtle=True))

    actions: list[Element] = []
    if not idea.voting_closed:
        actions.append(execute_action("Vote", verb=CardVerb.VOTE, data={CardData.IDEA_ID: idea.id}))
    return adaptive_card(body, actions=actions, refresh=_refresh(idea.id))
