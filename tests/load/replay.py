"""The campaign's requests as Slack sends them, and the state the acknowledged ones should leave.

The plan's actions are built into signed Slack payloads, as the simulated campaign
builds them, and sent through a SlackSender. An action counts only when its request
was acknowledged, and the Ledger applies only those. An action whose request was not
acknowledged may or may not have had its effect. So every idea, reply or vote it touched
is marked uncertain and left out of the exact comparisons.

A manager also answers a few ideas with a status during the campaign, from the status
menu on the idea's message and the form it opens. Each answer sends a direct message
through the outbox to the idea's author and voters.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.core.statuses import STATUS_LABELS
from bot.simulate import payloads
from bot.simulate.action_events import action_event, idea_form_values
from bot.simulate.answers import OWNERS, REPLIES
from bot.simulate.common import IdeaMessage, MessageTimestamps, parse_idea_message
from bot.simulate.slack_standin import SlackStandIn
from bot.simulate.traffic import Action, ActionKind, CampaignPlan, Ledger
from handlers.ids import IdeaIds, StatusIds
from handlers.mrkdwn import escape
from tests.load.sender import SlackSender

CHANNEL_ID = "C0LOADTEST"
POLL_SECONDS = 0.2
# How long the manager waits for the status form to open after a choice from the menu.
FORM_WAIT_SECONDS = 10.0
EVENT_KINDS = frozenset(
    {
        ActionKind.REACTION_ADDED,
        ActionKind.REACTION_REMOVED,
        ActionKind.THREAD_REPLY,
        ActionKind.REPLY_EDITED,
        ActionKind.REPLY_DELETED,
        ActionKind.BOT_REPLY,
    }
)
VOTE_KINDS = frozenset(
    {ActionKind.REACTION_ADDED, ActionKind.REACTION_REMOVED, ActionKind.VOTE_BUTTON}
)


@dataclass(frozen=True)
class SentAnswer:
    """A status the manager gave an idea, and whether the form's submission was acknowledged."""

    idea_id: int
    status: str
    acknowledged: bool


