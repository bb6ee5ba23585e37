"""DistilBERT (Sanh et al. 2019): a 6-layer BERT distilled from bert-base, without token types or pooler.

Follows transformers' ``modeling_distilbert``; module names are checkpoint keys
(``distilbert.transformer.layer.0.attention.q_lin.weight``, ``vocab_projector.weight``, ...). The
config uses DistilBERT's own key names (``dim``, ``n_layers``, ``n_heads``, ``hidden_dim``); every
LayerNorm has eps 1e-12, fixed in the reference rather than read from the config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from lexica.errors import ConfigError, InvalidInputError
from lexica.models.bert import check_encoder_inputs, flatten_choices, span_loss
from lexica.models.configuration import PretrainedConfig
from lexica.models.layers import attention, get_activation, padding_mask, sequence_classification_loss
from lexica.models.modeling import PreTrainedModel
from lexica.models.outputs import (
    BaseModelOutput,
    MaskedLMOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)

__all__ = [
    "DistilBertConfig",
    "DistilBertModel",
    "DistilBertForSequenceClassification",
    "DistilBertForTokenClassification",
    "DistilBertForQuestionAnswering",
    "DistilBertForMaskedLM",
    "DistilBertForMultipleChoice",
    "CONFIG_CLASS",
    "MODEL_CLASSES",
]

_LN_EPS = 1e-12  # hard-coded in the reference for every LayerNorm of DistilBERT


@dataclass
class DistilBertConfig(PretrainedConfig):
    """``config.json`` keys of DistilBERT with transformers' defaults (distilbert-base-uncased)."""

    model_type: ClassVar[str] = "distilbert"

    vocab_size: int = 30522
    max_position_embeddings: int = 512
    sinusoidal_pos_embds: bool = False
    n_layers: int = 6
    n_heads: int = 12
    dim: int = 768
    hidden_dim: int = 3072
    dropout: float = 0.1
    attention_dropout: float = 0.1
    activation: str = "gelu"
    initializer_range: float = 0.02
    qa_dropout: float = 0.1
    seq_classif_dropout: float = 0.2
    pad_token_id: int | None = 0

    @property
    def hidden_size(self) -> int:  # the name other families and generic code use
        return self.dim

    def validate(self) -> None:
        super().validate()
        self._check_positive("vocab_size", "max_position_embeddings", "n_layers", "n_heads", "dim", "hidden_dim")
        self._check_divisible("dim", "n_heads")
        self._check_activation("activation")
        self._check_probability("dropout", "attention_dropout", "qa_dropout", "seq_classif_dropout")


def sinusoidal_table(n_pos: int, dim: int) -> torch.Tensor:
    """(n_pos, dim) fixed position table: sin on even columns, cos on odd (angle uses 2*(j//2)/dim)."""
    pos = torch.arange(n_pos, dtype=torch.float64)[:, None]
    j = torch.arange(dim, dtype=torch.float64)[None, :]
    angle = pos / torch.pow(10000.0, 2 * torch.div(j, 2, rounding_mode="floor") / dim)
    table = torch.empty(n_pos, dim, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angle[:, 0::2])
    table[:, 1::2] = torch.cos(angle[:, 1::2])
    return table.float()


