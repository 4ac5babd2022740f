"""Slack listeners and Block Kit rendering: they turn requests into calls of the core."""
