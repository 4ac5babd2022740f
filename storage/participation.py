"""Storage functions for participation: group snapshots, anonymous counts and headcounts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select, Subquery

from storage.models import (
    AnonymousContribution,
    Comment,
    GroupHeadcount,
    Idea,
    ParticipantGroup,
    StaffMember,
    Vote,
)
from storage.upsert import insert_if_absent
from storage.visibility import visible_comment, visible_idea

# The staff list's four group columns, by the dimension names reports use.
GROUP_COLUMNS = ("directorate", "band", "staff_group", "locality")
# The dimension and group name of the GroupHeadcount row with the whole headcount.
ALL = "all"
# Platform and team of a contributor entered from paper or email.
OFFLINE = "offline"
# Kinds of participant that participants_by_group counts apart.
LISTED = "listed"
UNLISTED = "unlisted"


def campaign_scope(campaign_id: int) -> str:
    """Return the scope key of a campaign, "campaign:12"."""
    return f"campaign:{campaign_id}"


def board_scope(board_id: int) -> str:
    """Return the scope key of a Your Shout board, "board:3"."""
    return f"board:{board_id}"


def _current_staff(platform: Any, user_id: Any) -> Any:
    """Return a SELECT of the staff row matched to a chat account, for scalar subqueries.

    A matched account normally has one current row; the lowest id wins if an
    import matched two rows to the same account. The arguments are values or
    bound parameters.
    """
    return (
        select(StaffMember)
        .where(
            StaffMember.platform == platform,
            StaffMember.user_id == user_id,
            StaffMember.left_at.is_(None),
        )
        .order_by(StaffMember.id)
        .limit(1)
    )


# The INSERT of add_participant per dialect, built on first use. A vote's
# transaction runs it, and building it anew each time with its subqueries and
# cache key took about a quarter of a vote's time in a py-spy profile.
_PARTICIPANT_INSERTS: dict[str, Any] = {}
_PARTICIPANT_VALUES = ("scope", "campaign_id", "board_id", "platform", "team_id", "user_id")


def _participant_insert(dialect: str) -> Any:
    statement = _PARTICIPANT_INSERTS.get(dialect)
    if statement is not None:
        return statement
    table: Table = ParticipantGroup.__table__  # type: ignore[assignment]
    staff = _current_staff(
        bindparam("platform", type_=StaffMember.platform.type),
        bindparam("user_id", type_=StaffMember.user_id.type),
    ).subquery()
    values: dict[str, Any] = {
        name: bindparam(name, type_=table.c[name].type) for name in _PARTICIPANT_VALUES
    }
    values |= {column: select(staff.c[column]).scalar_subquery() for column in GROUP_COLUMNS}
    values["in_directory"] = exists(select(staff.c.id))
    values["first_at"] = bindparam("first_at", type_=table.c.first_at.type)
    if dialect == "postgresql":
        insert: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        insert = sqlite.insert(table)
    else:
        raise NotImplementedError(f"unsupported database dialect {dialect}")
    statement = (
        insert.values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
    )
    _PARTICIPANT_INSERTS[dialect] = statement
    return statement


def add_participant(
    session: Session,
    *,
    scope: str,
    campaign_id: int | None,
    board_id: int | None,
    platform: str,
    team_id: str,
    user_id: str,
    now: datetime,
) -> bool:
    """Snapshot a person's groups at their first contribution; return whether a row went in.

    One INSERT ... ON CONFLICT DO NOTHING whose values are subqueries on the
    staff list, so a repeat contribution costs one statement and changes nothing.
    """
    statement = _participant_insert(session.get_bind().dialect.name)
    parameters = {
        "scope": scope,
        "campaign_id": campaign_id,
        "board_id": board_id,
        "platform": platform,
        "team_id": team_id,
        "user_id": user_id,
        "first_at": now,
    }
    return session.execute(statement, parameters).first() is not None


def add_offline_participant(
    session: Session,
    *,
    scope: str,
    campaign_id: int | None,
    board_id: int | None,
    idea_id: int,
    groups: Mapping[str, str | None],
    now: datetime,
) -> bool:
    """Store the groups given for an idea entered from paper or email, as its own participant."""
    values = {column: groups.get(column) or None for column in GROUP_COLUMNS}
    return insert_if_absent(
        session,
        ParticipantGroup,
        scope=scope,
        campaign_id=campaign_id,
        board_id=board_id,
        platform=OFFLINE,
        team_id=OFFLINE,
        user_id=f"idea-{idea_id}",
        in_directory=any(values.values()),
        first_at=now,
        **values,
    )


def get_current_staff(session: Session, *, platform: str, user_id: str) -> StaffMember | None:
    """Return the current staff row matched to a chat account, or None."""
    return session.scalars(_current_staff(platform, user_id)).first()


def count_group_members(session: Session, groups: Mapping[str, str | None]) -> dict[str, int]:
    """Count current staff in each given group, in one query: {dimension: headcount}.

    A None group counts the people whose value for that dimension is blank.
    """
    counts = []
    for column, value in groups.items():
        attribute = getattr(StaffMember, column)
        matches = attribute.is_(None) if value is None else attribute == value
        counts.append(func.coalesce(func.sum(case((matches, 1), else_=0)), 0).label(column))
    row = session.execute(select(*counts).where(StaffMember.left_at.is_(None))).one()
    return {column: int(row._mapping[column]) for column in groups}


def add_anonymous_contribution(
    session: Session, *, scope: str, dimension: str, group_name: str
) -> None:
    """Add one anonymous idea to a group's count in a scope."""
    insert_if_absent(
        session,
        AnonymousContribution,
        scope=scope,
        dimension=dimension,
        group_name=group_name,
        count=0,
    )
    session.execute(
        update(AnonymousContribution)
        .where(
            AnonymousContribution.scope == scope,
            AnonymousContribution.dimension == dimension,
            AnonymousContribution.group_name == group_name,
        )
        .values(count=AnonymousContribution.count + 1)
    )


