"""The staffvoice command line: run the bot, migrate, manage campaigns and roles, list ideas."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError

from bot import (
    cli_audit,
    cli_export,
    cli_ideas_import,
    cli_ideas_status,
    cli_participation,
    cli_privacy,
    cli_staff,
    cli_teams,
)
from bot.config import ENTRA_ID, SLACK_USER_ID, ConfigError, Settings, load_settings
from bot.core import campaigns, ideas, roles, statuses
from bot.core.campaign_channels import add_campaign_channel
from bot.core.clock import SystemClock
from bot.core.conversations import find_conversation
from bot.core.errors import InvalidInput, StaffvoiceError
from bot.core.records import CampaignRecord
from bot.core.schedule import format_local
from bot.logs import configure_logging
from storage.database import Database
from storage.migrate import current_revision, upgrade

logger = logging.getLogger(__name__)

SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
# A Teams channel's conversation id, such as 19:abc123@thread.tacv2.
TEAMS_CHANNEL_ID = re.compile(r"^19:[^\s;]+@thread\.[a-z0-9]+$")
# The width of the STATUS column of `staffvoice ideas`: the longest status name.
STATUS_WIDTH = max(len(name) for name in statuses.STATUS_LABELS)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="staffvoice",
        description="A staff-voice bot for Slack and Microsoft Teams: ideas, votes and campaigns.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="serve Slack, Teams or both, as the settings say (Slack through Socket Mode when "
        "SLACK_APP_TOKEN is set)",
    )
    run.add_argument(
        "--port", type=_port, default=3000, help="HTTP port, 1 to 65535 (default 3000)"
    )
    run.add_argument("--host", default="0.0.0.0", help="HTTP address to listen on (default all)")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply pending migrations")

    campaign = commands.add_parser(
        "campaign", help="create, list, cancel, close and extend campaigns (as an administrator)"
    )
    campaign_commands = campaign.add_subparsers(
        dest="campaign_command", required=True, metavar="ACTION"
    )
    create = campaign_commands.add_parser("create", help="schedule a campaign")
    create.add_argument("--title", required=True, help="title staff see in Slack")
    create.add_argument(
        "--channel",
        required=True,
        help="Slack channel ID, such as C0123456789, or Teams channel ID, such as "
        "19:abc@thread.tacv2",
    )
    create.add_argument(
        "--starts",
        required=True,
        help='"now" or local start time "YYYY-MM-DD HH:MM" in STAFFVOICE_TIMEZONE',
    )
    create.add_argument(
        "--days", type=int, default=campaigns.DEFAULT_DAYS, help="length in days (default 20)"
    )
    create.add_argument(
        "--topic",
        action="append",
        default=[],
        metavar="QUESTION",
        help=f"a question staff answer; give 1 to {campaigns.MAX_TOPICS}, one --topic each",
    )
    create.add_argument(
        "--hide-counts", action="store_true", help="hide vote counts until the campaign closes"
    )
    create.add_argument(
        "--quarterly",
        action="store_true",
        help="schedule the next campaign of the series every quarter",
    )
    create.add_argument(
        "--remind-day",
        action="append",
        type=int,
        metavar="N",
        help="post a reminder in the channel at the start of campaign day N (the opening day "
        "is day 1), 2 to the length in days; repeat for several (default 10, when it fits)",
    )
    create.add_argument(
        "--final-reminder-hours",
        type=int,
        metavar="H",
        help="post a last reminder H hours before the close, 0 for none "
        "(default 48, when the campaign is longer)",
    )
    campaign_commands.add_parser("list", help="list campaigns with their topics")
    edit = campaign_commands.add_parser(
        "edit", help="change a scheduled campaign; options left out keep their value"
    )
    edit.add_argument("campaign_id", metavar="ID", type=int, help="campaign ID from `list`")
    edit.add_argument("--title", help="new title")
    edit.add_argument(
        "--topic",
        action="append",
        metavar="QUESTION",
        help="a question; when given, the questions given replace all the old ones",
    )
    edit.add_argument("--starts", help='new local start time "YYYY-MM-DD HH:MM" or "now"')
    edit.add_argument("--days", type=int, help="new length in days")
    edit.add_argument(
        "--remind-day",
        action="append",
        type=int,
        metavar="N",
        help="reminder days, replacing the old ones; when left out, the old days that still "
        "fit the campaign are kept",
    )
    edit.add_argument(
        "--final-reminder-hours",
        type=int,
        metavar="H",
        help="hours before the close of the last reminder, 0 for none",
    )
    cancel = campaign_commands.add_parser(
        "cancel", help="cancel a scheduled campaign so it never opens"
    )
    cancel.add_argument("campaign_id", metavar="ID", type=int, help="campaign ID from `list`")
    close = campaign_commands.add_parser(
        "close", help="close an open campaign now; the running bot posts its summary"
    )
    close.add_argument("campaign_id", metavar="ID", type=int, help="campaign ID from `list`")
    extend = campaign_commands.add_parser(
        "extend", help="move a campaign's close later by whole days, at the same local time"
    )
    extend.add_argument("campaign_id", metavar="ID", type=int, help="campaign ID from `list`")
    extend.add_argument("--days", type=int, required=True, help="days to add, 1 or more")
    add_channel = campaign_commands.add_parser(
        "add-channel",
        help="run a scheduled or open campaign in a channel of the other platform as well",
    )
    add_channel.add_argument("campaign_id", metavar="ID", type=int, help="campaign ID from `list`")
    add_channel.add_argument(
        "--channel",
        required=True,
        help="the other platform's channel ID: Teams 19:abc@thread.tacv2 or Slack C0123456789",
    )

    roles_parser = commands.add_parser(
        "roles", help="grant, revoke and list manager and lead roles"
    )
    role_commands = roles_parser.add_subparsers(
        dest="roles_command", required=True, metavar="ACTION"
    )
    for action, summary in (("grant", "grant a role"), ("revoke", "revoke a role")):
        change = role_commands.add_parser(action, help=f"{summary} (Slack or Teams user ID, role)")
        change.add_argument(
            "user_id",
            metavar="USER_ID",
            help="Slack member ID, such as U0123ABCD, or a Teams user's Entra object ID",
        )
        change.add_argument("role", metavar="ROLE", help=" or ".join(roles.ROLES))
    role_commands.add_parser("list", help="list everyone who has a role")

    idea_list = commands.add_parser(
        "ideas",
        help="list every idea, except those on boards in private channels; "
        "`ideas import` enters ideas from paper or email, `ideas status` answers ideas "
        "from a CSV file, `ideas answers` counts the answers per campaign",
    )
    idea_list.add_argument("--json", action="store_true", help="print a JSON array for scripts")
    idea_actions = cli_ideas_import.add_parser(idea_list)
    cli_ideas_status.add_parsers(idea_actions)

    cli_export.add_parser(commands)

    cli_staff.add_parser(commands)

    cli_participation.add_parser(commands)

    cli_audit.add_parser(commands)

    cli_privacy.add_parser(commands)

    cli_teams.add_parser(commands)

    simulate = commands.add_parser(
        "simulate",
        help="replay a realistic 20-day campaign against local Slack and Teams stand-ins",
    )
    simulate.add_argument("--staff", type=int, default=3000, help="staff headcount (default 3000)")
    simulate.add_argument("--seed", type=int, default=2027, help="random seed (default 2027)")
    simulate.add_argument(
        "--database-url", help="database to use (default: a new SQLite file in a temp folder)"
    )
    simulate.add_argument(
        "--platform",
        choices=("slack", "teams", "both"),
        default="slack",
        help="where the staff take part: Slack, Teams, or a seeded half in each (default slack)",
    )
    return parser


def _warn_if_unseen(db: Database, platform: str, channel: str) -> None:
    """Warn when the bot has not seen a Teams channel, so it could not post there yet."""
    if platform == "teams" and find_conversation(db, channel) is None:
        print(
            f"Note: the bot has not seen Teams channel {channel} yet, so it cannot post there. "
            "Add the staffvoice app to the channel's team before the campaign opens.",
            file=sys.stderr,
        )


def _channel_platform(channel: str) -> str:
    """Return the platform a channel ID belongs to, raising ConfigError for neither."""
    if SLACK_CHANNEL_ID.match(channel):
        return "slack"
    if TEAMS_CHANNEL_ID.match(channel):
        return "teams"
    raise ConfigError(
        f"--channel {channel!r} is not a channel ID: use a Slack ID such as C0123456789 from the "
        "channel's details (About, at the bottom), or a Teams ID such as 19:abc@thread.tacv2 "
        "(the channel's ⋯ menu, Get link to channel: the part after /channel/, URL-decoded)."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.staffvoice_log_level)
        return _dispatch(args, settings)
    except (ConfigError, StaffvoiceError) as error:
        message = error.user_message if isinstance(error, StaffvoiceError) else str(error)
        print(f"staffvoice: {message}", file=sys.stderr)
        return 2
    except DBAPIError as error:
        logger.debug("Database error", exc_info=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        print(
            f"staffvoice: could not use the database at DATABASE_URL ({reason}): check that "
            "the server is running, the database and its folder exist, and the URL is right",
            file=sys.stderr,
        )
        return 2


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number from 1 to 65535")
    return port


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        from bot.serve import serve

        return serve(settings, host=args.host, port=args.port)
    if args.command == "db":
        return _upgrade_database(settings)
    if args.command == "campaign":
        return _campaign(args, settings)
    if args.command == "roles":
        return _roles(args, settings)
    if args.command == "ideas":
        if args.ideas_command == "import":
            return cli_ideas_import.run(args, settings)
        if args.ideas_command == "status":
            return cli_ideas_status.run_status(args, settings)
        if args.ideas_command == "answers":
            return cli_ideas_status.run_answers(args, settings)
        return _ideas(settings, as_json=args.json)
    if args.command == "export":
        return cli_export.run(args, settings)
    if args.command == "staff":
        return cli_staff.run(args, settings)
    if args.command == "participation":
        return cli_participation.run(args, settings)
    if args.command == "audit":
        return cli_audit.run(args, settings)
    if args.command == "privacy":
        return cli_privacy.run(args, settings)
    if args.command == "teams":
        return cli_teams.run(args, settings)
    if args.command == "simulate":
        from bot.simulate.campaign import run_simulation

        return run_simulation(
            staff=args.staff,
            seed=args.seed,
            database_url=args.database_url,
            settings=settings,
            platform=args.platform,
        )
    raise AssertionError(f"unhandled command {args.command}")


def _upgrade_database(settings: Settings) -> int:
    database = Database(settings.database_url)
    try:
        before = current_revision(database.engine)
        upgrade(settings.database_url)
        after = current_revision(database.engine)
    finally:
        database.dispose()
    if before == after:
        print(f"The database is already at the latest migration ({after}).")
    else:
        print(f"Upgraded the database from {before or 'empty'} to {after}.")
    return 0


def _open_database(settings: Settings) -> Database:
    upgrade(settings.database_url)
    return Database(settings.database_url)


def _campaign(args: argparse.Namespace, settings: Settings) -> int:
    """Run a campaign subcommand as an administrator, so no role check applies."""
    db = _open_database(settings)
    try:
        if args.campaign_command == "edit":
            record = _edit_campaign(db, args, settings)
            print(
                f"Campaign {record.id} saved: opens "
                f"{format_local(record.starts_at, settings.timezone)}, closes "
                f"{format_local(record.ends_at, settings.timezone)}, "
                f"{len(record.topics)} {'topic' if len(record.topics) == 1 else 'topics'}."
            )
            return 0
        if args.campaign_command == "cancel":
            record = campaigns.cancel_campaign(
                db, args.campaign_id, by=None, now=SystemClock().now()
            )
            print(
                f"Campaign {record.id} is cancelled and will not open. People who asked to be "
                "reminded get no message; if it was announced, tell the channel."
            )
            return 0
        if args.campaign_command == "close":
            record = campaigns.close_campaign_early(
                db, args.campaign_id, by=None, now=SystemClock().now()
            )
            print(
                f"Campaign {record.id} closes now. The running bot closes it and posts the "
                "summary within a minute."
            )
            return 0
        if args.campaign_command == "extend":
            record = campaigns.extend_campaign(
                db,
                args.campaign_id,
                days=args.days,
                by=None,
                now=SystemClock().now(),
                timezone=settings.timezone,
            )
            print(
                f"Campaign {record.id} now closes "
                f"{format_local(record.ends_at, settings.timezone)}."
            )
            return 0
        if args.campaign_command == "add-channel":
            platform = _channel_platform(args.channel)
            before = campaigns.get_campaign(db, args.campaign_id).channel_on(platform)
            record = add_campaign_channel(
                db, args.campaign_id, platform=platform, channel_id=args.channel
            )
            moved = f", instead of {before}" if before and before != args.channel else ""
            print(
                f"Campaign {record.id} also runs in {platform.capitalize()} channel "
                f"{args.channel}{moved}; ideas sent from {platform.capitalize()} are posted "
                "there and counted in the campaign."
            )
            _warn_if_unseen(db, platform, args.channel)
            return 0
        if args.campaign_command == "create":
            platform = _channel_platform(args.channel)
            if not args.topic:
                raise ConfigError(
                    "a campaign asks staff at least one question: add --topic QUESTION, once for "
                    f"each question, up to {campaigns.MAX_TOPICS}."
                )
            record = campaigns.create_campaign(
                db,
                title=args.title,
                channel_id=args.channel,
                platform=platform,
                starts=args.starts,
                days=args.days,
                timezone=settings.timezone,
                now=SystemClock().now(),
                topics=args.topic,
                hide_counts=args.hide_counts,
                repeat_quarterly=args.quarterly,
                reminder_days=args.remind_day,
                final_reminder_hours=args.final_reminder_hours,
            )
            _warn_if_unseen(db, platform, args.channel)
            print(
                f"Campaign {record.id} scheduled in {record.channel_id}: opens "
                f"{format_local(record.starts_at, settings.timezone)}, closes "
                f"{format_local(record.ends_at, settings.timezone)}. "
                "The running bot opens and closes it."
            )
            return 0
        rows = campaigns.list_campaigns(db)
        if not rows:
            print("No campaigns yet. Create one with: staffvoice campaign create --help")
            return 0
        print(f"{'ID':>4}  {'STATUS':<9}  {'OPENS':<20}  {'CLOSES':<20}  {'CHANNEL':<12}  TITLE")
        for row in rows:
            opens = format_local(row.starts_at, settings.timezone)
            closes = format_local(row.ends_at, settings.timezone)
            print(
                f"{row.id:>4}  {row.status:<9}  {opens:<20}  {closes:<20}  {row.channel_id:<12}"
                f"  {row.title}"
            )
            for platform, channel in row.channels:
                if platform != row.platform:
                    print(f"{'':>4}  also in {platform.capitalize()} channel {channel}")
            settings_shown = [
                label
                for label, on in (
                    ("vote counts hidden until it closes", row.hide_counts),
                    ("repeats every quarter", row.repeat_quarterly),
                )
                if on
            ]
            if settings_shown:
                print(f"{'':>4}  {'; '.join(settings_shown)}")
            for topic in row.topics:
                print(f"{'':>4}  topic {topic.position}: {topic.question}")
        return 0
    finally:
        db.dispose()


def _edit_campaign(db: Database, args: argparse.Namespace, settings: Settings) -> CampaignRecord:
    """Apply the options given to a scheduled campaign, keeping the others as they are."""
    current = campaigns.get_campaign(db, args.campaign_id)
    timezone = settings.timezone
    local_start = current.starts_at.astimezone(timezone)
    planned_end = (current.planned_ends_at or current.ends_at).astimezone(timezone)
    days = args.days if args.days is not None else (planned_end.date() - local_start.date()).days
    # A shorter campaign drops the old reminder days and final reminder that no longer fit,
    # as creation drops defaults that do not fit. Days and hours given here are checked.
    reminder_days = args.remind_day or [day for day in current.reminder_days if 2 <= day <= days]
    final_reminder_hours = args.final_reminder_hours
    if final_reminder_hours is None:
        fits = current.final_reminder_hours < days * 24
        final_reminder_hours = current.final_reminder_hours if fits else 0
    return campaigns.update_campaign(
        db,
        current.id,
        by=None,
        title=args.title if args.title is not None else current.title,
        channel_id=current.channel_id,
        starts=args.starts or local_start.strftime("%Y-%m-%d %H:%M"),
        days=days,
        timezone=timezone,
        now=SystemClock().now(),
        topics=args.topic if args.topic else [topic.question for topic in current.topics],
        hide_counts=current.hide_counts,
        repeat_quarterly=current.repeat_quarterly,
        reminder_days=reminder_days,
        final_reminder_hours=final_reminder_hours,
    )


def _roles(args: argparse.Namespace, settings: Settings) -> int:
    if args.roles_command == "list":
        return _list_roles(settings)
    # Both arguments are checked before the database is opened, so bad input changes nothing.
    role = roles.validate_role(args.role)
    user_id = args.user_id.strip()
    if SLACK_USER_ID.match(user_id):
        platform = "slack"
    elif ENTRA_ID.match(user_id):
        platform, user_id = "teams", user_id.lower()
    else:
        raise InvalidInput(
            f"{args.user_id!r} is not a user ID: use a Slack member ID such as U0123ABCD "
            "(in Slack: the person's profile, ⋮, Copy member ID) or a Teams user's Entra "
            "object ID (Entra admin center, Users, the person, Object ID), not their name",
            field="user_id",
        )
    db = _open_database(settings)
    try:
        if args.roles_command == "grant":
            granted = roles.grant_role(
                db,
                platform=platform,
                user_id=user_id,
                role=role,
                granted_by="cli",
                now=SystemClock().now(),
            )
            print(f"Granted {role} to {user_id}." if granted else f"{user_id} already has {role}.")
            return 0
        revoked = roles.revoke_role(
            db,
            platform=platform,
            user_id=user_id,
            role=role,
            revoked_by="cli",
            now=SystemClock().now(),
        )
    finally:
        db.dispose()
    if revoked:
        print(f"Revoked {role} from {user_id}.")
    else:
        print(f"{user_id} does not have {role}; nothing changed.")
    return 0


def _list_roles(settings: Settings) -> int:
    db = _open_database(settings)
    try:
        rows = roles.list_roles(db)
    finally:
        db.dispose()
    if not rows:
        print(
            "No roles granted yet. Grant one with: staffvoice roles grant USER_ID manager "
            "(or set STAFFVOICE_MANAGERS and start the bot)."
        )
        return 0
    print(f"{'USER':<14}  {'ROLE':<8}  {'PLATFORM':<8}  {'GRANTED':<20}  GRANTED BY")
    for row in rows:
        granted_at = format_local(row.granted_at, settings.timezone)
        print(
            f"{row.user_id:<14}  {row.role:<8}  {row.platform:<8}  {granted_at:<20}"
            f"  {row.granted_by}"
        )
    return 0


def _ideas(settings: Settings, *, as_json: bool) -> int:
    db = _open_database(settings)
    try:
        rows = ideas.export_ideas(db)
    finally:
        db.dispose()
    if as_json:
        exported = [
            {
                "id": row["id"],
                "campaign": row["campaign_id"],
                "board": row["board_id"],
                "status": row["status"],
                "text": row["text"],
                "author": row["author"],
                "votes": row["votes"],
                "comments": row["comments"],
            }
            for row in rows
        ]
        json.dump(exported, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if not rows:
        print("No ideas to list. Ideas on boards in private channels are never listed.")
        return 0
    # An idea has a campaign, a board or neither (the standing list), and any of them may
    # have a status.
    print(
        f"{'ID':>5}  {'CAMPAIGN':>8}  {'BOARD':>5}  {'STATUS':<{STATUS_WIDTH}}  {'VOTES':>5}  "
        f"{'COMMENTS':>8}  TEXT"
    )
    for row in rows:
        text = " ".join(str(row["text"]).split())
        text = text if len(text) <= 60 else text[:59] + "…"
        campaign = _or_dash(row["campaign_id"])
        board = _or_dash(row["board_id"])
        status = _or_dash(row["status"])
        print(
            f"{row['id']:>5}  {campaign:>8}  {board:>5}  {status:<{STATUS_WIDTH}}  "
            f"{row['votes']:>5}  {row['comments']:>8}  {text}"
        )
    return 0


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)
