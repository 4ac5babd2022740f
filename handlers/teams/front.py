"""The Teams front: the Teams SDK app behind POST /api/messages, and its activity handlers.

The SDK checks each request's token (unless authentication is off, for tests),
parses the activity and routes it to a handler here. Handlers hand the work to a
thread, because the core is synchronous, and return what Teams should get back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from microsoft_teams.api import ApiClient
from microsoft_teams.apps import ActivityContext, App

from bot.core.conversations import remember_conversation
from bot.core.errors import StaffvoiceError
from handlers.teams import comments, ideas, votes
from handlers.teams.activity import (
    action_of,
    channel_and_thread,
    conversation_kind,
    conversation_ref,
    mentions_bot,
)
from handlers.teams.cards_ids import CardVerb
from handlers.teams.connector import TeamsConnector, card_activity, text_activity
from handlers.teams.context import TeamsContext
from handlers.teams.responses import Response, notice_response
from handlers.teams.runner import LoopRunner

logger = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
# How long the front waits for the SDK to handle an activity. Teams gives up on an
# invoke after about 5 seconds.
HANDLE_TIMEOUT_SECONDS = 15.0

HELP_TEXT = (
    "Send **idea** (or **idea: your idea**) to share an idea: a form opens for the idea, "
    "its detail, its topic and whether to post it anonymously. In a campaign's channel, "
    "vote with an idea's Vote button or a like, and reply to an idea to comment."
)

# A card verb's handler: (context, activity, action data) -> invoke response.
CardHandler = Callable[[TeamsContext, dict[str, Any], dict[str, Any]], Response]
# A text command's handler: (context, activity, text) -> a card or a text reply, or None.
CommandHandler = Callable[[TeamsContext, dict[str, Any], str], "dict[str, Any] | str | None"]


class _Adapter:
    """The SDK's HTTP server adapter: keeps the route; the bot's WSGI server serves it."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Any] = {}

    def register_route(self, method: str, path: str, handler: Any) -> None:
        self.routes[(method, path)] = handler

    def serve_static(self, path: str, directory: str) -> None:
        return None

    async def start(self, port: int) -> None:
        raise NotImplementedError("the bot's own HTTP server serves /api/messages")

    async def stop(self) -> None:
        return None


def _as_dict(activity: Any) -> dict[str, Any]:
    dumped = activity.model_dump(by_alias=True, exclude_none=True, mode="json")
    return dumped if isinstance(dumped, dict) else {}


