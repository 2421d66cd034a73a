"""dream-agent: constraint-aware planning with masked diffusion language models.

The engine (denoisers, tokenizers, the denoising loop, weights) lives here; names are
imported lazily so that `import dream_agent.cli` for plan validation does not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "Denoiser": "dream_agent.protocols",
    "Tokenizer": "dream_agent.protocols",
    "DiffusionLM": "dream_agent.protocols",
    "ALGORITHMS": "dream_agent.denoise",
    "DenoiseOutput": "dream_agent.denoise",
    "denoise": "dream_agent.denoise",
    "VocabTokenizer": "dream_agent.vocab_tokenizer",
    "InfillResult": "dream_agent.infill",
    "infill_text": "dream_agent.infill",
    "TinyConfig": "dream_agent.tiny",
    "TinyMDM": "dream_agent.tiny",
    "load_tiny": "dream_agent.tiny",
    "save_tiny": "dream_agent.tiny",
    "PDDLEnvironment": "environments.pddl",
    "PDDLProblem": "environments.pddl",
    "ValidationReport": "environments.validate",
    "get_environment": "environments",
    "load_pddl": "environments.pddl",
    "read_plan": "environments.pddl",
    "validate": "environments.validate",
    "default_model": "dream_agent.models",
    "train": "dream_agent.training",
    "solve": "planners.solve",
    "solve_batch": "planners.solve",
    "load_model": "dream_agent.loading",
    "load_dream": "dream_agent.dream.loading",
    "from_transformers": "dream_agent.transformers_adapter",
    "build_random_dream_checkpoint": "dream_agent.testing",
    "HFTokenizer": "dream_agent.hf_tokenizer",
    # the LangChain face (langchain_core is imported only when one of these is used)
    "ChatDream": "dream_agent.runnables",
    "DiffusionPlanner": "dream_agent.runnables",
    "Infiller": "dream_agent.runnables",
    "PlanValidator": "dream_agent.runnables",
    # the plan layer, re-exported for `from dream_agent import plan`
    "plan": "planners",
    "refine": "planners",
    "refine_batch": "planners",
    "PlanOptions": "planners",
    "PlanResult": "planners",
    "parse_template": "planners",
    "compile_template": "planners",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dream_agent' has no attribute {name!r}")
