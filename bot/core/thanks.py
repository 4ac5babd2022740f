"""Peer recognition: thank-you cards, the values they carry as badges, and their settings.

A card is stored with its colleagues and their direct messages in one
transaction, and posted in the workspace's recognition channel afterwards,
once, by whichever process claims it. Sending the same message with the same
values again within MERGE_WINDOW adds any new colleagues to the first card
instead of posting a second one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.core import audit, outbox
from bot.core.checks.explain import PERSONAL_DATA_REASON, describe_findings
from bot.core.checks.post_checks import PostChecks
from bot.core.errors import DeliveryFailed, InvalidInput, NotFound
from bot.core.outbox import OutboundMessage
from bot.core.ports import CardPublisher
from bot.core.records import Person
from bot.core.roles import require_manager
from storage import participation as participation_store
from storage import thanks as store
from storage.database import Database
from storage.models import Thanks

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 1000
MAX_RECIPIENTS = 10
MAX_VALUES = 12
MAX_VALUE_LENGTH = 30
# The same giver sending the same message and values within this window is
# taken as a double submission, and merged into the first card.
MERGE_WINDOW = timedelta(seconds=60)
# A claim to post a card older than this is taken to belong to a process that
# died or a post that failed, so the card may be claimed and posted again.
POST_RETRY_AFTER = timedelta(minutes=2)
# Cards still unposted after this long are left alone: a thank-you card posted
# days late reads as a glitch, and the colleagues got their direct messages.
POST_GIVE_UP_AFTER = timedelta(hours=24)
# How many of the latest cards `/thanks` alone lists.
LATEST_SHOWN = 5

# A #tag: not part of a channel mention (<#C0123|name>) or an HTML entity (&#39;),
# and starting with a letter, so "#1" stays text.
HASHTAG = re.compile(r"(?<![<&\w])#([^\W\d_][\w-]*)")
TRAILING_HASHTAGS = re.compile(r"(?:\s*(?<![<&\w])#[^\W\d_][\w-]*)+\s*$")

AUDIT_CHANNEL = "recognition_channel"
AUDIT_VALUES = "recognition_values"

NO_CHANNEL = (
    "Thank-you cards have no recognition channel yet, so nothing was posted or saved. "
    "Ask an engagement manager to set one with `/thanks channel #channel`, then send your "
    "thanks again."
)
# For views that send nothing, such as the overview of `/thanks` and the form's notice.
CHANNEL_NOT_SET = (
    "Thank-you cards cannot be sent until an engagement manager sets a recognition channel "
    "with `/thanks channel #channel`."
)
NO_RECIPIENT = (
    "Name at least one colleague to thank, picked from the list as you type @, such as "
    "`/thanks @Sam Thanks for covering my shift`."
)
SELF_THANKS = (
    "You cannot thank yourself, though we are sure you deserve it. Name the colleagues "
    "you want to thank and send it again."
)
EMPTY_MESSAGE = (
    "Add a message saying what you are thanking them for, such as "
    "`/thanks @Sam Thanks for covering my shift`."
)
TOO_MANY_RECIPIENTS = (
    f"A card can thank at most {MAX_RECIPIENTS} colleagues. Split your thanks into several "
    "cards, or thank the whole team in its channel."
)


class NoThanksRecipient(InvalidInput):
    """Raised for a thanks that names no colleague.

    A form catches it to word the error for its people picker in place of NO_RECIPIENT,
    which shows the slash command.
    """

    def __init__(self) -> None:
        super().__init__(NO_RECIPIENT, field="recipients")


class EmptyThanksMessage(InvalidInput):
    """Raised for a thanks whose message is empty once spaces and trailing #tags are removed.

    A form catches it to word the error for its message field in place of EMPTY_MESSAGE,
    which shows the slash command.
    """

    def __init__(self) -> None:
        super().__init__(EMPTY_MESSAGE, field="message")


@dataclass(frozen=True)
class RecognitionSetup:
    """A workspace's recognition channel and the values people can pick, in order."""

    platform: str
    team_id: str
    channel_id: str | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class ThanksCard:
    """A thank-you card as the chat adapters show it."""

    id: int
    platform: str
    team_id: str
    giver_id: str
    message: str
    values: tuple[str, ...]
    recipients: tuple[str, ...]
    created_at: datetime
    channel_id: str | None
    message_id: str | None


