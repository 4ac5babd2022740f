"""Ideas collected on paper forms or by email, entered into a campaign from a CSV file.

An imported idea has no author. It is stored with its source ("paper" or
"email"), and its contributor counts as one participant with the groups the
file gives, under platform "offline" and user "idea-{id}". The import is all or
nothing: one rejected line stores nothing, because a partial import run again
after a fix would enter the accepted ideas twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core.csv_lines import LineRejected, RejectedLine, read_csv_lines
from bot.core.errors import InvalidInput, NotFound
from bot.core.ideas import MAX_DETAIL_LENGTH, MAX_IDEA_LENGTH
from bot.core.participation import record_offline_idea
from bot.core.staff_csv import detect_encoding, normalise_band
from storage import campaigns as campaign_store
from storage import offline_ideas as offline_store
from storage import topics as topic_store
from storage.database import Database
from storage.models import Campaign, Topic

logger = logging.getLogger(__name__)

SOURCES = ("paper", "email")
# Author names of imported ideas by source, for the reports and exports that print authors.
AUTHOR_NAMES = {"paper": "Paper form", "email": "Email"}
# Campaigns in these states take imported ideas. A scheduled campaign has not asked its
# question yet, and a cancelled one never will, so ideas for them have no place to go.
IMPORTABLE_STATUSES = ("open", "closed")

# Header names accepted for each column, compared in lower case with "_" and "-" read as spaces.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "text": ("idea", "idea text", "text"),
    "detail": ("detail", "details"),
    "topic": ("topic", "question", "topic number"),
    "received_on": ("date received", "received", "received on", "date"),
    "directorate": ("directorate",),
    "band": ("band", "pay band", "afc band", "agenda for change band"),
    "staff_group": ("staff group",),
    "locality": ("locality",),
}
GROUP_FIELDS = ("directorate", "band", "staff_group", "locality")
GROUP_LABELS = {
    "directorate": "directorate",
    "band": "pay band",
    "staff_group": "staff group",
    "locality": "locality",
}
# The lengths of the staff and participant_groups columns these values are stored in.
MAX_GROUP_LENGTH = {"directorate": 200, "band": 50, "staff_group": 200, "locality": 200}
# How many of the staff list's group names a rejection lists before "and N more".
NAMES_LISTED = 8
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y")
ENCODING_NAMES = {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8", "cp1252": "Windows-1252"}


@dataclass(frozen=True)
class OfflineIdeaRow:
    """One accepted line of the file, cleaned and checked."""

    line: int
    text: str
    detail: str | None
    topic_id: int | None
    received_on: date | None
    groups: dict[str, str | None]


@dataclass(frozen=True)
class IdeaImportResult:
    """The outcome of an import: the lines accepted and rejected, and the ideas stored."""

    campaign_id: int
    source: str
    encoding: str
    accepted: tuple[OfflineIdeaRow, ...]
    rejected: tuple[RejectedLine, ...]
    # Header names that match no known column; their values are not imported.
    ignored_columns: tuple[str, ...]
    dry_run: bool
    # Ids of the ideas stored; empty on a dry run or when a line was rejected.
    idea_ids: tuple[int, ...] = ()
    # Whether the running bot posts the ideas in the campaign's channel (open campaigns only).
    posted: bool = False
    campaign_status: str = ""

    @property
    def stored(self) -> bool:
        """Return whether the ideas were stored."""
        return bool(self.idea_ids)


@dataclass
class _Context:
    """The campaign, topics and staff list groups that each line is checked against."""

    campaign: Campaign
    topics: list[Topic]
    timezone: ZoneInfo
    today: date
    group_names: dict[str, set[str]]
    imported: dict[tuple[str, str], int]


def read_csv_text(path: Path) -> tuple[str, str]:
    """Return the text of a CSV file and its encoding's name, read as the staff import reads.

    Raises InvalidInput for a file that cannot be read, or that is neither
    UTF-8 (with or without BOM) nor Windows-1252 text.
    """
    try:
        encoding = detect_encoding(path)
        return path.read_text(encoding=encoding), ENCODING_NAMES[encoding]
    except FileNotFoundError:
        raise InvalidInput(f"There is no file {path}. Check the path and try again.") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder; give the path of the CSV file.") from None
    except PermissionError:
        raise InvalidInput(f"{path} cannot be read: check its permissions.") from None


def _header_key(name: str) -> str:
    return " ".join(re.split(r"[\s_\-]+", name.strip().lower()))


def _map_header(header: Sequence[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    """Return the position of each known column in the header, and the names left unused."""
    known = {alias: column for column, aliases in COLUMN_NAMES.items() for alias in aliases}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, name in enumerate(header):
        column = known.get(_header_key(name))
        if column is None:
            if name.strip():
                ignored.append(name.strip())
            continue
        if column in positions:
            raise InvalidInput(
                f"The header names the {column.replace('_', ' ')} column twice "
                f"('{header[positions[column]].strip()}' and '{name.strip()}'). "
                "Remove or rename one of them."
            )
        positions[column] = position
    if "text" not in positions:
        found = ", ".join(f"'{name.strip()}'" for name in header if name.strip()) or "none"
        raise InvalidInput(
            "The file has no idea column. The first line must be a header naming an 'Idea' "
            "column, with optional 'Detail', 'Topic', 'Date received', 'Directorate', 'Band', "
            f"'Staff group' and 'Locality' columns. Columns found: {found}."
        )
    return positions, tuple(ignored)


def _parse_date(value: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _dedupe_key(text: str, detail: str | None) -> tuple[str, str]:
    return " ".join(text.split()).casefold(), " ".join((detail or "").split()).casefold()


class _LineChecker:
    """Checks and cleans the lines of one file against one campaign."""

    def __init__(self, context: _Context) -> None:
        self.context = context

    def check(self, line: int, values: dict[str, str]) -> OfflineIdeaRow:
        """Return the cleaned row, raising LineRejected when the line cannot be imported."""
        text = values.get("text", "").strip()
        if not text:
            raise LineRejected(
                "The idea is empty. Write it in the idea column, or delete the line."
            )
        if len(text) > MAX_IDEA_LENGTH:
            raise LineRejected(
                f"The idea has {len(text)} characters; the maximum is {MAX_IDEA_LENGTH}. "
                "Move the rest to the detail column."
            )
        detail = values.get("detail", "").strip() or None
        if detail is not None and len(detail) > MAX_DETAIL_LENGTH:
            raise LineRejected(
                f"The detail has {len(detail)} characters; the maximum is {MAX_DETAIL_LENGTH}. "
                "Shorten it."
            )
        earlier = self.context.imported.get(_dedupe_key(text, detail))
        if earlier is not None:
            raise LineRejected(
                f"The same idea was imported already as idea {earlier}. Delete the line if it "
                "is the same form or email, or add a detail that tells them apart."
            )
        topic = self._topic(values.get("topic", "").strip())
        return OfflineIdeaRow(
            line=line,
            text=text,
            detail=detail,
            topic_id=topic.id if topic is not None else None,
            received_on=self._received_on(values.get("received_on", "").strip()),
            groups={name: self._group(name, values.get(name, "").strip()) for name in GROUP_FIELDS},
        )

    def _topic(self, value: str) -> Topic | None:
        """Return the topic the value names by number or question, or None when it is blank."""
        topics = self.context.topics
        if not value:
            # A campaign with one topic gives every idea that topic, as for ideas sent in chat.
            return topics[0] if len(topics) == 1 else None
        campaign_id = self.context.campaign.id
        if not topics:
            raise LineRejected(
                f"Topic '{value}' is given, but campaign {campaign_id} has no topics. "
                "Leave it blank."
            )
        if value.isdigit():
            position = int(value)
            for topic in topics:
                if topic.position == position:
                    return topic
            raise LineRejected(
                f"Topic {position} does not exist. Use a number from 1 to {len(topics)}."
            )
        requested = " ".join(value.split()).casefold()
        for topic in topics:
            if " ".join(topic.question.split()).casefold() == requested:
                return topic
        raise LineRejected(
            f"Topic '{value}' is not one of campaign {campaign_id}'s questions. "
            f"Use its number, from 1 to {len(topics)}, or its exact text."
        )

    def _received_on(self, value: str) -> date | None:
        """Return the date received, or None when it is blank."""
        if not value:
            return None
        received_on = _parse_date(value)
        if received_on is None:
            raise LineRejected(
                f"Date received '{value}' is not a date. Write it as YYYY-MM-DD or DD/MM/YYYY."
            )
        campaign = self.context.campaign
        opened_on = campaign.starts_at.astimezone(self.context.timezone).date()
        closed_on = campaign.ends_at.astimezone(self.context.timezone).date()
        received_text = received_on.isoformat()
        if received_on < opened_on:
            raise LineRejected(
                f"Date received {received_text} is before campaign {campaign.id} opened on "
                f"{opened_on.isoformat()}."
            )
        if received_on > self.context.today:
            raise LineRejected(f"Date received {received_text} is in the future.")
        if received_on > closed_on:
            raise LineRejected(
                f"Date received {received_text} is after campaign {campaign.id} closed on "
                f"{closed_on.isoformat()}."
            )
        return received_on

    def _group(self, name: str, value: str) -> str | None:
        """Return the group as the staff list spells it, or None when it is blank.

        A value is checked against the staff list only when the list has values
        for that dimension, so a campaign run without a staff list takes any.
        """
        if not value:
            return None
        label = GROUP_LABELS[name]
        if name == "band":
            band = normalise_band(value)
            if band is None:
                raise LineRejected(
                    f"Pay band '{value}' is not an Agenda for Change band. Write Band 1 to "
                    "Band 9, Band 8a to Band 8d, a grade such as Consultant, or leave it blank."
                )
            value = band
        if len(value) > MAX_GROUP_LENGTH[name]:
            raise LineRejected(f"The {label} has more than {MAX_GROUP_LENGTH[name]} characters.")
        known = self.context.group_names.get(name) or set()
        if not known:
            return value
        by_key = {" ".join(known_name.split()).casefold(): known_name for known_name in known}
        match = by_key.get(" ".join(value.split()).casefold())
        if match is not None:
            return match
        listed = sorted(known)
        names = ", ".join(f"'{known_name}'" for known_name in listed[:NAMES_LISTED])
        if len(listed) > NAMES_LISTED:
            names += f" and {len(listed) - NAMES_LISTED} more"
        raise LineRejected(
            f"{label.capitalize()} '{value}' is not in the staff list. Use one of {names}, "
            "or leave it blank."
        )


def _read_lines(
    text: str, checker: _LineChecker
) -> tuple[list[OfflineIdeaRow], list[RejectedLine], tuple[str, ...]]:
    lines = read_csv_lines(
        text,
        map_header=_map_header,
        parse=checker.check,
        empty_message="The file is empty: it needs a header line and one line per idea.",
        no_lines_message="The file has a header but no ideas: add one line per idea.",
    )
    return lines.accepted, lines.rejected, lines.ignored_columns


def _created_at(
    row: OfflineIdeaRow, *, campaign: Campaign, timezone: ZoneInfo, now: datetime
) -> datetime:
    """Return when an imported idea counts as posted: midday of its date received, or now.

    The time stays within the campaign's open period and is never later than
    now, so the idea falls on a day of the campaign in its daily figures.
    """
    latest = min(now, campaign.ends_at)
    if row.received_on is None:
        moment = latest
    else:
        moment = datetime.combine(row.received_on, time(12), tzinfo=timezone)
    return max(campaign.starts_at, min(moment, latest))


def _load_context(
    session: Session, campaign_id: int, *, source: str, timezone: ZoneInfo, now: datetime
) -> _Context:
    campaign = campaign_store.get_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound(
            f"There is no campaign {campaign_id}. List them with: staffvoice campaign list"
        )
    if campaign.status not in IMPORTABLE_STATUSES:
        reason = (
            "has not opened yet, so it has not asked its questions"
            if campaign.status == "scheduled"
            else "was cancelled and never opened"
        )
        raise InvalidInput(
            f"Campaign {campaign_id} {reason}. Import ideas into an open or closed campaign."
        )
    imported = {
        _dedupe_key(idea.text, idea.detail): idea.id
        for idea in offline_store.list_offline_ideas(
            session, campaign_id=campaign_id, source=source
        )
    }
    return _Context(
        campaign=campaign,
        topics=topic_store.list_topics(session, campaign_id),
        timezone=timezone,
        today=now.astimezone(timezone).date(),
        group_names=offline_store.list_staff_group_names(session),
        imported=imported,
    )


def import_ideas(
    db: Database,
    path: Path,
    *,
    campaign_id: int,
    source: str,
    timezone: ZoneInfo,
    now: datetime,
    dry_run: bool = False,
) -> IdeaImportResult:
    """Check a CSV file of ideas and, when every line is accepted, store them in a campaign.

    Ideas for an open campaign get its channel, so the running bot posts them
    there as it posts any idea whose message is missing. A closed campaign has
    posted its final report, so its imported ideas are stored without a channel
    and not posted. Raises NotFound for an unknown campaign. Raises InvalidInput
    for a scheduled or cancelled campaign, an unknown source, or a file that
    cannot be read at all. Rejected lines are returned in the result, not raised.
    """
    if source not in SOURCES:
        raise InvalidInput(f"The source '{source}' is not one of: {', '.join(SOURCES)}.")
    text, encoding = read_csv_text(path)
    with db.transaction() as session:
        context = _load_context(session, campaign_id, source=source, timezone=timezone, now=now)
        campaign = context.campaign
        accepted, rejected, ignored = _read_lines(text, _LineChecker(context))
        result = IdeaImportResult(
            campaign_id=campaign_id,
            source=source,
            encoding=encoding,
            accepted=tuple(accepted),
            rejected=tuple(rejected),
            ignored_columns=ignored,
            dry_run=dry_run,
            posted=campaign.status == "open",
            campaign_status=campaign.status,
        )
        if dry_run or rejected:
            logger.info(
                "Checked %s ideas for campaign %s: %s accepted, %s rejected, nothing stored",
                len(accepted) + len(rejected),
                campaign_id,
                len(accepted),
                len(rejected),
            )
            return result
        idea_ids = [
            _store(session, row, campaign=campaign, source=source, timezone=timezone, now=now)
            for row in accepted
        ]
    logger.info(
        "Imported %s ideas from source %s into campaign %s (posted: %s)",
        len(idea_ids),
        source,
        campaign_id,
        result.posted,
    )
    return IdeaImportResult(
        campaign_id=result.campaign_id,
        source=result.source,
        encoding=result.encoding,
        accepted=result.accepted,
        rejected=(),
        ignored_columns=result.ignored_columns,
        dry_run=False,
        idea_ids=tuple(idea_ids),
        posted=result.posted,
        campaign_status=result.campaign_status,
    )


def _store(
    session: Session,
    row: OfflineIdeaRow,
    *,
    campaign: Campaign,
    source: str,
    timezone: ZoneInfo,
    now: datetime,
) -> int:
    idea = offline_store.add_offline_idea(
        session,
        campaign_id=campaign.id,
        topic_id=row.topic_id,
        platform=campaign.platform,
        source=source,
        author_name=AUTHOR_NAMES[source],
        text=row.text,
        detail=row.detail,
        channel_id=campaign.channel_id if campaign.status == "open" else None,
        created_at=_created_at(row, campaign=campaign, timezone=timezone, now=now),
    )
    record_offline_idea(
        session,
        idea_id=idea.id,
        campaign_id=campaign.id,
        board_id=None,
        groups=row.groups,
        now=idea.created_at,
    )
    return idea.id
