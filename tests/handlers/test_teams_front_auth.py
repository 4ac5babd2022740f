"""The Teams front checks tokens when authentication is on."""

from __future__ import annotations

from handlers.teams.front import TeamsFront


def test_front_requires_token_with_auth() -> None:
    # With credentials the SDK checks each request's token; one without a token is
    # refused before any handler runs, so nothing reaches Microsoft's key service.
    front = TeamsFront(
        app_id="11111111-2222-4333-8444-555555555555",
        app_password="not-a-real-secret",
        tenant_id="11111111-2222-4333-8444-666666666666",
        auth_disabled=False,
        make_context=_no_context,
    )
    try:
        status, _body = front.handle({"type": "message", "text": "idea"}, {})
        assert status == 401
    finally:
        front.runner.stop()


def _no_context(_connector: object) -> object:
    return None
