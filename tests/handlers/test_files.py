"""File uploads through the real slack_sdk client against the Slack stand-in, and by the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import outbox
from bot.core.clock import ManualClock
from bot.core.outbox import OutboundFile, OutboundMessage
from bot.simulate.slack_standin import SlackStandIn, direct_message_channel
from handlers.files import upload_to_direct_message
from handlers.outbox_sender import SlackOutboxSender
from storage.database import Database

TOKEN = "xoxb-files-test"
MANAGER = "U0MANAGER1"
# Not a real image: the upload path treats content as opaque bytes.
CONTENT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as server:
        yield server


def test_upload_reaches_direct_message(standin: SlackStandIn) -> None:
    client = WebClient(token=TOKEN, base_url=standin.api_url)

    file_id = upload_to_direct_message(
        client, MANAGER, filename="chart.png", title="Chart", content=CONTENT, comment="Here"
    )

    [uploaded] = standin.uploaded_files()
    assert uploaded.file_id == file_id
    assert uploaded.channel == direct_message_channel(MANAGER)
    assert uploaded.name == "chart.png"
    assert uploaded.title == "Chart"
    assert uploaded.content == CONTENT
    assert uploaded.length == len(CONTENT)
    assert uploaded.initial_comment == "Here"
    assert [call.method for call in standin.calls()] == [
        "conversations.open",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_standin_rejects_user_id_channel(standin: SlackStandIn) -> None:
    client = WebClient(token=TOKEN, base_url=standin.api_url)

    with pytest.raises(SlackApiError) as raised:
        client.files_upload_v2(channel=MANAGER, filename="a.txt", content=b"a")

    assert raised.value.response["error"] == "invalid_arguments"
    assert standin.uploaded_files() == []


def test_outbox_file_sent_once(standin: SlackStandIn, db: Database) -> None:
    clock = ManualClock(datetime(2027, 1, 11, 9, 0, tzinfo=UTC))
    message = OutboundMessage(
        platform="slack",
        recipient=MANAGER,
        text="Participation chart",
        dedupe_key=f"final-report-chart:7:{MANAGER}",
        file=OutboundFile(name="participation.png", title="Who took part", content=CONTENT),
    )
    sender = SlackOutboxSender(
        WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[]),
        messages_per_second=50,
        channel_interval_seconds=0,
    )

    first = outbox.enqueue(db, message, now=clock.now())
    drained = outbox.drain(db, sender, platform="slack", clock=clock)
    # As after a restart: the same final report enqueues its chart again and drains.
    second = outbox.enqueue(db, message, now=clock.now())
    drained_again = outbox.drain(db, sender, platform="slack", clock=clock)

    assert (first, second) == (True, False)
    assert (drained.sent, drained_again.claimed) == (1, 0)
    [uploaded] = standin.uploaded_files()
    assert uploaded.content == CONTENT
    assert uploaded.channel == direct_message_channel(MANAGER)
    assert uploaded.initial_comment == "Participation chart"
