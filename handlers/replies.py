"""Texts of the bot's private replies to staff."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.records import BoardRecord, CampaignRecord, SubmittedIdea
from bot.core.schedule import format_local
from handlers.mrkdwn import escape

IDEA_HELP = (
    "Share an idea with `/idea` followed by your idea, such as "
    "`/idea Move the team huddle to 9:15 so night staff can join`. "
    "Send `/idea` alone to open a form with room for detail, the campaign's topics to choose "
    "from and an option to post anonymously. When the campaign has several topics, an idea "
    "sent as `/idea` followed by text is posted at once and you are asked which topic it "
    "answers. Colleagues vote with :+1: or the Vote button and comment in the idea's thread. "
    "Some campaigns hide vote counts until they close; the Vote button then tells you privately "
    "whether your vote counts."
)


def _destination(submitted: SubmittedIdea) -> tuple[str, str]:
    """Return the channel an idea is posted in, and what it is posted to there."""
    if submitted.board is not None:
        return submitted.board.channel_id, "this channel's Your Shout board"
    assert submitted.campaign is not None
    return submitted.campaign.channel_id, escape(submitted.campaign.title)


def idea_posted(submitted: SubmittedIdea, *, permalink: str | None) -> str:
    """Confirm an idea posted in its campaign channel or on its channel's board."""
    channel_id, what = _destination(submitted)
    link = f" <{permalink}|View it>." if permalink else ""
    if submitted.board is not None:
        return (
            f"Thanks, your idea is posted to the Your Shout board in <#{channel_id}>, not to a "
            f"campaign.{link} Colleagues can vote for it and reply in its thread, and the "
            "board's lead answers it there."
        )
    return (
        f"Thanks, your idea is posted in <#{channel_id}> for {what}.{link} "
        "Colleagues can vote for it and reply in its thread."
    )


def idea_saved_not_posted(submitted: SubmittedIdea, *, hint: str) -> str:
    """Tell the author their idea is stored although posting it failed."""
    channel_id, _ = _destination(submitted)
    return (
        f"Your idea is saved as idea {submitted.idea.id}, but posting it in "
        f"<#{channel_id}> failed: {hint}. The bot tries again every "
        "minute or two, so it appears there once the problem is fixed; you do not need to "
        "send it again."
    )


def idea_in_standing_list(submitted: SubmittedIdea) -> str:
    """Tell the author their idea went to the standing ideas list."""
    return (
        f"No campaign is open right now, so your idea is saved in the standing ideas list "
        f"as idea {submitted.idea.id}. The engagement team reviews that list, so nothing is lost."
    )


def board_behind_campaign(*, title: str, ends: str) -> str:
    """Tell someone viewing a board that the campaign run in its channel takes ideas first."""
    return (
        f":information_source: The campaign {escape(title)} runs in this channel until {ends}, "
        "so `/idea` here posts to the campaign until then. The board takes ideas again "
        "after the campaign closes; votes and answers on its ideas work as before."
    )


