"""The traffic model of the simulated campaign: who does what on which day, seeded and repeatable.

At 3,000 staff the plan has about 900 people taking part, about 750 ideas, 1,600 comments
and 6,100 vote actions over 20 days, and every volume scales with the headcount. Activity
per person is heavy-tailed: a few prolific posters, and most people only vote. The daily
volume peaks at launch, rises again after a reminder on day 10, and climbs over the last
three days.

Each day has three phases that the runner sends in turn, waiting in between until the
bot has caught up: ideas, then votes and replies mixed, then second thoughts (edited and
deleted replies, reversed reactions). Within a phase a person acts at most once on an idea,
and a reply is edited or deleted only in a later phase than the one that posted it. So the
expected totals are exact whatever order the bot processes one phase's requests in.
"""

from __future__ import annotations

import itertools
import random
import string
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

CAMPAIGN_DAYS = 20
# The shortest plan: the run enters paper ideas on day 2, and the final reminder, 48
# hours before the close, falls inside the campaign only from 3 days on.
MIN_DAYS = 3
# Volumes at the reference headcount; a plan for another headcount scales them linearly.
REFERENCE_STAFF = 3000
# The smallest headcount accepted: at 10 staff a plan has 3 participants and about a
# dozen actions.
MIN_STAFF = 10
PARTICIPATION_RATE = 0.30
IDEAS_AT_REFERENCE = 750
COMMENTS_AT_REFERENCE = 1600
VOTE_ACTIONS_AT_REFERENCE = 6100

# Shares of participants who post ideas and who reply. Of those, VOTER_SHARE also vote,
# and every other participant only votes.
POSTER_SHARE = 0.33
COMMENTER_SHARE = 0.40
VOTER_SHARE = 0.85

# Relative volume per day, day 1 first: launch peak, reminder on day 10, rise at the close.
IDEA_DAY_WEIGHTS = (16, 11, 8, 5, 4, 3.5, 3, 3, 3, 7, 5, 3.5, 3, 2.5, 2.5, 2.5, 3, 5, 6, 8)
ENGAGEMENT_DAY_WEIGHTS = (
    10, 9, 7, 5, 4.5, 4, 3.5, 3.5, 3.5, 7, 5.5, 4, 3.5, 3.5, 3.5, 4, 4.5, 7, 8.5, 11,
)  # fmt: skip

FORM_IDEA_SHARE = 0.20  # ideas sent through the modal rather than typed after /idea
ANONYMOUS_FORM_SHARE = 0.40
FORM_DETAIL_SHARE = 0.60
SPECIAL_TEXT_SHARE = 0.04  # ideas quoting <!channel>, <@U...> or <https://...|...>
BUTTON_VOTE_SHARE = 0.28
SKIN_TONE_SHARE = 0.15
WITHDRAW_SHARE = 0.055  # vote actions that take back an earlier vote
REDUNDANT_REACTION_SHARE = 0.01  # a :+1: added where the person already voted by button
EDIT_SHARE = 0.03
DELETE_SHARE = 0.02
BOT_REPLY_SHARE = 0.01
REDELIVERY_SHARE = 0.02  # events Slack delivers a second time with retry_num=1
CHANGED_MIND_SHARE = 0.5  # redelivered reactions that their author reverses the same day
MAX_PICK_ATTEMPTS = 25
# Caps the heavy tail, so the most prolific poster has a dozen or so ideas, not a hundred.
MAX_ACTIVITY = 20.0

VOTE_REACTION = "+1"
# Another app's bot user, whose thread replies the bot must ignore.
OTHER_BOT_USER_ID = "U0WORKFLOW"
OTHER_BOT_ID = "B0WORKFLOW"


class ActionKind(StrEnum):
    """One kind of thing a person does in Slack, each sent as one or two requests."""

    IDEA_COMMAND = "idea_command"  # /idea followed by the idea
    IDEA_FORM = "idea_form"  # /idea alone, then the modal's view_submission
    REACTION_ADDED = "reaction_added"
    REACTION_REMOVED = "reaction_removed"
    VOTE_BUTTON = "vote_button"
    THREAD_REPLY = "thread_reply"
    REPLY_EDITED = "reply_edited"
    REPLY_DELETED = "reply_deleted"
    BOT_REPLY = "bot_reply"


# Kinds that Slack sends through the Events API, and so may deliver twice.
EVENT_KINDS = frozenset(
    {
        ActionKind.REACTION_ADDED,
        ActionKind.REACTION_REMOVED,
        ActionKind.THREAD_REPLY,
        ActionKind.REPLY_EDITED,
        ActionKind.REPLY_DELETED,
        ActionKind.BOT_REPLY,
    }
)


