"""The simulated staff on Teams: the plan's actions sent as Teams activities, and their checks.

With `staffvoice simulate --platform teams` everyone takes part from Teams, and with
`--platform both` a seeded half of the staff does, in a Teams channel of the Slack
campaign. A person posts an idea by sending the bot "idea: TEXT" and submitting the form
it sends back, by sending "idea" alone and filling in the empty form, or through the
message extension's dialog. They vote with the Vote button on the idea's card or a like
on it, and comment by replying in the card's reply chain. An event the plan redelivers
is sent again with the same activity id. Parts of the plan with no Teams counterpart are
not sent, and the run prints why.
"""

from __future__ import annotations

import itertools
import logging
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.simulate import teams_activities as act
from bot.simulate.common import SimulationFailed, wait_until
from bot.simulate.local_bot import LocalBot
from bot.simulate.teams_activities import TeamsActivityClient, TeamsChannel, TeamsResult, TeamsUser
from bot.simulate.traffic import Action, ActionKind, CampaignPlan, Totals
from handlers.teams.cards_ids import TOGGLE_ON, CardData, CardVerb, IdeaInput
from scheduler import jobs

logger = logging.getLogger(__name__)

TEAMS_CHANNEL = TeamsChannel(
    channel_id="19:staffvoice00000000000000000000@thread.tacv2",
    name="Your voice",
    team_id="19:norfolkcommunity0000000000000@thread.tacv2",
    team_name="Norfolk Community Health",
)
HTTP_OK = 200
# The people who take part from Teams in a run on both platforms.
TEAMS_SHARE = 0.5
# One in this many ideas submitted from a form in the personal chat is delivered twice.
RESUBMIT_EVERY = 25
# How often the run calls the bot's retry job while it waits for the cards to show closed.
REDRAW_POLL_SECONDS = 0.5

IDEA_MESSAGE_LABEL = "Teams message 'idea: TEXT'"
IDEA_ALONE_LABEL = "Teams message 'idea' (opens the form)"
SUBMIT_LABEL = "Teams adaptiveCard/action submitIdea"
FETCH_TASK_LABEL = "Teams composeExtension/fetchTask"
SUBMIT_ACTION_LABEL = "Teams composeExtension/submitAction"
VOTE_LABEL = "Teams adaptiveCard/action vote"
LIKE_LABEL = "Teams messageReaction (like added)"
UNLIKE_LABEL = "Teams messageReaction (like removed)"
REPLY_LABEL = "Teams message (reply to an idea)"
EDIT_LABEL = "Teams messageUpdate (reply edited)"
DELETE_LABEL = "Teams messageDelete (reply deleted)"
APP_REPLY_LABEL = "Teams message (another app's reply)"
REDELIVERY_LABEL = "Teams activity sent again (same id)"
SET_UP_LABEL = "Teams conversationUpdate and installationUpdate"
AFTER_CLOSE_SUFFIX = " after the close"

# Plan actions that are not sent, by reason, as the run's report lists them.
EDITS_NOT_SENT = "edits or deletions of replies that were not sent"
ACROSS_NOT_SENT = "actions on an idea posted from the other platform"
NOT_SENT_REASONS = {
    EDITS_NOT_SENT: "the reply they change was not sent, because its idea is on the other platform",
    ACROSS_NOT_SENT: "each platform shows only the ideas posted from it",
}

# Parts of the Slack run that the staff on Slack alone take part in when the run covers
# both platforms, and why.
SLACK_ONLY_IN_BOTH = (
    "the announcement and Remind me presses, the team Your Shout boards, the thanks cards "
    "and the paper ideas, because the run sends them as Slack requests only.",
    "the staff list's matching: people on Teams count as not on the list, because the "
    "run's staff list gives Slack IDs only.",
    "the answers after the close, given to ideas posted from Slack, because the answers' "
    "checks read Slack messages only.",
)

