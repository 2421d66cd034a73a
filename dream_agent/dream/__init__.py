"""Dream 7B (Dream-org) loaded from its safetensors checkpoints with the project's own network."""

from dream_agent.dream.config import DREAM_CONTEXT, DreamConfig, read_dream_config
from dream_agent.dream.denoiser import DreamDenoiser, shift_logits
from dream_agent.dream.loading import load_dream
from dream_agent.dream.modeling import DreamModel
from dream_agent.dream.tokenizer import load_dream_tokenizer

__all__ = [
    "DREAM_CONTEXT",
    "DreamConfig",
    "DreamDenoiser",
    "DreamModel",
    "load_dream",
    "load_dream_tokenizer",
    "read_dream_config",
    "shift_logits",
]
