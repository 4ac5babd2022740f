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


class CampaignIds(StrEnum):
    """Identifiers of the campaign creation modal."""

    MODAL_CALLBACK = "campaign-create"
    TITLE_BLOCK = "campaign-title"
    TITLE_ACTION = "campaign-title-input"
    TOPICS_BLOCK = "campaign-topics"
    TOPICS_ACTION = "campaign-topics-input"
    CHANNEL_BLOCK = "campaign-channel"
    CHANNEL_ACTION = "campaign-channel-input"
    DATE_BLOCK = "campaign-start-date"
    DATE_ACTION = "campaign-start-date-input"
    TIME_BLOCK = "campaign-start-time"
    TIME_ACTION = "campaign-start-time-input"
    DAYS_BLOCK = "campaign-days"
    DAYS_ACTION = "campaign-days-input"
    OPTIONS_BLOCK = "campaign-options"
    OPTIONS_ACTION = "campaign-options-input"
    HIDE_COUNTS_OPTION = "hide-counts"
    QUARTERLY_OPTION = "quarterly"


class IdeaTopicIds(StrEnum):
    """Identifiers of the topic menu in the idea modal and in the author's private message."""

    MODAL_BLOCK = "idea-topic"
    MODAL_ACTION = "idea-topic-input"
    CHOICE_BLOCK = "idea-topic-choice"
    CHOICE_ACTION = "idea-topic-choose"


class AnnouncementIds(StrEnum):
    """Action ids of the announcement's buttons."""

    REMIND_ACTION = "campaign-remind-me"
    POST_ACTION = "campaign-post-announcement"


class BoardIds(StrEnum):
    """Action ids of the Your Shout board's messages."""

    REPLACE_ACTION = "board-replace-question"
    KEEP_ACTION = "board-keep-question"


class StatusIds(StrEnum):
    """Identifiers of an idea's status menu and the modal that sets a status, reply and owner."""

    MENU_ACTION = "status-menu"
    MODAL_CALLBACK = "status-submit"
    STATUS_BLOCK = "status-choice"
    STATUS_ACTION = "status-choice-input"
    REPLY_BLOCK = "status-reply"
    REPLY_ACTION = "status-reply-input"
    OWNER_BLOCK = "status-owner"
    OWNER_ACTION = "status-owner-input"


class GroupReminderIds(StrEnum):
    """Identifiers of the modal that reminds chosen groups of a campaign by direct message."""

    COMPOSE_CALLBACK = "group-reminder-compose"
    CONFIRM_CALLBACK = "group-reminder-confirm"
    # One groups block per dimension: the prefix followed by the dimension's name.
    GROUPS_BLOCK_PREFIX = "group-reminder-groups-"
    GROUPS_ACTION = "group-reminder-groups-input"
    NOTE_BLOCK = "group-reminder-note"
    NOTE_ACTION = "group-reminder-note-input"


class OwnPostIds(StrEnum):
    """Identifiers of anonymous comments and of the author's list of anonymous posts."""

    COMMENT_SHORTCUT = "own-posts-comment-anonymously"
    COMMENT_CALLBACK = "own-posts-comment-submit"
    COMMENT_BLOCK = "own-posts-comment-text"
    COMMENT_ACTION = "own-posts-comment-text-input"
    WITHDRAW_IDEA_ACTION = "own-posts-withdraw-idea"
    WITHDRAW_COMMENT_ACTION = "own-posts-withdraw-comment"


class ModerationIds(StrEnum):
    """Identifiers of reports, the moderation queue and messages relayed to authors."""

    REPORT_SHORTCUT = "moderation-report"
    REPORT_CALLBACK = "moderation-report-submit"
    REASON_BLOCK = "moderation-report-reason"
    REASON_ACTION = "moderation-report-reason-input"
    HIDE_ACTION = "moderation-hide"
    RESTORE_ACTION = "moderation-restore"
    DISMISS_ACTION = "moderation-dismiss"
    MESSAGE_AUTHOR_ACTION = "moderation-message-author"
    MESSAGE_CALLBACK = "moderation-message-submit"
    MESSAGE_BLOCK = "moderation-message-text"
    MESSAGE_ACTION = "moderation-message-text-input"
    REPLY_ACTION = "moderation-reply"
    REPLY_CALLBACK = "moderation-reply-submit"


class HomeIds(StrEnum):
    """Identifiers of the App Home tab."""

    # The Home tab's copy of the status menu. A status saved from it republishes the Home tab.
    STATUS_MENU_ACTION = "home-status-menu"
    STATUS_CALLBACK = "home-status-submit"


class YouSaidIds(StrEnum):
    """Identifiers of the private preview of a "You said, we did" update."""

    PREVIEW_BLOCK = "yousaid-preview"
    POST_ACTION = "yousaid-post"


class ThanksIds(StrEnum):
    """Identifiers of the "Thank a colleague" button and modal."""

    # Also placed on the App Home tab, so the id stays as it is.
    OPEN_ACTION = "thanks-open-form"
    MODAL_CALLBACK = "thanks-submit"
    RECIPIENTS_BLOCK = "thanks-recipients"
    RECIPIENTS_ACTION = "thanks-recipients-input"
    MESSAGE_BLOCK = "thanks-message"
    MESSAGE_ACTION = "thanks-message-input"
    VALUES_BLOCK = "thanks-values"
    VALUES_ACTION = "thanks-values-input"
