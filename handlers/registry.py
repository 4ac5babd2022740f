"""Registration of every Slack listener on a Bolt app."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    announcements,
    boards,
    campaigns,
    channel_events,
    comments,
    errors,
    group_reminders,
    home,
    ideas,
    moderation,
    own_posts,
    statuses,
    thanks,
    votes,
    yousaid,
)
from handlers.context import HandlerContext


def register_all(app: App, ctx: HandlerContext) -> None:
    """Register every feature's listeners and the shared error handler."""
    ideas.register(app, ctx)
    votes.register(app, ctx)
    # Before comments: both listen to message events, and Bolt runs the first match.
    own_posts.register(app, ctx)
    comments.register(app, ctx)
    campaigns.register(app, ctx)
    group_reminders.register(app, ctx)
    yousaid.register(app, ctx)
    announcements.register(app, ctx)
    boards.register(app, ctx)
    statuses.register(app, ctx)
    thanks.register(app, ctx)
    channel_events.register(app, ctx)
    moderation.register(app, ctx)
    home.register(app, ctx)
    errors.register(app)
