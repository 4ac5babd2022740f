"""The `staffvoice teams` commands: build the Teams app package that installs the bot."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import teams_package
from bot.config import Settings

PACKAGE_DESCRIPTION = """\
Write the Teams app package: a zip of manifest.json, color.png and outline.png. Upload it in
the Teams admin center (Teams apps > Manage apps > Upload new app) to offer the app to the
organisation, or in Teams (Apps > Manage your apps > Upload a custom app) to try it yourself.
The Azure Bot resource's messaging endpoint must be https://HOST/api/messages."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the teams command group to the staffvoice parser's subcommands."""
    parser = commands.add_parser("teams", help="Microsoft Teams set-up: build the app package")
    actions = parser.add_subparsers(dest="teams_command", required=True, metavar="ACTION")
    package = actions.add_parser(
        "package",
        help="write the Teams app package (a zip to upload to the tenant)",
        description=PACKAGE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    package.add_argument(
        "--out",
        type=Path,
        default=teams_package.DEFAULT_OUT,
        metavar="PATH",
        help=f"zip file to write, replacing an existing one (default {teams_package.DEFAULT_OUT})",
    )
    package.add_argument(
        "--app-id",
        metavar="GUID",
        help="Microsoft App ID of the Azure Bot resource, used as the app and bot ID "
        "(default TEAMS_APP_ID from the environment or .env)",
    )
    package.add_argument(
        "--name",
        default=teams_package.DEFAULT_NAME,
        help=f"app name shown in Teams, 1 to {teams_package.MAX_NAME_LENGTH} characters "
        f"(default {teams_package.DEFAULT_NAME})",
    )
    package.add_argument(
        "--host",
        help="public host name of the bot's server, such as staffvoice.example.org. It is "
        "listed in validDomains, and the developer website, privacy and terms of use links "
        "are https://HOST/, https://HOST/privacy and https://HOST/terms (default "
        f"{teams_package.DEFAULT_HOST}, not listed). These three pages must exist before "
        "the app is published in a tenant.",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run a teams command, raising errors for the CLI's handler to print."""
    if args.app_id is not None:
        app_id = teams_package.check_app_id(args.app_id, source="--app-id")
    else:
        app_id = teams_package.check_app_id(settings.teams_app_id, source="TEAMS_APP_ID")
    name = teams_package.check_name(args.name)
    host = teams_package.parse_host(args.host) if args.host is not None else None
    teams_package.write_package(args.out, app_id=app_id, name=name, host=host)

    print(f"Wrote {args.out}: the Teams app {name!r} with app and bot ID {app_id}.")
    endpoint_host = host or "HOST"
    print(
        f"Set the Azure Bot resource's messaging endpoint to https://{endpoint_host}/api/messages, "
        "then upload the zip in the Teams admin center (Teams apps > Manage apps > Upload new "
        "app) or in Teams (Apps > Manage your apps > Upload a custom app)."
    )
    if host is None:
        print(
            f"The developer links point to https://{teams_package.DEFAULT_HOST}: pass --host "
            "with the bot's public host name before publishing the app in a tenant."
        )
    return 0
