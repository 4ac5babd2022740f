"""The `staffvoice privacy` commands: export or erase everything stored about one person."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from bot.config import SLACK_USER_ID, Settings
from bot.core import privacy
from bot.core.clock import SystemClock
from bot.core.errors import InvalidInput
from storage.database import Database
from storage.migrate import upgrade

PLATFORM = "slack"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the privacy command group to the staffvoice parser's subcommands."""
    parser = commands.add_parser(
        "privacy", help="export or erase everything stored about one person"
    )
    actions = parser.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export", help="write a person's data as JSON (anonymous posts are not linked to them)"
    )
    erase = actions.add_parser(
        "erase", help="erase a person's data, keeping counts true; asks for confirmation"
    )
    for action in (export, erase):
        action.add_argument(
            "--user", required=True, metavar="USER_ID", help="Slack member ID, such as U0123ABCD"
        )
        action.add_argument("--email", help="also find the staff list row with this email address")
    export.add_argument(
        "--out", type=Path, metavar="FILE", help="write to FILE instead of standard output"
    )
    erase.add_argument("--yes", action="store_true", help="erase without asking")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run a privacy command; errors are raised for the CLI's handler to print."""
    user_id = args.user.strip()
    if not SLACK_USER_ID.match(user_id):
        raise InvalidInput(
            f"{args.user!r} is not a Slack user ID: use the member ID such as U0123ABCD "
            "(in Slack: the person's profile, ⋮, Copy member ID), not their name",
            field="user",
        )
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        if args.privacy_command == "export":
            return _export(db, user_id=user_id, email=args.email, out=args.out)
        return _erase(db, user_id=user_id, email=args.email, confirmed=args.yes)
    finally:
        db.dispose()


def _export(db: Database, *, user_id: str, email: str | None, out: Path | None) -> int:
    data = privacy.export_person(
        db, platform=PLATFORM, user_id=user_id, email=email, actor="cli", now=SystemClock().now()
    )
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        # Written beside the target and renamed, so a failure leaves no partial file.
        handle, name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent or Path("."))
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(name, out)
    except OSError as error:
        raise InvalidInput(
            f"Could not write {out}: {error.strerror or error}. Choose a file in a folder you "
            "can write to.",
            field="out",
        ) from error
    print(f"Wrote the data of {user_id} to {out}.")
    return 0


def _erase(db: Database, *, user_id: str, email: str | None, confirmed: bool) -> int:
    now = SystemClock().now()
    plan = privacy.plan_erasure(db, platform=PLATFORM, user_id=user_id, email=email, now=now)
    if plan.empty:
        print(f"Nothing is stored about {user_id}; nothing changed.")
        return 0
    print(f"Erasing {user_id} will change these rows:")
    for name, count in plan.replaced.items():
        print(f"  replace the user ID in {name}: {count}")
    for name, count in plan.deleted.items():
        print(f"  delete from {name}: {count}")
    if not confirmed:
        try:
            answer = input("Erase now? This cannot be undone. Type yes to go on: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            print("Nothing was erased.")
            return 1
    done = privacy.erase_person(
        db, platform=PLATFORM, user_id=user_id, email=email, actor="cli", now=now
    )
    print(
        f"Erased {user_id}: {sum(done.replaced.values())} rows anonymised, "
        f"{sum(done.deleted.values())} deleted. The audit log records it under "
        "a hash of the ID."
    )
    return 0
