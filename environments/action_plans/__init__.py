"""Shared pieces of action-sequence domains (kitchen, assembly): action strings and the environment shell."""

from environments.action_plans.actions import format_action, parse_action
from environments.action_plans.environment import ActionPlanEnvironment

__all__ = ["ActionPlanEnvironment", "format_action", "parse_action"]
