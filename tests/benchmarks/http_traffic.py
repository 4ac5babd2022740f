"""Signed Slack requests shaped like a campaign's traffic, and an open-loop client that sends them.

User ids carry a prefix per kind of request, so each kind's effect can be
counted in the database afterwards, whatever order the bot handled the requests
in. As in the simulated campaign (bot.simulate.traffic), a person acts several
times: a voter votes on several ideas, a commenter replies in several threads. An
/idea stores an idea and a thread reply a comment. A reaction_added or a Vote
button press is on a (person, idea) pair not used before, so it stores a vote. A
reaction_removed takes back a vote that was cast and stored before the timed
run, so it removes one.

The client sends each request at its scheduled time over one of a fixed number
of kept-alive connections, each driven by its own thread. A request whose time
comes while every connection is busy waits for the next free one, so latency
measured from the scheduled time includes that queueing.
"""

from __future__ import annotations

import http.client
import itertools
import math
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.server import EVENTS_PATH
from bot.simulate import payloads, traffic
from bot.simulate.signing import sign_request
from bot.simulate.slack_standin import BOT_USER_ID
from handlers.ids import IdeaIds

CHANNEL = "C0HTTPLOAD"
# The kinds of request in the timed run, each with its share of the requests.
MIX: tuple[tuple[str, float], ...] = (
    ("reaction_added", 0.58),
    ("reaction_removed", 0.12),
    ("comment", 0.15),
    ("button", 0.10),
    ("idea", 0.05),
)
KINDS = tuple(kind for kind, _share in MIX)
# The user id prefix of each kind's requests. The votes that reaction_removed takes
# back are cast before the run with its prefix. "seed_idea" is the prefix of the
# ideas posted before the run, which every vote and comment targets.
USER_PREFIXES = {
    "reaction_added": "UR",
    "reaction_removed": "US",
    "comment": "UC",
    "button": "UB",
    "idea": "UI",
    "seed_idea": "UX",
}
# Actions per person of each kind, from the simulated campaign's volumes: its votes
# over its voters, and so on. A person's votes go to different ideas.
_PARTICIPANTS = traffic.REFERENCE_STAFF * traffic.PARTICIPATION_RATE
ACTIONS_PER_PERSON = {
    "idea": round(traffic.IDEAS_AT_REFERENCE / (_PARTICIPANTS * traffic.POSTER_SHARE)),
    "comment": round(traffic.COMMENTS_AT_REFERENCE / (_PARTICIPANTS * traffic.COMMENTER_SHARE)),
    "vote": round(traffic.VOTE_ACTIONS_AT_REFERENCE / _PARTICIPANTS),
}
REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SignedRequest:
    """One request ready to send: its kind, body and headers with Slack's signature."""

    kind: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    """What happened to one request, in time.perf_counter() seconds."""

    kind: str
    scheduled: float
    sent: float
    done: float
    status: int  # the HTTP status, or 0 when the connection failed
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether the bot responded with status 200."""
        return self.status == 200

    @property
    def latency(self) -> float:
        """Seconds from the scheduled send time to the whole response received."""
        return self.done - self.scheduled


class CampaignRequests:
    """Builds the signed requests of each kind, against the ideas already posted."""

    def __init__(self, *, signing_secret: str, response_url_prefix: str) -> None:
        self._signing_secret = signing_secret
        self._response_url_prefix = response_url_prefix
        self._serials = itertools.count(1)
        self._actions: Counter[str] = Counter()
        self._run = uuid.uuid4().hex[:8]
        # (idea id, message ts) of the ideas posted before the run.
        self.ideas: list[tuple[int, str]] = []
        # (user id, message ts) of each vote cast before the run, taken back in order.
        self.seeded_votes: list[tuple[str, str]] = []
        self._next_seeded = 0

    def _signed(self, kind: str, body: bytes, content_type: str) -> SignedRequest:
        headers = sign_request(body, signing_secret=self._signing_secret)
        headers["Content-Type"] = content_type
        return SignedRequest(kind, body, headers)

    def _actor(self, kind: str, per_person: int) -> tuple[str, int]:
        """Return the user id of kind's next action, and the action's number among theirs."""
        action = self._actions[kind]
        self._actions[kind] += 1
        person, number = divmod(action, per_person)
        return f"{USER_PREFIXES[kind]}{person:08d}", person + number

    def _voter(self, kind: str) -> tuple[str, tuple[int, str]]:
        """Return the next voter of kind and an idea they have not voted on."""
        user, number = self._actor(kind, min(ACTIONS_PER_PERSON["vote"], len(self.ideas)))
        return user, self.ideas[number % len(self.ideas)]

    def idea(self, *, seed: bool = False) -> SignedRequest:
        """Return an /idea command."""
        serial = next(self._serials)
        user, _number = self._actor("seed_idea" if seed else "idea", ACTIONS_PER_PERSON["idea"])
        body, content_type = payloads.slash_command(
            text=f"Idea {serial}: a quiet room for breaks on the ward",
            user_id=user,
            user_name=f"staff{serial}",
            channel_id=CHANNEL,
            response_url=f"{self._response_url_prefix}{self._run}-{serial}",
            trigger_id=f"{int(time.time())}.{serial}.{self._run}",
        )
        return self._signed("idea", body, content_type)

    def reaction(self, kind: payloads.ReactionKind, *, user: str, message_ts: str) -> SignedRequest:
        """Return a :+1: added to or removed from an idea message."""
        serial = next(self._serials)
        event = payloads.reaction_event(
            kind,
            user=user,
            reaction="+1",
            channel=CHANNEL,
            ts=message_ts,
            item_user=BOT_USER_ID,
            event_ts=f"{time.time():.6f}",
        )
        body, content_type = payloads.event_callback(
            event, event_id=f"Ev{self._run}{serial:08d}", event_time=int(time.time())
        )
        return self._signed(kind, body, content_type)

    def vote(self) -> SignedRequest:
        """Return a :+1: on an idea its sender has not voted on."""
        user, (_idea_id, message_ts) = self._voter("reaction_added")
        return self.reaction("reaction_added", user=user, message_ts=message_ts)

    def seed_vote(self) -> SignedRequest:
        """Return a :+1: as vote(), recorded for a later reaction_removed."""
        user, (_idea_id, message_ts) = self._voter("reaction_removed")
        self.seeded_votes.append((user, message_ts))
        return self.reaction("reaction_added", user=user, message_ts=message_ts)

    def unvote(self) -> SignedRequest:
        """Return the removal of the next vote cast before the run."""
        if self._next_seeded >= len(self.seeded_votes):
            raise RuntimeError("every vote cast before the run has been taken back already")
        user, message_ts = self.seeded_votes[self._next_seeded]
        self._next_seeded += 1
        return self.reaction("reaction_removed", user=user, message_ts=message_ts)

    def comment(self) -> SignedRequest:
        """Return a reply in an idea message's thread."""
        serial = next(self._serials)
        user, number = self._actor("comment", ACTIONS_PER_PERSON["comment"])
        _idea_id, message_ts = self.ideas[number % len(self.ideas)]
        reply_ts = f"{int(time.time())}.{serial:06d}"
        event = payloads.thread_reply_event(
            user=user,
            text=f"Reply {serial}: yes, and the night shift would use it too",
            channel=CHANNEL,
            ts=reply_ts,
            thread_ts=message_ts,
            parent_user_id=BOT_USER_ID,
        )
        body, content_type = payloads.event_callback(
            event, event_id=f"Ev{self._run}{serial:08d}", event_time=int(time.time())
        )
        return self._signed("comment", body, content_type)

    def button(self) -> SignedRequest:
        """Return a press of the Vote button of an idea its presser has not voted on."""
        serial = next(self._serials)
        user, (idea_id, message_ts) = self._voter("button")
        body, content_type = payloads.block_actions(
            user_id=user,
            user_name=f"staff{serial}",
            channel_id=CHANNEL,
            message_ts=message_ts,
            action_id=IdeaIds.VOTE_ACTION.value,
            value=str(idea_id),
            block_id="idea-actions",
            response_url=f"{self._response_url_prefix}{self._run}-{serial}",
            trigger_id=f"{int(time.time())}.{serial}.{self._run}",
        )
        return self._signed("button", body, content_type)

    def build(self, kind: str) -> SignedRequest:
        """Return a new request of one of KINDS."""
        builders: dict[str, Callable[[], SignedRequest]] = {
            "reaction_added": self.vote,
            "reaction_removed": self.unvote,
            "comment": self.comment,
            "button": self.button,
            "idea": self.idea,
        }
        return builders[kind]()


