"""Helpers for the end-to-end tests.

SlackSender fills the Slack-shaped JSON files in payloads/ with ids and timestamps and
sends them, signed, to a LocalBot. The other helpers wait for the bot's background work
and read its tables directly.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy import func, select

from bot.core.campaigns import create_campaign
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import HttpResult, LocalBot, SlackRequestClient
from bot.simulate.slack_standin import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    RecordedCall,
    channel_name,
)
from handlers.ids import IdeaIds
from storage.database import Database
from storage.models import Campaign, Comment, Idea, StaffMember, Vote

PAYLOAD_DIR = Path(__file__).parent / "payloads"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

CAMPAIGN_CHANNEL = "C0IDEAS"
OTHER_CHANNEL = "C0RANDOM"

T = TypeVar("T")


def load_payload(name: str) -> dict[str, Any]:
    """Return a fresh copy of payloads/<name>.json."""
    return json.loads((PAYLOAD_DIR / f"{name}.json").read_text(encoding="utf-8"))


def wait_until(
    predicate: Callable[[], T], *, timeout: float = 5.0, interval: float = 0.02, what: str = ""
) -> T:
    """Poll predicate until it returns a true value and return that value.

    Raises AssertionError naming `what` when the deadline passes first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)


def settle(bot: LocalBot, *, timeout: float = 10.0) -> None:
    """Wait until every listener run that Bolt queued so far has finished.

    Bolt runs listeners after the acknowledgement in a ThreadPoolExecutor that takes
    tasks in order. One blocking task per worker can only all run together once every
    task queued before them has finished, so a test can assert that an ignored request
    changed nothing.
    """
    assert bot.process is not None, "LocalBot is not running"
    executor = bot.process.bolt.listener_runner.listener_executor
    assert isinstance(executor, ThreadPoolExecutor), type(executor)
    # ThreadPoolExecutor has no public attribute for its size.
    workers = executor._max_workers
    barrier = threading.Barrier(workers + 1, timeout=timeout)
    futures = [executor.submit(barrier.wait) for _ in range(workers)]
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        raise AssertionError(f"listeners still running after {timeout} s") from None
    for future in futures:
        future.result(timeout=timeout)


def bot_db(bot: LocalBot) -> Database:
    """Return the Database of a running LocalBot."""
    assert bot.process is not None, "LocalBot is not running"
    return bot.process.db


def open_campaign_now(
    bot: LocalBot, *, title: str = "Winter ideas", channel: str = CAMPAIGN_CHANNEL
) -> CampaignRecord:
    """Create a campaign starting now, let the scheduler open it, and wait for its launch."""
    assert bot.process is not None, "LocalBot is not running"
    db = bot.process.db
    record = create_campaign(
        db,
        title=title,
        channel_id=channel,
        starts="now",
        timezone=bot.process.settings.timezone,
        now=bot.process.clock.now(),
    )
    bot.process.scheduler.sync()
    wait_until(
        lambda: campaign_row(db, record.id).launch_message_id is not None,
        what=f"campaign {record.id} to open and post its launch message",
    )
    return record


def add_staff(
    bot: LocalBot,
    directorate: str,
    user_ids: list[str],
    *,
    band: str | None = "Band 5",
    staff_group: str | None = "Allied Health Professionals",
) -> None:
    """Put people on the bot's staff list, matched to their Slack user ids."""
    assert bot.process is not None
    now = bot.process.clock.now()
    with bot_db(bot).transaction() as session:
        session.add_all(
            StaffMember(
                email=f"{user_id.lower()}@example.org",
                directorate=directorate,
                band=band,
                staff_group=staff_group,
                platform="slack",
                user_id=user_id,
                match_state="column",
                created_at=now,
                updated_at=now,
            )
            for user_id in user_ids
        )


def campaign_row(db: Database, campaign_id: int) -> Campaign:
    """Return the campaigns row with this id."""
    with db.transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None, f"no campaign {campaign_id}"
        return campaign


def idea_rows(db: Database) -> list[Idea]:
    """Return every ideas row, oldest first."""
    with db.transaction() as session:
        return list(session.scalars(select(Idea).order_by(Idea.id)))


def idea_row(db: Database, idea_id: int) -> Idea:
    """Return the ideas row with this id."""
    with db.transaction() as session:
        idea = session.get(Idea, idea_id)
        assert idea is not None, f"no idea {idea_id}"
        return idea


