"""Training the project's small masked diffusion models on environments (objective, data, loop, card)."""

from dream_agent.training.loop import TrainResult, train
from dream_agent.training.objective import WEIGHTINGS, diffusion_loss
from dream_agent.training.recipes import RECIPES, Recipe, Stage, get_recipe

__all__ = ["RECIPES", "WEIGHTINGS", "Recipe", "Stage", "TrainResult", "diffusion_loss", "get_recipe", "train"]
