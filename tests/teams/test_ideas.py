"""A campaign in Teams end to end: ideas through the form, votes, likes and comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.directory import import_staff
from bot.core.ideas import get_idea
from bot.simulate import teams_activities as act
from bot.simulate.local_bot import LocalBot
from storage.models import Comment, Idea, ParticipantGroup, Vote
from tests.teams.conftest import ALICE, BOB, BOT_MENTION, CHANNEL
from tests.teams.support import TeamsSender, open_teams_campaign, texts_of

pytestmark = pytest.mark.database


def _count(bot: LocalBot, model: type) -> int:
    assert bot.process is not None
    with bot.process.db.read() as session:
        return session.query(model).count()


def test_idea_vote_like_and_comment(teams_bot: LocalBot, teams: TeamsSender) -> None:
    campaign = open_teams_campaign(teams_bot, CHANNEL, topics=("Rotas", "Parking"))
    assert teams.standin.last_card(CHANNEL.channel_id) is not None  # the launch card

    # "idea: ..." in the personal chat opens the form, filled in, with the campaign's topics.
    assert teams.say(ALICE, "idea: Shared bike pool").status == 200
    [form] = teams.personal_cards(ALICE)
    assert "Shared bike pool" in texts_of(form)
    assert "1. Rotas" in texts_of(form)

    # A form without a topic is shown again with the values kept and nothing stored.
    missing = teams.press(ALICE, "submitIdea", {"idea": "Shared bike pool", "detail": ""})
    assert missing.status == 200
    assert "Shared bike pool" in texts_of(missing.body["value"])
    assert _count(teams_bot, Idea) == 0

    topic_id = campaign.topics[1].id
    posted = teams.press(
        ALICE,
        "submitIdea",
        {"idea": "Shared bike pool", "detail": "Near the depot", "topic": str(topic_id)},
    )
    assert posted.status == 200, posted
    assert "posted" in texts_of(posted.body["value"])
    [idea_row] = _ideas(teams_bot)
    assert idea_row.platform == "teams"
    assert idea_row.channel_id == CHANNEL.channel_id
    card = teams.standin.last_card(CHANNEL.channel_id)
    assert card is not None and "Shared bike pool" in texts_of(card)
    message_id = idea_row.message_id
    assert message_id

    # The Vote button counts once per person and returns the card with the new count.
    voted = teams.press(BOB, "vote", {"ideaId": idea_row.id}, channel=CHANNEL)
    assert voted.status == 200
    assert "1 vote" in texts_of(voted.body["value"])
    # A like from the same person is the same vote; a like from Alice adds hers.
    teams.react(BOB, CHANNEL, message_id)
    teams.react(ALICE, CHANNEL, message_id)
    assert _vote_count(teams_bot, idea_row.id) == 2
    # A retried delivery of the same activity changes nothing.
    retry = act.reaction(ALICE, CHANNEL, message_id, service_url=teams.service_url, added=False)
    teams.send(retry)
    teams.send(retry)
    assert _vote_count(teams_bot, idea_row.id) == 1
    assert _count(teams_bot, Vote) == 1

    # Everyone's card catches up: the bot updates the channel message.
    assert teams.standin.wait_for(
        lambda: (
            "1 vote"
            in texts_of(
                teams.standin.activities(CHANNEL.channel_id)[-1]["attachments"][0]["content"]
            )
        ),
        timeout=10,
    )

    # A reply in the idea's reply chain is a comment; a redelivery stores it once.
    reply = act.message(
        BOB, "Yes, with lockers", service_url=teams.service_url, channel=CHANNEL, root=message_id
    )
    assert teams.send(reply).status == 200
    assert teams.send(reply).status == 200
    assert _count(teams_bot, Comment) == 1
    assert get_idea(teams_bot.process.db, idea_row.id).comment_count == 1
    # Editing the reply changes the comment's text; deleting it stops counting it.
    reply_id = reply["id"]
    edit = act.reply_edited(
        BOB,
        CHANNEL,
        message_id,
        reply_id,
        "Yes, with lockers and a pump",
        service_url=teams.service_url,
    )
    assert teams.send(edit).status == 200
    assert _comment_texts(teams_bot) == ["Yes, with lockers and a pump"]
    # A reply from another app is not a comment.
    app_reply = act.message(
        BOB, "Bot noise", service_url=teams.service_url, channel=CHANNEL, root=message_id
    )
    app_reply["from"] = {"id": "28:another-app", "name": "Another app"}
    teams.send(app_reply)
    assert _count(teams_bot, Comment) == 1
    deletion = act.reply_deleted(BOB, CHANNEL, message_id, reply_id, service_url=teams.service_url)
    assert teams.send(deletion).status == 200
    assert get_idea(teams_bot.process.db, idea_row.id).comment_count == 0


def _comment_texts(bot: LocalBot) -> list[str]:
    assert bot.process is not None
    with bot.process.db.read() as session:
        return [comment.text for comment in session.query(Comment).order_by(Comment.id)]


def _ideas(bot: LocalBot) -> list[Idea]:
    assert bot.process is not None
    with bot.process.db.read() as session:
        return list(session.query(Idea).order_by(Idea.id))


def _vote_count(bot: LocalBot, idea_id: int) -> int:
    assert bot.process is not None
    return get_idea(bot.process.db, idea_id).vote_count


def test_redelivered_submission_stores_one_idea(teams_bot: LocalBot, teams: TeamsSender) -> None:
    open_teams_campaign(teams_bot, CHANNEL)
    submission = act.card_action(
        ALICE, "submitIdea", {"idea": "Water fountain by the lifts"}, service_url=teams.service_url
    )
    first = teams.send(submission)
    second = teams.send(submission)
    assert first.status == 200
    assert second.status == 200
    assert "posted" in texts_of(second.body["value"])
    assert _count(teams_bot, Idea) == 1
    assert (
        len([a for a in teams.standin.sent(CHANNEL.channel_id) if a.activity]) == 2
    )  # launch, idea


def test_form_posts_one_idea_per_person(teams_bot: LocalBot, teams: TeamsSender) -> None:
    open_teams_campaign(teams_bot, CHANNEL)
    # Bob's form is posted in the channel, where anyone can fill it in.
    assert teams.say(BOB, f"{BOT_MENTION} idea", channel=CHANNEL).status == 200
    form = teams.standin.last_card(CHANNEL.channel_id)
    assert form is not None
    [submit] = [action for action in form["actions"] if action.get("verb") == "submitIdea"]
    form_data = submit["data"]
    assert form_data["form"]

    filled = {**form_data, "idea": "Shared pool cars"}
    first = teams.press(ALICE, "submitIdea", filled, channel=CHANNEL)
    second = teams.press(ALICE, "submitIdea", filled, channel=CHANNEL)
    assert "posted" in texts_of(first.body["value"])
    assert "posted an idea from this form already" in texts_of(second.body["value"])
    assert [idea.author_id for idea in _ideas(teams_bot)] == [ALICE.aad_id]

    # Another person can still post their own idea from the same form.
    own = teams.press(BOB, "submitIdea", {**form_data, "idea": "Cycle racks"}, channel=CHANNEL)
    assert "posted" in texts_of(own.body["value"])
    assert len(_ideas(teams_bot)) == 2


def test_message_action_opens_form_and_posts(teams_bot: LocalBot, teams: TeamsSender) -> None:
    open_teams_campaign(teams_bot, CHANNEL)
    # The action used on a message opens the form in a dialog, filled with its text.
    fetched = teams.send(
        act.fetch_task(BOB, service_url=teams.service_url, message_text="Fix the <b>door</b>")
    )
    assert fetched.status == 200
    task = fetched.body["task"]
    assert task["type"] == "continue"
    form = task["value"]["card"]["content"]
    assert "Fix the door" in texts_of(form)
    # A dialog's form submits with Action.Submit, as Teams dialogs take.
    assert [action["type"] for action in form["actions"]] == ["Action.Submit"]
    # An empty idea shows the dialog again; a filled one closes it and posts the idea.
    empty = teams.send(act.submit_action(BOB, {"idea": "  "}, service_url=teams.service_url))
    assert empty.body["task"]["type"] == "continue"
    assert _count(teams_bot, Idea) == 0
    posted = teams.send(
        act.submit_action(BOB, {"idea": "Fix the door"}, service_url=teams.service_url)
    )
    assert posted.status == 200
    assert posted.body["task"]["type"] == "message"
    assert "posted" in posted.body["task"]["value"]
    [idea] = _ideas(teams_bot)
    assert idea.text == "Fix the door"
    assert idea.author_name == "Bob Jones"


def test_anonymous_idea_and_patient_data_guard(teams_bot: LocalBot, teams: TeamsSender) -> None:
    open_teams_campaign(teams_bot, CHANNEL)
    # An NHS number in the idea brings the form back with the reason, and nothing is stored.
    guarded = teams.press(ALICE, "submitIdea", {"idea": "Wristband 943 476 5919 was wrong"})
    assert "contains an NHS number" in texts_of(guarded.body["value"])
    assert "nothing was stored" in texts_of(guarded.body["value"])
    assert "post it anyway" not in texts_of(guarded.body["value"])
    assert _count(teams_bot, Idea) == 0
    anonymous = teams.press(
        ALICE, "submitIdea", {"idea": "Rota swaps without a form", "anonymous": "true"}
    )
    assert "posted" in texts_of(anonymous.body["value"])
    [idea] = _ideas(teams_bot)
    assert idea.anonymous
    assert idea.author_id is None
    assert idea.author_name is None
    card = teams.standin.last_card(CHANNEL.channel_id)
    assert card is not None
    assert "Anonymous" in texts_of(card)
    assert "Alice" not in texts_of(card)


def test_staff_list_teams_id_groups_participant(
    teams_bot: LocalBot, teams: TeamsSender, tmp_path: Path
) -> None:
    assert teams_bot.process is not None
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "Email,Directorate,Band,Staff Group,Locality,Teams ID\n"
        f"alice@x.nhs.uk,Estates,5,Estates and Ancillary,North,{ALICE.aad_id}\n",
        encoding="utf-8",
    )
    import_staff(teams_bot.process.db, staff, now=teams_bot.process.clock.now())
    open_teams_campaign(teams_bot, CHANNEL)
    teams.press(ALICE, "submitIdea", {"idea": "Lockers for the night shift"})
    with teams_bot.process.db.read() as session:
        [group] = session.query(ParticipantGroup).all()
        assert (group.platform, group.user_id) == ("teams", ALICE.aad_id)
        assert group.in_directory
        assert group.directorate == "Estates"