def remove_anonymous_contribution(
    session: Session, *, scope: str, dimension: str, group_name: str
) -> None:
    """Take one anonymous idea off a group's count in a scope, when it has any."""
    session.execute(
        update(AnonymousContribution)
        .where(
            AnonymousContribution.scope == scope,
            AnonymousContribution.dimension == dimension,
            AnonymousContribution.group_name == group_name,
            AnonymousContribution.count > 0,
        )
        .values(count=AnonymousContribution.count - 1)
    )


def list_anonymous_contributions(session: Session, *, scope: str) -> list[tuple[str, str, int]]:
    """Return (dimension, group name, count) of the anonymous ideas of a scope."""
    rows = session.execute(
        select(
            AnonymousContribution.dimension,
            AnonymousContribution.group_name,
            AnonymousContribution.count,
        ).where(AnonymousContribution.scope == scope)
    )
    return [(row[0], row[1], int(row[2])) for row in rows]


def live_headcounts(session: Session) -> list[tuple[str, str | None, int]]:
    """Count the current staff list by every group of every dimension, in one query.

    Returns (dimension, group value or None for blank, headcount) rows, with
    the whole headcount as ("all", "all", n).
    """
    current = StaffMember.left_at.is_(None)
    parts: list[Any] = [
        select(literal(ALL).label("dimension"), literal(ALL).label("name"), func.count()).where(
            current
        )
    ]
    for column in GROUP_COLUMNS:
        attribute = getattr(StaffMember, column)
        parts.append(
            select(literal(column), attribute, func.count()).where(current).group_by(attribute)
        )
    rows = session.execute(union_all(*parts))
    return [(row[0], row[1], int(row[2])) for row in rows]


def list_frozen_headcounts(session: Session, *, scope: str) -> list[GroupHeadcount]:
    """Return the headcounts stored for a scope when it was first reported after its close."""
    return list(session.scalars(select(GroupHeadcount).where(GroupHeadcount.scope == scope)))


def freeze_headcounts(
    session: Session,
    *,
    scope: str,
    headcounts: Sequence[tuple[str, str, int]],
    now: datetime,
) -> bool:
    """Store a scope's headcounts unless stored already; return whether these went in.

    The whole-headcount row goes first and acts as the claim: a process that
    finds it present stores nothing, so two reports at once keep one set.
    """
    total = next(count for dimension, _, count in headcounts if dimension == ALL)
    if not insert_if_absent(
        session,
        GroupHeadcount,
        scope=scope,
        dimension=ALL,
        group_name=ALL,
        headcount=total,
        taken_at=now,
    ):
        return False
    for dimension, group_name, count in headcounts:
        if dimension != ALL:
            insert_if_absent(
                session,
                GroupHeadcount,
                scope=scope,
                dimension=dimension,
                group_name=group_name,
                headcount=count,
                taken_at=now,
            )
    return True


