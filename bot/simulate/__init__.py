"""Local stand-ins for Slack that let tests and simulations drive the real bot."""
