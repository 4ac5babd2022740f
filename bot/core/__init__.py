"""The platform-neutral core: campaigns, ideas, votes, comments, ranking and summaries."""
