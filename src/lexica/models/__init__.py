"""Model infrastructure shared by every family: configs, outputs, layers, loading and saving.

The families live in their own modules (``lexica.models.bert``, ``distilbert``, ``roberta``, ``gpt2``,
``llama``) and are reached through ``lexica.auto`` or imported directly; this package imports none of
them, so a family that fails to import breaks only itself.
"""

from __future__ import annotations

from lexica.models.configuration import PretrainedConfig
from lexica.models.modeling import PreTrainedModel
from lexica.models.outputs import (
    BaseModelOutput,
    BaseModelOutputWithPast,
    BaseModelOutputWithPooling,
    CausalLMOutputWithPast,
    MaskedLMOutput,
    ModelOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    SequenceClassifierOutputWithPast,
    TokenClassifierOutput,
)

__all__ = [
    "PretrainedConfig",
    "PreTrainedModel",
    "ModelOutput",
    "BaseModelOutput",
    "BaseModelOutputWithPast",
    "BaseModelOutputWithPooling",
    "CausalLMOutputWithPast",
    "MaskedLMOutput",
    "MultipleChoiceModelOutput",
    "QuestionAnsweringModelOutput",
    "SequenceClassifierOutput",
    "SequenceClassifierOutputWithPast",
    "TokenClassifierOutput",
]