# Participation queries. A report's scope is a ReportScope: the snapshot rows
# and the ideas it covers, with an optional time window for date ranges.


class ReportScope:
    """The participant snapshots and ideas a report covers, as SQL conditions.

    The ideas exclude hidden and withdrawn ones. The snapshots are kept, so a
    person whose only idea was hidden still counts as having taken part.
    """

    def __init__(
        self,
        *,
        campaign_id: int | None = None,
        board_id: int | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> None:
        self.starts_at = starts_at
        self.ends_at = ends_at
        if campaign_id is not None:
            self.snapshots: ColumnElement[bool] = ParticipantGroup.scope == campaign_scope(
                campaign_id
            )
            self.ideas: ColumnElement[bool] = and_(Idea.campaign_id == campaign_id, visible_idea())
        elif board_id is not None:
            self.snapshots = ParticipantGroup.scope == board_scope(board_id)
            self.ideas = and_(Idea.board_id == board_id, visible_idea())
        else:
            assert starts_at is not None and ends_at is not None
            self.snapshots = and_(
                ParticipantGroup.first_at >= starts_at, ParticipantGroup.first_at < ends_at
            )
            self.ideas = and_(
                or_(Idea.campaign_id.is_not(None), Idea.board_id.is_not(None)), visible_idea()
            )

    def within(self, moment: Any) -> ColumnElement[bool]:
        """Return the condition that a timestamp column falls in the window, or TRUE."""
        if self.starts_at is None or self.ends_at is None:
            return literal(True)
        return and_(moment >= self.starts_at, moment < self.ends_at)


def participants_subquery(scope: ReportScope) -> Subquery:
    """Return each person's earliest snapshot in the scope, one row a person."""
    ranked = (
        select(
            ParticipantGroup,
            func.row_number()
            .over(
                partition_by=(
                    ParticipantGroup.platform,
                    ParticipantGroup.team_id,
                    ParticipantGroup.user_id,
                ),
                order_by=(ParticipantGroup.first_at, ParticipantGroup.id),
            )
            .label("position"),
        )
        .where(scope.snapshots)
        .subquery()
    )
    return select(ranked).where(ranked.c.position == 1).subquery()


def participant_totals(session: Session, scope: ReportScope) -> dict[str, int]:
    """Count participants: all, in the directory, posted, commented, and posted or commented.

    An offline participant counts as having posted. Comments count even if
    deleted later, so "only voted" is everyone whose contributions were votes.
    """
    people = participants_subquery(scope)
    # Uncorrelated IN subqueries: each is computed once, and SQLite indexes it
    # on the fly, where an outer join planned a nested loop per participant.
    posters = select(Idea.platform, Idea.team_id, Idea.author_id).where(
        scope.ideas, scope.within(Idea.created_at), Idea.author_id.is_not(None)
    )
    commenters = (
        select(Comment.platform, Comment.team_id, Comment.user_id)
        .join(Idea, Idea.id == Comment.idea_id)
        .where(scope.ideas, scope.within(Comment.created_at))
    )
    person = tuple_(people.c.platform, people.c.team_id, people.c.user_id)
    posted = or_(person.in_(posters), people.c.platform == OFFLINE)
    commented = person.in_(commenters)

    def count_where(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            func.count().label("participants"),
            # People entered from paper or email are not matched to anyone on the list.
            count_where(and_(people.c.in_directory.is_(True), people.c.platform != OFFLINE)).label(
                "in_directory"
            ),
            count_where(posted).label("posted"),
            count_where(commented).label("commented"),
            count_where(or_(posted, commented)).label("posted_or_commented"),
        ).select_from(people)
    ).one()
    return {key: int(value) for key, value in row._mapping.items()}


def participants_by_group(
    session: Session, scope: ReportScope
) -> list[tuple[str, str, str | None, int]]:
    """Count participants by each dimension's group, in one query.

    Returns (dimension, kind, group value or None for blank, count) rows, kind
    being LISTED (on the staff list), UNLISTED or OFFLINE (from paper or email,
    with the groups the form gave).
    """
    people = participants_subquery(scope)
    kind = case(
        (people.c.platform == OFFLINE, OFFLINE),
        (people.c.in_directory.is_(True), LISTED),
        else_=UNLISTED,
    ).label("kind")
    parts = [
        select(
            literal(column).label("dimension"),
            kind,
            people.c[column].label("name"),
            func.count(),
        ).group_by(kind, people.c[column])
        for column in GROUP_COLUMNS
    ]
    rows = session.execute(union_all(*parts))
    return [(row[0], str(row[1]), row[2], int(row[3])) for row in rows]