def comment_rows(db: Database) -> list[Comment]:
    """Return every comments row, oldest first."""
    with db.transaction() as session:
        return list(session.scalars(select(Comment).order_by(Comment.id)))


def voter_ids(db: Database, idea_id: int) -> set[str]:
    """Return the user ids with a votes row on an idea."""
    with db.transaction() as session:
        return set(session.scalars(select(Vote.user_id).where(Vote.idea_id == idea_id)))


def count_rows(db: Database, model: type[Any]) -> int:
    """Return SELECT COUNT(*) of a model's table."""
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def stored_votes(db: Database, idea_id: int) -> tuple[int, int]:
    """Return (ideas.vote_count, COUNT(*) of votes rows) for an idea, read in one transaction."""
    with db.transaction() as session:
        stored = session.scalar(select(Idea.vote_count).where(Idea.id == idea_id))
        rows = session.scalar(select(func.count()).select_from(Vote).where(Vote.idea_id == idea_id))
        return int(stored or 0), int(rows or 0)


def text_fields(value: Any) -> Iterator[str]:
    """Yield every "text" string anywhere in a Block Kit structure."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from text_fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from text_fields(item)


def vote_button_value(blocks: list[dict[str, Any]]) -> str | None:
    """Return the value of the Vote button in an idea message's blocks, or None."""
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == IdeaIds.VOTE_ACTION:
                return str(element.get("value"))
    return None


def idea_post_calls(bot: LocalBot, idea_id: int) -> list[RecordedCall]:
    """Return the chat.postMessage calls whose Vote button belongs to this idea."""
    return [
        call
        for call in bot.standin.calls("chat.postMessage")
        if vote_button_value(call.params.get("blocks") or []) == str(idea_id)
    ]


def idea_update_calls(bot: LocalBot, message_ts: str) -> list[RecordedCall]:
    """Return the chat.update calls for one message, in arrival order."""
    return [
        call for call in bot.standin.calls("chat.update") if call.params.get("ts") == message_ts
    ]


@dataclass(frozen=True)
class CommandResult:
    """The bot's HTTP response to a request and the token of the request's response URL."""

    http: HttpResult
    response_token: str
    elapsed: float


