"""The Teams app package and `staffvoice teams package`."""

from __future__ import annotations

import io
import json
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot import cli, teams_package
from tests.bot.cli_support import run_cli

APP_ID = "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
HOST = "staffvoice.nhs.example"


def read_package(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Return the manifest and every file of the zip at `path`."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files["manifest.json"]), files


def png_header(data: bytes) -> tuple[int, int, int, int]:
    """Return width, height, bit depth and colour type from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR"
    body = data[16 : 16 + length]
    (crc,) = struct.unpack(">I", data[16 + length : 20 + length])
    assert crc == zlib.crc32(kind + body)
    width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
    return width, height, depth, colour_type


def manifest_of(tmp_path: Path, *, host: str | None) -> dict[str, Any]:
    out = tmp_path / "app.zip"
    teams_package.write_package(out, app_id=APP_ID, name="staffvoice", host=host)
    return read_package(out)[0]


def test_manifest_required_fields(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    teams_package.write_package(out, app_id=APP_ID, name="Staff Voice", host=HOST)
    manifest, files = read_package(out)

    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    for field in ("manifestVersion", "version", "id", "developer", "name", "description"):
        assert field in manifest
    assert manifest["manifestVersion"] == teams_package.MANIFEST_VERSION
    assert f"/v{teams_package.MANIFEST_VERSION}/" in manifest["$schema"]
    assert manifest["id"] == APP_ID
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest["accentColor"])
    assert manifest["developer"] == {
        "name": "staffvoice",
        "websiteUrl": f"https://{HOST}/",
        "privacyUrl": f"https://{HOST}/privacy",
        "termsOfUseUrl": f"https://{HOST}/terms",
    }
    assert manifest["validDomains"] == [HOST]
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    # Resource-specific consent lets the bot receive replies to idea cards without a mention.
    assert manifest["webApplicationInfo"]["id"] == APP_ID
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"}
    ]

    # Length limits of the manifest schema.
    name = manifest["name"]
    description = manifest["description"]
    assert name["short"] == "Staff Voice"
    assert len(name["full"]) <= 100
    assert len(description["short"]) <= 80
    assert len(description["full"]) <= 4000
    assert description["short"] not in description["full"]
    for word in ("ideas", "vote", "campaigns", "Your Shout"):
        assert word in description["full"]


def test_manifest_bot_and_message_extension(tmp_path: Path) -> None:
    manifest = manifest_of(tmp_path, host=HOST)

    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["supportsFiles"] is False
    [command_list] = bot["commandLists"]
    assert command_list["scopes"] == ["personal"]
    titles = [command["title"] for command in command_list["commands"]]
    assert titles == [
        "idea", "help", "campaign", "campaigns", "board", "status", "report", "moderation"
    ]  # fmt: skip
    assert all(0 < len(command["description"]) <= 4000 for command in command_list["commands"])

    [extension] = manifest["composeExtensions"]
    assert extension["botId"] == APP_ID
    [command] = extension["commands"]
    assert command["id"] == "newIdea"
    assert command["type"] == "action"
    assert command["title"] == "Post an idea"
    assert command["fetchTask"] is True
    assert command["context"] == ["compose", "commandBox", "message"]
    assert len(command["title"]) <= 32
    assert len(command["description"]) <= 128


def test_manifest_without_host(tmp_path: Path) -> None:
    manifest = manifest_of(tmp_path, host=None)

    assert "validDomains" not in manifest
    assert manifest["developer"]["privacyUrl"] == f"https://{teams_package.DEFAULT_HOST}/privacy"


def test_icon_sizes_and_colour_types(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    teams_package.write_package(out, app_id=APP_ID, name="staffvoice", host=None)
    files = read_package(out)[1]

    # Colour type 2 is RGB and 6 is RGBA, both at 8 bits a channel.
    assert png_header(files["color.png"]) == (192, 192, 8, 2)
    assert png_header(files["outline.png"]) == (32, 32, 8, 6)

    color = Image.open(io.BytesIO(files["color.png"]))
    color.load()
    assert color.mode == "RGB"
    colours = {colour for _, colour in color.getcolors(maxcolors=192 * 192) or []}
    assert color.getpixel((0, 0)) == (0x2A, 0x6F, 0x97)
    assert (255, 255, 255) in colours
    # Smoothed edges blend the two colours.
    assert len(colours) > 2


def test_outline_icon_white_on_transparent() -> None:
    outline = Image.open(io.BytesIO(teams_package.outline_icon()))
    outline.load()
    assert outline.mode == "RGBA"
    pixels = [outline.getpixel((x, y)) for y in range(32) for x in range(32)]

    for pixel in pixels:
        assert isinstance(pixel, tuple)
        assert pixel[3] in (0, 255)
        if pixel[3] == 255:
            assert pixel[:3] == (255, 255, 255)
    white = sum(1 for pixel in pixels if isinstance(pixel, tuple) and pixel[3] == 255)
    assert 200 < white < 32 * 32 - 200
    # The symbol spans the icon, with no padding around it.
    assert outline.getchannel("A").getbbox() == (0, 0, 32, 32)


def test_png_encoder_rejects_short_rows() -> None:
    with pytest.raises(ValueError, match="rows"):
        teams_package.encode_png(2, 2, [b"\x00" * 6, b"\x00" * 5], alpha=False)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run in an empty folder, with no staffvoice or Teams settings in the environment."""
    for key in list(os.environ):
        if key.startswith(("SLACK_", "STAFFVOICE_", "TEAMS_", "DATABASE_URL")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("environment", "arguments", "expected"),
    [
        ({}, [], "TEAMS_APP_ID is not set"),
        ({"TEAMS_APP_ID": " "}, [], "TEAMS_APP_ID is not set"),
        ({"TEAMS_APP_ID": "my-bot"}, [], "TEAMS_APP_ID"),
        ({}, ["--app-id", "1234"], "--app-id '1234' is not a GUID"),
        ({"TEAMS_APP_ID": APP_ID}, ["--host", "http://x.example"], "not an https:// address"),
        ({"TEAMS_APP_ID": APP_ID}, ["--host", "x.example:8443"], "without a port or path"),
        ({"TEAMS_APP_ID": APP_ID}, ["--name", "n" * 31], "1 to 30 characters"),
    ],
)
def test_cli_bad_input_writes_nothing(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: dict[str, str],
    arguments: list[str],
    expected: str,
) -> None:
    for key, value in environment.items():
        monkeypatch.setenv(key, value)

    status = cli.main(["teams", "package", *arguments])

    assert status == 2
    error = capsys.readouterr().err
    assert expected in error
    assert list(clean_env.iterdir()) == []


def test_failed_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "staffvoice-teams.zip"
    out.write_bytes(b"the previous package")

    def fail_replace(source: str, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(teams_package.InvalidInput, match="No space left on device"):
        teams_package.write_package(out, app_id=APP_ID, name="staffvoice", host=None)

    assert out.read_bytes() == b"the previous package"
    assert list(tmp_path.iterdir()) == [out]


def test_cli_replaces_existing_package(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "STAFFVOICE_", "TEAMS_", "DATABASE_URL"))
    }
    env["TEAMS_APP_ID"] = APP_ID.upper()
    out = tmp_path / "staffvoice-teams.zip"
    out.write_bytes(b"the previous package")

    result = run_cli("teams", "package", "--host", f"https://{HOST}/", env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert f"https://{HOST}/api/messages" in result.stdout
    manifest = read_package(out)[0]
    assert manifest["id"] == APP_ID
    assert manifest["validDomains"] == [HOST]
    # The temporary file was renamed over the old one, so nothing else is left.
    assert list(tmp_path.iterdir()) == [out]
    assert out.stat().st_mode & 0o777 == 0o644
