"""Blocksworld, PlanBench's 4-operator version, through the PDDL path."""

from environments.blocksworld.environment import (
    BLOCKS,
    COLOURS,
    DOMAIN_FILE,
    ENGLISH,
    BlockPositions,
    Blocksworld,
    action_to_english,
    block_phrase,
    describe,
    english_to_action,
    load_planbench,
    read_english_plan,
)

__all__ = [
    "BLOCKS",
    "COLOURS",
    "DOMAIN_FILE",
    "ENGLISH",
    "BlockPositions",
    "Blocksworld",
    "action_to_english",
    "block_phrase",
    "describe",
    "english_to_action",
    "load_planbench",
    "read_english_plan",
]
