"""The platform name these handlers store with every person, idea and message."""

PLATFORM = "slack"
