"""Auto classes: pick the family from ``config.json``'s ``model_type`` through one table.

``MODEL_TYPES`` maps ``model_type`` to the module of its family. Each family module exposes
``CONFIG_CLASS`` and ``MODEL_CLASSES`` (``{"base": ..., "sequence-classification": ..., ...}``, only
the tasks it has). Modules are imported only when their type is used, so a broken or missing family
breaks only its own type. ``register()`` adds user families without touching the table.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, ClassVar

import torch

from lexica.errors import ConfigError, UnsupportedError
from lexica.models.checkpoint import load_checkpoint, resolve_model_dir
from lexica.models.configuration import PretrainedConfig, read_json, resolve_config_file
from lexica.models.modeling import PreTrainedModel, load_gguf, with_label_overrides

__all__ = [
    "MODEL_TYPES",
    "TASKS",
    "register",
    "AutoConfig",
    "AutoModel",
    "AutoModelForSequenceClassification",
    "AutoModelForTokenClassification",
    "AutoModelForQuestionAnswering",
    "AutoModelForMaskedLM",
    "AutoModelForCausalLM",
    "AutoModelForMultipleChoice",
]

MODEL_TYPES: dict[str, str] = {
    "bert": "lexica.models.bert",
    "distilbert": "lexica.models.distilbert",
    "roberta": "lexica.models.roberta",
    "gpt2": "lexica.models.gpt2",
    "llama": "lexica.models.llama",
}

TASKS = (
    "base",
    "sequence-classification",
    "token-classification",
    "question-answering",
    "masked-lm",
    "causal-lm",
    "multiple-choice",
)

_REGISTERED: dict[str, tuple[type[PretrainedConfig], dict[str, type[PreTrainedModel]]]] = {}


def register(
    model_type: str, config_class: type[PretrainedConfig], model_classes: dict[str, type[PreTrainedModel]]
) -> None:
    """Make a user family available to the Auto classes (``model_classes`` keys are ``TASKS``)."""
    unknown = sorted(set(model_classes) - set(TASKS))
    if unknown:
        raise UnsupportedError(f"register: task names expected from {list(TASKS)}, found {unknown}")
    if getattr(config_class, "model_type", None) != model_type:
        raise ConfigError(
            f"register: {config_class.__name__}.model_type is {getattr(config_class, 'model_type', None)!r}, "
            f"expected {model_type!r}"
        )
    _REGISTERED[model_type] = (config_class, dict(model_classes))


def supported_model_types() -> list[str]:
    return sorted(set(MODEL_TYPES) | set(_REGISTERED))


def _family(model_type: Any) -> tuple[type[PretrainedConfig], dict[str, type[PreTrainedModel]]]:
    if model_type in _REGISTERED:
        return _REGISTERED[model_type]
    if model_type not in MODEL_TYPES:
        raise UnsupportedError(f"model_type: expected one of {supported_model_types()}, found {model_type!r}")
    module_name = MODEL_TYPES[model_type]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnsupportedError(
            f"model_type {model_type!r}: its module {module_name} cannot be imported: {exc}"
        ) from exc
    return module.CONFIG_CLASS, module.MODEL_CLASSES


def _config_from_dict(data: dict[str, Any], source: str) -> PretrainedConfig:
    if "model_type" not in data:
        raise ConfigError(f"{source}: expected a 'model_type' key (one of {supported_model_types()}), found none")
    config_class, _ = _family(data["model_type"])
    return config_class.from_dict(data)


class AutoConfig:
    """``AutoConfig.from_pretrained(path)`` returns the family's config class for its model_type."""

    @staticmethod
    def for_model(model_type: str) -> PretrainedConfig:
        """The family's default config."""
        return _family(model_type)[0]()

    @staticmethod
    def from_dict(data: dict[str, Any]) -> PretrainedConfig:
        return _config_from_dict(data, "config")

    @staticmethod
    def from_pretrained(
        path_or_hub_id: str | os.PathLike[str],
        *,
        num_labels: int | None = None,
        id2label: dict[int, str] | None = None,
        label2id: dict[str, int] | None = None,
        problem_type: str | None = None,
    ) -> PretrainedConfig:
        path = resolve_config_file(path_or_hub_id)
        config = _config_from_dict(read_json(path, "config.json"), str(path))
        return with_label_overrides(
            config, num_labels=num_labels, id2label=id2label, label2id=label2id, problem_type=problem_type
        )


class _AutoModelBase:
    """Shared by the AutoModel* classes; ``task`` picks the entry of the family's MODEL_CLASSES."""

    task: ClassVar[str] = "base"

    @classmethod
    def model_class(cls, model_type: str) -> type[PreTrainedModel]:
        _, classes = _family(model_type)
        if cls.task not in classes:
            raise UnsupportedError(
                f"{cls.__name__}: model_type {model_type!r} has no {cls.task!r} model; it has {sorted(classes)}"
            )
        return classes[cls.task]

    @classmethod
    def from_config(cls, config: PretrainedConfig, *, dtype: str | torch.dtype | None = None) -> PreTrainedModel:
        """Random weights with the family's init scheme (reproducible under torch.manual_seed)."""
        return cls.model_class(config.model_type).from_config(config, dtype=dtype)

    @classmethod
    def from_pretrained(
        cls,
        path_or_hub_id: str | os.PathLike[str],
        *,
        config: PretrainedConfig | None = None,
        dtype: str | torch.dtype | None = None,
        device: str | torch.device | None = None,
        gguf_file: str | os.PathLike[str] | None = None,
        num_labels: int | None = None,
        id2label: dict[int, str] | None = None,
        label2id: dict[str, int] | None = None,
        problem_type: str | None = None,
        ignore_mismatched_sizes: bool = False,
    ) -> PreTrainedModel:
        """Read the config (or GGUF metadata), pick the family's class for this task, load the weights."""
        labels = {"num_labels": num_labels, "id2label": id2label, "label2id": label2id, "problem_type": problem_type}
        if gguf_file is not None:
            config_dict, state_dict, source = load_gguf(path_or_hub_id, gguf_file, dtype)
            if config is None:
                config = _config_from_dict(config_dict, source)
        else:
            directory = resolve_model_dir(path_or_hub_id)
            if config is None:
                config = AutoConfig.from_pretrained(directory)
            state_dict, source = load_checkpoint(directory), str(directory)
        config = with_label_overrides(config, **labels)
        return cls.model_class(config.model_type).from_state_dict(
            state_dict, config, dtype=dtype, device=device, source=source,
            ignore_mismatched_sizes=ignore_mismatched_sizes,
        )


class AutoModel(_AutoModelBase):
    task = "base"


class AutoModelForSequenceClassification(_AutoModelBase):
    task = "sequence-classification"


class AutoModelForTokenClassification(_AutoModelBase):
    task = "token-classification"


class AutoModelForQuestionAnswering(_AutoModelBase):
    task = "question-answering"


class AutoModelForMaskedLM(_AutoModelBase):
    task = "masked-lm"


class AutoModelForCausalLM(_AutoModelBase):
    task = "causal-lm"


class AutoModelForMultipleChoice(_AutoModelBase):
    task = "multiple-choice"