IDEA_KINDS = frozenset({ActionKind.IDEA_COMMAND, ActionKind.IDEA_FORM})
EDIT_KINDS = frozenset({ActionKind.REPLY_EDITED, ActionKind.REPLY_DELETED})
# The confirmation of a posted idea, as handlers/teams/ideas.py words it.
POSTED_IDEA = re.compile(r"\bas idea (\d+)\b")
LAUNCH_SUFFIX = " is open"

# Posts one activity under a label for the run's counts and returns the bot's response.
SendActivity = Callable[[str, dict[str, Any]], TeamsResult]


class IdeaRecords(Protocol):
    """Reads the bot's database for the checks: the message ids stored for ideas."""

    def recorded_messages(self, idea_ids: list[int]) -> dict[int, str | None]: ...

    def processed_event_ids(self, event_ids: list[str]) -> set[str]: ...


@dataclass(frozen=True)
class TeamsOutcome:
    """The result of one action: whether the bot took it, and the activity to send again later."""

    ok: bool
    redelivery: dict[str, Any] | None = None


def split_staff(
    plan: CampaignPlan, *, keep_on_slack: Sequence[str], share: float = TEAMS_SHARE
) -> dict[str, TeamsUser]:
    """Return a seeded share of the staff, none of keep_on_slack, as Teams users by run user id."""
    on_slack = set(keep_on_slack)
    candidates = [member for member in plan.staff if member.user_id not in on_slack]
    chosen = random.Random(plan.seed).sample(candidates, round(len(candidates) * share))
    return teams_users(plan, only={member.user_id for member in chosen})


def teams_users(plan: CampaignPlan, *, only: set[str] | None = None) -> dict[str, TeamsUser]:
    """Return a Teams user for each member of staff (or each in only), numbered by position."""
    return {
        member.user_id: TeamsUser.numbered(number, member.real_name)
        for number, member in enumerate(plan.staff, start=1)
        if only is None or member.user_id in only
    }


def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    """Return the Adaptive Card an activity carries, or None."""
    for attachment in activity.get("attachments") or []:
        content = attachment.get("content") if isinstance(attachment, dict) else None
        if isinstance(content, dict) and content.get("type") == "AdaptiveCard":
            return content
    return None


def card_lines(card: dict[str, Any]) -> list[str]:
    """Return a card's text as a person reads it: one line per text block, runs joined."""
    lines: list[str] = []

    def walk(elements: list[Any]) -> None:
        for element in elements:
            if not isinstance(element, dict):
                continue
            kind = element.get("type")
            if kind == "TextBlock":
                lines.extend(str(element.get("text", "")).split("\n"))
            elif kind == "RichTextBlock":
                inlines = element.get("inlines") or []
                lines.append("".join(str(run.get("text", "")) for run in inlines))
            walk(element.get("items") or [])
            for column in element.get("columns") or []:
                walk(column.get("items") or [])

    walk(card.get("body") or [])
    return [line for line in lines if line]


def form_values(card: dict[str, Any]) -> dict[str, str]:
    """Return the values a form's inputs hold, keyed by input id, as Teams submits them."""
    values: dict[str, str] = {}

    def walk(elements: list[Any]) -> None:
        for element in elements:
            if not isinstance(element, dict):
                continue
            if str(element.get("type", "")).startswith("Input.") and element.get("id"):
                values[str(element["id"])] = str(element.get("value", ""))
            walk(element.get("items") or [])

    walk(card.get("body") or [])
    return values


def choice_values(card: dict[str, Any], input_id: str) -> list[str]:
    """Return the values offered by a form's choice input."""
    for element in card.get("body") or []:
        if isinstance(element, dict) and element.get("id") == input_id:
            return [str(choice.get("value")) for choice in element.get("choices") or []]
    return []


def vote_idea_id(card: dict[str, Any] | None) -> int | None:
    """Return the idea id on a card's Vote button, or None when it has no Vote button."""
    for action in (card or {}).get("actions") or []:
        if action.get("verb") == CardVerb.VOTE.value:
            idea_id = (action.get("data") or {}).get(CardData.IDEA_ID.value)
            return int(idea_id) if idea_id is not None else None
    return None