def idea_counts(session: Session, scope: ReportScope) -> tuple[int, int]:
    """Count the scope's anonymous ideas and its ideas entered from paper or email."""
    row = session.execute(
        select(
            func.coalesce(func.sum(case((Idea.anonymous.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Idea.source != "chat", 1), else_=0)), 0),
        ).where(scope.ideas, scope.within(Idea.created_at))
    ).one()
    return int(row[0]), int(row[1])


# Kinds of the daily activity rows.
NEW_PARTICIPANT, IDEA, COMMENT, VOTE = 0, 1, 2, 3


def _bucket(session: Session, moment: Any, *, seconds: int) -> ColumnElement[int]:
    """Return a SQL expression numbering the bucket of a UTC timestamp since 1970."""
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        # unixepoch() (SQLite 3.38 on) took 0.55 s of CPU where strftime took 0.75 s
        # to bucket the 1,000,000 votes of the benchmark campaign on SQLite 3.40.
        # Both drop the fraction of a second.
        if (dialect.server_version_info or (0,)) >= (3, 38):
            epoch: Any = func.unixepoch(moment)
        else:
            epoch = cast(func.strftime("%s", moment), Integer)
    elif dialect.name == "postgresql":
        # EXTRACT(epoch) of a timestamp without time zone reads it as UTC.
        epoch = cast(func.floor(extract("epoch", moment)), BigInteger)
    else:
        raise NotImplementedError(f"unsupported database dialect {dialect.name}")
    return epoch // seconds


def activity_by_bucket(
    session: Session, scope: ReportScope, *, bucket_seconds: int
) -> list[tuple[int, int, int]]:
    """Count new participants, ideas, comments and votes per time bucket, in one query.

    Returns (kind, bucket number, count) rows. Only visible ideas, comments
    that are neither deleted nor hidden, and votes that stand count.
    """
    people = participants_subquery(scope)
    scope_ideas = select(Idea.id).where(scope.ideas)
    sources: list[tuple[int, Any, list[ColumnElement[bool]]]] = [
        (NEW_PARTICIPANT, people.c.first_at, []),
        (IDEA, Idea.created_at, [scope.ideas, scope.within(Idea.created_at)]),
        (
            COMMENT,
            Comment.created_at,
            [
                Comment.idea_id.in_(scope_ideas),
                visible_comment(),
                scope.within(Comment.created_at),
            ],
        ),
        (VOTE, Vote.created_at, [Vote.idea_id.in_(scope_ideas), scope.within(Vote.created_at)]),
    ]
    # Each kind is grouped by bucket on its own, because SQLite 3.40 took about
    # twice as long to group the union of all the rows at 1,000,000 votes.
    parts = [
        _count_per_bucket(
            session, kind=kind, moment=moment, conditions=conditions, seconds=bucket_seconds
        )
        for kind, moment, conditions in sources
    ]
    rows = session.execute(union_all(*parts))
    return [(int(row[0]), int(row[1]), int(row[2])) for row in rows]


def _count_per_bucket(
    session: Session,
    *,
    kind: int,
    moment: Any,
    conditions: Sequence[ColumnElement[bool]],
    seconds: int,
) -> Select[int, int, int]:
    """Return a SELECT of (kind, bucket number, count) for the rows that meet conditions."""
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql" and (dialect.server_version_info or (0,)) >= (14,):
        # date_bin() (PostgreSQL 14 on) truncates each timestamp exactly, and the
        # bucket number is then computed once per bucket. On PostgreSQL 15 it took
        # 0.22 s where the bucket number of every row took 0.42 s, for the
        # 1,000,000 votes of the benchmark campaign.
        start = func.date_bin(
            literal_column(f"interval '{int(seconds)} seconds'"),
            moment,
            literal_column("timestamp '1970-01-01'"),
        )
        per_start = (
            select(start.label("start"), func.count().label("count"))
            .where(*conditions)
            .group_by(start)
            .subquery()
        )
        bucket = cast(extract("epoch", per_start.c.start), BigInteger) // seconds
        return select(literal(kind), bucket, per_start.c.count)
    bucket = _bucket(session, moment, seconds=seconds)
    return select(literal(kind), bucket, func.count()).where(*conditions).group_by(bucket)