@dataclass(frozen=True)
class GivenThanks:
    """The outcome of giving thanks: the card and the colleagues this request added to it."""

    card: ThanksCard
    # Colleagues thanked by this request, each sent a direct message.
    added: tuple[str, ...]
    # True when the request repeated a card given within MERGE_WINDOW and joined it.
    merged: bool


@dataclass(frozen=True)
class SettingsChange:
    """Recognition settings after a manager's change, and whether anything changed."""

    setup: RecognitionSetup
    changed: bool


@dataclass(frozen=True)
class ThanksOverview:
    """Counts of the cards a person received and gave, and the latest cards they received."""

    received: int
    given: int
    latest_received: tuple[ThanksCard, ...]


# Builds the direct message telling one colleague of a card, with its outbox key.
NoticeBuilder = Callable[[ThanksCard, str, str], OutboundMessage]


def value_key(value: str) -> str:
    """Return the form values and #tags are matched in: case-folded, without spaces, -, _ or '."""
    return re.sub(r"[\s_'-]+", "", value).casefold()


def parse_values(text: str) -> tuple[str, ...]:
    """Split a list of values at commas or line breaks, checking each.

    Raises InvalidInput unless there are 1 to MAX_VALUES values, each of 1 to
    MAX_VALUE_LENGTH characters of letters, digits, spaces, hyphens or
    apostrophes, and no two alike once matched as hashtags are. The message
    names every problem in the list, so one reply is enough to fix them all.
    """
    values = [" ".join(part.strip().lstrip("#").split()) for part in re.split(r"[,\n]", text)]
    values = [value for value in values if value]
    if not values:
        raise InvalidInput(
            "List the values separated by commas, such as "
            "`/thanks values compassionate, open, respectful`.",
            field="values",
        )
    problems = _value_problems(values)
    if len(problems) == 1:
        raise InvalidInput(
            f"{problems[0]} Nothing was changed, so fix it and send the list again.",
            field="values",
        )
    if problems:
        listed = "\n".join(f"• {problem}" for problem in problems)
        raise InvalidInput(
            f"Nothing was changed, because the list has {len(problems)} problems:\n{listed}\n"
            "Fix them and send the list again.",
            field="values",
        )
    return tuple(values)


def _value_problems(values: list[str]) -> list[str]:
    """Return one sentence per problem of a list of values, in the order of the list."""
    problems: list[str] = []
    if len(values) > MAX_VALUES:
        problems.append(f"The list has {len(values)} values, so give at most {MAX_VALUES}.")
    seen: dict[str, str] = {}
    for value in values:
        if len(value) > MAX_VALUE_LENGTH:
            problems.append(
                f'"{value}" has {len(value)} characters, over the maximum of '
                f"{MAX_VALUE_LENGTH}. Shorten it."
            )
        if not re.fullmatch(r"[^\W_][\w' -]*", value) or "_" in value:
            problems.append(
                f'"{value}" can contain only letters, digits, spaces, hyphens and apostrophes, '
                "starting with a letter or digit, so people can write it as a #hashtag."
            )
        key = value_key(value)
        if key in seen:
            problems.append(
                f'"{seen[key]}" and "{value}" are the same value as a hashtag. Keep one.'
            )
        else:
            seen[key] = value
    return problems


