"""Identifiers on the Teams Adaptive Cards: Action.Execute verbs, input ids and data keys.

Teams sends the verb, the action's data and every input's value, keyed by
input id, in the adaptiveCard/action invoke activity.
"""

from enum import StrEnum


class CardVerb(StrEnum):
    """The verb of each Action.Execute on the cards, which names the handler to run."""

    SUBMIT_IDEA = "submitIdea"
    VOTE = "vote"
    REFRESH_IDEA = "refreshIdea"
    CREATE_CAMPAIGN = "createCampaign"
    OPEN_BOARD = "openBoard"
    SET_STATUS = "setStatus"
    HIDE_IDEA = "hideIdea"
    RESTORE_IDEA = "restoreIdea"
    HIDE_COMMENT = "hideComment"
    RESTORE_COMMENT = "restoreComment"


class CardData(StrEnum):
    """Keys of the data an Action.Execute carries besides the inputs."""

    IDEA_ID = "ideaId"
    COMMENT_ID = "commentId"


class IdeaInput(StrEnum):
    """Input ids of the idea form."""

    TEXT = "idea"
    DETAIL = "detail"
    TOPIC = "topic"
    ANONYMOUS = "anonymous"


class CampaignInput(StrEnum):
    """Input ids of the campaign form."""

    NAME = "name"
    TOPICS = "topics"
    CHANNEL = "channel"
    START_DATE = "startDate"
    START_TIME = "startTime"
    DAYS = "days"
    HIDE_COUNTS = "hideCounts"


class BoardInput(StrEnum):
    """Input ids of the Your Shout board form."""

    QUESTION = "question"
    CHANNEL = "channel"


class StatusInput(StrEnum):
    """Input ids of the status form."""

    STATUS = "status"
    REPLY = "reply"
    OWNER = "owner"


# Input.Toggle values: Teams sends "true" or "false" as a string.
TOGGLE_ON = "true"
TOGGLE_OFF = "false"
