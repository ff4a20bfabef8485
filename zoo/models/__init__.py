"""Model builders, registered by name. Importing this package registers every family."""

from zoo.models import cnn, dcgan, lstm  # noqa: F401  (registers the families)
from zoo.models.registry import ModelInfo, build, list_models, model_info, register

__all__ = ["ModelInfo", "build", "list_models", "model_info", "register"]