class LoadReplay:
    """Builds and sends the plan's requests, and keeps the state acknowledged requests make."""

    def __init__(
        self,
        plan: CampaignPlan,
        *,
        sender: SlackSender,
        standin: SlackStandIn,
        database_url: str,
        manager: str,
    ) -> None:
        self.plan = plan
        self.sender = sender
        self.standin = standin
        self.manager = manager
        self.ledger = Ledger()
        # Plan idea index -> whether its request was acknowledged (the form's submission).
        self.ideas_sent: dict[int, bool] = {}
        # Plan reply index -> whether the thread reply's event was acknowledged.
        self.replies_sent: dict[int, bool] = {}
        self.uncertain_votes: set[tuple[str, int]] = set()
        self.uncertain_replies: set[int] = set()
        self.idea_messages: dict[int, IdeaMessage] = {}
        self.comment_ts: dict[int, str] = {}
        self.answers: list[SentAnswer] = []
        self.skipped: Counter[str] = Counter()
        # Requests sent after the campaign's end, because the sending fell behind its times.
        self.late = 0
        self._answered: set[int] = set()
        self._usernames = {member.user_id: member.username for member in plan.staff}
        self._engine = sa.create_engine(database_url, pool_size=2)
        self._lock = threading.Lock()
        self._timestamps = MessageTimestamps()
        self._sequence = itertools.count(1)
        self._run_id = uuid.uuid4().hex[:6].upper()
        self._redeliveries: list[tuple[bytes, str]] = []
        self._rng = random.Random(plan.seed)
        self._seen_ts: set[str] = set()

    def dispose(self) -> None:
        """Close the replay's database connections."""
        self._engine.dispose()

    # Sending

    def take_redeliveries(self) -> list[tuple[bytes, str]]:
        """Return and forget the events Slack delivers a second time in the next phase."""
        with self._lock:
            taken, self._redeliveries = self._redeliveries, []
        return taken

    def redeliver(self, body: bytes, content_type: str) -> None:
        """Send an event again as Slack's redelivery of one it thinks went unanswered."""
        self.sender.send("redelivery", body, content_type, retried=True)

    def perform(self, action: Action) -> None:
        """Send the request or requests of one action and note whether they were acknowledged."""
        kind = action.kind
        if kind not in (ActionKind.IDEA_COMMAND, ActionKind.IDEA_FORM) and not self._ready(action):
            return
        if kind is ActionKind.IDEA_COMMAND:
            body, content_type = self._slash_command(action.user_id, action.text)
            acknowledged = self.sender.send(kind, body, content_type, retried=False).acknowledged
        elif kind is ActionKind.IDEA_FORM:
            body, content_type = self._slash_command(action.user_id, "")
            acknowledged = self.sender.send(kind, body, content_type, retried=False).acknowledged
            if acknowledged:
                body, content_type = self._form_submission(action)
                delivery = self.sender.send(kind, body, content_type, retried=False)
                acknowledged = delivery.acknowledged
            else:
                # The form never opened, so the person could not submit the idea.
                self.skipped["idea form not opened"] += 1
        elif kind is ActionKind.VOTE_BUTTON:
            body, content_type = self._vote_button(action)
            acknowledged = self.sender.send(kind, body, content_type, retried=False).acknowledged
        else:
            body, content_type = payloads.event_callback(
                self._event(action), event_id=self._event_id(), event_time=int(time.time())
            )
            acknowledged = self.sender.send(kind, body, content_type, retried=True).acknowledged
            if action.redeliver:
                with self._lock:
                    self._redeliveries.append((body, content_type))
        self._note(action, acknowledged=acknowledged)

    def _ready(self, action: Action) -> bool:
        """Return whether the idea and reply an action refers to exist, counting it if not."""
        if action.idea not in self.idea_messages:
            self.skipped["idea not posted"] += 1
            return False
        needs_reply = action.kind in (ActionKind.REPLY_EDITED, ActionKind.REPLY_DELETED)
        if needs_reply and action.comment not in self.comment_ts:
            self.skipped["reply not sent"] += 1
            return False
        return True

    def _note(self, action: Action, *, acknowledged: bool) -> None:
        with self._lock:
            kind = action.kind
            if kind in (ActionKind.IDEA_COMMAND, ActionKind.IDEA_FORM):
                assert action.idea is not None
                self.ideas_sent[action.idea] = acknowledged
            elif kind is ActionKind.THREAD_REPLY:
                assert action.comment is not None
                self.replies_sent[action.comment] = acknowledged
            if acknowledged:
                self.ledger.apply(action)
                return
            if kind in VOTE_KINDS:
                assert action.idea is not None
                self.uncertain_votes.add((action.user_id, action.idea))
            elif action.comment is not None:
                self.uncertain_replies.add(action.comment)

    def answer(self) -> SentAnswer | None:
        """Answer one posted idea not answered yet as the manager; None when none is left."""
        with self._lock:
            choices = sorted(set(self.idea_messages) - self._answered)
            if not choices:
                return None
            index = self._rng.choice(choices)
            self._answered.add(index)
            status = self._rng.choice(sorted(STATUS_LABELS))
            reply = self._rng.choice(REPLIES)
            owner = self._rng.choice(OWNERS)
        message = self._current_message(self.idea_messages[index].ts)
        idea_id = self.idea_messages[index].idea_id
        number = next(self._sequence)
        trigger_id = f"{int(time.time())}.load{self._run_id}{number}.simulated"
        body, content_type = payloads.block_actions(
            user_id=self.manager,
            user_name=self._username(self.manager),
            channel_id=CHANNEL_ID,
            message_ts=str(message["ts"]),
            action_id=StatusIds.MENU_ACTION.value,
            value="",
            block_id=_status_menu_block(message),
            response_url=self.standin.response_url(f"status-menu-{number}"),
            trigger_id=trigger_id,
            message_text=str(message.get("text", "")),
            message_blocks=list(message.get("blocks") or []),
            selected_option={
                "text": {"type": "plain_text", "text": STATUS_LABELS[status]},
                "value": f"{idea_id}:{status}",
            },
            action_type="overflow",
        )
        acknowledged = False
        if self.sender.send("status menu", body, content_type, retried=False).acknowledged:
            view = self._opened_view(trigger_id)
            if view is None:
                self.skipped["status form not opened"] += 1
            else:
                body, content_type = _status_submission(
                    view,
                    user_id=self.manager,
                    user_name=self._username(self.manager),
                    status=status,
                    reply=reply,
                    owner=owner,
                    view_id=f"VL{number:08d}",
                )
                delivery = self.sender.send("status form", body, content_type, retried=False)
                acknowledged = delivery.acknowledged
        answer = SentAnswer(idea_id=idea_id, status=status, acknowledged=acknowledged)
        with self._lock:
            self.answers.append(answer)
        return answer

    # Reading what the bot posted

    def find_idea_messages(self, actions: list[Action], *, timeout: float) -> int:
        """Wait until the acknowledged ideas of actions are in the channel and their message
        ids stored; return how many were still missing when the wait ended.

        An idea that shows up without its request acknowledged is taken too, so people
        vote on what they see.
        """
        texts = {escape(action.text): action.idea for action in actions}
        wanted = {
            action.idea
            for action in actions
            if action.idea is not None and self.ideas_sent.get(action.idea)
        }
        deadline = time.monotonic() + timeout
        found: dict[int, IdeaMessage] = {}
        while True:
            for message in self.standin.messages(CHANNEL_ID):
                if message["ts"] in self._seen_ts:
                    continue
                parsed = parse_idea_message(message)
                if parsed is None:
                    continue
                text, idea_message = parsed
                index = texts.get(text)
                if index is not None:
                    self._seen_ts.add(message["ts"])
                    found[index] = idea_message
            recorded = self._recorded(found)
            if wanted <= set(recorded) or time.monotonic() > deadline:
                break
            time.sleep(POLL_SECONDS)
        with self._lock:
            self.idea_messages.update(recorded)
        return len(wanted - set(recorded))

    def _recorded(self, found: dict[int, IdeaMessage]) -> dict[int, IdeaMessage]:
        """Return the found messages whose ts the bot has stored for their idea."""
        if not found:
            return {}
        query = sa.text("SELECT id, message_id FROM ideas WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query, {"ids": [m.idea_id for m in found.values()]})
            stored = {idea_id: message_id for idea_id, message_id in rows}
        return {
            index: message
            for index, message in found.items()
            if stored.get(message.idea_id) == message.ts
        }

    def _current_message(self, ts: str) -> dict[str, Any]:
        for message in self.standin.messages(CHANNEL_ID):
            if message["ts"] == ts:
                return message
        raise RuntimeError(f"the idea message {ts} is no longer in the stand-in's channel")

    def _opened_view(self, trigger_id: str) -> dict[str, Any] | None:
        deadline = time.monotonic() + FORM_WAIT_SECONDS
        while time.monotonic() < deadline:
            for call in self.standin.calls("views.open"):
                view = call.params.get("view")
                if call.params.get("trigger_id") == trigger_id and isinstance(view, dict):
                    return view
            time.sleep(POLL_SECONDS)
        return None

    # Request bodies

    def _username(self, user_id: str) -> str:
        return self._usernames.get(user_id, user_id.lower())

    def _event_id(self) -> str:
        return f"Ev{self._run_id}{next(self._sequence):08d}"

    def _slash_command(self, user_id: str, text: str) -> tuple[bytes, str]:
        number = next(self._sequence)
        return payloads.slash_command(
            text=text,
            user_id=user_id,
            user_name=self._username(user_id),
            channel_id=CHANNEL_ID,
            response_url=self.standin.response_url(f"command-{number}"),
            trigger_id=f"{int(time.time())}.{number}.simulated",
        )

    def _form_submission(self, action: Action) -> tuple[bytes, str]:
        number = next(self._sequence)
        values = idea_form_values(action)
        return payloads.view_submission(
            user_id=action.user_id,
            user_name=self._username(action.user_id),
            callback_id=IdeaIds.MODAL_CALLBACK.value,
            values=values,
            private_metadata=CHANNEL_ID,
            view_id=f"V{number:09d}",
        )

    def _vote_button(self, action: Action) -> tuple[bytes, str]:
        assert action.idea is not None
        message = self.idea_messages[action.idea]
        number = next(self._sequence)
        return payloads.block_actions(
            user_id=action.user_id,
            user_name=self._username(action.user_id),
            channel_id=CHANNEL_ID,
            message_ts=message.ts,
            action_id=IdeaIds.VOTE_ACTION.value,
            value=str(message.idea_id),
            block_id=f"vote-{message.idea_id}",
            response_url=self.standin.response_url(f"vote-{number}"),
            trigger_id=f"{int(time.time())}.{number}.simulated",
            message_blocks=message.blocks,
        )

    def _event(self, action: Action) -> dict[str, Any]:
        assert action.idea is not None
        return action_event(
            action,
            channel_id=CHANNEL_ID,
            idea_ts=self.idea_messages[action.idea].ts,
            comment_ts=self.comment_ts,
            timestamps=self._timestamps,
            lock=self._lock,
        )


def _status_menu_block(message: dict[str, Any]) -> str:
    """Return the block_id of the block holding an idea message's status menu."""
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == StatusIds.MENU_ACTION.value:
                return str(block.get("block_id", ""))
    raise RuntimeError(f"the idea message {message.get('ts')} has no status menu")


def _status_submission(
    view: dict[str, Any],
    *,
    user_id: str,
    user_name: str,
    status: str,
    reply: str,
    owner: str,
    view_id: str,
) -> tuple[bytes, str]:
    """Build the view_submission of the status form with a status, a reply and an owner."""
    values: dict[str, Any] = {
        StatusIds.STATUS_BLOCK.value: {
            StatusIds.STATUS_ACTION.value: {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": STATUS_LABELS[status]},
                    "value": status,
                },
            }
        },
        StatusIds.REPLY_BLOCK.value: {
            StatusIds.REPLY_ACTION.value: {"type": "plain_text_input", "value": reply}
        },
        StatusIds.OWNER_BLOCK.value: {
            StatusIds.OWNER_ACTION.value: {"type": "plain_text_input", "value": owner}
        },
    }
    return payloads.view_submission(
        user_id=user_id,
        user_name=user_name,
        callback_id=str(view["callback_id"]),
        values=values,
        private_metadata=str(view.get("private_metadata", "")),
        view_id=view_id,
    )