def closed_board_notice(board: BoardRecord) -> str:
    """Tell an author that the channel's board is closed, before saying where the idea went."""
    # A lead whose account was deactivated can reopen nothing, so a manager is named instead.
    who = (
        "an engagement manager"
        if board.lead_departed_at is not None
        else f"its lead (<@{board.lead_id}>)"
    )
    return (
        f"The Your Shout board in <#{board.channel_id}> is closed, so your idea did not go "
        f"to it; {who} can reopen it with `/yourshout reopen`. "
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


# Votes do not record how they were cast, so this hint is worded to be true
# whether or not the voter also reacted with :+1:.
REACTION_AFTER_WITHDRAWAL = (
    "If you also reacted with :+1:, that reaction no longer counts, so you may want to remove it."
)


def vote_toggled(*, counted: bool, vote_count: int) -> str:
    """Tell a voter what pressing the Vote button did."""
    total = "1 vote" if vote_count == 1 else f"{vote_count} votes"
    if counted:
        return f"Your vote counts; the idea has {total} now. Press Vote again to take it back."
    return f"Your vote is taken back; the idea has {total} now. {REACTION_AFTER_WITHDRAWAL}"


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


CAMPAIGN_HELP = (
    "`/campaign` opens a form to create a campaign. `/campaign list` shows scheduled, open and "
    "past campaigns. `/campaign announce ID` posts a scheduled campaign's announcement, where "
    "staff can ask to be reminded when it opens. `/campaign edit ID` changes a scheduled "
    "campaign, `/campaign cancel ID` calls off a scheduled "
    "campaign, `/campaign close ID` closes an open campaign now, and "
    "`/campaign extend ID DAYS` moves its close later by whole days. "
    "`/campaign report [ID]` shows who has taken part, by group, in the open campaign or "
    "the one given, with a chart in your direct messages with the bot. "
    "`/campaign export ID [csv|xlsx]` sends its ideas, comments, participation and daily "
    "activity as files to your direct messages (XLSX unless you give csv). "
    "`/campaign remind ID` sends a direct message to the staff of chosen groups who have not "
    "taken part in an open campaign yet, after showing how many people it will reach. "
    '`/campaign yousaid ID` previews a "You said, we did" update of the ideas whose status '
    "changed since the last update, grouped by status, and posts it in the campaign's channel "
    "when you press Post. `/campaign yousaid ID monthly on` (or `off`) posts one on the first "
    "day of each month when something changed. "
    "`/campaign moderate` lists reported and flagged ideas and comments, oldest first, with "
    "buttons to hide, restore or dismiss each and to message its author. "
    "These commands are for engagement managers."
)


def campaign_created(campaign: CampaignRecord, *, timezone: ZoneInfo) -> str:
    """Confirm a campaign created from the modal."""
    topics = "".join(f"\n{topic.position}. {escape(topic.question)}" for topic in campaign.topics)
    return (
        f"Campaign {campaign.id}, {escape(campaign.title)}, is scheduled in "
        f"<#{campaign.channel_id}>: it opens {format_local(campaign.starts_at, timezone)} and "
        f"closes {format_local(campaign.ends_at, timezone)}. Topics:{topics}"
    )


def campaign_list(campaigns: list[CampaignRecord], *, timezone: ZoneInfo) -> str:
    """List campaigns grouped as scheduled, open and past, with their topics."""
    if not campaigns:
        return "There are no campaigns yet. Send `/campaign` to create one."
    sections = []
    groups = (
        ("scheduled", "Scheduled"),
        ("open", "Open"),
        ("closed", "Past"),
        ("cancelled", "Cancelled"),
    )
    for status, heading in groups:
        lines = [
            f"• {campaign.id}: {escape(campaign.title)} in <#{campaign.channel_id}>, "
            f"{format_local(campaign.starts_at, timezone)} to "
            f"{format_local(campaign.ends_at, timezone)}, {_campaign_details(campaign)}"
            for campaign in campaigns
            if campaign.status == status
        ]
        if lines:
            sections.append(f"*{heading}*\n" + "\n".join(lines))
    return "\n\n".join(sections)


def _campaign_details(campaign: CampaignRecord) -> str:
    count = len(campaign.topics)
    details = ["1 topic" if count == 1 else f"{count} topics"]
    if campaign.hide_counts:
        details.append("counts hidden until it closes")
    if campaign.repeat_quarterly:
        details.append("repeats every quarter")
    return ", ".join(details)


def campaign_edited(campaign: CampaignRecord, *, timezone: ZoneInfo) -> str:
    """Confirm a scheduled campaign's new settings."""
    topics = "".join(f"\n{topic.position}. {escape(topic.question)}" for topic in campaign.topics)
    return (
        f"Campaign {campaign.id}, {escape(campaign.title)}, is saved: it opens in "
        f"<#{campaign.channel_id}> {format_local(campaign.starts_at, timezone)} and closes "
        f"{format_local(campaign.ends_at, timezone)}. An announcement already posted keeps "
        f"the old details, so tell the channel what changed. Topics:{topics}"
    )


def campaign_cancelled(campaign: CampaignRecord) -> str:
    """Confirm that a scheduled campaign is cancelled."""
    return (
        f"Campaign {campaign.id}, {escape(campaign.title)}, is cancelled and will not open. "
        "People who asked to be reminded get no message, so if it was announced, tell "
        f"<#{campaign.channel_id}>."
    )


def campaign_closing(campaign: CampaignRecord) -> str:
    """Confirm that a campaign closes now."""
    return (
        f"Campaign {campaign.id}, {escape(campaign.title)}, closes now. The final report is "
        f"posted in <#{campaign.channel_id}> within a minute."
    )


def campaign_extended(campaign: CampaignRecord, *, timezone: ZoneInfo) -> str:
    """Confirm a campaign's new close."""
    return (
        f"Campaign {campaign.id}, {escape(campaign.title)}, now closes "
        f"{format_local(campaign.ends_at, timezone)}."
    )


# Modal errors are plain text, so these name no channel link.
BOT_NOT_IN_CHANNEL = (
    "The bot is not a member of this channel, so it cannot post there. Invite it by sending "
    "/invite @staffvoice in that channel, then press Create again."
)
CHANNEL_NOT_FOUND = (
    "The bot cannot see this channel: choose another, or invite the bot to it with "
    "/invite @staffvoice and press Create again."
)


ANSWER_HOW = (
    "Answer an idea from the `⋯` menu on its message in the channel: choose a status, "
    "such as planned or done, and add a short reply if you like."
)

YOURSHOUT_HELP = (
    "`/yourshout` shows this channel's Your Shout board: its question, the ideas waiting for "
    "an answer ranked by votes, and the lead's answers. Team leads run a board in their "
    "team's channel:\n"
    "• `/yourshout start QUESTION` opens a board and pins its question in the channel.\n"
    "• `/yourshout close` stops voting, keeping the ideas; `/yourshout reopen` starts it again.\n"
    "• `/yourshout lead @person` hands the board to another lead. Add the board's channel, "
    "as `/yourshout lead @person #channel` or its channel id such as C0123ABCD, to run it "
    "from any conversation with the bot.\n"
    "• `/yourshout digest DAY HH:MM` sets when the lead's weekly digest arrives, such as "
    "`/yourshout digest monday 09:00`; `/yourshout digest` alone shows the setting.\n"
    "• `/yourshout list` lists every board, for engagement managers.\n"
    f"{ANSWER_HOW}\n"
    "Staff share ideas on the board with `/idea` in its channel."
)

NO_BOARD = (
    "This channel has no Your Shout board. A team lead can start one here with "
    "`/yourshout start QUESTION`."
)

LEAD_NOT_A_PERSON = (
    "Slackbot and other bots cannot lead a board, so nothing was changed. Name a person."
)

LEAD_MENTION_NEEDED = (
    "Name the new lead with a mention, such as `/yourshout lead @Sam Patel`: type @ and pick "
    "the person from the list Slack shows, so the name becomes a mention."
)


def no_board_in(channel_id: str) -> str:
    """Explain that a channel named in a command has no board."""
    return (
        f"<#{channel_id}> has no Your Shout board, so nothing was changed. A team lead can "
        "start one there with `/yourshout start QUESTION`."
    )


def lead_channel_invalid(argument: str) -> str:
    """Explain how to name the channel of the board whose lead changes."""
    return (
        f"`{escape(argument)}` is not a channel. Name the board's channel as #channel, picked "
        "from the list Slack shows, or by its channel id, such as "
        "`/yourshout lead @Sam Patel C0123ABCD`."
    )


def yourshout_usage(words: str) -> str:
    """Explain the arguments a /yourshout subcommand takes."""
    return f"Give {words}. Send `/yourshout help` to see every command."


def yourshout_unknown(text: str) -> str:
    """Explain that /yourshout has no such subcommand."""
    return f"`/yourshout {escape(text)}` is not a Your Shout command.\n{YOURSHOUT_HELP}"


def board_started(board: BoardRecord, *, pin_failure: str | None) -> str:
    """Confirm a board opened, and whether its header message could be pinned."""
    pinned = (
        "Its question is posted and pinned in the channel."
        if pin_failure is None
        else f"Its question is posted in the channel, but it could not be pinned: {pin_failure}."
    )
    return (
        f"Your Shout board {board.id} is open in <#{board.channel_id}>. {pinned} "
        "Staff post ideas here with `/idea`; send `/yourshout` to see them ranked. "
        f"{ANSWER_HOW}"
    )


def board_header_failed(board: BoardRecord, *, hint: str) -> str:
    """Tell the lead that the board is open but its header message could not be posted."""
    return (
        f"Your Shout board {board.id} is open, but posting its question in "
        f"<#{board.channel_id}> failed: {hint}. Fix that, then send `/yourshout start` with "
        "the question again and press Replace question to post it."
    )


def board_question_replaced(board: BoardRecord, *, reopened: bool = False) -> str:
    """Confirm a board's new question, and that a closed board reopened with it."""
    if reopened:
        return (
            f"Your Shout board {board.id} is open again, asking "
            f"\u201c{escape(board.question)}\u201d. Its ideas stay, voting counts again, and "
            "the header message in the channel shows the new question."
        )
    return (
        f"The board's question is now \u201c{escape(board.question)}\u201d. The header message "
        "in the channel shows it, and the board's ideas stay."
    )


def board_question_kept(board_question: str) -> str:
    """Confirm that a board keeps its question."""
    return f"The board keeps its question: \u201c{escape(board_question)}\u201d."


def board_closed(board: BoardRecord, *, changed: bool) -> str:
    """Confirm a closed board, or report that it was closed already."""
    if not changed:
        return "This channel's Your Shout board is closed already. `/yourshout reopen` opens it."
    return (
        f"Your Shout board {board.id} is closed: voting has stopped, and its ideas and answers "
        "stay. The idea messages lose their Vote buttons over the next minutes. "
        "`/yourshout reopen` opens it again."
    )


def board_reopened(board: BoardRecord, *, changed: bool) -> str:
    """Confirm a reopened board, or report that it was open already."""
    if not changed:
        return "This channel's Your Shout board is open already."
    return (
        f"Your Shout board {board.id} is open again, and voting counts. The idea messages get "
        "their Vote buttons back over the next minutes."
    )


def board_lead_changed(board: BoardRecord, *, changed: bool) -> str:
    """Confirm the board's lead."""
    if not changed:
        return f"<@{board.lead_id}> leads this board already."
    return (
        f"<@{board.lead_id}> now leads the Your Shout board in <#{board.channel_id}>, and "
        "gets a direct message about it."
    )


def board_lead_notice(board: BoardRecord, *, by_user_id: str, show_question: bool = True) -> str:
    """Tell a new lead that they run a board now.

    show_question is False for a private board whose channel the new lead is
    not a member of, so its question stays with the channel's members.
    """
    asks = f", which asks \u201c{escape(board.question)}\u201d" if show_question else ""
    join = (
        ""
        if show_question
        else " It is a private channel you are not a member of, so join it to see the board."
    )
    return (
        f"<@{by_user_id}> made you the lead of the Your Shout board in <#{board.channel_id}>"
        f"{asks}.{join} {ANSWER_HOW} Send `/yourshout help` in that channel to see what a "
        "lead can do."
    )


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def digest_setting(board: BoardRecord, *, timezone: ZoneInfo, changed: bool | None) -> str:
    """Describe when the board's weekly digest is sent; changed is None when only shown."""
    day = WEEKDAY_NAMES[board.digest_weekday]
    hours, minutes = divmod(board.digest_minute, 60)
    when = f"{day}s at {hours:02d}:{minutes:02d} ({timezone.key})"
    if changed is None:
        return (
            f"The weekly digest of this board goes to <@{board.lead_id}> on {when}. Change it "
            "with `/yourshout digest DAY HH:MM`, such as `/yourshout digest friday 16:00`."
        )
    if not changed:
        return f"The weekly digest goes on {when} already."
    return f"The weekly digest of this board now goes to <@{board.lead_id}> on {when}."
