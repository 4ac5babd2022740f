"""Thread replies to idea messages as comments, with their edits and deletions."""

from __future__ import annotations

from bot.core.records import CampaignRecord
from bot.core.summary import campaign_summary
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import BOT_ID, BOT_USER_ID
from tests.e2e.support import (
    OTHER_CHANNEL,
    SlackSender,
    bot_db,
    campaign_row,
    comment_rows,
    idea_row,
    post_idea,
    settle,
    wait_until,
)


def test_thread_reply_stored(bot: LocalBot, slack: SlackSender, campaign: CampaignRecord) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None

    http, _ = slack.reply(user="U0BOB", text="Yes & <please>", thread_ts=idea.message_id)

    assert http.status == 200
    [comment] = wait_until(lambda: comment_rows(bot_db(bot)), what="the comment")
    assert comment.idea_id == idea.id
    assert comment.user_id == "U0BOB"
    assert comment.text == "Yes & <please>"
    assert comment.deleted_at is None
    assert idea_row(bot_db(bot), idea.id).comment_count == 1


def test_other_messages_not_comments(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    ts = idea.message_id
    launch_ts = campaign_row(bot_db(bot), campaign.id).launch_message_id
    assert launch_ts is not None

    slack.reply(user="U0OTHERBOT", text="Reminder", thread_ts=ts, bot_id="B0OTHERAPP")
    slack.reply(user=BOT_USER_ID, text="Thanks", thread_ts=ts, bot_id=BOT_ID)
    slack.reply(user="U0BOB", text="On the launch", thread_ts=launch_ts)
    slack.reply(user="U0BOB", text="Elsewhere", thread_ts=slack.new_ts())
    slack.reply(user="U0BOB", text="Other channel", thread_ts=ts, channel=OTHER_CHANNEL)
    slack.reply(user="U0BOB", text="Top level", thread_ts=None)
    # The thread's parent message has ts == thread_ts, so it is not a reply.
    slack.reply(user="U0BOB", text="Parent", thread_ts=ts, ts=ts)
    settle(bot)

    assert comment_rows(bot_db(bot)) == []
    assert idea_row(bot_db(bot), idea.id).comment_count == 0

    slack.reply(user="U0BOB", text="A real reply", thread_ts=ts)
    [comment] = wait_until(lambda: comment_rows(bot_db(bot)), what="the real reply")
    assert comment.text == "A real reply"


def test_reply_edit_and_delete(bot: LocalBot, slack: SlackSender, campaign: CampaignRecord) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    thread_ts, reply_ts = idea.message_id, slack.new_ts()
    slack.reply(user="U0BOB", text="First thought", thread_ts=thread_ts, ts=reply_ts)
    wait_until(lambda: comment_rows(bot_db(bot)), what="the comment")

    http, _ = slack.edit_reply(
        user="U0BOB",
        ts=reply_ts,
        thread_ts=thread_ts,
        new_text="Second thought",
        old_text="First thought",
    )

    assert http.status == 200
    [edited] = wait_until(
        lambda: [c for c in comment_rows(bot_db(bot)) if c.text == "Second thought"],
        what="the edited text",
    )
    assert edited.message_id == reply_ts
    assert edited.edited_at is not None
    assert len(comment_rows(bot_db(bot))) == 1
    assert idea_row(bot_db(bot), idea.id).comment_count == 1

    http, _ = slack.delete_reply(
        user="U0BOB", ts=reply_ts, thread_ts=thread_ts, old_text="Second thought"
    )

    assert http.status == 200
    [deleted] = wait_until(
        lambda: [c for c in comment_rows(bot_db(bot)) if c.deleted_at is not None],
        what="the deletion",
    )
    assert deleted.text == ""
    assert idea_row(bot_db(bot), idea.id).comment_count == 0
    assert campaign_summary(bot_db(bot), campaign.id).comment_count == 0