class TeamsFront:
    """Serves Teams activities and sends to Teams conversations."""

    def __init__(
        self,
        *,
        app_id: str,
        app_password: str | None,
        tenant_id: str | None,
        auth_disabled: bool,
        make_context: Callable[[TeamsConnector], TeamsContext],
    ) -> None:
        """make_context builds the handlers' context around this front's connector."""
        self.runner = LoopRunner()
        self._adapter = _Adapter()
        options: dict[str, Any] = {
            "http_server_adapter": self._adapter,
            "messaging_endpoint": MESSAGES_PATH,
        }
        if auth_disabled:
            options["dangerously_allow_unauthenticated_requests"] = True
        else:
            options.update(client_id=app_id, client_secret=app_password, tenant_id=tenant_id)
        self.app = App(**options)
        self._clients: dict[str, ApiClient] = {}
        self._clients_lock = threading.Lock()
        self.connector = TeamsConnector(self.runner, self._client_for, bot_id=app_id)
        self.context = make_context(self.connector)
        self._card_handlers: dict[str, CardHandler] = {
            CardVerb.SUBMIT_IDEA: ideas.submit_from_card,
            CardVerb.VOTE: votes.vote_from_card,
            CardVerb.REFRESH_IDEA: lambda ctx, _activity, data: votes.current_card(ctx, data),
        }
        self._commands: list[CommandHandler] = []
        self._seen: set[str] = set()
        self._register()
        self.runner.run(self.app.initialize())
        self._handler = self._adapter.routes[("POST", MESSAGES_PATH)]

    def add_card_handler(self, verb: str, handler: CardHandler) -> None:
        """Route an Action.Execute verb to a handler."""
        self._card_handlers[verb] = handler

    def add_command(self, handler: CommandHandler) -> None:
        """Offer text messages to a handler before the help reply."""
        self._commands.append(handler)

    def _client_for(self, service_url: str) -> ApiClient:
        url = service_url.rstrip("/")
        with self._clients_lock:
            client = self._clients.get(url)
            if client is None:
                client = ApiClient(
                    url,
                    self.app.http_client.clone(),
                    cloud=self.app.cloud,
                    token_provider=self.app.token_provider,
                )
                self._clients[url] = client
            return client

    def handle(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        """Handle one POST /api/messages request; return the status and the JSON body."""
        request = {"body": body, "headers": headers}
        response = self.runner.run(self._handler(request), timeout=HANDLE_TIMEOUT_SECONDS)
        return int(response.get("status", 200)), response.get("body")

    def stop(self) -> None:
        """Stop the card refresher and the event loop."""
        self.context.publisher.stop()
        self.runner.stop()

    # The SDK's handlers: each runs the synchronous work on a thread.

    def _register(self) -> None:
        app = self.app

        @app.on_message
        async def on_message(ctx: ActivityContext[Any]) -> None:
            await asyncio.to_thread(self._message, _as_dict(ctx.activity))

        @app.on_card_action  # type: ignore[arg-type]
        async def on_card_action(ctx: ActivityContext[Any]) -> Response:
            return await asyncio.to_thread(self._card_action, _as_dict(ctx.activity))

        @app.on_message_ext_open  # type: ignore[arg-type]
        async def on_fetch_task(ctx: ActivityContext[Any]) -> Response:
            activity = _as_dict(ctx.activity)
            return await asyncio.to_thread(self._guarded, ideas.fetch_task, activity)

        @app.on_message_ext_submit  # type: ignore[arg-type]
        async def on_submit_action(ctx: ActivityContext[Any]) -> Response:
            activity = _as_dict(ctx.activity)
            return await asyncio.to_thread(self._guarded, ideas.submit_from_task, activity)

        @app.on_message_update
        async def on_message_update(ctx: ActivityContext[Any]) -> None:
            activity = _as_dict(ctx.activity)
            await asyncio.to_thread(comments.edited, self.context, activity)

        @app.on_message_delete
        async def on_message_delete(ctx: ActivityContext[Any]) -> None:
            activity = _as_dict(ctx.activity)
            await asyncio.to_thread(comments.deleted, self.context, activity)

        @app.on_message_reaction
        async def on_reaction(ctx: ActivityContext[Any]) -> None:
            await asyncio.to_thread(self._reaction, _as_dict(ctx.activity))

        @app.on_conversation_update
        async def on_conversation_update(ctx: ActivityContext[Any]) -> None:
            await asyncio.to_thread(self._conversation_update, _as_dict(ctx.activity))

        @app.on_install_add
        async def on_install(ctx: ActivityContext[Any]) -> None:
            await asyncio.to_thread(self._conversation_update, _as_dict(ctx.activity))

    def _remember(self, activity: dict[str, Any], *, force: bool = False) -> None:
        ref = conversation_ref(activity)
        if not ref.conversation_id or not ref.service_url:
            return
        key = f"{ref.conversation_id}|{ref.service_url}|{ref.user_id}"
        if key in self._seen and not force:
            return
        remember_conversation(self.context.db, ref, now=self.context.clock.now())
        self._seen.add(key)

    def _guarded(
        self, handler: Callable[[TeamsContext, dict[str, Any]], Response], activity: dict[str, Any]
    ) -> Response:
        self._remember(activity)
        try:
            return handler(self.context, activity)
        except StaffvoiceError as error:
            return notice_response("Not done", error.user_message, style="attention")

    def _card_action(self, activity: dict[str, Any]) -> Response:
        self._remember(activity)
        verb, data = action_of(activity)
        handler = self._card_handlers.get(verb)
        if handler is None:
            logger.info("Ignored a card action with an unknown verb")
            return notice_response(
                "Not available", "This card is out of date; send help to see what you can do."
            )
        try:
            return handler(self.context, activity, data)
        except StaffvoiceError as error:
            return notice_response("Not done", error.user_message, style="attention")

    def _reply(self, activity: dict[str, Any], answer: dict[str, Any] | str) -> None:
        channel, root = channel_and_thread(activity)
        service_url = str(activity.get("serviceUrl") or "")
        message = card_activity(answer) if isinstance(answer, dict) else text_activity(answer)
        if root is not None:
            self.connector.reply(service_url, channel, root, message)
        else:
            self.connector.send(service_url, channel, message)

    def _message(self, activity: dict[str, Any]) -> None:
        self._remember(activity)
        if conversation_kind(activity) == "channel":
            idea = comments.idea_of_thread(self.context, activity)
            if idea is not None:
                note = comments.reply(self.context, activity, idea)
                if note:
                    self._reply(activity, note)
                return
            if not mentions_bot(activity):
                # With resource-specific consent the bot receives every channel message;
                # only those addressed to it are commands.
                return
        text = ideas.message_text(activity)
        if not text:
            return
        answer: dict[str, Any] | str | None
        prefill = ideas.idea_prefill(text)
        try:
            if prefill is not None:
                answer = ideas.form_for(self.context, activity, prefill=prefill)
            else:
                answer = None
                for command in self._commands:
                    answer = command(self.context, activity, text)
                    if answer is not None:
                        break
        except StaffvoiceError as error:
            answer = error.user_message
        self._reply(activity, answer if answer is not None else HELP_TEXT)

    def _reaction(self, activity: dict[str, Any]) -> None:
        votes.reaction(self.context, activity)

    def _conversation_update(self, activity: dict[str, Any]) -> None:
        self._remember(activity, force=True)
        channel_data = activity.get("channelData") or {}
        channel = channel_data.get("channel") or {}
        if channel.get("id") and channel.get("id") != channel_and_thread(activity)[0]:
            # A channel created or renamed in a team the bot is in.
            ref = conversation_ref(activity)
            remember_conversation(
                self.context.db,
                type(ref)(
                    conversation_id=str(channel["id"]),
                    kind="channel",
                    tenant_id=ref.tenant_id,
                    service_url=ref.service_url,
                    team_id=ref.team_id,
                    name=channel.get("name"),
                ),
                now=self.context.clock.now(),
            )