@dataclass(frozen=True)
class StaffMember:
    """A person in the simulated workspace, as users.info describes them."""

    user_id: str
    username: str
    real_name: str


@dataclass(frozen=True)
class Action:
    """One thing a person does. idea and comment are indexes into the plan's lists.

    redeliver marks an event that Slack delivers a second time, with retry_num=1, in the
    next phase, as it does when it missed the bot's first acknowledgement.
    """

    kind: ActionKind
    user_id: str
    idea: int | None = None
    comment: int | None = None
    text: str = ""
    old_text: str = ""
    detail: str | None = None
    anonymous: bool = False
    reaction: str | None = None
    redeliver: bool = False


@dataclass(frozen=True)
class PlannedIdea:
    """An idea of the plan: its text is unique, so the runner can find its message."""

    index: int
    day: int
    author_id: str
    text: str
    anonymous: bool


@dataclass(frozen=True)
class PlannedComment:
    """A thread reply of the plan."""

    index: int
    day: int
    user_id: str
    idea: int
    text: str


@dataclass
class DayPlan:
    """One campaign day: ideas, then votes and replies mixed, then second thoughts."""

    day: int
    ideas: list[Action] = field(default_factory=list)
    engagement: list[Action] = field(default_factory=list)
    follow_ups: list[Action] = field(default_factory=list)

    def actions(self) -> list[Action]:
        """Return every action of the day in phase order."""
        return [*self.ideas, *self.engagement, *self.follow_ups]


@dataclass
class CampaignPlan:
    """Everything the simulated staff do, day by day, and the votes they try after the close."""

    seed: int
    staff: list[StaffMember]
    participants: list[str]
    ideas: list[PlannedIdea]
    comments: list[PlannedComment]
    days: list[DayPlan]
    # Each voter here tries twice after the close, because the bot sends one notice only.
    after_close_first: list[Action]
    after_close_second: list[Action]

    def users(self) -> dict[str, dict[str, str]]:
        """Return the stand-in's users.info entries for every member of staff."""
        return {
            member.user_id: {
                "name": member.username,
                "real_name": member.real_name,
                "display_name": member.real_name,
            }
            for member in self.staff
        }

    def action_counts(self) -> Counter[ActionKind]:
        """Count the planned actions of all days by kind."""
        return Counter(action.kind for day in self.days for action in day.actions())


@dataclass(frozen=True)
class Totals:
    """The four totals a closing summary reports."""

    ideas: int
    comments: int
    votes: int
    participants: int

    def differences(self, other: Totals) -> list[str]:
        """Return "name: self vs other" for every total that differs."""
        return [
            f"{name}: {getattr(self, name)} vs {getattr(other, name)}"
            for name in ("ideas", "comments", "votes", "participants")
            if getattr(self, name) != getattr(other, name)
        ]


