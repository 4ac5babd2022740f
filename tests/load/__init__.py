"""The load and fault test: the real bot in two processes on PostgreSQL, one killed mid-campaign."""
