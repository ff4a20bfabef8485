"""Model builders, registered by name. Importing this package registers every family."""

from zoo.models import cnn, dcgan, lstm  # noqa: F401  (registers the families)
from zoo.models.card import ModelCard
from zoo.models.factory import build, list_models
from zoo.models.registry import ModelInfo, model_info, register

__all__ = ["ModelCard", "ModelInfo", "build", "list_models", "model_info", "register"]