def split_hashtags(message: str, values: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """Return the message without its trailing #tags, and the values its #tags name.

    With no values configured, #tags are plain text. A #tag naming no value
    raises InvalidInput listing the values, because a badge silently dropped
    would surprise the giver.
    """
    if not values:
        return message.strip(), ()
    by_key = {value_key(value): value for value in values}
    picked: list[str] = []
    unknown: list[str] = []
    for tag in HASHTAG.findall(message):
        value = by_key.get(value_key(tag))
        if value is None:
            unknown.append("#" + tag)
        elif value not in picked:
            picked.append(value)
    if unknown:
        listed = ", ".join("#" + value_key(value) for value in values)
        raise InvalidInput(
            f"{', '.join(unknown)} is not one of your organisation's values, so nothing was "
            f"posted. The values are: {listed}. Use one of them, or write the word without "
            "the # to keep it as plain text.",
            field="message",
        )
    return TRAILING_HASHTAGS.sub("", message).strip(), tuple(picked)


def _values_of(text: str | None) -> tuple[str, ...]:
    return tuple(line for line in (text or "").splitlines() if line)


def _values_text(values: Sequence[str]) -> str | None:
    return "\n".join(values) if values else None


def _same_message(first: str, second: str) -> bool:
    return " ".join(first.split()).casefold() == " ".join(second.split()).casefold()


def _card(session: Session, thanks: Thanks) -> ThanksCard:
    return ThanksCard(
        id=thanks.id,
        platform=thanks.platform,
        team_id=thanks.team_id,
        giver_id=thanks.giver_id,
        message=thanks.message,
        values=_values_of(thanks.values_text),
        recipients=tuple(store.recipient_ids(session, thanks.id)),
        created_at=thanks.created_at,
        channel_id=thanks.channel_id,
        message_id=thanks.message_id,
    )


def get_card(db: Database, thanks_id: int) -> ThanksCard:
    """Return a card, raising NotFound when there is none with this id."""
    with db.transaction() as session:
        thanks = store.get_thanks(session, thanks_id)
        if thanks is None:
            raise NotFound(f"There is no thank-you card {thanks_id}.")
        return _card(session, thanks)


def recognition_setup(db: Database, *, platform: str, team_id: str) -> RecognitionSetup:
    """Return a workspace's recognition channel and values; both are empty until set."""
    with db.transaction() as session:
        settings = store.get_settings(session, platform=platform, team_id=team_id)
        if settings is None:
            return RecognitionSetup(platform=platform, team_id=team_id, channel_id=None, values=())
        return RecognitionSetup(
            platform=platform,
            team_id=team_id,
            channel_id=settings.channel_id,
            values=_values_of(settings.values_text),
        )


def set_recognition_channel(
    db: Database, person: Person, *, channel_id: str, now: datetime
) -> SettingsChange:
    """Set the channel cards are posted in (a manager action), and audit the change."""
    require_manager(db, person, action="set the recognition channel")
    with db.transaction() as session:
        current = store.get_settings(
            session, platform=person.platform, team_id=person.team_id, for_update=True
        )
        previous = current.channel_id if current is not None else None
        settings = store.save_settings(
            session,
            platform=person.platform,
            team_id=person.team_id,
            updated_by=person.user_id,
            now=now,
            channel_id=channel_id,
            set_channel=True,
        )
        changed = previous != channel_id
        if changed:
            audit.record(
                session,
                actor=person.user_id,
                action=AUDIT_CHANNEL,
                subject=_subject(person),
                detail={"channel": channel_id, "previous": previous},
                now=now,
            )
        setup = RecognitionSetup(
            platform=person.platform,
            team_id=person.team_id,
            channel_id=settings.channel_id,
            values=_values_of(settings.values_text),
        )
    logger.info("Recognition channel of team %s set to %s", person.team_id, channel_id)
    return SettingsChange(setup=setup, changed=changed)


def set_recognition_values(
    db: Database, person: Person, *, values_text: str, now: datetime
) -> SettingsChange:
    """Replace the values people can pick as badges (a manager action), and audit the change.

    Cards given before keep the badges they were given with.
    """
    require_manager(db, person, action="set the organisation's values")
    values = parse_values(values_text)
    with db.transaction() as session:
        current = store.get_settings(
            session, platform=person.platform, team_id=person.team_id, for_update=True
        )
        previous = _values_of(current.values_text if current is not None else None)
        settings = store.save_settings(
            session,
            platform=person.platform,
            team_id=person.team_id,
            updated_by=person.user_id,
            now=now,
            values_text=_values_text(values),
            set_values=True,
        )
        changed = previous != values
        if changed:
            audit.record(
                session,
                actor=person.user_id,
                action=AUDIT_VALUES,
                subject=_subject(person),
                detail={"values": list(values), "previous_count": len(previous)},
                now=now,
            )
        setup = RecognitionSetup(
            platform=person.platform,
            team_id=person.team_id,
            channel_id=settings.channel_id,
            values=values,
        )
    logger.info("Recognition values of team %s set: %s values", person.team_id, len(values))
    return SettingsChange(setup=setup, changed=changed)


def _subject(person: Person) -> str:
    return f"recognition:{person.platform}:{person.team_id}"


def validate_thanks(
    giver: Person, *, recipients: Sequence[str], message: str, checks: PostChecks
) -> tuple[str, ...]:
    """Check a card's colleagues and message; return the colleagues without repeats.

    Raises the first fault thanks_problems finds.
    """
    problems = thanks_problems(giver, recipients=recipients, message=message, checks=checks)
    if problems:
        raise problems[0]
    return tuple(dict.fromkeys(recipients))


def thanks_problems(
    giver: Person, *, recipients: Sequence[str], message: str, checks: PostChecks
) -> list[InvalidInput]:
    """Return the faults of a card's colleagues and message, at most one for each field.

    The faults are: no colleague, the giver among them, more than
    MAX_RECIPIENTS, an empty or too long message, or personal data in it.
    """
    problems: list[InvalidInput] = []
    unique = tuple(dict.fromkeys(recipients))
    if not unique:
        problems.append(NoThanksRecipient())
    elif giver.user_id in unique:
        problems.append(InvalidInput(SELF_THANKS, field="recipients"))
    elif len(unique) > MAX_RECIPIENTS:
        problems.append(InvalidInput(TOO_MANY_RECIPIENTS, field="recipients"))
    message_problem = _message_problem(message, checks)
    if message_problem is not None:
        problems.append(message_problem)
    return problems


def _message_problem(message: str, checks: PostChecks) -> InvalidInput | None:
    if not message.strip():
        return EmptyThanksMessage()
    if len(message) > MAX_MESSAGE_LENGTH:
        return InvalidInput(
            f"Your message has {len(message):,} characters; a card takes at most "
            f"{MAX_MESSAGE_LENGTH:,}. Shorten it and send it again.",
            field="message",
        )
    personal = tuple(finding for finding in checks.scan(message) if finding.is_personal_data)
    if personal:
        # Unlike an idea, a thank-you card is not held for the giver to post anyway:
        # nothing in a thanks needs a patient's details.
        return InvalidInput(
            f"Your thanks was not posted: it contains {describe_findings(personal)}. "
            + PERSONAL_DATA_REASON,
            field="message",
        )
    return None


def form_problems(
    db: Database,
    giver: Person,
    *,
    recipients: Sequence[str],
    message: str,
    values: Sequence[str],
    checks: PostChecks,
) -> list[InvalidInput]:
    """Return every fault of a thanks form, at most one for each field, storing nothing.

    Beyond thanks_problems, this checks the message's #tags and the values
    picked against the workspace's values, so a form can show every fault
    beside its field at once. give_thanks checks all of them again.
    """
    problems = thanks_problems(giver, recipients=recipients, message=message, checks=checks)
    with db.transaction() as session:
        settings = store.get_settings(session, platform=giver.platform, team_id=giver.team_id)
        configured = _values_of(settings.values_text if settings is not None else None)
    if not any(problem.field == "message" for problem in problems):
        try:
            text, _ = split_hashtags(message, configured)
            if not text:
                raise EmptyThanksMessage()
        except InvalidInput as error:
            problems.append(error)
    try:
        _pick_values(configured, chosen=values, tagged=())
    except InvalidInput as error:
        problems.append(error)
    return problems


def give_thanks(
    db: Database,
    giver: Person,
    *,
    recipients: Sequence[str],
    message: str,
    values: Sequence[str] = (),
    checks: PostChecks,
    now: datetime,
    notice: NoticeBuilder,
) -> GivenThanks:
    """Store a card, or merge a repeat into the last one, and enqueue each new colleague's message.

    values are picked in a form; #tags in the message pick more. The card
    keeps the message without its trailing #tags. Raises InvalidInput, with
    nothing stored, for the faults validate_thanks names, a workspace without
    a recognition channel, and a value or #tag that is not configured.
    """
    unique = validate_thanks(giver, recipients=recipients, message=message, checks=checks)
    with db.transaction() as session:
        # Locking the settings row makes two requests of one workspace take
        # turns on PostgreSQL, so a double submission finds the first card.
        settings = store.get_settings(
            session, platform=giver.platform, team_id=giver.team_id, for_update=True
        )
        if settings is None or settings.channel_id is None:
            raise InvalidInput(NO_CHANNEL, field="channel")
        configured = _values_of(settings.values_text)
        text, tagged = split_hashtags(message, configured)
        if not text:
            raise EmptyThanksMessage()
        picked = _pick_values(configured, chosen=values, tagged=tagged)

        earlier = next(
            (
                thanks
                for thanks in store.recent_thanks_by(
                    session,
                    platform=giver.platform,
                    team_id=giver.team_id,
                    giver_id=giver.user_id,
                    since=now - MERGE_WINDOW,
                )
                if _same_message(thanks.message, text) and _values_of(thanks.values_text) == picked
            ),
            None,
        )
        if earlier is not None:
            on_card = set(store.recipient_ids(session, earlier.id))
            added = tuple(user_id for user_id in unique if user_id not in on_card)
            if len(on_card) + len(added) > MAX_RECIPIENTS:
                raise InvalidInput(TOO_MANY_RECIPIENTS, field="recipients")
            thanks = earlier
        else:
            thanks = store.add_thanks(
                session,
                platform=giver.platform,
                team_id=giver.team_id,
                giver_id=giver.user_id,
                message=text,
                values_text=_values_text(picked),
                channel_id=settings.channel_id,
                now=now,
            )
            added = unique
        for user_id in added:
            staff = participation_store.get_current_staff(
                session, platform=giver.platform, user_id=user_id
            )
            store.add_recipient(
                session,
                thanks_id=thanks.id,
                user_id=user_id,
                directorate=staff.directorate if staff is not None else None,
            )
        card = _card(session, thanks)
        outbox.enqueue_in(
            session,
            [notice(card, user_id, notice_key(card.id, user_id)) for user_id in added],
            now=now,
        )
    logger.info(
        "Thanks %s from team %s: %s colleagues added, merged=%s",
        card.id,
        giver.team_id,
        len(added),
        earlier is not None,
    )
    return GivenThanks(card=card, added=added, merged=earlier is not None)


def _pick_values(
    configured: Sequence[str], *, chosen: Sequence[str], tagged: Sequence[str]
) -> tuple[str, ...]:
    """Return the chosen and tagged values in the configured order, checking the chosen ones."""
    known = set(configured)
    stale = [value for value in chosen if value not in known]
    if stale:
        raise InvalidInput(
            f"{', '.join(stale)} is no longer one of your organisation's values, because a "
            "manager changed them. Open the form again to pick from the current ones.",
            field="values",
        )
    requested = set(chosen) | set(tagged)
    return tuple(value for value in configured if value in requested)


def notice_key(thanks_id: int, user_id: str) -> str:
    """Return the outbox key of the direct message telling a colleague of a card."""
    return f"thanks:{thanks_id}:{user_id}"


def deliver_card(
    db: Database, publisher: CardPublisher, thanks_id: int, *, now: datetime
) -> str | None:
    """Post a card unless it is posted or being posted; return its new message id.

    Colleagues merged into the card while it was being posted are shown by an
    update straight after. Raises DeliveryFailed when the platform rejects the
    post; the card stays stored, and retry_unposted_cards tries again.
    """
    with db.transaction() as session:
        if not store.claim_card_post(session, thanks_id, now=now, retry_after=POST_RETRY_AFTER):
            return None
    card = get_card(db, thanks_id)
    message_id = publisher.post_thanks_card(card)
    with db.transaction() as session:
        store.set_card_message(session, thanks_id, message_id=message_id)
    logger.info("Posted thanks %s as message %s", thanks_id, message_id)
    latest = get_card(db, thanks_id)
    if latest.recipients != card.recipients:
        publisher.update_thanks_card(latest)
    return message_id


def show_added_colleagues(db: Database, publisher: CardPublisher, thanks_id: int) -> bool:
    """Update a posted card to show every colleague on it; return False when it is not posted.

    A card not posted yet shows every colleague once its poster posts it.
    """
    card = get_card(db, thanks_id)
    if card.message_id is None:
        return False
    publisher.update_thanks_card(card)
    return True


def retry_unposted_cards(db: Database, publisher: CardPublisher, *, now: datetime) -> int:
    """Post cards of the last POST_GIVE_UP_AFTER whose posting failed; return how many."""
    with db.transaction() as session:
        pending = store.list_unposted(
            session,
            created_after=now - POST_GIVE_UP_AFTER,
            claimed_before=now - POST_RETRY_AFTER,
            limit=50,
        )
    posted = 0
    for thanks_id in pending:
        try:
            if deliver_card(db, publisher, thanks_id, now=now):
                posted += 1
        except DeliveryFailed as error:
            logger.warning("Thanks %s still not posted: %s", thanks_id, error.reason)
    return posted


def thanks_overview(db: Database, person: Person, *, limit: int = LATEST_SHOWN) -> ThanksOverview:
    """Return how many cards a person received and gave, and the latest they received."""
    ids = {"platform": person.platform, "team_id": person.team_id, "user_id": person.user_id}
    with db.transaction() as session:
        latest = store.latest_received(session, **ids, limit=limit)
        return ThanksOverview(
            received=store.count_received(session, **ids),
            given=store.count_given(session, **ids),
            latest_received=tuple(_card(session, thanks) for thanks in latest),
        )
