"""BERT (Devlin et al. 2018): config, embeddings, encoder, pooler, base model and task heads.

Follows transformers' ``modeling_bert`` so that module names are checkpoint keys: a real checkpoint
(``bert.embeddings.word_embeddings.weight``, ``cls.predictions.transform.dense.weight``, ...) loads
without a renaming table. Only absolute position embeddings and self-attention are supported (no
cross-attention); other settings raise UnsupportedError from ``BertConfig.validate``. ``is_decoder=true``
makes every layer's self-attention causal, for ``BertLMHeadModel`` (no KV cache: BERT decoders are
rare, and a full forward per step is exact).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from lexica.errors import InvalidInputError, UnsupportedError
from lexica.models.configuration import PretrainedConfig
from lexica.models.layers import (
    attention,
    causal_lm_loss,
    causal_mask,
    check_input_ids,
    get_activation,
    padding_mask,
    sequence_classification_loss,
    span_loss,
)
from lexica.models.modeling import PreTrainedModel
from lexica.models.outputs import (
    BaseModelOutputWithPooling,
    CausalLMOutputWithPast,
    MaskedLMOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)

logger = logging.getLogger(__name__)

__all__ = [
    "BertConfig",
    "BertModel",
    "BertForSequenceClassification",
    "BertForTokenClassification",
    "BertForQuestionAnswering",
    "BertForMaskedLM",
    "BertForMultipleChoice",
    "BertLMHeadModel",
    "CONFIG_CLASS",
    "MODEL_CLASSES",
]


@dataclass
class BertConfig(PretrainedConfig):
    """``config.json`` keys of BERT with transformers' defaults (bert-base-uncased)."""

    model_type: ClassVar[str] = "bert"

    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int | None = 0
    classifier_dropout: float | None = None
    is_decoder: bool = False  # causal self-attention (BertLMHeadModel)

    def validate(self) -> None:
        super().validate()
        self._check_positive("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                             "intermediate_size", "max_position_embeddings", "type_vocab_size")
        self._check_divisible("hidden_size", "num_attention_heads")
        self._check_activation("hidden_act")
        self._check_probability("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout")
        check_attention_layout(self)


def check_attention_layout(config: PretrainedConfig) -> None:
    """BERT-like families here have absolute positions and no cross-attention; say so instead of computing
    wrongly. ``is_decoder=true`` (causal self-attention, for BertLMHeadModel/RobertaForCausalLM) is allowed."""
    position_type = config.extra.get("position_embedding_type", "absolute")
    if position_type != "absolute":
        raise UnsupportedError(f"position_embedding_type: expected one of ['absolute'], found {position_type!r}")
    if config.extra.get("add_cross_attention"):
        raise UnsupportedError("add_cross_attention: encoder-decoder cross-attention is not supported, found true")


def is_decoder(config: PretrainedConfig) -> bool:
    """config.json's ``is_decoder``: causal self-attention in every layer."""
    return bool(getattr(config, "is_decoder", config.extra.get("is_decoder", False)))


def self_attention_mask(
    config: PretrainedConfig, attention_mask: torch.Tensor | None, x: torch.Tensor
) -> torch.Tensor | None:
    """Additive mask for the encoder: padding only, or causal + padding when ``is_decoder``."""
    if is_decoder(config):
        return causal_mask(attention_mask, x.shape[1], x.dtype, x.device)  # (B|1, 1, T, T)
    return padding_mask(attention_mask, x.dtype)  # (B, 1, 1, T) or None


# -- embeddings ------------------------------------------------------------------------------------------
# Module names below are checkpoint keys. BERT keeps `LayerNorm` capitalised because its checkpoints do.
class BertEmbeddings(nn.Module):
    """word + position + token-type embeddings, then LayerNorm and dropout."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        input_ids: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
    ) -> torch.Tensor:
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)  # (B, T, C)
        b, t = inputs_embeds.shape[:2]
        if position_ids is None:
            position_ids = torch.arange(t, device=inputs_embeds.device)[None, :]  # (1, T)
        if token_type_ids is None:
            token_type_ids = torch.zeros((b, t), dtype=torch.long, device=inputs_embeds.device)
        x = inputs_embeds + self.token_type_embeddings(token_type_ids) + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(x))


# -- encoder ---------------------------------------------------------------------------------------------
class BertSelfAttention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.dropout_prob = config.attention_probs_dropout_prob
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None, output_attentions: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        b, t, c = x.shape

        def heads(proj: nn.Linear) -> torch.Tensor:  # (B, T, C) -> (B, H, T, D)
            return proj(x).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)

        out, probs = attention(
            heads(self.query), heads(self.key), heads(self.value), mask,
            dropout_p=self.dropout_prob if self.training else 0.0, output_attentions=output_attentions,
        )
        return out.transpose(1, 2).reshape(b, t, c), probs


class BertSelfOutput(nn.Module):
    """Projection after attention, then dropout and the residual LayerNorm."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(config)  # named `self` in checkpoints: attention.self.query.weight
        self.output = BertSelfOutput(config)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None, output_attentions: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        out, probs = self.self(x, mask, output_attentions)
        return self.output(out, x), probs


class BertIntermediate(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = get_activation(config.hidden_act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.intermediate_act_fn(self.dense(x))


class BertOutput(nn.Module):
    """Second feed-forward projection, then dropout and the residual LayerNorm."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertLayer(nn.Module):
    """Post-norm block: attention + residual + LayerNorm, then feed-forward + residual + LayerNorm."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None, output_attentions: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        x, probs = self.attention(x, mask, output_attentions)
        return self.output(self.intermediate(x), x), probs


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(config) for _ in range(config.num_hidden_layers))

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None, output_attentions: bool, output_hidden_states: bool
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None, tuple[torch.Tensor, ...] | None]:
        hidden: list[torch.Tensor] = [x]
        attentions: list[torch.Tensor] = []
        for layer in self.layer:
            x, probs = layer(x, mask, output_attentions)
            hidden.append(x)
            if probs is not None:
                attentions.append(probs)
        return (x, tuple(hidden) if output_hidden_states else None,
                tuple(attentions) if output_attentions else None)


class BertPooler(nn.Module):
    """dense + tanh on the first ([CLS]) token: (B, T, C) -> (B, C)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(x[:, 0]))


# -- base model ------------------------------------------------------------------------------------------
class BertPreTrainedModel(PreTrainedModel):
    config_class = BertConfig
    base_model_prefix = "bert"
    # Older checkpoints saved the position_ids buffer; it is recomputed, so it is not a weight.
    _keys_to_ignore_on_load_unexpected = (r"(^|\.)position_ids$",)

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)  # normal(0, initializer_range), zero bias, LayerNorm 1/0
        if isinstance(module, BertLMPredictionHead):
            nn.init.zeros_(module.bias)


def check_encoder_inputs(
    model_name: str, config: PretrainedConfig, input_ids: torch.Tensor | None,
    inputs_embeds: torch.Tensor | None, attention_mask: torch.Tensor | None, max_positions: int,
) -> tuple[int, int]:
    """Exactly one of input_ids / inputs_embeds, batched, within the position limit; mask of shape (B, T)."""
    if (input_ids is None) == (inputs_embeds is None):
        raise InvalidInputError(f"{model_name}: pass exactly one of input_ids or inputs_embeds")
    if input_ids is not None:
        b, t = check_input_ids(input_ids, max_positions, model_name, vocab_size=config.vocab_size)
    else:
        if inputs_embeds.dim() != 3:
            raise InvalidInputError(
                f"{model_name}: inputs_embeds: expected shape (batch, seq_len, hidden), "
                f"found {tuple(inputs_embeds.shape)}"
            )
        b, t = check_input_ids(inputs_embeds.shape[:2], max_positions, model_name, name="inputs_embeds")
    if attention_mask is not None and tuple(attention_mask.shape) != (b, t):
        raise InvalidInputError(
            f"{model_name}: attention_mask: expected shape {(b, t)} like input_ids, found {tuple(attention_mask.shape)}"
        )
    return b, t


class BertModel(BertPreTrainedModel):
    """Embeddings + encoder (+ pooler). Returns BaseModelOutputWithPooling."""

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True) -> None:
        super().__init__(config)
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> BaseModelOutputWithPooling:
        check_encoder_inputs(type(self).__name__, self.config, input_ids, inputs_embeds, attention_mask,
                             self.config.max_position_embeddings)
        if token_type_ids is not None:
            check_input_ids(token_type_ids, None, type(self).__name__, vocab_size=self.config.type_vocab_size,
                            name="token_type_ids")
        x = self.embeddings(input_ids, token_type_ids, position_ids, inputs_embeds)  # (B, T, C)
        mask = self_attention_mask(self.config, attention_mask, x)
        x, hidden, attentions = self.encoder(x, mask, output_attentions, output_hidden_states)
        pooled = self.pooler(x) if self.pooler is not None else None
        return BaseModelOutputWithPooling(x, pooled, hidden, attentions)


# -- heads -----------------------------------------------------------------------------------------------
def _classifier_dropout(config: BertConfig) -> float:
    return config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob


class BertForSequenceClassification(BertPreTrainedModel):
    """Pooled [CLS] -> dropout -> Linear(num_labels). Loss per problem_type (regression/single/multi-label)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.bert = BertModel(config)
        self.dropout = nn.Dropout(_classifier_dropout(config))
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> SequenceClassifierOutput:
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                        output_attentions, output_hidden_states)
        logits = self.classifier(self.dropout(out.pooler_output))  # (B, num_labels)
        loss = None
        if labels is not None:
            loss, _ = sequence_classification_loss(logits, labels, self.config.num_labels, self.config.problem_type)
        return SequenceClassifierOutput(loss, logits, out.hidden_states, out.attentions)


