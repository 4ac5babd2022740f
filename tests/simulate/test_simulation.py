"""The simulated campaign: the traffic plan's shape and rules."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.core.records import AnswerStats, CampaignRecord, CampaignSummary
from bot.simulate import answers, campaign, recognition
from bot.simulate.traffic import (
    CAMPAIGN_DAYS,
    EVENT_KINDS,
    Action,
    ActionKind,
    Ledger,
    Totals,
    build_plan,
)
from handlers.blocks.answers import answers_text
from handlers.blocks.campaigns import totals_line

SMALL_STAFF = 300
VOTE_KINDS = (ActionKind.REACTION_ADDED, ActionKind.REACTION_REMOVED, ActionKind.VOTE_BUTTON)


def _vote_actions(counts: Counter[ActionKind]) -> int:
    return sum(counts[kind] for kind in VOTE_KINDS)


def test_plan_same_seed_same_plan() -> None:
    first = build_plan(staff=SMALL_STAFF, seed=5)
    second = build_plan(staff=SMALL_STAFF, seed=5)
    other = build_plan(staff=SMALL_STAFF, seed=6)

    assert first.ideas == second.ideas
    assert [day.actions() for day in first.days] == [day.actions() for day in second.days]
    assert first.ideas != other.ideas


def test_plan_volumes_at_reference_headcount() -> None:
    plan = build_plan(staff=3000, seed=2027)
    counts = plan.action_counts()

    assert len(plan.staff) == 3000
    assert len({member.user_id for member in plan.staff}) == 3000
    assert len(plan.participants) == 900
    assert len(plan.ideas) == 750
    assert counts[ActionKind.THREAD_REPLY] == 1600
    assert 5900 <= _vote_actions(counts) <= 6300
    assert counts[ActionKind.REACTION_REMOVED] > 0
    assert counts[ActionKind.REPLY_EDITED] > 0
    assert counts[ActionKind.REPLY_DELETED] > 0
    assert counts[ActionKind.BOT_REPLY] > 0
    assert 0.1 < counts[ActionKind.IDEA_FORM] / len(plan.ideas) < 0.3


def test_plan_volumes_scale_with_staff() -> None:
    small = build_plan(staff=SMALL_STAFF, seed=2027)
    full = build_plan(staff=3000, seed=2027)

    assert len(small.participants) == len(full.participants) // 10
    assert len(small.ideas) == len(full.ideas) // 10
    assert small.action_counts()[ActionKind.THREAD_REPLY] == 160
    assert abs(_vote_actions(small.action_counts()) - 610) <= 40


def test_plan_daily_rhythm() -> None:
    plan = build_plan(staff=3000, seed=2027)
    per_day = [len(day.actions()) for day in plan.days]
    launch = statistics.mean(per_day[0:3])
    quiet = statistics.mean(per_day[4:9])
    close = statistics.mean(per_day[17:20])

    assert len(per_day) == CAMPAIGN_DAYS
    assert launch > 1.5 * quiet
    assert per_day[9] > 1.5 * per_day[8]
    assert close > 1.5 * statistics.mean(per_day[12:16])


def test_plan_skews_activity() -> None:
    plan = build_plan(staff=3000, seed=2027)
    ideas_per_author = Counter(idea.author_id for idea in plan.ideas)
    posters = set(ideas_per_author)
    commenters = {comment.user_id for comment in plan.comments}
    only_voting = set(plan.participants) - posters - commenters

    assert max(ideas_per_author.values()) >= 8
    assert statistics.median(ideas_per_author.values()) <= 2
    assert len(only_voting) > len(plan.participants) / 3
    assert len(only_voting) > len(posters)


def test_plan_acts_once_per_pair_per_phase() -> None:
    plan = build_plan(staff=3000, seed=2027)
    for day in plan.days:
        for phase in (day.engagement, day.follow_ups):
            pairs = [(action.user_id, action.idea) for action in phase if action.kind in VOTE_KINDS]
            assert len(pairs) == len(set(pairs)), f"day {day.day} repeats a (person, idea) pair"


def test_plan_acts_only_on_posted_ideas() -> None:
    plan = build_plan(staff=3000, seed=2027)
    replied: dict[int, int] = {}
    for day in plan.days:
        for action in [*day.engagement, *day.follow_ups]:
            assert action.idea is not None
            assert plan.ideas[action.idea].day <= day.day
            if action.kind is ActionKind.THREAD_REPLY:
                assert action.comment is not None
                replied[action.comment] = day.day
        for action in day.follow_ups:
            if action.kind in (ActionKind.REPLY_EDITED, ActionKind.REPLY_DELETED):
                assert action.comment in replied


def test_plan_redelivers_events_only() -> None:
    plan = build_plan(staff=3000, seed=2027)
    redelivered = [action for day in plan.days for action in day.actions() if action.redeliver]

    assert 50 < len(redelivered) < 250
    assert {action.kind for action in redelivered} <= EVENT_KINDS


def test_plan_texts_exercise_escaping() -> None:
    texts = [idea.text for idea in build_plan(staff=3000, seed=2027).ideas]

    assert len(texts) == len(set(texts))
    assert any("<!channel>" in text or "<!here>" in text for text in texts)
    assert any("<@U" in text for text in texts)
    assert any("<https://" in text for text in texts)
    assert any("&" in text for text in texts)


def test_plan_after_close_voters_voted_before() -> None:
    plan = build_plan(staff=SMALL_STAFF, seed=2027)
    voters = {
        action.user_id for day in plan.days for action in day.actions() if action.kind in VOTE_KINDS
    }
    first = [action.user_id for action in plan.after_close_first]

    assert len(first) == 6
    assert set(first) <= voters
    assert first == [action.user_id for action in plan.after_close_second]


def test_ledger_follows_vote_rules() -> None:
    ledger = Ledger()
    ledger.apply(Action(kind=ActionKind.IDEA_COMMAND, user_id="UAUTHOR", idea=0, text="a"))
    ledger.apply(
        Action(kind=ActionKind.IDEA_FORM, user_id="UANON", idea=1, text="b", anonymous=True)
    )
    ledger.apply(Action(kind=ActionKind.VOTE_BUTTON, user_id="UBUTTON", idea=0))
    ledger.apply(Action(kind=ActionKind.REACTION_ADDED, user_id="UBUTTON", idea=0, reaction="+1"))
    assert ledger.totals().votes == 1

    ledger.apply(Action(kind=ActionKind.REACTION_REMOVED, user_id="UBUTTON", idea=0))
    assert ledger.totals().votes == 0

    toned = Action(
        kind=ActionKind.REACTION_ADDED, user_id="UTONE", idea=1, reaction="+1::skin-tone-3"
    )
    ledger.apply(toned)
    ledger.apply(Action(kind=ActionKind.VOTE_BUTTON, user_id="UTONE", idea=1))
    assert ledger.totals().votes == 0
    ledger.apply(Action(kind=ActionKind.VOTE_BUTTON, user_id="UTONE", idea=1))
    assert ledger.totals().votes == 1


def test_ledger_follows_reply_rules() -> None:
    ledger = Ledger()
    reply = Action(kind=ActionKind.THREAD_REPLY, user_id="UREPLY", idea=0, comment=0, text="x")
    ledger.apply(reply)
    ledger.apply(Action(kind=ActionKind.REPLY_EDITED, user_id="UREPLY", idea=0, comment=0))
    assert (ledger.totals().comments, ledger.edited_count()) == (1, 1)

    ledger.apply(Action(kind=ActionKind.REPLY_DELETED, user_id="UREPLY", idea=0, comment=0))
    ledger.apply(Action(kind=ActionKind.REPLY_EDITED, user_id="UREPLY", idea=0, comment=0))
    ledger.apply(Action(kind=ActionKind.BOT_REPLY, user_id="UBOT", idea=0, text="y"))
    assert (ledger.totals().comments, ledger.edited_count()) == (0, 0)
    assert ledger.totals().participants == 0


def test_ledger_counts_named_authors_only() -> None:
    ledger = Ledger()
    ledger.apply(Action(kind=ActionKind.IDEA_COMMAND, user_id="UNAMED", idea=0, text="a"))
    ledger.apply(
        Action(kind=ActionKind.IDEA_FORM, user_id="UANON", idea=1, text="b", anonymous=True)
    )

    assert ledger.totals() == Totals(ideas=2, comments=0, votes=0, participants=1)


def test_parse_totals_reads_totals_line() -> None:
    now = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    record = CampaignRecord(
        id=1,
        title="T",
        platform="slack",
        channel_id="C1",
        starts_at=now,
        ends_at=now + timedelta(days=20),
        status="closed",
    )
    summary = CampaignSummary(
        campaign=record,
        idea_count=3,
        comment_count=4,
        vote_count=5,
        participant_count=6,
        top_ideas=(),
    )

    assert campaign.parse_totals(f"T has closed. {totals_line(summary)}") == Totals(3, 4, 5, 6)
    assert campaign.parse_totals("T has closed.") is None


def test_plain_text_shows_links_and_entities() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Campaign closed"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "1. <https://x/p1|A &amp; B> &lt;!channel&gt;"},
        },
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Ranked &amp; counted"}]},
    ]

    assert campaign.plain_text(blocks) == [
        "Campaign closed",
        "1. A & B <!channel>",
        "Ranked & counted",
    ]


def test_answers_line_reads_report_line() -> None:
    stats = AnswerStats(
        campaign_id=1,
        idea_count=81,
        answered_count=40,
        done_count=8,
        median_days_to_answer=17.46,
    )
    match = answers.ANSWERS_LINE.search(answers_text(stats))

    assert match is not None
    assert match.groups() == ("40", "81", "49", "8", "17.5")


def test_card_key_ignores_colleague_order() -> None:
    first = recognition._card_key("U1", ["U3", "U2"])
    second = recognition._card_key("U1", ("U2", "U3"))

    assert first == second
    assert first != recognition._card_key("U2", ["U3", "U1"])