class Ledger:
    """The campaign's state as the bot's rules make it, from the actions applied so far.

    The rules are those of bot/core. A person has one vote per idea however it was cast.
    A reaction_added casts it (no change when already voted), a reaction_removed withdraws
    it however it was cast, and the Vote button toggles it. A deleted reply stops counting,
    an edit of a deleted reply changes nothing, and replies from bots are ignored. The
    authors of anonymous ideas are not participants through those ideas.
    """

    def __init__(self) -> None:
        self.idea_count = 0
        self.named_authors: set[str] = set()
        # Everyone who posted a named idea, replied or cast a vote, even if later taken
        # back: the participation report counts a person from their first contribution.
        self.contributors: set[str] = set()
        # The author of each anonymous idea, which the report counts by group only.
        self.anonymous_authors: list[str] = []
        self.votes: set[tuple[str, int]] = set()
        self._votes_by_user: dict[str, set[int]] = {}
        self.reactions: dict[tuple[str, int], str] = {}
        self.live_comments: dict[int, str] = {}
        self.edited_comments: set[int] = set()

    def apply(self, action: Action) -> None:
        """Change the state as the bot does for one action delivered once."""
        kind = action.kind
        pair = (action.user_id, action.idea if action.idea is not None else -1)
        if kind in (ActionKind.IDEA_COMMAND, ActionKind.IDEA_FORM):
            self.idea_count += 1
            if action.anonymous:
                self.anonymous_authors.append(action.user_id)
            else:
                self.named_authors.add(action.user_id)
                self.contributors.add(action.user_id)
        elif kind in (ActionKind.REACTION_ADDED, ActionKind.VOTE_BUTTON, ActionKind.THREAD_REPLY):
            # A reaction or press that changes nothing comes from someone who had voted already.
            self.contributors.add(action.user_id)
        if kind is ActionKind.REACTION_ADDED:
            self.reactions[pair] = action.reaction or VOTE_REACTION
            self._set_vote(pair, voted=True)
        elif kind is ActionKind.REACTION_REMOVED:
            self.reactions.pop(pair, None)
            self._set_vote(pair, voted=False)
        elif kind is ActionKind.VOTE_BUTTON:
            self._set_vote(pair, voted=pair not in self.votes)
        elif kind is ActionKind.THREAD_REPLY:
            assert action.comment is not None
            self.live_comments[action.comment] = action.user_id
        elif kind is ActionKind.REPLY_EDITED:
            assert action.comment is not None
            if action.comment in self.live_comments:
                self.edited_comments.add(action.comment)
        elif kind is ActionKind.REPLY_DELETED:
            assert action.comment is not None
            self.live_comments.pop(action.comment, None)
            self.edited_comments.discard(action.comment)

    def add_offline_ideas(self, count: int) -> None:
        """Count ideas entered from paper or email, which have no author in the chat."""
        self.idea_count += count

    def _set_vote(self, pair: tuple[str, int], *, voted: bool) -> None:
        user, idea = pair
        if voted:
            self.votes.add(pair)
            self._votes_by_user.setdefault(user, set()).add(idea)
        else:
            self.votes.discard(pair)
            self._votes_by_user.get(user, set()).discard(idea)

    def ideas_voted_by(self, user: str) -> set[int]:
        """Return the ideas user has a vote on."""
        return set(self._votes_by_user.get(user, ()))

    def totals(self) -> Totals:
        """Return the totals a summary of this state reports."""
        people = {user for user, _ in self.votes}
        people.update(self.live_comments.values())
        people.update(self.named_authors)
        return Totals(
            ideas=self.idea_count,
            comments=len(self.live_comments),
            votes=len(self.votes),
            participants=len(people),
        )

    def edited_count(self) -> int:
        """Return how many live replies were edited."""
        return len(self.edited_comments)


