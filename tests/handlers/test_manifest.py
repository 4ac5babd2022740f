"""manifest.yml declares every slash command, event and interaction the listeners handle.

The listeners are read by running handlers.registry.register_all on an app that records
each registration, so a listener added later is checked without editing this test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import yaml

from bot.server import EVENTS_PATH
from handlers.context import HandlerContext
from handlers.registry import register_all

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "manifest.yml"

# Bot token scopes that Slack requires for each kind of request the bot receives.
EVENT_SCOPES = {
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "channel_rename": "channels:read",
    "channel_archive": "channels:read",
    "group_rename": "groups:read",
    "group_archive": "groups:read",
    "user_change": "users:read",
}


class RecordingApp:
    """Stands in for slack_bolt.App and records what each listener is registered for."""

    def __init__(self) -> None:
        self.registrations: list[tuple[str, Any]] = []

    def _record(self, kind: str, constraint: Any) -> Callable[[Callable[..., Any]], Any]:
        self.registrations.append((kind, constraint))
        return lambda function: function

    def command(self, command: Any, *args: Any, **kwargs: Any) -> Any:
        return self._record("command", command)

    def event(self, event: Any, *args: Any, **kwargs: Any) -> Any:
        return self._record("event", event)

    def message(self, keyword: Any = None, *args: Any, **kwargs: Any) -> Any:
        return self._record("event", "message")

    def action(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        return self._record("interactivity", constraints)

    def view(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        return self._record("interactivity", constraints)

    def shortcut(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        return self._record("interactivity", constraints)

    def options(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        return self._record("options", constraints)

    def error(self, function: Callable[..., Any]) -> Callable[..., Any]:
        self.registrations.append(("error", None))
        return function


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """The parsed manifest.yml at the repository root."""
    if not MANIFEST_PATH.exists():
        pytest.fail(f"{MANIFEST_PATH} is missing: the Slack app manifest must be in the repo")
    parsed = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(parsed, dict)
    return parsed


@pytest.fixture(scope="module")
def registrations() -> list[tuple[str, Any]]:
    """What register_all registers listeners for, as (kind, constraint) pairs."""
    app = RecordingApp()
    # Registration only closes over the context, so no database or client is needed.
    register_all(cast(Any, app), cast(HandlerContext, SimpleNamespace()))
    return app.registrations


def _event_names(registrations: list[tuple[str, Any]]) -> set[str]:
    names = set()
    for kind, constraint in registrations:
        if kind == "event":
            name = constraint.get("type") if isinstance(constraint, dict) else constraint
            assert isinstance(name, str), f"event listener without a fixed type: {constraint!r}"
            names.add(name)
    return names


def test_listeners_registered(registrations: list[tuple[str, Any]]) -> None:
    kinds = {kind for kind, _ in registrations}

    assert ("command", "/idea") in registrations
    assert {"reaction_added", "reaction_removed", "message"} <= _event_names(registrations)
    assert "interactivity" in kinds
    assert "error" in kinds


def test_manifest_slash_commands(
    manifest: dict[str, Any], registrations: list[tuple[str, Any]]
) -> None:
    declared = {command["command"]: command for command in manifest["features"]["slash_commands"]}
    scopes = manifest["oauth_config"]["scopes"]["bot"]

    for kind, command in registrations:
        if kind == "command":
            assert command in declared, f"{command} is handled but not in manifest.yml"
            assert declared[command]["url"].endswith(EVENTS_PATH)
            assert declared[command]["description"]
            assert "commands" in scopes


def test_manifest_events(manifest: dict[str, Any], registrations: list[tuple[str, Any]]) -> None:
    subscriptions = manifest["settings"]["event_subscriptions"]
    bot_events = set(subscriptions["bot_events"])
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])

    for name in _event_names(registrations):
        if name == "message":
            # Ideas are posted in the campaign channel, which may be public or private.
            assert {"message.channels", "message.groups"} <= bot_events
        else:
            assert name in bot_events, f"{name} is handled but not subscribed in manifest.yml"
    for event in bot_events:
        if event in EVENT_SCOPES:
            assert EVENT_SCOPES[event] in scopes, f"{event} needs the {EVENT_SCOPES[event]} scope"
    assert subscriptions["request_url"].endswith(EVENTS_PATH)


def test_manifest_interactivity(
    manifest: dict[str, Any], registrations: list[tuple[str, Any]]
) -> None:
    interactivity = manifest["settings"]["interactivity"]

    assert any(kind == "interactivity" for kind, _ in registrations)
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"].endswith(EVENTS_PATH)
    if any(kind == "options" for kind, _ in registrations):
        assert interactivity.get("message_menu_options_url", "").endswith(EVENTS_PATH)


def test_manifest_scopes_for_web_api(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])

    # chat.postMessage, chat.update, chat.postEphemeral and chat.getPermalink need
    # chat:write, and users.info, which names an idea's author, needs users:read.
    assert {"chat:write", "users:read"} <= scopes
