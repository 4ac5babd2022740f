"""Microsoft Teams front: Adaptive Cards and the activity handlers that call the core."""
