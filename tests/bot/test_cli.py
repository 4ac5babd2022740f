"""The staffvoice command line, run as a user runs it: a subprocess with environment settings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from bot.core import boards, campaigns, roles, statuses
from bot.core.ideas import submit_idea
from bot.core.records import Person
from bot.simulate import payloads
from bot.simulate.local_bot import SlackRequestClient
from bot.simulate.slack_standin import SlackStandIn
from storage.database import Database
from storage.models import Idea
from tests.bot.cli_support import run_cli

BOT_TOKEN = "xoxb-cli-test"
SIGNING_SECRET = "cli-test-secret"


def test_campaign_create_and_list(cli_env: dict[str, str], tmp_path: Path) -> None:
    created = run_cli(
        "campaign",
        "create",
        "--title",
        "Winter wellbeing",
        "--topic",
        "What slows you down?",
        "--channel",
        "C0WELL",
        "--starts",
        "2031-03-20 09:00",
        "--days",
        "20",
        env=cli_env,
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    # 20 days from 09:00 GMT crosses the change to BST, and the close keeps 09:00 local.
    assert "opens 2031-03-20 09:00 GMT" in created.stdout
    assert "closes 2031-04-09 09:00 BST" in created.stdout

    listed = run_cli("campaign", "list", env=cli_env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "Winter wellbeing" in listed.stdout
    assert "scheduled" in listed.stdout


def test_campaign_create_rejects_channel_name(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(
        "campaign",
        "create",
        "--title",
        "T",
        "--channel",
        "#general",
        "--starts",
        "now",
        env=cli_env,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "is not a channel ID" in result.stderr
    assert "Teams ID such as 19:" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_campaign_in_teams_and_in_both(cli_env: dict[str, str], tmp_path: Path) -> None:
    teams_channel = "19:abc123def456@thread.tacv2"
    common = ["--topic", "What slows you down?", "--starts", "2031-03-20 09:00"]
    teams_only = run_cli(
        "campaign", "create", "--title", "In Teams", "--channel", teams_channel, *common,
        env=cli_env, cwd=tmp_path,
    )  # fmt: skip
    assert teams_only.returncode == 0, teams_only.stderr
    slack = run_cli(
        "campaign", "create", "--title", "In Slack", "--channel", "C0WELL", *common,
        env=cli_env, cwd=tmp_path,
    )  # fmt: skip
    assert slack.returncode == 0, slack.stderr
    # The Teams channel is taken by the first campaign, so the second cannot have it.
    taken = run_cli(
        "campaign", "add-channel", "2", "--channel", teams_channel, env=cli_env, cwd=tmp_path
    )
    assert taken.returncode != 0
    assert "Campaign 1 runs in that channel already" in taken.stderr
    added = run_cli(
        "campaign", "add-channel", "2", "--channel", "19:other@thread.tacv2",
        env=cli_env, cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "also runs in Teams channel 19:other@thread.tacv2" in added.stdout
    # The bot has not been added to that channel's team yet, so it cannot post there.
    assert "has not seen Teams channel 19:other@thread.tacv2 yet" in added.stderr
    moved = run_cli(
        "campaign", "add-channel", "2", "--channel", "19:third@thread.tacv2",
        env=cli_env, cwd=tmp_path,
    )  # fmt: skip
    assert "instead of 19:other@thread.tacv2" in moved.stdout
    listed = run_cli("campaign", "list", env=cli_env, cwd=tmp_path)
    assert "also in Teams channel 19:third@thread.tacv2" in listed.stdout


def test_campaign_create_rejects_bad_start(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(
        "campaign",
        "create",
        "--title",
        "T",
        "--channel",
        "C0AB",
        "--starts",
        "tomorrow",
        "--topic",
        "What slows you down?",
        env=cli_env,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "YYYY-MM-DD HH:MM" in result.stderr
    listed = run_cli("campaign", "list", env=cli_env, cwd=tmp_path)
    assert "No campaigns yet" in listed.stdout


def test_ideas_json_empty(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli("ideas", "--json", env=cli_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_ideas_show_board_and_status(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    lead = Person(platform="slack", team_id="T0CLI", user_id="U0LEAD")
    staff = Person(platform="slack", team_id="T0CLI", user_id="U0STAFF")
    db = Database(database_url)
    try:
        roles.grant_role(
            db, platform="slack", user_id=lead.user_id, role=roles.LEAD, granted_by="t", now=now
        )
        campaign = campaigns.create_campaign(
            db, title="Winter", channel_id="C0WINTER", starts="now", timezone=UTC, now=now
        )
        campaigns.open_campaign(db, campaign.id, now=now)
        public = boards.start_board(
            db, lead, channel_id="C0WARD", question="Q?", private=False, now=now
        ).board
        boards.start_board(db, lead, channel_id="G0SECRET", question="Q?", private=True, now=now)
        in_campaign = submit_idea(db, staff, text="Campaign idea", channel_id="C0WINTER", now=now)
        on_board = submit_idea(db, staff, text="Board idea", channel_id="C0WARD", now=now)
        submit_idea(db, staff, text="Private board idea", channel_id="G0SECRET", now=now)
        with db.transaction() as session:
            session.execute(
                update(Idea)
                .where(Idea.id == on_board.idea.id)
                .values(status=statuses.NOT_TAKEN_FORWARD)
            )
    finally:
        db.dispose()

    table = run_cli("ideas", env=cli_env, cwd=tmp_path)
    listed = run_cli("ideas", "--json", env=cli_env, cwd=tmp_path)

    assert table.returncode == 0, table.stderr
    header, *lines = table.stdout.splitlines()
    assert header.split() == ["ID", "CAMPAIGN", "BOARD", "STATUS", "VOTES", "COMMENTS", "TEXT"]
    assert [line.split()[:6] for line in lines] == [
        [str(in_campaign.idea.id), str(campaign.id), "-", "-", "0", "0"],
        [str(on_board.idea.id), "-", str(public.id), "not_taken_forward", "0", "0"],
    ]
    assert "Private board idea" not in table.stdout
    exported = {idea["text"]: idea for idea in json.loads(listed.stdout)}
    assert sorted(exported) == ["Board idea", "Campaign idea"]
    assert exported["Board idea"]["board"] == public.id
    assert exported["Board idea"]["campaign"] is None
    assert exported["Board idea"]["status"] == "not_taken_forward"
    assert exported["Campaign idea"]["board"] is None
    assert exported["Campaign idea"]["status"] is None


def test_invalid_setting_one_line(tmp_path: Path) -> None:
    env = dict(os.environ, STAFFVOICE_TIMEZONE="Europe/Londn", DATABASE_URL="sqlite:///x.db")
    result = run_cli("campaign", "list", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]]
    assert "STAFFVOICE_TIMEZONE" in lines[0]


def test_run_without_token_names_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    result = run_cli("run", "--port", "3999", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("staffvoice: Neither Slack nor Teams is set up")
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "TEAMS_APP_ID" in result.stderr


def test_unknown_subcommand_usage(tmp_path: Path) -> None:
    result = run_cli("campaign", "launch", env=dict(os.environ), cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_serves_idea_and_stops(cli_env: dict[str, str], tmp_path: Path) -> None:
    with SlackStandIn(bot_token=BOT_TOKEN) as standin:
        env = dict(
            cli_env,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=standin.api_url,
        )
        created = run_cli(
            "campaign",
            "create",
            "--title",
            "Run test",
            "--topic",
            "What slows you down?",
            "--channel",
            "C0RUN",
            "--starts",
            "now",
            env=env,
            cwd=tmp_path,
        )
        assert created.returncode == 0, created.stderr
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # Generous, because a loaded 2-core machine can take long to start Python.
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as response:
                        assert json.load(response) == {"status": "ok"}
                    break
                except OSError:
                    assert server.poll() is None, server.stderr.read() if server.stderr else ""
                    assert time.monotonic() < deadline, "the bot did not start serving in 60 s"
                    time.sleep(0.2)
            # The scheduler opens the campaign created above as soon as it starts.
            deadline = time.monotonic() + 10
            while not standin.messages("C0RUN"):
                assert time.monotonic() < deadline, "no launch message was posted"
                time.sleep(0.1)

            client = SlackRequestClient(port=port, signing_secret=SIGNING_SECRET)
            body, content_type = payloads.slash_command(
                text="Cycle racks by the main entrance",
                user_id="U0CLI",
                user_name="cli.user",
                channel_id="C0RUN",
                response_url=standin.response_url("cli"),
                trigger_id="cli-trigger",
            )
            assert client.send(body, content_type).status == 200
            deadline = time.monotonic() + 10
            while len(standin.messages("C0RUN")) < 2:
                assert time.monotonic() < deadline, "the idea was not posted"
                time.sleep(0.1)
            client.close()
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                _, stderr = server.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                # A bot left running would act on later tests' databases.
                server.kill()
                server.communicate()
                raise
        assert server.returncode == 0, stderr
        assert "Scheduler stopped" in stderr

        listed = run_cli("ideas", "--json", env=env, cwd=tmp_path)
        ideas = json.loads(listed.stdout)
        assert [idea["text"] for idea in ideas] == ["Cycle racks by the main entrance"]
        assert ideas[0]["author"] == "U0CLI"
        assert ideas[0]["votes"] == 0


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_unreachable_database_one_line(tmp_path: Path) -> None:
    env = dict(os.environ, DATABASE_URL="postgresql://postgres@127.0.0.1:1/none")
    line = _one_line_error(run_cli("campaign", "list", env=env, cwd=tmp_path))
    assert line.startswith("staffvoice: could not use the database at DATABASE_URL")


def test_missing_sqlite_folder_one_line(tmp_path: Path) -> None:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/missing/x.db")
    line = _one_line_error(run_cli("ideas", env=env, cwd=tmp_path))
    assert "the database and its folder exist" in line


def test_memory_sqlite_rejected(tmp_path: Path) -> None:
    env = dict(os.environ, DATABASE_URL="sqlite://")
    line = _one_line_error(run_cli("campaign", "list", env=env, cwd=tmp_path))
    assert "DATABASE_URL is invalid" in line


def test_empty_signing_secret_is_unset(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET="",
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
    )
    line = _one_line_error(run_cli("run", env=env, cwd=tmp_path))
    assert line.startswith("staffvoice: SLACK_SIGNING_SECRET is not set")


def test_unreachable_slack_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL="http://127.0.0.1:1/api/",
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
    )
    result = run_cli("run", env=env, cwd=tmp_path)
    # Log lines of the failed attempts may come first; the error is the last line.
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("staffvoice: Could not reach the Slack Web API at http://127.0.0.1:1/")


def test_port_out_of_range(tmp_path: Path) -> None:
    result = run_cli("run", "--port", "70000", env=dict(os.environ), cwd=tmp_path)
    assert result.returncode == 2
    assert "70000 is not a port number from 1 to 65535" in result.stderr