def invoke_card(body: Any) -> dict[str, Any] | None:
    """Return the card an adaptiveCard/action response shows the person who acted, or None."""
    if isinstance(body, dict) and isinstance(body.get("value"), dict):
        return body["value"]
    return None


def task_card(body: Any) -> dict[str, Any] | None:
    """Return the card a task module response opens in a dialog, or None."""
    task = body.get("task") if isinstance(body, dict) else None
    if not isinstance(task, dict) or task.get("type") != "continue":
        return None
    content = ((task.get("value") or {}).get("card") or {}).get("content")
    return content if isinstance(content, dict) else None


def _posted_idea_id(text: str) -> int | None:
    match = POSTED_IDEA.search(text)
    return int(match.group(1)) if match else None


class TeamsStaff:
    """Sends the actions of the people on Teams as activities, and checks the bot's responses.

    The bot responds to an invoke with HTTP 200 even when it rejects the action. So an idea
    counts as posted only when the bot confirms it with its id. A vote counts only when the
    bot shows the presser the idea's card again.
    """

    def __init__(
        self,
        *,
        bot: LocalBot,
        plan: CampaignPlan,
        people: Mapping[str, TeamsUser],
        channel: TeamsChannel = TEAMS_CHANNEL,
    ) -> None:
        assert bot.teams_standin is not None, "the bot must serve Teams"
        self.bot = bot
        self.standin = bot.teams_standin
        self.service_url = self.standin.service_url
        self.plan = plan
        self.people = dict(people)
        self.channel = channel
        self.problems: list[str] = []
        # The idea id and the card's activity id of each plan idea posted from Teams.
        self.idea_ids: dict[int, int] = {}
        self.message_ids: dict[int, str] = {}
        # The activity id of each plan comment's reply, which an edit or deletion names.
        self.reply_ids: dict[int, str] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._clients: list[TeamsActivityClient] = []
        self._user_locks: dict[str, threading.Lock] = {}
        # The bot remembers activity ids as handled, so a rerun on the same database must
        # not reuse the last run's ids.
        self._run_id = uuid.uuid4().hex[:8]
        self._sequence = itertools.count(1)

    def _stamped(self, activity: dict[str, Any]) -> dict[str, Any]:
        """Give an activity an id unique across runs, and return it."""
        activity["id"] = f"{self._run_id}{next(self._sequence):09d}"
        return activity

    def _reply(self, user: TeamsUser, text: str, idea: int) -> dict[str, Any]:
        """Return a stamped message by the user in the reply chain of an idea's card."""
        return self._stamped(
            act.message(
                user,
                text,
                service_url=self.service_url,
                channel=self.channel,
                root=self.message_ids[idea],
            )
        )

    # Who acts where

    def idea_on_teams(self, index: int) -> bool:
        """Return whether a plan idea is posted from Teams."""
        return self.plan.ideas[index].author_id in self.people

    def on_teams(self, action: Action) -> bool:
        """Return whether an action happens in Teams: its sender, or for an app, its idea's."""
        if action.kind is ActionKind.BOT_REPLY:
            return action.idea is not None and self.idea_on_teams(action.idea)
        return action.user_id in self.people

    def not_sent_reason(self, action: Action) -> str | None:
        """Return why an action is not sent, or None when it is sent."""
        if action.kind in IDEA_KINDS:
            return None
        if action.kind is ActionKind.BOT_REPLY:
            return None
        if action.idea is not None and self.idea_on_teams(action.idea) != self.on_teams(action):
            return ACROSS_NOT_SENT
        if action.kind in EDIT_KINDS and action.comment not in self.reply_ids:
            return EDITS_NOT_SENT
        return None

    # Sending

    def client(self) -> TeamsActivityClient:
        """Return the calling thread's client, creating it on first use."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self.bot.teams_client()
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for client in self._clients:
                client.close()
            self._clients.clear()

    def join(self, *, installer: str, personal: Sequence[str], send: SendActivity) -> None:
        """Add the bot to the channel's team, and to the personal chats of the given people.

        The bot posts only in conversations it has seen, and sends direct messages, such
        as digests and reports, only to people who opened a chat with it.
        """
        activities = [
            act.bot_added_to_team(
                self.people[installer], self.channel, service_url=self.service_url
            ),
            *(
                act.installed_personally(self.people[user_id], service_url=self.service_url)
                for user_id in personal
            ),
        ]
        for activity in activities:
            status = send(SET_UP_LABEL, activity).status
            if status != HTTP_OK:
                raise SimulationFailed(
                    f"the bot rejected the Teams {activity['type']} activity with HTTP {status}"
                )

    def perform(self, action: Action, *, send: SendActivity, topic_id: int | None) -> TeamsOutcome:
        """Send the activities of one action; topic_id is the topic chosen for an idea."""
        kind = action.kind
        # Another app's reply has no person behind it.
        user = (
            self.people[action.user_id]
            if kind is not ActionKind.BOT_REPLY
            else TeamsUser.numbered(0, "Another app")
        )
        if kind is ActionKind.IDEA_COMMAND:
            return TeamsOutcome(self._idea_from_message(action, user, send, topic_id=topic_id))
        if kind is ActionKind.IDEA_FORM:
            assert action.idea is not None
            # Half of the form ideas come through the message extension's dialog.
            if action.idea % 2:
                return TeamsOutcome(self._idea_from_dialog(action, user, send, topic_id=topic_id))
            return TeamsOutcome(self._idea_from_form(action, user, send, topic_id=topic_id))
        if kind is ActionKind.VOTE_BUTTON:
            return TeamsOutcome(self.press_vote(action, send, label=VOTE_LABEL))
        if kind in (ActionKind.REACTION_ADDED, ActionKind.REACTION_REMOVED):
            activity = self.like(action)
            label = LIKE_LABEL if kind is ActionKind.REACTION_ADDED else UNLIKE_LABEL
        elif kind is ActionKind.THREAD_REPLY:
            assert action.idea is not None
            activity = self._reply(user, action.text, action.idea)
            if action.comment is not None:
                self.reply_ids[action.comment] = activity["id"]
            label = REPLY_LABEL
        elif kind in EDIT_KINDS:
            assert action.idea is not None and action.comment is not None
            root, reply_id = self.message_ids[action.idea], self.reply_ids[action.comment]
            if kind is ActionKind.REPLY_EDITED:
                activity = act.reply_edited(
                    user, self.channel, root, reply_id, action.text, service_url=self.service_url
                )
                label = EDIT_LABEL
            else:
                activity = act.reply_deleted(
                    user, self.channel, root, reply_id, service_url=self.service_url
                )
                label = DELETE_LABEL
        elif kind is ActionKind.BOT_REPLY:
            assert action.idea is not None
            activity = self._reply(user, action.text, action.idea)
            # Teams gives bots and other apps ids that start with 28:.
            activity["from"] = {"id": f"28:{action.user_id}", "name": "Another app"}
            label = APP_REPLY_LABEL
        else:
            raise ValueError(f"{kind} has no Teams activity; not_sent_reason should skip it")
        ok = send(label, activity).status == HTTP_OK
        return TeamsOutcome(ok, redelivery=activity if action.redeliver else None)

    def like(self, action: Action) -> dict[str, Any]:
        """Return the messageReaction activity of a like added or removed on an idea's card."""
        assert action.idea is not None
        return self._stamped(
            act.reaction(
                self.people[action.user_id],
                self.channel,
                self.message_ids[action.idea],
                service_url=self.service_url,
                added=action.kind is ActionKind.REACTION_ADDED,
            )
        )

    def press_vote(self, action: Action, send: SendActivity, *, label: str) -> bool:
        """Press the Vote button on an idea's card; return whether the bot showed the card again."""
        result = self.vote_response(action, send, label=label)
        if result is None:
            return False
        assert action.idea is not None
        card = invoke_card(result.body)
        if vote_idea_id(card) != self.idea_ids[action.idea]:
            self._problem(
                f"a Vote press on idea {self.idea_ids[action.idea]} was answered with "
                f"{' / '.join(card_lines(card or {}))!r}, not the idea's card"
            )
            return False
        return True

    def vote_response(
        self, action: Action, send: SendActivity, *, label: str
    ) -> TeamsResult | None:
        """Press the Vote button on an idea's card; return the response, or None on an error."""
        assert action.idea is not None
        activity = self._stamped(
            act.card_action(
                self.people[action.user_id],
                CardVerb.VOTE.value,
                {CardData.IDEA_ID.value: self.idea_ids[action.idea]},
                service_url=self.service_url,
                channel=self.channel,
                message_id=self.message_ids[action.idea],
            )
        )
        result = send(label, activity)
        return result if result.status == HTTP_OK else None

    # Ideas

    def _user_lock(self, user_id: str) -> threading.Lock:
        with self._lock:
            return self._user_locks.setdefault(user_id, threading.Lock())

    def _forms(self, user: TeamsUser) -> list[dict[str, Any]]:
        """Return the idea forms the bot sent to a person's personal chat, oldest first."""
        forms = []
        for activity in self.standin.activities(act.personal(user)["id"]):
            card = card_of(activity)
            if card is not None and IdeaInput.TEXT.value in form_values(card):
                forms.append(card)
        return forms

    def _form_reply(
        self, user: TeamsUser, text: str, send: SendActivity, *, label: str
    ) -> dict[str, Any] | None:
        """Send a message to the bot and return the idea form it sent back, or None."""
        # One person sends one message at a time, so the newest form is the reply to this one.
        with self._user_lock(user.aad_id):
            before = len(self._forms(user))
            message = self._stamped(act.message(user, text, service_url=self.service_url))
            if send(label, message).status != HTTP_OK:
                return None
            forms = self._forms(user)
        if len(forms) <= before:
            self._problem(f"the bot sent no idea form in answer to {text[:60]!r}")
            return None
        return forms[-1]

    def _idea_from_message(
        self, action: Action, user: TeamsUser, send: SendActivity, *, topic_id: int | None
    ) -> bool:
        """Send "idea: TEXT", then submit the form as the bot filled it in, with a topic."""
        form = self._form_reply(user, f"idea: {action.text}", send, label=IDEA_MESSAGE_LABEL)
        if form is None:
            return False
        values = form_values(form)
        if not values.get(IdeaInput.TEXT.value):
            self._problem(f"the idea form for {action.text[:60]!r} came back without the idea")
            return False
        return self._submit_card(action, user, form, values, send, topic_id=topic_id)

    def _idea_from_form(
        self, action: Action, user: TeamsUser, send: SendActivity, *, topic_id: int | None
    ) -> bool:
        """Send "idea" alone, then fill in the empty form: text, detail, topic, anonymity."""
        form = self._form_reply(user, "idea", send, label=IDEA_ALONE_LABEL)
        if form is None:
            return False
        values = {**form_values(form), **self._typed(action)}
        return self._submit_card(action, user, form, values, send, topic_id=topic_id)

    def _idea_from_dialog(
        self, action: Action, user: TeamsUser, send: SendActivity, *, topic_id: int | None
    ) -> bool:
        """Open the message extension's dialog from the channel's compose box and submit it."""
        opened = send(
            FETCH_TASK_LABEL,
            self._stamped(act.fetch_task(user, service_url=self.service_url, channel=self.channel)),
        )
        form = task_card(opened.body) if opened.status == HTTP_OK else None
        if form is None:
            self._problem(f"the message extension opened no idea form: {opened.body!r:.200}")
            return False
        values = {**form_values(form), **self._typed(action)}
        if not self._choose_topic(form, values, topic_id):
            return False
        submission = act.submit_action(
            user, values, service_url=self.service_url, channel=self.channel
        )
        result = send(SUBMIT_ACTION_LABEL, self._stamped(submission))
        task = result.body.get("task") if isinstance(result.body, dict) else None
        confirmation = str(task.get("value")) if isinstance(task, dict) else ""
        return self._posted(action, result, confirmation)

    def _typed(self, action: Action) -> dict[str, str]:
        """Return what a person types and toggles in an empty idea form."""
        return {
            IdeaInput.TEXT.value: action.text,
            IdeaInput.DETAIL.value: action.detail or "",
            IdeaInput.ANONYMOUS.value: TOGGLE_ON if action.anonymous else "false",
        }

    def _choose_topic(
        self, form: dict[str, Any], values: dict[str, str], topic_id: int | None
    ) -> bool:
        """Choose the topic in the form's menu; return False when the menu does not offer it."""
        if topic_id is None:
            return True
        offered = choice_values(form, IdeaInput.TOPIC.value)
        if str(topic_id) not in offered:
            self._problem(f"the idea form offers topics {offered}, not topic {topic_id}")
            return False
        values[IdeaInput.TOPIC.value] = str(topic_id)
        return True

    def _submit_card(
        self,
        action: Action,
        user: TeamsUser,
        form: dict[str, Any],
        values: dict[str, str],
        send: SendActivity,
        *,
        topic_id: int | None,
    ) -> bool:
        """Press "Post idea" on a form in the personal chat with the inputs' values.

        Some submissions are delivered a second time, which must store nothing more.
        """
        if not self._choose_topic(form, values, topic_id):
            return False
        activity = self._stamped(
            act.card_action(user, CardVerb.SUBMIT_IDEA.value, values, service_url=self.service_url)
        )
        result = send(SUBMIT_LABEL, activity)
        card = invoke_card(result.body) if result.status == HTTP_OK else None
        posted = self._posted(action, result, " ".join(card_lines(card or {})))
        assert action.idea is not None
        if posted and action.idea % RESUBMIT_EVERY == 0:
            again = send(REDELIVERY_LABEL, activity)
            if again.status != HTTP_OK:
                self._problem(f"a second delivery of an idea submission got HTTP {again.status}")
        return posted

    def _posted(self, action: Action, result: TeamsResult, confirmation: str) -> bool:
        """Note the idea id the bot confirmed; return whether it confirmed one."""
        if result.status != HTTP_OK:
            return False
        idea_id = _posted_idea_id(confirmation)
        if idea_id is None:
            self._problem(f"an idea from Teams was not posted; the bot answered {confirmation!r}")
            return False
        assert action.idea is not None
        with self._lock:
            self.idea_ids[action.idea] = idea_id
        return True

    def find_idea_cards(
        self, actions: list[Action], *, records: IdeaRecords, timeout: float
    ) -> None:
        """Wait until each idea of actions posted from Teams has its card in the channel.

        A card counts when its activity id is the message id the bot stored for the idea
        and its Vote button names the idea. Staff act on a card only after that, because
        the bot ignores likes and replies on a message it has not linked to an idea yet.
        """
        sent = [
            action.idea for action in actions if action.idea is not None and self.on_teams(action)
        ]
        missing = [index for index in sent if index not in self.idea_ids]
        if missing:
            raise SimulationFailed(f"{len(missing)} ideas sent from Teams were not posted")
        ids = {self.idea_ids[index]: index for index in sent}
        wait_until(
            lambda: None not in records.recorded_messages(list(ids)).values(),
            timeout=timeout,
            describe=lambda: "the bot did not store the message ids of the ideas posted in Teams",
        )
        cards = {
            str(activity.get("id")): card_of(activity)
            for activity in self.standin.activities(self.channel.channel_id)
        }
        wrong = []
        for idea_id, message_id in records.recorded_messages(list(ids)).items():
            if message_id is None or vote_idea_id(cards.get(message_id)) != idea_id:
                wrong.append(idea_id)
                continue
            self.message_ids[ids[idea_id]] = message_id
        if wrong:
            raise SimulationFailed(
                f"ideas {wrong} have no card with their Vote button in the Teams channel"
            )

    # Reading what the bot sent

    def inbox(self, conversation: str) -> list[str]:
        """Return the text of each card the bot sent to a channel, or to a person's chat.

        A person is named by the run's user id. Each text contains the card's lines.
        """
        if conversation in self.people:
            conversation = act.personal(self.people[conversation])["id"]
        return [
            "\n".join(card_lines(card))
            for card in map(card_of, self.standin.activities(conversation))
            if card is not None
        ]

    def find_card(self, header: str) -> list[str] | None:
        """Return the lines of the channel's first card whose first line is header, or None."""
        for text in self.inbox(self.channel.channel_id):
            lines = text.splitlines()
            if lines and lines[0] == header:
                return lines
        return None

    def wait_for_launch(self, title: str, *, timeout: float) -> None:
        """Wait for the card that opens the campaign in the Teams channel."""
        wait_until(
            lambda: self.find_card(title + LAUNCH_SUFFIX) is not None,
            timeout=timeout,
            describe=lambda: "the scheduler did not post the launch card in the Teams channel",
        )

    def check_cards_closed(self, *, timeout: float) -> None:
        """Wait until every idea card from Teams shows voting closed, without its Vote button.

        The bot redraws a closed campaign's cards in batches, and its retry job starts the
        next batch every 30 s of real time, so the run calls that job itself while it waits.
        """

        def still_open() -> list[str]:
            cards = {
                str(activity.get("id")): card_of(activity)
                for activity in self.standin.activities(self.channel.channel_id)
            }
            return [
                message_id
                for message_id in self.message_ids.values()
                if vote_idea_id(cards.get(message_id)) is not None
            ]

        deadline = time.monotonic() + timeout
        while still_open() and time.monotonic() < deadline:
            jobs.retry_deliveries()
            time.sleep(REDRAW_POLL_SECONDS)
        left = len(still_open())
        if left:
            self._problem(f"{left} idea cards in Teams still show a Vote button after the close")
            return
        print(f"All {len(self.message_ids)} idea cards in Teams show voting closed.")

    def vote_after_close(
        self,
        actions: list[Action],
        *,
        send: SendActivity,
        records: IdeaRecords,
        totals: Callable[[], Totals],
        timeout: float,
    ) -> list[str]:
        """Vote after the close by like and button; return the problems found, print one line.

        No vote may count, and a Vote press must show the presser the card without its
        Vote button. The Teams front sends no notice for a like after the close.
        """
        before = totals()
        likes: list[str] = []
        shown_closed = pressed = 0
        for action in actions:
            if action.kind is ActionKind.VOTE_BUTTON:
                pressed += 1
                result = self.vote_response(action, send, label=VOTE_LABEL + AFTER_CLOSE_SUFFIX)
                card = invoke_card(result.body) if result is not None else None
                if card is not None and vote_idea_id(card) is None:
                    shown_closed += 1
                continue
            activity = self.like(action)
            likes.append(str(activity["id"]))
            send(LIKE_LABEL + AFTER_CLOSE_SUFFIX, activity)
        wait_until(
            lambda: records.processed_event_ids(likes) == set(likes),
            timeout=timeout,
            describe=lambda: "the bot did not process the likes sent in Teams after the close",
        )
        problems = []
        after = totals()
        if after != before:
            problems.append(
                "votes in Teams after the close changed the totals: "
                + "; ".join(after.differences(before))
            )
        if shown_closed != pressed:
            problems.append(
                f"{pressed - shown_closed} of {pressed} Vote presses in Teams after the close "
                "were not answered with the card without its Vote button"
            )
        print(
            f"Votes in Teams after the close: {len(likes)} likes and {pressed} Vote presses, "
            f"{'none counted' if after == before else 'some counted'}, {shown_closed} of "
            f"{pressed} presses shown the closed card (a like after the close gets no notice)."
        )
        return problems

    def _problem(self, text: str) -> None:
        logger.debug("Teams simulation problem: %s", text)
        with self._lock:
            self.problems.append(text)


def not_sent_lines(skipped: Counter[str]) -> list[str]:
    """Return one line per reason for the plan's actions that were not sent."""
    return [
        f"  {label:<52}{count:>6}  ({NOT_SENT_REASONS.get(label, 'not sent')})"
        for label, count in sorted(skipped.items())
    ]