class SlackSender:
    """Sends requests to a LocalBot as Slack would, built from the payloads/ templates."""

    def __init__(self, bot: LocalBot) -> None:
        self.bot = bot
        self._client: SlackRequestClient = bot.client()
        self._lock = threading.Lock()
        self._last_ts_micros = 0

    def close(self) -> None:
        """Close the kept-alive connection to the bot."""
        self._client.close()

    # Ids and timestamps

    def new_ts(self) -> str:
        """Return a unique message timestamp in Slack's "seconds.micros" form."""
        with self._lock:
            self._last_ts_micros = max(time.time_ns() // 1000, self._last_ts_micros + 1)
            seconds, micros = divmod(self._last_ts_micros, 1_000_000)
        return f"{seconds}.{micros:06d}"

    @staticmethod
    def new_event_id() -> str:
        """Return an id shaped like Slack's event_id."""
        return "Ev" + uuid.uuid4().hex[:10].upper()

    @staticmethod
    def new_trigger_id() -> str:
        """Return an id shaped like Slack's trigger_id."""
        return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"

    # Slash commands

    def command(
        self,
        text: str,
        *,
        user: str = "U0ALICE",
        user_name: str = "alice",
        channel: str = CAMPAIGN_CHANNEL,
    ) -> CommandResult:
        """Send /idea with text and return the HTTP response and the response URL token."""
        token = uuid.uuid4().hex
        fields = load_payload("slash_command")
        fields.update(
            team_id=TEAM_ID,
            team_domain=TEAM_DOMAIN,
            channel_id=channel,
            channel_name=channel_name(channel),
            user_id=user,
            user_name=user_name,
            command="/idea",
            text=text,
            api_app_id=APP_ID,
            response_url=self.bot.standin.response_url(token),
            trigger_id=self.new_trigger_id(),
        )
        started = time.monotonic()
        http = self._client.send(urlencode(fields).encode("utf-8"), FORM_CONTENT_TYPE)
        return CommandResult(http, token, time.monotonic() - started)

    def response_texts(self, token: str) -> list[str]:
        """Return the texts the bot posted to one response URL, oldest first."""
        return [str(call.params.get("text", "")) for call in self.bot.standin.responses(token)]

    # Events API

    def event_body(self, template: str, event: dict[str, Any], *, event_id: str) -> bytes:
        """Return the event_callback envelope from a template around this event, as JSON."""
        envelope = load_payload(template)
        envelope.update(
            team_id=TEAM_ID,
            api_app_id=APP_ID,
            event=event,
            event_id=event_id,
            event_time=int(time.time()),
        )
        envelope["authorizations"][0].update(team_id=TEAM_ID, user_id=BOT_USER_ID)
        return json.dumps(envelope).encode("utf-8")

    def send_body(self, body: bytes, *, retry_num: int | None = None) -> HttpResult:
        """Send a JSON body as it is, such as an earlier event_callback again."""
        return self._client.send(body, JSON_CONTENT_TYPE, retry_num=retry_num)

    def send_event(
        self,
        template: str,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> tuple[HttpResult, str]:
        """Send one event_callback and return the HTTP response and its event_id."""
        event_id = event_id or self.new_event_id()
        body = self.event_body(template, event, event_id=event_id)
        return self._client.send(body, JSON_CONTENT_TYPE, retry_num=retry_num), event_id

    def reaction_event(
        self,
        *,
        user: str,
        reaction: str,
        ts: str,
        channel: str = CAMPAIGN_CHANNEL,
        kind: str = "reaction_added",
    ) -> dict[str, Any]:
        """Return a reaction_added or reaction_removed event on a bot message."""
        event = load_payload("reaction_added")["event"]
        event.update(type=kind, user=user, reaction=reaction, item_user=BOT_USER_ID)
        event["item"].update(channel=channel, ts=ts, channel_type="channel")
        event["event_ts"] = self.new_ts()
        return event

    def react(
        self,
        *,
        user: str,
        reaction: str,
        ts: str,
        channel: str = CAMPAIGN_CHANNEL,
        kind: str = "reaction_added",
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> tuple[HttpResult, str]:
        """Send a reaction_added (or, with kind, reaction_removed) event."""
        event = self.reaction_event(user=user, reaction=reaction, ts=ts, channel=channel, kind=kind)
        return self.send_event("reaction_added", event, event_id=event_id, retry_num=retry_num)

    def reply_event(
        self,
        *,
        user: str,
        text: str,
        thread_ts: str | None,
        ts: str | None = None,
        channel: str = CAMPAIGN_CHANNEL,
        bot_id: str | None = None,
    ) -> dict[str, Any]:
        """Return the message event of a reply in a thread, or a top-level message."""
        event = load_payload("message_reply")["event"]
        ts = ts or self.new_ts()
        event.update(user=user, text=text, ts=ts, event_ts=ts, channel=channel, team=TEAM_ID)
        event["parent_user_id"] = BOT_USER_ID
        event["client_msg_id"] = str(uuid.uuid4())
        event["blocks"][0]["elements"][0]["elements"][0]["text"] = text
        if thread_ts is None:
            del event["thread_ts"]
            del event["parent_user_id"]
        else:
            event["thread_ts"] = thread_ts
        if bot_id is not None:
            # Messages that apps post carry bot_id in place of a client_msg_id and blocks.
            del event["client_msg_id"]
            del event["blocks"]
            event["bot_id"] = bot_id
        return event

    def reply(
        self,
        *,
        user: str,
        text: str,
        thread_ts: str | None,
        ts: str | None = None,
        channel: str = CAMPAIGN_CHANNEL,
        bot_id: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> tuple[HttpResult, str]:
        """Send the message event of a thread reply (or a top-level message, without thread_ts)."""
        event = self.reply_event(
            user=user, text=text, thread_ts=thread_ts, ts=ts, channel=channel, bot_id=bot_id
        )
        return self.send_event("message_reply", event, event_id=event_id, retry_num=retry_num)

    def edit_reply(
        self,
        *,
        user: str,
        ts: str,
        thread_ts: str,
        new_text: str,
        old_text: str,
        channel: str = CAMPAIGN_CHANNEL,
    ) -> tuple[HttpResult, str]:
        """Send the message_changed event for an edit of the reply at ts."""
        event = load_payload("message_changed")["event"]
        edited_at = self.new_ts()
        event.update(channel=channel, ts=edited_at, event_ts=edited_at)
        event["message"].update(
            user=user,
            text=new_text,
            ts=ts,
            thread_ts=thread_ts,
            edited={"user": user, "ts": edited_at},
        )
        event["previous_message"].update(user=user, text=old_text, ts=ts, thread_ts=thread_ts)
        return self.send_event("message_changed", event)

    def delete_reply(
        self, *, user: str, ts: str, thread_ts: str, old_text: str, channel: str = CAMPAIGN_CHANNEL
    ) -> tuple[HttpResult, str]:
        """Send the message_deleted event for the reply at ts."""
        event = load_payload("message_deleted")["event"]
        deleted_at = self.new_ts()
        event.update(channel=channel, ts=deleted_at, event_ts=deleted_at, deleted_ts=ts)
        event["previous_message"].update(user=user, text=old_text, ts=ts, thread_ts=thread_ts)
        return self.send_event("message_deleted", event)

    # Interactivity

    def press_vote(
        self,
        *,
        user: str,
        value: str,
        message_ts: str,
        channel: str = CAMPAIGN_CHANNEL,
        user_name: str | None = None,
    ) -> CommandResult:
        """Send the block_actions payload of a click on an idea's Vote button."""
        token = uuid.uuid4().hex
        payload = load_payload("block_actions")
        name = user_name or user.lower()
        payload["user"].update(id=user, username=name, name=name, team_id=TEAM_ID)
        payload.update(api_app_id=APP_ID, trigger_id=self.new_trigger_id())
        payload["container"].update(message_ts=message_ts, channel_id=channel)
        payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
        payload["channel"].update(id=channel, name=channel_name(channel))
        payload["message"].update(ts=message_ts, bot_id=BOT_ID, app_id=APP_ID)
        payload["response_url"] = self.bot.standin.response_url(token)
        payload["actions"][0].update(
            action_id=IdeaIds.VOTE_ACTION.value, value=value, action_ts=self.new_ts()
        )
        started = time.monotonic()
        http = self.send_interaction(payload)
        return CommandResult(http, token, time.monotonic() - started)

    def submit_modal(
        self,
        *,
        user: str,
        text: str | None,
        detail: str | None = None,
        anonymous: bool = False,
        private_metadata: str = CAMPAIGN_CHANNEL,
        view_id: str = "V0001",
    ) -> HttpResult:
        """Send the view_submission payload of the idea modal with these inputs."""
        payload = load_payload("view_submission")
        payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
        payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
        payload.update(api_app_id=APP_ID, trigger_id=self.new_trigger_id())
        view = payload["view"]
        view.update(
            id=view_id,
            root_view_id=view_id,
            team_id=TEAM_ID,
            app_id=APP_ID,
            app_installed_team_id=TEAM_ID,
            bot_id=BOT_ID,
            callback_id=IdeaIds.MODAL_CALLBACK.value,
            private_metadata=private_metadata,
        )
        selected = (
            [{"text": {"type": "plain_text", "text": "Post anonymously"}, "value": "anonymous"}]
            if anonymous
            else []
        )
        # Slack sends every input block's state, with null for an empty text input.
        view["state"]["values"] = {
            IdeaIds.TEXT_BLOCK.value: {
                IdeaIds.TEXT_ACTION.value: {"type": "plain_text_input", "value": text}
            },
            IdeaIds.DETAIL_BLOCK.value: {
                IdeaIds.DETAIL_ACTION.value: {"type": "plain_text_input", "value": detail}
            },
            IdeaIds.ANONYMOUS_BLOCK.value: {
                IdeaIds.ANONYMOUS_ACTION.value: {"type": "checkboxes", "selected_options": selected}
            },
        }
        return self.send_interaction(payload)

    def send_interaction(self, payload: dict[str, Any]) -> HttpResult:
        """Send an interaction payload form-encoded, as Slack does."""
        body = urlencode({"payload": json.dumps(copy.deepcopy(payload))}).encode("utf-8")
        return self._client.send(body, FORM_CONTENT_TYPE)

    # Raw access for security tests

    @property
    def client(self) -> SlackRequestClient:
        """The signing HTTP client this sender uses."""
        return self._client


def post_idea(
    slack: SlackSender, text: str = "Move the huddle to 9:15", *, user: str = "U0ALICE"
) -> Idea:
    """Send /idea TEXT, wait for the idea message and the confirmation, and return its row."""
    assert slack.bot.process is not None, "LocalBot is not running"
    db = slack.bot.process.db
    known = {idea.id for idea in idea_rows(db)}
    result = slack.command(text, user=user)
    assert result.http.status == 200, result.http

    def posted_idea() -> Idea | None:
        return next((i for i in idea_rows(db) if i.id not in known and i.message_id), None)

    idea = wait_until(posted_idea, what="the idea to be posted")
    wait_until(lambda: slack.response_texts(result.response_token), what="the confirmation")
    return idea
