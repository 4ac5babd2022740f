"""Block Kit of thank-you cards, their direct messages, the form and the overview."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.thanks import RecognitionSetup, ThanksCard, ThanksOverview
from handlers.blocks.thanks import card_message, notice_message, overview_message, thanks_form
from handlers.ids import ThanksIds

SETUP = RecognitionSetup("slack", "T1", "C0THANKS", ("Kind", "Open"))


def card(message: str = "Thanks <!channel> & all", *, values: tuple[str, ...] = ()) -> ThanksCard:
    return ThanksCard(
        id=7,
        platform="slack",
        team_id="T1",
        giver_id="U0ANN",
        message=message,
        values=values,
        recipients=("U0BOB", "U0JO", "U0KIM"),
        created_at=datetime(2027, 2, 3, 10, 0, tzinfo=UTC),
        channel_id="C0THANKS",
        message_id=None,
    )


def section_texts(blocks: list[dict]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block["type"] == "section"]


def test_card_escapes_message() -> None:
    text, blocks = card_message(card(values=("Kind",)))
    texts = section_texts(blocks)
    assert texts[0] == ":tada: *<@U0ANN> thanked <@U0BOB>, <@U0JO> and <@U0KIM>*"
    assert texts[1] == "> Thanks &lt;!channel&gt; &amp; all"
    assert blocks[-1]["elements"][0]["text"] == ":medal: Kind"
    assert "<!channel>" not in text


def test_long_card_split_into_sections() -> None:
    _, blocks = card_message(card("&" * 1000))
    pieces = section_texts(blocks)[1:]
    assert len(pieces) == 4
    assert all(len(piece) <= 3000 for piece in pieces)
    assert all(piece.startswith("> &amp;") for piece in pieces)
    assert "".join(pieces).count("&amp;") == 1000


def test_empty_lines_stay_quoted() -> None:
    _, blocks = card_message(card("\n" * 999 + "x"))
    pieces = section_texts(blocks)[1:]
    assert all(len(piece) <= 3000 for piece in pieces)
    assert all(line.startswith(">") for piece in pieces for line in piece.split("\n"))


def test_notice_names_others() -> None:
    _, blocks = notice_message(card(), "U0JO")
    texts = section_texts(blocks)
    assert texts[0] == ":tada: *<@U0ANN> thanked you, with <@U0BOB> and <@U0KIM>*"
    assert "<#C0THANKS>" in blocks[-1]["elements"][0]["text"]


def test_form_checkboxes_up_to_ten() -> None:
    view = thanks_form(SETUP)
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    assert blocks[ThanksIds.VALUES_BLOCK.value]["element"]["type"] == "checkboxes"
    many = RecognitionSetup("slack", "T1", "C0THANKS", tuple(f"Value {n}" for n in range(11)))
    blocks = {block.get("block_id"): block for block in thanks_form(many)["blocks"]}
    assert blocks[ThanksIds.VALUES_BLOCK.value]["element"]["type"] == "multi_static_select"


def test_form_without_values_block() -> None:
    view = thanks_form(RecognitionSetup("slack", "T1", "C0THANKS", ()))
    assert ThanksIds.VALUES_BLOCK.value not in [block.get("block_id") for block in view["blocks"]]


def test_form_without_channel_explains() -> None:
    view = thanks_form(RecognitionSetup("slack", "T1", None, ()))
    assert "submit" not in view
    notice = view["blocks"][0]["text"]["text"]
    assert "/thanks channel #channel" in notice
    assert "nothing was posted" not in notice


def test_overview_without_channel_has_no_button() -> None:
    overview = ThanksOverview(received=0, given=0, latest_received=())
    text, blocks = overview_message(
        overview, setup=RecognitionSetup("slack", "T1", None, ()), timezone=ZoneInfo("UTC")
    )
    assert text == "You have received 0 thank-yous and given 0 cards."
    assert all(block["type"] != "actions" for block in blocks)
    [note] = [block["elements"][0]["text"] for block in blocks if block["type"] == "context"]
    assert note.startswith("Thank-you cards cannot be sent until an engagement manager sets")
    assert "nothing was posted" not in note


def test_erased_people_not_mentioned() -> None:
    erased = replace(card(), giver_id="erased-a6ae5ef6d0ab", recipients=("U0BOB", "erased-77"))

    _, blocks = card_message(erased)
    _, overview = overview_message(
        ThanksOverview(received=1, given=0, latest_received=(erased,)),
        setup=SETUP,
        timezone=ZoneInfo("Europe/London"),
    )

    assert section_texts(blocks)[0] == (
        ":tada: *A former member of staff thanked <@U0BOB> and a former member of staff*"
    )
    assert "• A former member of staff, 3 February 2027: " in section_texts(overview)[1]
    assert "erased-" not in str(blocks) + str(overview)