# Text parts. Ideas combine an opening, a proposal and a reason of one theme, so texts vary.
FIRST_NAMES = (
    "Amelia", "Olivia", "Isla", "Aisha", "Priya", "Fatima", "Chloe", "Emily", "Hannah", "Zara",
    "Nia", "Ruth", "Joanne", "Karen", "Sarah", "Claire", "Helen", "Rachel", "Gemma", "Lucy",
    "Megan", "Funmi", "Chidi", "Oliver", "George", "Harry", "Jack", "Noah", "Mohammed", "Arjun",
    "Daniel", "James", "Thomas", "Samuel", "Liam", "Kwame", "Tomasz", "Piotr", "Rhys", "Owen",
    "Callum", "David", "Mark", "Paul", "Gareth", "Stephen", "Ian", "Andrew", "Ravi", "Imran",
    "Bethany", "Jasmine", "Leah", "Niamh", "Siobhan", "Agnieszka", "Grace", "Sophie", "Ade", "Mei",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes",
    "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Khan", "Ahmed", "Begum", "Ali",
    "Singh", "Okafor", "Adeyemi", "Mensah", "Kowalski", "Nowak", "O'Brien", "Murphy", "Kelly",
    "Campbell", "Stewart", "Morgan", "Cooper", "Ward", "Turner", "Hill", "Wood", "Jackson",
    "Moore", "Martin", "Baker", "Shah", "Chowdhury", "Hussain", "Osei", "Nguyen", "Chen", "Wong",
    "Fernandes", "da Silva", "Reid", "Graham",
)  # fmt: skip
TEAMS = (
    "district nursing", "podiatry", "health visiting", "school nursing", "rapid response",
    "MSK physiotherapy", "speech and language therapy", "community mental health", "the admin hub",
    "estates", "the IT service desk", "palliative care", "the wheelchair service",
    "community rehab", "tissue viability", "the bed bureau",
)  # fmt: skip
IDEA_OPENINGS = (
    "Could we", "I'd like us to", "Suggestion: let's", "It would help if we could",
    "Please can we", "Why don't we", "Idea for the trust: let's",
    "As a community nurse, I'd love us to", "From the therapy teams: let's", "We should",
    "Proposal: let's", "Would it be possible to",
)  # fmt: skip
QUESTION_OPENINGS = frozenset(
    {"Could we", "Please can we", "Why don't we", "Would it be possible to"}
)
IDEA_THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "leadership and behaviours": (
        (
            "hold monthly open-door sessions with the executive team in each locality",
            "have senior leaders shadow a community shift once a quarter",
            "publish what changed after each staff survey, team by team",
            "agree a short set of team behaviours and review them at every huddle",
            "give new band 7 leads a mentor from another service for their first year",
            "run the leadership programme in localities instead of only at headquarters",
            "make 'you said, we did' a standing item at the trust briefing",
            "ask exit interviews the same five questions and share the themes",
            "train every manager in having supportive conversations about concerns",
            "rotate who chairs the team meeting so every voice gets heard",
            "add a Freedom to Speak Up guardian surgery in each base",
            "ask each team to pick one policy a year to simplify with Learning & Development",
        ),
        (
            "so staff on the frontline feel heard beyond their own team",
            "because decisions feel far away from the people who carry them out",
            "so good practice in one locality spreads to the others",
            "because people stay where they feel listened to",
            "so that concerns are raised early instead of at exit interviews",
            "because our values only mean something when we see them lived",
            "so new leaders don't have to learn everything the hard way",
            "because trust grows when we close the loop",
        ),
    ),
    "recognition": (
        (
            "start a thank-you card scheme that any colleague can send",
            "share one patient compliment per team in the weekly bulletin",
            "give each team a small budget to celebrate milestones",
            "recognise long service at 5 years as well as 25",
            "run a monthly 'unsung hero' nomination for support staff",
            "add a shout-outs channel that the chief executive reads out at the briefing",
            "send a personal note from the director when someone covers extra shifts",
            "celebrate students and apprentices when they qualify",
            "make the annual awards include night and weekend staff",
            "thank the admin & clerical teams publicly during busy winter months",
        ),
        (
            "because a simple thank-you goes a long way after a hard week",
            "so that the work nobody sees gets noticed",
            "because recognition shouldn't depend on who your manager is",
            "so people know their effort matters to the trust",
            "because morale has been low since the last restructure",
            "so colleagues on bank contracts feel part of the team too",
            "because patients tell us about great care and staff never hear it",
        ),
    ),
    "health and wellbeing": (
        (
            "protect 30 minutes a week for clinical supervision",
            "provide quiet rooms with a kettle at every community base",
            "offer flexible start times for staff with caring responsibilities",
            "bring the menopause support group to every locality",
            "give lone workers a check-in buddy for late visits",
            "fund bike and e-bike loans for staff who travel between visits",
            "make the physio self-referral route available to all staff",
            "set up a peer support network after difficult patient deaths",
            "stop scheduling meetings over lunch",
            "offer mental health first aid training to every team",
            "share Health & Wellbeing hub sessions as recordings for shift workers",
            "pay for parking at the health centres where staff have no alternative",
        ),
        (
            "because travel time between patient visits leaves little space for breaks",
            "so that staff can look after themselves as well as they look after patients",
            "because sickness absence has gone up in the last year",
            "so nobody has to eat lunch in their car",
            "because burnout is the main reason colleagues give for leaving",
            "so that support is there for night staff too",
            "because the current offer is hard to reach outside headquarters",
            "so people can recharge between difficult visits",
        ),
    ),
    "information management": (
        (
            "give community staff mobile access to SystmOne during visits",
            "cut the number of forms we fill in for a single referral",
            "make the intranet search find policies by their common names",
            "agree one shared drive structure for every team",
            "send discharge summaries straight to the district nursing caseload",
            "switch rota requests from paper forms to the e-rostering app",
            "add offline mode to the visit app for areas with poor signal",
            "publish a plain-English guide to information governance",
            "replace the weekly spreadsheet returns with a live dashboard",
            "let therapists book equipment through the same system as nurses",
            "use single sign-on so we stop typing five passwords a day",
        ),
        (
            "because double entry takes time away from patients",
            "so we stop writing notes at home in the evening",
            "because rural visits often have no signal",
            "so that information follows the patient, not the paperwork",
            "because finding the latest version of a policy takes ages",
            "so new starters can find what they need in their first week",
            "because every login screen costs a minute and a bit of patience",
        ),
    ),
    "ways of working": (
        (
            "trial a four-day compressed week in one team",
            "move the daily huddle to 9:15 so school-run parents can join",
            "pair each new starter with a buddy for their first month",
            "hold cross-team case reviews between nursing and therapy",
            "let staff swap shifts through the app without a manager's sign-off",
            "share pool cars between teams based in the same health centre",
            "plan visits by postcode so we drive less between patients",
            "review which meetings we still need every quarter",
            "give bank staff access to team briefings and training",
            "have a single point of contact for GP practices in each locality",
        ),
        (
            "because it would cut travel and free up time for care",
            "so that we stop repeating the same conversation in three meetings",
            "because new colleagues say the first month is overwhelming",
            "so that patients get joined-up care",
            "because we lose hours each week to avoidable admin",
            "so teams in the same building actually work together",
        ),
    ),
}
IDEA_ENDINGS = (
    "", "", "", "", " Happy to help set this up.", " Our team would pilot it.",
    " It worked well at my last trust.", " Small change, big difference.",
)  # fmt: skip
# Ideas that quote Slack's control syntax, which the bot must show as plain text.
SPECIAL_PREFIXES = (
    "<!channel> please read: ",
    "Following <@U0A1B2C3D>'s talk at the team brief: ",
    "Re the staff survey (see <https://intranet.example-trust.nhs.uk/survey|the survey results>): ",
    "<!here> quick one & worth a vote: ",
)
IDEA_DETAILS = (
    "In {team} we lose about an hour a day to this. A three-month pilot would show if it helps.",
    "We raised this at the locality meeting and colleagues in {team} agreed. Costs would be small.",
    "I've spoken to colleagues in {team} who would test it first and report back to the board.",
    "This came up in our team's staff survey discussion; {team} could share what worked for them.",
)  # fmt: skip
COMMENT_OPENINGS = (
    "Yes!", "Agree,", "Great idea:", "Fully support this.", "Love this.", "Not sure about this:",
    "Good thought, but", "+1 from {team}.", "We tried something similar in {team}:", "Question:",
    "Seconded.", "This would help us a lot.",
)  # fmt: skip
COMMENT_BODIES = (
    "it would make a real difference to {team}.",
    "how would it work for staff on nights and weekends?",
    "it worked well when {team} trialled it last year.",
    "we'd need protected time for it to stick.",
    "could we pilot it in one locality first?",
    "happy to help set it up.",
    "bank staff would benefit too.",
    "who would own this once it's running?",
    "the same problem comes up in {team} every week.",
    "let's make sure it doesn't add more admin.",
    "I'd add students and apprentices to this.",
    "this was raised before and nothing happened, so let's see it through this time.",
)  # fmt: skip
EDIT_SUFFIXES = (
    " (edited: fixed the team name)", " Edit: typo.", " Edit: to be clear, I support it.",
)  # fmt: skip
BOT_REPLY_TEXTS = (
    "Reminder: the campaign closes soon. Share your ideas with /idea.",
    "This thread was shared to the staff news channel.",
)


