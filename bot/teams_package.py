"""The Teams app package: manifest.json and two icons, zipped for upload to a Microsoft 365 tenant.

The package follows Microsoft's Teams app manifest schema 1.30 and its icon rules: a 192x192
full-colour icon and a 32x32 outline icon that is white on a transparent background. The icons
are drawn here and written by a small PNG encoder, so no image library is needed.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import ConfigError
from bot.core.errors import InvalidInput

logger = logging.getLogger(__name__)

# 1.30 (August 2026) is the newest generally available version in Microsoft's
# "Microsoft 365 app manifest schema reference".
MANIFEST_VERSION = "1.30"
MANIFEST_SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}"
    "/MicrosoftTeams.schema.json"
)
# Teams replaces an installed app only with a higher version, so raise this whenever the
# manifest changes.
APP_VERSION = "1.0.0"
DEFAULT_NAME = "staffvoice"
DEFAULT_HOST = "staffvoice.example.org"
DEFAULT_OUT = Path("staffvoice-teams.zip")
ACCENT_COLOR = "#2A6F97"
NEW_IDEA_COMMAND_ID = "newIdea"
MANIFEST_FILE = "manifest.json"
COLOR_ICON_FILE = "color.png"
OUTLINE_ICON_FILE = "outline.png"
COLOR_ICON_SIZE = 192
OUTLINE_ICON_SIZE = 32
# The maximum length of name.short in schema 1.30.
MAX_NAME_LENGTH = 30

GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# A DNS host name of at least two labels, lower case, as urlsplit returns it.
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The time stamp of every file in the zip, so the same options give the same bytes.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

SHORT_DESCRIPTION = "Staff post ideas, vote and comment in campaigns and Your Shout boards."
FULL_DESCRIPTION = (
    "staffvoice gives everyone in the organisation a say. Anyone can send an idea to the bot "
    "or post one from the message extension, anonymously where the organisation allows it. "
    "Colleagues vote for the ideas they back and discuss them in the replies. Engagement "
    "managers run campaigns of a few weeks around one to ten questions, with reminders, a "
    "daily digest and a final report, and answer each idea with a status that its author "
    "and voters hear about. Team leads run Your Shout boards in their own team channels. "
    "Reports name a group of staff only when it is large enough to keep people anonymous."
)
PERSONAL_COMMANDS = (
    ("idea", "Post an idea to the open campaign"),
    ("help", "Show what you can do with staffvoice"),
    ("campaign", "Managers: create, add a channel to, close, extend or cancel a campaign"),
    ("campaigns", "Managers: list the campaigns"),
    ("board", "Team leads: open, close or reopen a Your Shout board"),
    ("status", "Managers and leads: answer an idea with a status"),
    ("report", "Managers: show a closed campaign's final report"),
    ("moderation", "Managers: show the moderation queue"),
)


def check_app_id(value: str | None, *, source: str) -> str:
    """Return the app ID in lower case, raising ConfigError if it is missing or not a GUID.

    `source` names where the value came from (TEAMS_APP_ID or --app-id) for the message.
    """
    where = (
        "the Microsoft App ID of the Azure Bot resource (its Configuration page), a GUID "
        "such as 00000000-0000-0000-0000-000000000000"
    )
    if value is None or not value.strip():
        raise ConfigError(
            f"{source} is not set: set TEAMS_APP_ID in the environment or .env to {where}, "
            "or pass --app-id GUID. Nothing was written."
        )
    if not GUID.match(value.strip()):
        raise ConfigError(f"{source} {value!r} is not a GUID: use {where}. Nothing was written.")
    return value.strip().lower()


def parse_host(text: str) -> str:
    """Return the lower-case host name from HOST or https://HOST, or raise InvalidInput."""
    value = text.strip()
    parts = urlsplit(value if "://" in value else f"https://{value}")
    if parts.scheme.lower() != "https":
        raise InvalidInput(
            f"--host {text!r} is not an https:// address: Teams reaches the bot and its pages "
            "over HTTPS only. Give a host name such as staffvoice.example.org.",
            field="host",
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    extra = parts.path not in ("", "/") or parts.query or parts.fragment or parts.username
    hostname = parts.hostname or ""
    if extra or port is not None or not HOST_NAME.match(hostname):
        raise InvalidInput(
            f"--host {text!r} is not a host name: give the public name of the bot's server "
            "alone, such as staffvoice.example.org, without a port or path.",
            field="host",
        )
    return hostname


def check_name(text: str) -> str:
    """Return the app name without surrounding spaces, raising InvalidInput if unusable."""
    name = text.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"--name {text!r} is not a usable app name: give 1 to {MAX_NAME_LENGTH} characters, "
            "the limit of the Teams manifest's short name.",
            field="name",
        )
    return name


