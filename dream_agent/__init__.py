"""dream-agent: constraint-aware planning with masked diffusion language models.

The engine (denoisers, tokenizers, the denoising loop, weights) lives here; names are
imported lazily so that `import dream_agent.cli` for plan validation does not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ALGORITHMS": "dream_agent.denoise",
    "denoise": "dream_agent.denoise",
    "DenoiseOutput": "dream_agent.denoise",
    "load_dream": "dream_agent.dream.loading",
    "EvalRun": "dream_agent.dream_eval.run",
    "evaluate": "dream_agent.dream_eval.run",
    "HFTokenizer": "dream_agent.hf_tokenizer",
    "infill_text": "dream_agent.infill",
    "InfillResult": "dream_agent.infill",
    "load_model": "dream_agent.loading",
    "default_model": "dream_agent.models",
    "Denoiser": "dream_agent.protocols",
    "DiffusionLM": "dream_agent.protocols",
    "Tokenizer": "dream_agent.protocols",
    "ChatDream": "dream_agent.runnables",
    "DiffusionPlanner": "dream_agent.runnables",
    "Infiller": "dream_agent.runnables",
    "PlanValidator": "dream_agent.runnables",
    "build_random_dream_checkpoint": "dream_agent.testing",
    "load_tiny": "dream_agent.tiny",
    "save_tiny": "dream_agent.tiny",
    "TinyConfig": "dream_agent.tiny",
    "TinyMDM": "dream_agent.tiny",
    "train": "dream_agent.training",
    "from_transformers": "dream_agent.transformers_adapter",
    "VocabTokenizer": "dream_agent.vocab_tokenizer",
    "get_environment": "environments",
    "load_pddl": "environments.pddl",
    "PDDLEnvironment": "environments.pddl",
    "PDDLProblem": "environments.pddl",
    "read_plan": "environments.pddl",
    "validate": "environments.validation",
    "ValidationReport": "environments.validation",
    "compile_template": "planners",
    "parse_template": "planners",
    "plan": "planners",
    "PlanOptions": "planners",
    "PlanResult": "planners",
    "refine": "planners",
    "refine_batch": "planners",
    "solve": "dream_agent.planning",
    "solve_batch": "dream_agent.planning",
    "SamplingOptions": "dream_agent.options",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dream_agent' has no attribute {name!r}")