def plan_kinds(count: int, *, seed: int) -> list[str]:
    """Return count kinds in MIX's shares, shuffled with a fixed seed."""
    kinds: list[str] = []
    for kind, share in MIX:
        kinds += [kind] * math.floor(count * share)
    kinds += [MIX[0][0]] * (count - len(kinds))
    random.Random(seed).shuffle(kinds)
    return kinds


class OpenLoopClient:
    """Sends requests at scheduled offsets over a fixed set of kept-alive connections."""

    def __init__(self, *, port: int, connections: int) -> None:
        self._port = port
        self._connections = connections
        self._lock = threading.Lock()
        self._next = 0
        self._finished = 0

    @property
    def finished(self) -> int:
        """Return how many requests have an outcome so far."""
        return self._finished

    def send(
        self,
        requests: Sequence[SignedRequest],
        offsets: Sequence[float],
        *,
        on_wait: Callable[[], None] = lambda: None,
    ) -> tuple[list[Outcome], float]:
        """Send request i at start + offsets[i], and return the outcomes and the start time.

        on_wait is called about once a second while the requests are in flight.
        """
        if len(requests) != len(offsets):
            raise ValueError(f"{len(requests)} requests but {len(offsets)} send times")
        self._next = 0
        self._finished = 0
        outcomes: list[Outcome | None] = [None] * len(requests)
        start = time.perf_counter() + 0.1
        threads = [
            threading.Thread(
                target=self._work,
                args=(requests, offsets, outcomes, start),
                name=f"http-load-client-{index}",
                daemon=True,
            )
            for index in range(self._connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=1.0)
                if thread.is_alive():
                    on_wait()
        if any(outcome is None for outcome in outcomes):
            raise AssertionError("a client thread ended without sending its requests")
        return [outcome for outcome in outcomes if outcome is not None], start

    def _take(self) -> int:
        with self._lock:
            index = self._next
            self._next += 1
            return index

    def _work(
        self,
        requests: Sequence[SignedRequest],
        offsets: Sequence[float],
        outcomes: list[Outcome | None],
        start: float,
    ) -> None:
        connection: http.client.HTTPConnection | None = None
        while (index := self._take()) < len(requests):
            request = requests[index]
            scheduled = start + offsets[index]
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            status, error = 0, ""
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(
                        "127.0.0.1", self._port, timeout=REQUEST_TIMEOUT_SECONDS
                    )
                connection.request("POST", EVENTS_PATH, body=request.body, headers=request.headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as failure:
                # Not retried, because the bot may have stored the first copy.
                error = type(failure).__name__
                if connection is not None:
                    connection.close()
                connection = None
            outcomes[index] = Outcome(
                request.kind, scheduled, sent, time.perf_counter(), status, error
            )
            with self._lock:
                self._finished += 1
        if connection is not None:
            connection.close()