class Embeddings(nn.Module):
    """word + position embeddings (no token types), LayerNorm, dropout."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.dim, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.dim)
        self.position_embeddings.sinusoidal = config.sinusoidal_pos_embds  # read by _init_weights
        self.LayerNorm = nn.LayerNorm(config.dim, eps=_LN_EPS)  # capitalised as in checkpoints
        self.dropout = nn.Dropout(config.dropout)

    def forward(
        self, input_ids: torch.Tensor | None, position_ids: torch.Tensor | None, inputs_embeds: torch.Tensor | None
    ) -> torch.Tensor:
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)  # (B, T, C)
        if position_ids is None:
            position_ids = torch.arange(inputs_embeds.shape[1], device=inputs_embeds.device)[None, :]
        return self.dropout(self.LayerNorm(inputs_embeds + self.position_embeddings(position_ids)))


class DistilBertSelfAttention(nn.Module):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.n_heads, self.head_dim = config.n_heads, config.dim // config.n_heads
        self.dropout_prob = config.attention_dropout
        self.q_lin = nn.Linear(config.dim, config.dim)
        self.k_lin = nn.Linear(config.dim, config.dim)
        self.v_lin = nn.Linear(config.dim, config.dim)
        self.out_lin = nn.Linear(config.dim, config.dim)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None, output_attentions: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        b, t, c = x.shape

        def heads(proj: nn.Linear) -> torch.Tensor:  # (B, T, C) -> (B, H, T, D)
            return proj(x).view(b, t, self.n_heads, self.head_dim).transpose(1, 2)

        out, probs = attention(
            heads(self.q_lin), heads(self.k_lin), heads(self.v_lin), mask,
            dropout_p=self.dropout_prob if self.training else 0.0, output_attentions=output_attentions,
        )
        return self.out_lin(out.transpose(1, 2).reshape(b, t, c)), probs


class FFN(nn.Module):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.lin1 = nn.Linear(config.dim, config.hidden_dim)
        self.lin2 = nn.Linear(config.hidden_dim, config.dim)
        self.activation = get_activation(config.activation, key="activation")
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.lin2(self.activation(self.lin1(x))))


class TransformerBlock(nn.Module):
    """Post-norm block: attention + residual -> sa_layer_norm; FFN + residual -> output_layer_norm."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.attention = DistilBertSelfAttention(config)
        self.sa_layer_norm = nn.LayerNorm(config.dim, eps=_LN_EPS)
        self.ffn = FFN(config)
        self.output_layer_norm = nn.LayerNorm(config.dim, eps=_LN_EPS)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None, output_attentions: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        attn, probs = self.attention(x, mask, output_attentions)
        x = self.sa_layer_norm(attn + x)
        return self.output_layer_norm(self.ffn(x) + x), probs


class Transformer(nn.Module):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(TransformerBlock(config) for _ in range(config.n_layers))


class DistilBertPreTrainedModel(PreTrainedModel):
    config_class = DistilBertConfig
    base_model_prefix = "distilbert"
    _keys_to_ignore_on_load_unexpected = (r"(^|\.)position_ids$",)

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)  # normal(0, initializer_range), zero bias, LayerNorm 1/0
        if isinstance(module, nn.Embedding) and getattr(module, "sinusoidal", False):
            weight = module.weight
            with torch.no_grad():
                weight.copy_(sinusoidal_table(*weight.shape).to(weight.device, weight.dtype))
            weight.requires_grad_(False)  # fixed table, as in the reference


class DistilBertModel(DistilBertPreTrainedModel):
    """Embeddings + 6 post-norm blocks. Returns BaseModelOutput (no pooler)."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.embeddings = Embeddings(config)
        self.transformer = Transformer(config)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> BaseModelOutput:
        check_encoder_inputs(type(self).__name__, self.config, input_ids, inputs_embeds, attention_mask,
                             self.config.max_position_embeddings)
        x = self.embeddings(input_ids, position_ids, inputs_embeds)  # (B, T, C)
        mask = padding_mask(attention_mask, x.dtype)  # (B, 1, 1, T) or None
        hidden, attentions = [x], []
        for layer in self.transformer.layer:
            x, probs = layer(x, mask, output_attentions)
            hidden.append(x)
            if probs is not None:
                attentions.append(probs)
        return BaseModelOutput(x, tuple(hidden) if output_hidden_states else None,
                               tuple(attentions) if output_attentions else None)


# -- heads -----------------------------------------------------------------------------------------------
class DistilBertForMaskedLM(DistilBertPreTrainedModel):
    """vocab_transform -> activation -> vocab_layer_norm -> vocab_projector (tied to word embeddings)."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.activation = get_activation(config.activation, key="activation")
        self.distilbert = DistilBertModel(config)
        self.vocab_transform = nn.Linear(config.dim, config.dim)
        self.vocab_layer_norm = nn.LayerNorm(config.dim, eps=_LN_EPS)
        self.vocab_projector = nn.Linear(config.dim, config.vocab_size)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.vocab_projector

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> MaskedLMOutput:
        out = self.distilbert(input_ids, attention_mask, inputs_embeds, position_ids,
                              output_attentions, output_hidden_states)
        x = self.vocab_layer_norm(self.activation(self.vocab_transform(out.last_hidden_state)))
        logits = self.vocab_projector(x)  # (B, T, V)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1).to(logits.device))
        return MaskedLMOutput(loss, logits, out.hidden_states, out.attentions)


