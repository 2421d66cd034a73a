"""The project's small masked diffusion models: network, denoiser wrapper, directory format."""

from dream_agent.tiny.checkpoint import MODEL_TYPE, load_tiny, read_tiny_config, save_tiny
from dream_agent.tiny.denoiser import TinyDenoiser
from dream_agent.tiny.model import TinyConfig, TinyMDM

__all__ = ["MODEL_TYPE", "TinyConfig", "TinyDenoiser", "TinyMDM", "load_tiny", "read_tiny_config", "save_tiny"]
