"""`python -m dream_agent.cli` runs the CLI (same as the `dream-agent` script)."""

from dream_agent.cli import main

main()
