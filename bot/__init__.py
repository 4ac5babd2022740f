"""staffvoice: a staff-voice bot for Slack, with a platform-neutral core."""
