"""Planning domains with exact oracles, templates and checkers (no torch)."""
