"""Block Kit identifiers: every action_id, callback_id and block_id the Slack handlers use."""

from enum import StrEnum


class IdeaIds(StrEnum):
    """Identifiers of the idea message and the idea modal."""

    VOTE_ACTION = "idea-vote"
    MODAL_CALLBACK = "idea-submit"
    TEXT_BLOCK = "idea-text"
    TEXT_ACTION = "idea-text-input"
    DETAIL_BLOCK = "idea-detail"
    DETAIL_ACTION = "idea-detail-input"
    ANONYMOUS_BLOCK = "idea-anonymous"
    ANONYMOUS_ACTION = "idea-anonymous-input"
    ANONYMOUS_OPTION = "anonymous"