def _apportion(total: int, weights: tuple[float, ...] | list[float]) -> list[int]:
    """Split total into whole parts in proportion to weights, by largest remainder."""
    weight_sum = sum(weights)
    exact = [total * weight / weight_sum for weight in weights]
    parts = [int(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _user_id(rng: random.Random, used_ids: set[str]) -> str:
    alphabet = string.ascii_uppercase + string.digits
    while True:
        user_id = "U" + "".join(rng.choices(alphabet, k=8))
        if user_id not in used_ids:
            used_ids.add(user_id)
            return user_id


def build_staff(rng: random.Random, *, count: int) -> list[StaffMember]:
    """Create count members of staff with unique Slack-style user ids and realistic names."""
    used_ids: set[str] = set()
    staff = []
    for _ in range(count):
        user_id = _user_id(rng, used_ids)
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        username = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        staff.append(StaffMember(user_id=user_id, username=username, real_name=f"{first} {last}"))
    return staff


def _tokens(
    rng: random.Random, people: list[str], activity: dict[str, float], *, total: int
) -> list[str]:
    """Deal total actions to people: one each, the rest in proportion to their activity."""
    if not people or total <= 0:
        return []
    tokens = list(people[:total])
    if total > len(people):
        weights = [activity[person] for person in people]
        tokens.extend(rng.choices(people, weights=weights, k=total - len(people)))
    rng.shuffle(tokens)
    return tokens


def _weighted_sample(
    rng: random.Random, people: list[str], activity: dict[str, float], *, count: int
) -> list[str]:
    """Pick count distinct people, the more active more likely (Efraimidis-Spirakis keys)."""
    keys = {person: rng.random() ** (1.0 / activity[person]) for person in people}
    return sorted(people, key=keys.__getitem__, reverse=True)[:count]


class _Planner:
    """Builds a CampaignPlan day by day, keeping a Ledger of the state it creates."""

    def __init__(self, *, staff_count: int, seed: int, days: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.days = days
        self.scale = staff_count / REFERENCE_STAFF
        self.staff = build_staff(self.rng, count=staff_count)
        self.ledger = Ledger()
        self.ideas: list[PlannedIdea] = []
        self.idea_texts: set[str] = set()
        self.appeal: list[float] = []
        self.idea_cum_weights: list[float] = []
        self.comments: list[PlannedComment] = []

    def build(self) -> CampaignPlan:
        rng = self.rng
        participant_count = max(3, round(len(self.staff) * PARTICIPATION_RATE))
        participants = [member.user_id for member in rng.sample(self.staff, participant_count)]
        # Heavy-tailed activity: most people act a few times, and a few act dozens of times.
        activity = {person: min(rng.paretovariate(1.5), MAX_ACTIVITY) for person in participants}

        posters = _weighted_sample(
            rng, participants, activity, count=round(POSTER_SHARE * participant_count)
        )
        commenters = _weighted_sample(
            rng, participants, activity, count=round(COMMENTER_SHARE * participant_count)
        )
        with_role = set(posters) | set(commenters)
        voters = [
            person
            for person in participants
            if person not in with_role or rng.random() < VOTER_SHARE
        ]

        idea_tokens = _tokens(rng, posters, activity, total=round(IDEAS_AT_REFERENCE * self.scale))
        comment_tokens = _tokens(
            rng, commenters, activity, total=round(COMMENTS_AT_REFERENCE * self.scale)
        )
        vote_tokens = _tokens(
            rng, voters, activity, total=round(VOTE_ACTIONS_AT_REFERENCE * self.scale)
        )
        # A shorter plan keeps the first days' weights, so the same volume comes sooner.
        ideas_per_day = _apportion(len(idea_tokens), IDEA_DAY_WEIGHTS[: self.days])
        comments_per_day = _apportion(len(comment_tokens), ENGAGEMENT_DAY_WEIGHTS[: self.days])
        votes_per_day = _apportion(len(vote_tokens), ENGAGEMENT_DAY_WEIGHTS[: self.days])
        bot_replies = max(1, round(len(comment_tokens) * BOT_REPLY_SHARE))
        bot_reply_days = Counter(rng.randint(2, self.days) for _ in range(bot_replies))

        days = []
        for day in range(1, self.days + 1):
            plan = DayPlan(day=day)
            plan.ideas = [self._idea(day, idea_tokens.pop()) for _ in range(ideas_per_day[day - 1])]
            self._weigh_ideas(day)
            plan.engagement = self._engagement(
                day,
                voters=[vote_tokens.pop() for _ in range(votes_per_day[day - 1])],
                commenters=[comment_tokens.pop() for _ in range(comments_per_day[day - 1])],
                bot_replies=bot_reply_days.get(day, 0),
            )
            plan.follow_ups = self._follow_ups(day, plan.engagement)
            for action in plan.actions():
                self.ledger.apply(action)
            days.append(plan)

        first, second = self._after_close()
        return CampaignPlan(
            seed=self.seed,
            staff=self.staff,
            participants=participants,
            ideas=self.ideas,
            comments=self.comments,
            days=days,
            after_close_first=first,
            after_close_second=second,
        )

    def _engagement(
        self, day: int, *, voters: list[str], commenters: list[str], bot_replies: int
    ) -> list[Action]:
        """Return the day's votes and replies in a random order."""
        # touched keeps a person to one vote action per idea in this phase, so the order
        # in which the bot processes the phase's requests cannot change the outcome.
        touched: set[tuple[str, int]] = set()
        actions: list[Action | None] = [self._vote(user, touched) for user in voters]
        actions.extend(self._comment(day, user) for user in commenters)
        actions.extend(self._bot_reply() for _ in range(bot_replies))
        engagement = [action for action in actions if action is not None]
        self.rng.shuffle(engagement)
        return engagement

    def _idea_text(self) -> str:
        rng = self.rng
        for _ in range(MAX_PICK_ATTEMPTS * 10):
            proposals, reasons = IDEA_THEMES[rng.choice(list(IDEA_THEMES))]
            opening = rng.choice(IDEA_OPENINGS)
            stop = "?" if opening in QUESTION_OPENINGS else "."
            text = (
                f"{opening} {rng.choice(proposals)}, {rng.choice(reasons)}{stop}"
                f"{rng.choice(IDEA_ENDINGS)}"
            )
            if rng.random() < SPECIAL_TEXT_SHARE:
                text = rng.choice(SPECIAL_PREFIXES) + text[0].lower() + text[1:]
            if text not in self.idea_texts:
                self.idea_texts.add(text)
                return text
        raise RuntimeError(
            f"no new distinct idea text after {MAX_PICK_ATTEMPTS * 10} attempts: "
            "add phrase parts to IDEA_THEMES in bot/simulate/traffic.py"
        )

    def _idea(self, day: int, author: str) -> Action:
        rng = self.rng
        text = self._idea_text()
        by_form = rng.random() < FORM_IDEA_SHARE
        anonymous = by_form and rng.random() < ANONYMOUS_FORM_SHARE
        detail = None
        if by_form and rng.random() < FORM_DETAIL_SHARE:
            detail = rng.choice(IDEA_DETAILS).format(team=rng.choice(TEAMS))
        index = len(self.ideas)
        self.ideas.append(
            PlannedIdea(index=index, day=day, author_id=author, text=text, anonymous=anonymous)
        )
        self.appeal.append(rng.lognormvariate(0.0, 0.9))
        return Action(
            kind=ActionKind.IDEA_FORM if by_form else ActionKind.IDEA_COMMAND,
            user_id=author,
            idea=index,
            text=text,
            detail=detail,
            anonymous=anonymous,
        )

    def _weigh_ideas(self, day: int) -> None:
        """Weigh the ideas posted so far: appealing ones more, and recent ones more than old."""
        self.idea_cum_weights = list(
            itertools.accumulate(
                appeal / (1.0 + 0.25 * (day - idea.day))
                for idea, appeal in zip(self.ideas, self.appeal, strict=True)
            )
        )

    def _pick_idea(self) -> int | None:
        if not self.idea_cum_weights:
            return None
        return self.rng.choices(range(len(self.ideas)), cum_weights=self.idea_cum_weights)[0]

    def _redeliver(self) -> bool:
        return self.rng.random() < REDELIVERY_SHARE

    def _vote(self, user: str, touched: set[tuple[str, int]]) -> Action | None:
        """Return one vote action of user on a (user, idea) pair not touched today, if any."""
        rng = self.rng
        ledger = self.ledger
        roll = rng.random()
        if roll < WITHDRAW_SHARE:
            voted = sorted(
                idea for idea in ledger.ideas_voted_by(user) if (user, idea) not in touched
            )
            if voted:
                idea = rng.choice(voted)
                touched.add((user, idea))
                if (user, idea) in ledger.reactions:
                    return Action(
                        kind=ActionKind.REACTION_REMOVED,
                        user_id=user,
                        idea=idea,
                        reaction=ledger.reactions[(user, idea)],
                        redeliver=self._redeliver(),
                    )
                return Action(kind=ActionKind.VOTE_BUTTON, user_id=user, idea=idea)
        elif roll < WITHDRAW_SHARE + REDUNDANT_REACTION_SHARE:
            by_button = sorted(
                idea
                for idea in ledger.ideas_voted_by(user)
                if (user, idea) not in ledger.reactions and (user, idea) not in touched
            )
            if by_button:
                idea = rng.choice(by_button)
                touched.add((user, idea))
                return Action(
                    kind=ActionKind.REACTION_ADDED,
                    user_id=user,
                    idea=idea,
                    reaction=VOTE_REACTION,
                    redeliver=self._redeliver(),
                )
        for _ in range(MAX_PICK_ATTEMPTS):
            picked = self._pick_idea()
            if picked is None:
                return None
            idea, pair = picked, (user, picked)
            own = self.ideas[idea].author_id == user
            if own or pair in touched or pair in ledger.votes or pair in ledger.reactions:
                continue
            touched.add(pair)
            if rng.random() < BUTTON_VOTE_SHARE:
                return Action(kind=ActionKind.VOTE_BUTTON, user_id=user, idea=idea)
            reaction = VOTE_REACTION
            if rng.random() < SKIN_TONE_SHARE:
                reaction = f"{VOTE_REACTION}::skin-tone-{rng.randint(2, 6)}"
            return Action(
                kind=ActionKind.REACTION_ADDED,
                user_id=user,
                idea=idea,
                reaction=reaction,
                redeliver=self._redeliver(),
            )
        return None

    def _comment_text(self) -> str:
        rng = self.rng
        team = rng.choice(TEAMS)
        opening = rng.choice(COMMENT_OPENINGS).format(team=team)
        return f"{opening} {rng.choice(COMMENT_BODIES).format(team=team)}"

    def _comment(self, day: int, user: str) -> Action | None:
        idea = self._pick_idea()
        if idea is None:
            return None
        index = len(self.comments)
        text = self._comment_text()
        self.comments.append(
            PlannedComment(index=index, day=day, user_id=user, idea=idea, text=text)
        )
        return Action(
            kind=ActionKind.THREAD_REPLY,
            user_id=user,
            idea=idea,
            comment=index,
            text=text,
            redeliver=self._redeliver(),
        )

    def _bot_reply(self) -> Action | None:
        idea = self._pick_idea()
        if idea is None:
            return None
        return Action(
            kind=ActionKind.BOT_REPLY,
            user_id=OTHER_BOT_USER_ID,
            idea=idea,
            text=self.rng.choice(BOT_REPLY_TEXTS),
            redeliver=self._redeliver(),
        )

    def _follow_ups(self, day: int, engagement: list[Action]) -> list[Action]:
        """Return the day's second thoughts: edited and deleted replies, reversed reactions.

        Each reply is edited or deleted at most once. Some people reverse a reaction whose
        event Slack redelivers, and the runner sends that redelivery in this same phase. A
        bot that applied the redelivery after the reversal would undo it, and the totals
        would show that.
        """
        rng = self.rng
        follow_ups = []
        for action in engagement:
            if not action.redeliver or rng.random() >= CHANGED_MIND_SHARE:
                continue
            if action.kind is ActionKind.REACTION_ADDED:
                reverse = ActionKind.REACTION_REMOVED
            elif action.kind is ActionKind.REACTION_REMOVED:
                reverse = ActionKind.REACTION_ADDED
            else:
                continue
            follow_ups.append(
                Action(
                    kind=reverse,
                    user_id=action.user_id,
                    idea=action.idea,
                    reaction=action.reaction,
                    redeliver=self._redeliver(),
                )
            )
        for comment in self.comments:
            if comment.day != day:
                continue
            roll = rng.random()
            if roll < EDIT_SHARE:
                follow_ups.append(
                    Action(
                        kind=ActionKind.REPLY_EDITED,
                        user_id=comment.user_id,
                        idea=comment.idea,
                        comment=comment.index,
                        text=comment.text + rng.choice(EDIT_SUFFIXES),
                        old_text=comment.text,
                        redeliver=self._redeliver(),
                    )
                )
            elif roll < EDIT_SHARE + DELETE_SHARE:
                follow_ups.append(
                    Action(
                        kind=ActionKind.REPLY_DELETED,
                        user_id=comment.user_id,
                        idea=comment.idea,
                        comment=comment.index,
                        old_text=comment.text,
                        redeliver=self._redeliver(),
                    )
                )
        rng.shuffle(follow_ups)
        return follow_ups

    def _after_close(self, voters_per_kind: int = 3) -> tuple[list[Action], list[Action]]:
        """Return two rounds of votes after the close from people who voted before."""
        rng = self.rng
        voters = sorted({user for user, _ in self.ledger.votes})
        chosen = rng.sample(voters, min(len(voters), 2 * voters_per_kind))
        first: list[Action] = []
        second: list[Action] = []
        for position, user in enumerate(chosen):
            by_reaction = position % 2 == 0
            ideas = [
                idea for idea in range(len(self.ideas)) if (user, idea) not in self.ledger.reactions
            ]
            targets = rng.sample(ideas, 2) if len(ideas) >= 2 else [0, 0]
            for round_actions, idea in zip((first, second), targets, strict=True):
                if by_reaction:
                    action = Action(
                        kind=ActionKind.REACTION_ADDED,
                        user_id=user,
                        idea=idea,
                        reaction=VOTE_REACTION,
                    )
                else:
                    action = Action(kind=ActionKind.VOTE_BUTTON, user_id=user, idea=idea)
                round_actions.append(action)
        return first, second


def build_plan(*, staff: int, seed: int, days: int = CAMPAIGN_DAYS) -> CampaignPlan:
    """Build the seeded plan of a campaign of `days` days for an organisation of `staff` people."""
    if staff < MIN_STAFF:
        raise ValueError(f"staff must be at least {MIN_STAFF}, got {staff}")
    if not MIN_DAYS <= days <= CAMPAIGN_DAYS:
        raise ValueError(f"days must be from {MIN_DAYS} to {CAMPAIGN_DAYS}, got {days}")
    return _Planner(staff_count=staff, seed=seed, days=days).build()