def build_manifest(app_id: str, *, name: str, host: str | None) -> dict[str, object]:
    """Build manifest.json's content for the bot `app_id`, already checked as a GUID.

    The developer links point to https://HOST/, /privacy and /terms, with DEFAULT_HOST when
    `host` is None. Only a given host is listed in validDomains.
    """
    base = f"https://{host or DEFAULT_HOST}"
    manifest: dict[str, object] = {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": {
            "name": DEFAULT_NAME,
            "websiteUrl": f"{base}/",
            "privacyUrl": f"{base}/privacy",
            "termsOfUseUrl": f"{base}/terms",
        },
        "name": {"short": name, "full": f"{name}: staff ideas, votes and campaigns"},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": COLOR_ICON_FILE, "outline": OUTLINE_ICON_FILE},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [
                            {"title": title, "description": description}
                            for title, description in PERSONAL_COMMANDS
                        ],
                    }
                ],
            }
        ],
        "composeExtensions": [
            {
                "botId": app_id,
                "commands": [
                    {
                        "id": NEW_IDEA_COMMAND_ID,
                        "type": "action",
                        "title": "Post an idea",
                        "description": "Open the idea form to post an idea to the campaign",
                        "fetchTask": True,
                        "context": ["compose", "commandBox", "message"],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        # Resource-specific consent: a team owner installing the app lets the bot receive
        # the team's channel messages without an @mention, so replies to an idea card
        # reach it as comments.
        "webApplicationInfo": {"id": app_id, "resource": f"api://{host or DEFAULT_HOST}/{app_id}"},
        "authorization": {
            "permissions": {
                "resourceSpecific": [{"name": "ChannelMessage.Read.Group", "type": "Application"}]
            }
        },
    }
    if host is not None:
        manifest["validDomains"] = [host]
    return manifest


def build_package(app_id: str, *, name: str, host: str | None) -> bytes:
    """Return the zip of manifest.json, color.png and outline.png, all at the zip's root."""
    manifest = build_manifest(app_id, name=name, host=host)
    files = (
        (MANIFEST_FILE, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()),
        (COLOR_ICON_FILE, color_icon()),
        (OUTLINE_ICON_FILE, outline_icon()),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for filename, data in files:
            info = zipfile.ZipInfo(filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def write_package(out: Path, *, app_id: str, name: str, host: str | None) -> None:
    """Write the package to `out`, replacing an existing file only once the new one is complete.

    Raises:
        InvalidInput: `out` is a folder, or its folder is missing or not writable.
    """
    data = build_package(app_id, name=name, host=host)
    if out.is_dir():
        raise InvalidInput(
            f"--out {out} is a folder: name a file, such as {out / DEFAULT_OUT.name}.", field="out"
        )
    try:
        _replace_file(out, data)
    except OSError as error:
        raise InvalidInput(
            f"Could not write {out}: {error.strerror or error}. Choose a file in a folder that "
            "exists and that you can write to.",
            field="out",
        ) from error
    logger.debug("Wrote the Teams app package for app %s (%d bytes)", app_id, len(data))


def _replace_file(out: Path, data: bytes) -> None:
    # Written beside the target and renamed over it, so readers see the old file or the
    # new one and a failure leaves no partial file.
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        # mkstemp makes the file readable by its owner only, but the package contains no secret.
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


# The speech bubble is drawn in a unit square: (u, v) from (0, 0) at the top left to (1, 1).
BUBBLE_BOTTOM = 0.78
BUBBLE_RADIUS = 0.24
TAIL = ((0.16, 0.70), (0.48, 0.70), (0.06, 1.0))
DOT_CENTRES = (0.27, 0.5, 0.73)
DOT_ROW = 0.39
DOT_RADIUS = 0.08
# Each colour icon pixel is the mean of SUBSAMPLES x SUBSAMPLES points, which smooths edges.
SUBSAMPLES = 3


def _in_bubble(u: float, v: float) -> bool:
    """Return whether (u, v) is on the bubble's white area: in its body or tail, not on a dot."""
    for centre in DOT_CENTRES:
        if (u - centre) ** 2 + (v - DOT_ROW) ** 2 <= DOT_RADIUS**2:
            return False
    if 0 <= u <= 1 and 0 <= v <= BUBBLE_BOTTOM:
        # Distance from the rectangle shrunk by the corner radius gives the rounded corners.
        dx = u - min(max(u, BUBBLE_RADIUS), 1 - BUBBLE_RADIUS)
        dy = v - min(max(v, BUBBLE_RADIUS), BUBBLE_BOTTOM - BUBBLE_RADIUS)
        if dx * dx + dy * dy <= BUBBLE_RADIUS**2:
            return True
    return _in_triangle(u, v, TAIL)


def _in_triangle(u: float, v: float, corners: Sequence[tuple[float, float]]) -> bool:
    (ax, ay), (bx, by), (cx, cy) = corners
    sides = (
        (bx - ax) * (v - ay) - (by - ay) * (u - ax),
        (cx - bx) * (v - by) - (cy - by) * (u - bx),
        (ax - cx) * (v - cy) - (ay - cy) * (u - cx),
    )
    return all(side >= 0 for side in sides) or all(side <= 0 for side in sides)


@lru_cache(maxsize=1)
def color_icon() -> bytes:
    """Draw the 192x192 colour icon: a white speech bubble on the accent colour, as RGB PNG.

    The bubble fills the central 96x96 pixels, leaving the 48-pixel margin that Teams needs
    to crop the icon to a rounded square or a hexagon without cutting the symbol.
    """
    accent = bytes.fromhex(ACCENT_COLOR[1:])
    margin = COLOR_ICON_SIZE // 4
    symbol = COLOR_ICON_SIZE - 2 * margin
    samples = SUBSAMPLES * SUBSAMPLES
    # Whether each pixel corner of the symbol's square is on the bubble. A pixel whose four
    # corners agree is taken as wholly in or out, so only edge pixels are subsampled.
    corners = [
        [_in_bubble(x / symbol, y / symbol) for x in range(symbol + 1)] for y in range(symbol + 1)
    ]
    rows = []
    for y in range(COLOR_ICON_SIZE):
        row = bytearray()
        for x in range(COLOR_ICON_SIZE):
            inside = 0
            sx, sy = x - margin, y - margin
            if 0 <= sx < symbol and 0 <= sy < symbol:
                seen = {corners[sy][sx], corners[sy][sx + 1], corners[sy + 1][sx]}
                seen.add(corners[sy + 1][sx + 1])
                if seen == {True}:
                    inside = samples
                elif seen == {False, True}:
                    inside = _covered_samples(sx, sy, symbol)
            row.extend(round(c + (255 - c) * inside / samples) for c in accent)
        rows.append(bytes(row))
    return encode_png(COLOR_ICON_SIZE, COLOR_ICON_SIZE, rows, alpha=False)


def _covered_samples(x: int, y: int, symbol: int) -> int:
    """Count the SUBSAMPLES x SUBSAMPLES points of pixel (x, y) of the symbol on the bubble."""
    offsets = [(i + 0.5) / SUBSAMPLES for i in range(SUBSAMPLES)]
    return sum(_in_bubble((x + du) / symbol, (y + dv) / symbol) for dv in offsets for du in offsets)


@lru_cache(maxsize=1)
def outline_icon() -> bytes:
    """Draw the 32x32 outline icon: the speech bubble in white on transparent, as RGBA PNG.

    Teams accepts only pure white (255, 255, 255) and fully transparent pixels here, so edges
    are not smoothed, and the symbol fills the square because the outline icon may have no
    padding around it.
    """
    white = b"\xff\xff\xff\xff"
    clear = b"\xff\xff\xff\x00"
    rows = []
    for y in range(OUTLINE_ICON_SIZE):
        v = (y + 0.5) / OUTLINE_ICON_SIZE
        pixels = (
            white if _in_bubble((x + 0.5) / OUTLINE_ICON_SIZE, v) else clear
            for x in range(OUTLINE_ICON_SIZE)
        )
        rows.append(b"".join(pixels))
    return encode_png(OUTLINE_ICON_SIZE, OUTLINE_ICON_SIZE, rows, alpha=True)


def encode_png(width: int, height: int, rows: Sequence[bytes], *, alpha: bool) -> bytes:
    """Encode 8-bit RGB rows, or RGBA rows when `alpha` is true, as a PNG file."""
    channels = 4 if alpha else 3
    if len(rows) != height or any(len(row) != width * channels for row in rows):
        raise ValueError(f"expected {height} rows of {width * channels} bytes")
    # Colour type 6 is RGBA and 2 is RGB, at bit depth 8, with deflate and no interlacing.
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    # Each row starts with its filter type, and type 0 stores the bytes unchanged.
    pixels = b"".join(b"\x00" + row for row in rows)
    return (
        PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(pixels, 9))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
