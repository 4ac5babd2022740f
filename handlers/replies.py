"""Texts of the bot's private replies to staff."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.records import CampaignRecord, SubmittedIdea
from bot.core.schedule import format_local
from handlers.mrkdwn import escape

IDEA_HELP = (
    "Share an idea with `/idea` followed by your idea, such as "
    "`/idea Move the team huddle to 9:15 so night staff can join`. "
    "Send `/idea` alone to open a form with room for detail and an option to post anonymously. "
    "Colleagues vote with :+1: or the Vote button and comment in the idea's thread."
)


def idea_posted(submitted: SubmittedIdea, *, permalink: str | None) -> str:
    """Confirm an idea posted in its campaign channel."""
    assert submitted.campaign is not None
    where = f"<#{submitted.campaign.channel_id}>"
    link = f" <{permalink}|View it>." if permalink else ""
    return (
        f"Thanks, your idea is posted in {where} for {escape(submitted.campaign.title)}.{link} "
        "Colleagues can vote for it and reply in its thread."
    )


def idea_saved_not_posted(submitted: SubmittedIdea, *, hint: str) -> str:
    """Tell the author their idea is stored although posting it failed."""
    assert submitted.campaign is not None
    return (
        f"Your idea is saved as idea {submitted.idea.id}, but posting it in "
        f"<#{submitted.campaign.channel_id}> failed: {hint}. The bot tries again every "
        "minute or two, so it appears there once the problem is fixed; you do not need to "
        "send it again."
    )


def idea_in_standing_list(submitted: SubmittedIdea) -> str:
    """Tell the author their idea went to the standing ideas list."""
    return (
        f"No campaign is open right now, so your idea is saved in the standing ideas list "
        f"as idea {submitted.idea.id}. The engagement team reviews that list, so nothing is lost."
    )


def campaign_closed_for_votes(campaign: CampaignRecord | None, *, timezone: ZoneInfo) -> str:
    """Tell a voter why their vote on a closed campaign's idea did not count."""
    if campaign is None:
        return "Voting on this idea has closed, so your vote was not counted."
    return (
        f"{escape(campaign.title)} closed on {format_local(campaign.ends_at, timezone)}, "
        "so votes on its ideas are no longer counted. The closing summary in the channel "
        "shows the final results."
    )


def vote_toggled(*, counted: bool, vote_count: int) -> str:
    """Tell a voter what pressing the Vote button did."""
    total = "1 vote" if vote_count == 1 else f"{vote_count} votes"
    if counted:
        return f"Your vote counts; the idea has {total} now. Press Vote again to take it back."
    return (
        f"Your vote is taken back; the idea has {total} now. A :+1: reaction you added "
        "no longer counts either, so you may want to remove it too."
    )


def unknown_subcommand(word: str) -> str:
    """Explain that /idea has no such subcommand, so the text was not posted as an idea."""
    if word in ("anon", "anonymous"):
        return (
            "Nothing was posted. To post anonymously, send `/idea` alone and tick "
            '"Post anonymously" in the form.'
        )
    return (
        f"Nothing was posted: `/idea {escape(word)}` is not a command. Type your idea as a "
        "sentence after `/idea`, or send `/idea help` to see what it does."
    )


def apology(reference: str) -> str:
    """Apologise for an unexpected failure, giving a reference an administrator can search for."""
    return (
        "Sorry, something went wrong on our side and your request was not completed. "
        f"Please try again in a minute; if it keeps failing, give your administrator "
        f"the reference {reference}."
    )