class BertForTokenClassification(BertPreTrainedModel):
    """Every token -> dropout -> Linear(num_labels); labels of -100 are ignored."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = nn.Dropout(_classifier_dropout(config))
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> TokenClassifierOutput:
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                        output_attentions, output_hidden_states)
        logits = self.classifier(self.dropout(out.last_hidden_state))  # (B, T, num_labels)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, self.config.num_labels), labels.view(-1).to(logits.device))
        return TokenClassifierOutput(loss, logits, out.hidden_states, out.attentions)


class BertForQuestionAnswering(BertPreTrainedModel):
    """Every token -> Linear(2): start and end logits of the answer span."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.qa_outputs = nn.Linear(config.hidden_size, 2)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        start_positions: torch.Tensor | None = None,
        end_positions: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> QuestionAnsweringModelOutput:
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                        output_attentions, output_hidden_states)
        logits = self.qa_outputs(out.last_hidden_state)  # (B, T, 2)
        start_logits, end_logits = (s.squeeze(-1).contiguous() for s in logits.split(1, dim=-1))
        loss = None
        if start_positions is not None and end_positions is not None:
            loss = span_loss(start_logits, end_logits, start_positions, end_positions)
        return QuestionAnsweringModelOutput(loss, start_logits, end_logits, out.hidden_states, out.attentions)


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = get_activation(config.hidden_act)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.transform_act_fn(self.dense(x)))