class DistilBertForSequenceClassification(DistilBertPreTrainedModel):
    """First token -> pre_classifier -> ReLU -> dropout -> classifier. Loss per problem_type."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.distilbert = DistilBertModel(config)
        self.pre_classifier = nn.Linear(config.dim, config.dim)
        self.classifier = nn.Linear(config.dim, config.num_labels)
        self.dropout = nn.Dropout(config.seq_classif_dropout)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> SequenceClassifierOutput:
        out = self.distilbert(input_ids, attention_mask, inputs_embeds, position_ids,
                              output_attentions, output_hidden_states)
        pooled = self.dropout(F.relu(self.pre_classifier(out.last_hidden_state[:, 0])))  # (B, C)
        logits = self.classifier(pooled)  # (B, num_labels)
        loss = None
        if labels is not None:
            loss, _ = sequence_classification_loss(logits, labels, self.config.num_labels, self.config.problem_type)
        return SequenceClassifierOutput(loss, logits, out.hidden_states, out.attentions)


class DistilBertForTokenClassification(DistilBertPreTrainedModel):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.distilbert = DistilBertModel(config)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.dim, config.num_labels)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> TokenClassifierOutput:
        out = self.distilbert(input_ids, attention_mask, inputs_embeds, position_ids,
                              output_attentions, output_hidden_states)
        logits = self.classifier(self.dropout(out.last_hidden_state))  # (B, T, num_labels)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, self.config.num_labels), labels.view(-1).to(logits.device))
        return TokenClassifierOutput(loss, logits, out.hidden_states, out.attentions)


class DistilBertForQuestionAnswering(DistilBertPreTrainedModel):
    """dropout -> qa_outputs (num_labels must be 2: start and end)."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        if config.num_labels != 2:
            raise ConfigError(
                f"num_labels: DistilBertForQuestionAnswering expects 2 (start, end), found {config.num_labels}"
            )
        self.distilbert = DistilBertModel(config)
        self.qa_outputs = nn.Linear(config.dim, config.num_labels)
        self.dropout = nn.Dropout(config.qa_dropout)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        start_positions: torch.Tensor | None = None,
        end_positions: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> QuestionAnsweringModelOutput:
        out = self.distilbert(input_ids, attention_mask, inputs_embeds, position_ids,
                              output_attentions, output_hidden_states)
        logits = self.qa_outputs(self.dropout(out.last_hidden_state))  # (B, T, 2)
        start_logits, end_logits = (s.squeeze(-1).contiguous() for s in logits.split(1, dim=-1))
        loss = None
        if start_positions is not None and end_positions is not None:
            loss = span_loss(start_logits, end_logits, start_positions, end_positions)
        return QuestionAnsweringModelOutput(loss, start_logits, end_logits, out.hidden_states, out.attentions)


class DistilBertForMultipleChoice(DistilBertPreTrainedModel):
    """Each choice: first token -> pre_classifier -> ReLU -> dropout -> classifier(1)."""

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.distilbert = DistilBertModel(config)
        self.pre_classifier = nn.Linear(config.dim, config.dim)
        self.classifier = nn.Linear(config.dim, 1)
        self.dropout = nn.Dropout(config.seq_classif_dropout)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> MultipleChoiceModelOutput:
        source = input_ids if input_ids is not None else inputs_embeds
        if source is None:
            raise InvalidInputError(f"{type(self).__name__}: pass input_ids or inputs_embeds")
        num_choices = source.shape[1]
        out = self.distilbert(
            flatten_choices(input_ids, "input_ids"), flatten_choices(attention_mask, "attention_mask"),
            flatten_choices(inputs_embeds, "inputs_embeds"), flatten_choices(position_ids, "position_ids"),
            output_attentions, output_hidden_states,
        )
        pooled = self.dropout(F.relu(self.pre_classifier(out.last_hidden_state[:, 0])))
        logits = self.classifier(pooled).view(-1, num_choices)  # (B, num_choices)
        loss = F.cross_entropy(logits, labels.to(logits.device)) if labels is not None else None
        return MultipleChoiceModelOutput(loss, logits, out.hidden_states, out.attentions)


CONFIG_CLASS = DistilBertConfig
MODEL_CLASSES: dict[str, type[DistilBertPreTrainedModel]] = {
    "base": DistilBertModel,
    "sequence-classification": DistilBertForSequenceClassification,
    "token-classification": DistilBertForTokenClassification,
    "question-answering": DistilBertForQuestionAnswering,
    "masked-lm": DistilBertForMaskedLM,
    "multiple-choice": DistilBertForMultipleChoice,
}
