"""A person's thanks in the data export and the erasure: given, received and settings changed."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import privacy, roles, thanks
from bot.core.checks.post_checks import PostChecks
from bot.core.clock import ManualClock
from bot.core.outbox import OutboundMessage
from bot.core.records import Person
from bot.core.thanks import ThanksCard
from storage.database import Database
from storage.models import ThanksRecipient
from tests.core.privacy_support import tables_containing

ANN = Person("slack", "T1", "U0ANN")
BOB = Person("slack", "T1", "U0BOB")
KIM = "U0KIM"


def notice(card: ThanksCard, recipient: str, key: str) -> OutboundMessage:
    return OutboundMessage(
        platform="slack",
        recipient=recipient,
        text=f"<@{card.giver_id}> thanked you",
        dedupe_key=key,
    )


def seed(db: Database, clock: ManualClock) -> tuple[int, int]:
    """Ann, a manager, sets up recognition; Ann thanks Bob and Kim; Bob thanks Ann."""
    roles.grant_role(
        db, platform="slack", user_id=ANN.user_id, role=roles.MANAGER, granted_by="cli",
        now=clock.now(),
    )  # fmt: skip
    thanks.set_recognition_channel(db, ANN, channel_id="C0THANKS", now=clock.now())
    thanks.set_recognition_values(db, ANN, values_text="Kind", now=clock.now())
    given = thanks.give_thanks(
        db, ANN, recipients=[BOB.user_id, KIM], message="Thanks for the rota #kind",
        checks=PostChecks(), now=clock.now(), notice=notice,
    )  # fmt: skip
    received = thanks.give_thanks(
        db, BOB, recipients=[ANN.user_id], message="Thanks back",
        checks=PostChecks(), now=clock.now(), notice=notice,
    )  # fmt: skip
    return given.card.id, received.card.id


def test_export_lists_thanks(db: Database, clock: ManualClock) -> None:
    given_id, received_id = seed(db, clock)
    data = privacy.export_person(
        db, platform="slack", user_id=ANN.user_id, actor="cli", now=clock.now()
    )
    assert data["thanks_given"] == [
        {
            "id": given_id,
            "to": sorted([BOB.user_id, KIM]),
            "message": "Thanks for the rota",
            "values": ["Kind"],
            "created_at": clock.now().isoformat(),
        }
    ]
    assert [(row["id"], row["from"], row["message"]) for row in data["thanks_received"]] == [
        (received_id, BOB.user_id, "Thanks back")
    ]


def test_erase_rekeys_thanks(db: Database, clock: ManualClock) -> None:
    given_id, received_id = seed(db, clock)
    plan = privacy.erase_person(
        db, platform="slack", user_id=ANN.user_id, actor="cli", now=clock.now()
    )
    assert plan.replaced["thanks"] == 1
    assert plan.replaced["thanks_recipients"] == 1
    assert plan.replaced["recognition_settings"] == 1
    assert tables_containing(db, ANN.user_id) == []
    with db.transaction() as session:
        recipients = list(
            session.scalars(
                select(ThanksRecipient.user_id).where(ThanksRecipient.thanks_id == received_id)
            )
        )
    assert len(recipients) == 1
    assert recipients[0].startswith(privacy.PSEUDONYM_PREFIX)
    # Bob's view of what he gave and received is unchanged in number.
    overview = thanks.thanks_overview(db, BOB)
    assert (overview.received, overview.given) == (1, 1)
    assert thanks.get_card(db, given_id).giver_id == recipients[0]