class BertLMPredictionHead(nn.Module):
    """transform -> decoder (tied to the word embeddings); the decoder bias *is* ``bias`` (tied)."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=True)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.decoder.bias = self.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transform(x))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.predictions(x)


class BertForMaskedLM(BertPreTrainedModel):
    """Masked-token prediction with the ``cls.predictions`` head of BERT's pre-training checkpoints."""

    _tied_weights_keys = {"cls.predictions.decoder.bias": "cls.predictions.bias"}

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(config)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.cls.predictions.decoder

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> MaskedLMOutput:
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                        output_attentions, output_hidden_states)
        logits = self.cls(out.last_hidden_state)  # (B, T, V)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, self.config.vocab_size), labels.view(-1).to(logits.device))
        return MaskedLMOutput(loss, logits, out.hidden_states, out.attentions)


class BertLMHeadModel(BertPreTrainedModel):
    """Left-to-right LM with the ``cls.predictions`` head; needs ``is_decoder=true`` for causal attention."""

    _tied_weights_keys = {"cls.predictions.decoder.bias": "cls.predictions.bias"}

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        if not is_decoder(config):
            logger.warning("BertLMHeadModel without is_decoder=True attends to future tokens; set is_decoder=True")
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(config)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.cls.predictions.decoder

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> CausalLMOutputWithPast:
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                        output_attentions, output_hidden_states)
        logits = self.cls(out.last_hidden_state)  # (B, T, V)
        loss = causal_lm_loss(logits, labels) if labels is not None else None  # position t predicts t + 1
        return CausalLMOutputWithPast(loss, logits, None, out.hidden_states, out.attentions)


def flatten_choices(t: torch.Tensor | None, name: str) -> torch.Tensor | None:
    """(B, num_choices, T[, C]) -> (B * num_choices, T[, C]) for multiple-choice heads."""
    if t is None:
        return None
    if t.dim() < 3:
        raise InvalidInputError(f"{name}: expected shape (batch, num_choices, seq_len), found {tuple(t.shape)}")
    return t.reshape(-1, *t.shape[2:])


class BertForMultipleChoice(BertPreTrainedModel):
    """Each (B, num_choices, T) choice -> pooled [CLS] -> Linear(1); softmax over choices."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.bert = BertModel(config)
        self.dropout = nn.Dropout(_classifier_dropout(config))
        self.classifier = nn.Linear(config.hidden_size, 1)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> MultipleChoiceModelOutput:
        source = input_ids if input_ids is not None else inputs_embeds
        if source is None:
            raise InvalidInputError(f"{type(self).__name__}: pass input_ids or inputs_embeds")
        num_choices = source.shape[1]
        out = self.bert(
            flatten_choices(input_ids, "input_ids"), flatten_choices(attention_mask, "attention_mask"),
            flatten_choices(token_type_ids, "token_type_ids"), flatten_choices(position_ids, "position_ids"),
            flatten_choices(inputs_embeds, "inputs_embeds"), output_attentions, output_hidden_states,
        )
        logits = self.classifier(self.dropout(out.pooler_output)).view(-1, num_choices)  # (B, num_choices)
        loss = F.cross_entropy(logits, labels.to(logits.device)) if labels is not None else None
        return MultipleChoiceModelOutput(loss, logits, out.hidden_states, out.attentions)


CONFIG_CLASS = BertConfig
MODEL_CLASSES: dict[str, type[BertPreTrainedModel]] = {
    "base": BertModel,
    "sequence-classification": BertForSequenceClassification,
    "token-classification": BertForTokenClassification,
    "question-answering": BertForQuestionAnswering,
    "masked-lm": BertForMaskedLM,
    "causal-lm": BertLMHeadModel,
    "multiple-choice": BertForMultipleChoice,
}
