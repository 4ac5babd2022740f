"""Block Kit of the board state view: the text shown when no idea is waiting, and the question."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.core.board_state import BoardIdea, BoardOverview
from bot.core.records import BoardRecord
from handlers import replies
from handlers.blocks.boards import header_message, overview_message
from tests.e2e.support import text_fields

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BOARD = BoardRecord(
    id=1,
    platform="slack",
    team_id="T1",
    channel_id="C0TEAM",
    channel_name="team",
    private=False,
    question="What *one* thing _would_ help?",
    status="open",
    lead_id="U0LEAD",
    created_by="U0LEAD",
    created_at=NOW,
    closed_at=None,
    closed_reason=None,
    header_message_id=None,
    digest_weekday=0,
    digest_minute=540,
    lead_departed_at=None,
)


def board_idea(idea_id: int, *, status: str | None) -> BoardIdea:
    return BoardIdea(
        idea_id=idea_id,
        text=f"Idea {idea_id}",
        anonymous=False,
        author_name="Sam",
        vote_count=idea_id,
        comment_count=0,
        created_at=NOW,
        channel_id="C0TEAM",
        message_id=None,
        status=status,
        status_reply=None,
        status_changed_at=NOW if status else None,
    )


def overview_texts(overview: BoardOverview) -> str:
    _, blocks = overview_message(overview, permalinks={})
    return "\n".join(text_fields(blocks))


def test_overview_all_answered() -> None:
    answered = (board_idea(1, status="done"), board_idea(2, status="not_taken_forward"))
    overview = BoardOverview(board=BOARD, idea_count=2, ranked=(), answered=answered)

    texts = overview_texts(overview)

    assert "Every idea has a final answer" in texts
    assert "No ideas yet" not in texts
    assert "No open ideas" not in texts


def test_overview_closed_heading() -> None:
    waiting = (board_idea(1, status=None),)
    closed = replace(BOARD, status="closed")

    texts = overview_texts(BoardOverview(board=closed, idea_count=1, ranked=waiting, answered=()))

    assert "Open ideas" not in texts
    assert "*Waiting for a final answer*, most votes first" in texts
    assert "closed, so voting has stopped" in texts


def test_overview_no_ideas() -> None:
    open_texts = overview_texts(BoardOverview(board=BOARD, idea_count=0, ranked=(), answered=()))
    closed = replace(BOARD, status="closed")
    closed_texts = overview_texts(BoardOverview(board=closed, idea_count=0, ranked=(), answered=()))

    assert "No ideas yet. Share one here" in open_texts
    assert "No ideas yet." in closed_texts
    assert "Share one here" not in closed_texts


def test_question_markup_shown_literally() -> None:
    for _, blocks in (
        header_message(BOARD),
        overview_message(
            BoardOverview(board=BOARD, idea_count=0, ranked=(), answered=()), permalinks={}
        ),
    ):
        [rich] = [block for block in blocks if block["type"] == "rich_text"]
        [element] = rich["elements"][0]["elements"]
        assert element == {"type": "text", "text": BOARD.question, "style": {"bold": True}}
        mrkdwn = [text for text in text_fields(blocks) if text != BOARD.question]
        assert not any("_would_" in text for text in mrkdwn)


def test_closed_board_notice_names_lead() -> None:
    closed = replace(BOARD, status="closed", closed_at=NOW)

    notice = replies.closed_board_notice(closed)

    assert "<#C0TEAM> is closed" in notice
    assert "its lead (<@U0LEAD>) can reopen it" in notice


def test_closed_board_notice_departed_lead() -> None:
    closed = replace(BOARD, status="closed", closed_at=NOW, lead_departed_at=NOW)

    notice = replies.closed_board_notice(closed)

    assert "an engagement manager can reopen it" in notice
    assert "U0LEAD" not in notice
