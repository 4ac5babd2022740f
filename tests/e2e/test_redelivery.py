"""Events that Slack delivers again (same event_id, X-Slack-Retry-Num) change nothing twice."""

from __future__ import annotations

from bot.core.records import CampaignRecord
from bot.simulate.local_bot import LocalBot
from tests.e2e.support import (
    SlackSender,
    bot_db,
    comment_rows,
    idea_row,
    post_idea,
    settle,
    stored_votes,
    voter_ids,
    wait_until,
)


def test_reaction_redelivery_ignored(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    ts = idea.message_id
    added = slack.event_body(
        "reaction_added",
        slack.reaction_event(user="U0V1", reaction="+1", ts=ts),
        event_id=slack.new_event_id(),
    )
    removed = slack.event_body(
        "reaction_added",
        slack.reaction_event(user="U0V1", reaction="+1", ts=ts, kind="reaction_removed"),
        event_id=slack.new_event_id(),
    )

    assert slack.send_body(added).status == 200
    wait_until(lambda: stored_votes(bot_db(bot), idea.id) == (1, 1), what="the vote")
    for retry_num in (1, 2):
        assert slack.send_body(added, retry_num=retry_num).status == 200
    settle(bot)
    assert stored_votes(bot_db(bot), idea.id) == (1, 1)

    assert slack.send_body(removed).status == 200
    wait_until(lambda: stored_votes(bot_db(bot), idea.id) == (0, 0), what="the withdrawal")
    for retry_num in (1, 2):
        assert slack.send_body(added, retry_num=retry_num).status == 200
    settle(bot)

    assert stored_votes(bot_db(bot), idea.id) == (0, 0)
    assert voter_ids(bot_db(bot), idea.id) == set()


def test_reply_redelivery_stored_once(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    reply = slack.event_body(
        "message_reply",
        slack.reply_event(user="U0BOB", text="Agreed", thread_ts=idea.message_id),
        event_id=slack.new_event_id(),
    )

    # The retries go out before the first delivery is processed, as when Slack's
    # 3-second timer fires while the bot is busy.
    statuses = [slack.send_body(reply, retry_num=retry_num).status for retry_num in (None, 1, 2)]
    settle(bot)

    assert statuses == [200, 200, 200]
    [comment] = comment_rows(bot_db(bot))
    assert comment.text == "Agreed"
    assert idea_row(bot_db(bot), idea.id).comment_count == 1
