"""Checks run on a post before it is published: personal data and concerns that belong elsewhere."""
