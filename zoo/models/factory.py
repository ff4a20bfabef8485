"""The user's way in, timm's `create_model`: `zoo.build(name, pretrained=...)` and
`zoo.list_models(pattern, pretrained=...)`.

It sits above the registry (`zoo.models.registry`: builders by name) and the shipped weights
(`zoo.models.pretrained`: cards and loading), which know nothing of each other.
"""

from __future__ import annotations

import keras

from zoo.errors import UsageError
from zoo.models import pretrained as shipped
from zoo.models.registry import model_info, model_names


def list_models(
    pattern: str = "*", *, family: str | None = None, pretrained: bool = False
) -> list[str]:
    """Registered model names matching a shell-style `pattern`, sorted.

    `pretrained=True`: the tags of the shipped pretrained models instead, such as
    `cnn_vgg.fashion_mnist` (see `zoo.models.pretrained`).
    """
    if pretrained:
        cards = shipped.cards()
        return [
            t
            for t in shipped.list_pretrained(pattern)
            if family is None or model_info(cards[t].model).family == family
        ]
    return model_names(pattern, family=family)


def build(name: str, pretrained: bool = False, **kwargs) -> keras.Model:
    """Build the registered model `name`, passing `kwargs` to its builder.

    `pretrained=True` loads shipped weights: `name` is a model (its default tag) or a tag such
    as `"cnn_vgg.fashion_mnist"`; the architecture is the one the weights were trained with,
    so the only keyword taken is `include_top`. A tag without `pretrained=True` builds that
    architecture untrained (`kwargs` override its builder arguments).
    """
    if not pretrained and "." not in name:
        return model_info(name).builder(**kwargs)
    if not pretrained:
        card = shipped.card(name)
        return model_info(card.model).builder(**{**card.builder_kwargs, **kwargs})
    extra = sorted(set(kwargs) - {"include_top"})
    if extra:
        raise UsageError(
            f"build({name!r}, pretrained=True) takes no {', '.join(extra)}: a pretrained "
            "model's architecture is fixed by its weights (see its card). Only include_top "
            "can be given."
        )
    return shipped.build_pretrained(name, **kwargs)
