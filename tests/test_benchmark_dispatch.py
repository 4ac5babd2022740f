"""The dispatch benchmark on a tiny case, so `make bench` is known to measure it."""

from __future__ import annotations

import pytest

from storage.database import Database
from tests.benchmarks import dispatch


def test_dispatch_quick_run() -> None:
    messages: list[str] = []

    result = dispatch.run(quick=True, progress=messages.append)

    sizes = dispatch.QUICK_SIZES
    per_kind = sizes["warmup"] + sizes["sequential"] + sizes["burst"]
    # run() raises when these differ; the test checks the figures it compared, too.
    assert result.stored["sqlite ideas"] == (sizes["ideas"] + per_kind,) * 2
    assert result.stored["sqlite votes"] == (2 * per_kind,) * 2
    assert len(messages) == len(dispatch.KINDS) * 2
    for kind in dispatch.KINDS:
        for app in ("bare", "bot"):
            measurement = result.find("sqlite", kind, app)
            assert len(measurement.ack_seconds) == sizes["sequential"]
            assert min(measurement.ack_seconds) > 0
            assert min(measurement.done_seconds) > 0
            assert measurement.per_second > 0

    section = dispatch.render(result)

    assert section.startswith("## ")
    assert "| sqlite | vote (reaction_added) | bot |" in section
    assert "| sqlite | Vote button | bare |" in section
    assert "Target for a vote on SQLite" in section


def test_percentile_nearest_rank() -> None:
    values = tuple(float(value) for value in range(1, 101))

    assert dispatch.percentile(values, 0.5) == 50.0
    assert dispatch.percentile(values, 0.99) == 99.0
    assert dispatch.percentile((3.0,), 0.99) == 3.0


def test_bare_app_rejects_bad_signature() -> None:
    standin = dispatch.SlackStandIn(bot_token=dispatch.BOT_TOKEN).start()
    try:
        app = dispatch.build_bare_app(
            dispatch.WebClient(token=dispatch.BOT_TOKEN, base_url=standin.api_url)
        )
        wsgi = dispatch.BotWsgiApp(
            app, db=Database("sqlite://"), signing_secret=dispatch.SIGNING_SECRET
        )
        body, content_type = dispatch.payloads.url_verification("challenge-1")
        environ = dispatch._environ(body, content_type)
        environ["HTTP_X_SLACK_SIGNATURE"] = "v0=" + "0" * 64
        statuses: list[str] = []

        wsgi(environ, lambda status, _headers: statuses.append(status))

        assert statuses == ["401 Unauthorized"]
        with pytest.raises(AssertionError, match="401"):
            dispatch._start_response("401 Unauthorized", [])
    finally:
        standin.stop()
