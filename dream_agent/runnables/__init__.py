"""LangChain face of dream-agent: planner, validator and infiller runnables, tools, a chat model.

Names load lazily, so `from dream_agent.runnables import PlanValidator` imports neither torch nor
a model: a validation pipeline stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ChatDream": "dream_agent.runnables.chat",
    "DiffusionPlanner": "dream_agent.runnables.planner",
    "Infiller": "dream_agent.runnables.infiller",
    "PlanChunk": "dream_agent.runnables.results",
    "PlanOutput": "dream_agent.runnables.results",
    "PlanValidator": "dream_agent.runnables.validator",
    "SchemaTemplate": "dream_agent.runnables.schema_template",
    "StructuredDream": "dream_agent.runnables.chat_structured",
    "ViolationModel": "dream_agent.runnables.results",
    "plan_check_report_graph": "dream_agent.runnables.graph",
    "planner_node": "dream_agent.runnables.graph",
    "planner_tool": "dream_agent.runnables.tools",
    "validator_tool": "dream_agent.runnables.tools",
    "schema_template": "dream_agent.runnables.schema_template",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dream_agent.runnables' has no attribute {name!r}")
