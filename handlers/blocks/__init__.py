"""Block Kit builders, kept apart from the listeners that send them."""
