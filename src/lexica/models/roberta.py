"""RoBERTa (Liu et al. 2019): BERT's encoder with different embeddings and heads.

Follows transformers' ``modeling_roberta``. The encoder and pooler are BERT's (same checkpoint
keys: ``roberta.encoder.layer.0.attention.self.query.weight``), so they are imported from bert.py.
What differs is written here:

- positions start at ``pad_token_id + 1`` and padding tokens get the padding position (fairseq's
  ``make_positions``), so a 514-row position table holds 512 tokens;
- the MLM head is ``lm_head`` (dense, GELU, lower-case ``layer_norm``, decoder tied to the word
  embeddings, decoder bias tied to ``lm_head.bias``);
- sequence classification uses ``classifier.dense``/``classifier.out_proj`` on the ``<s>`` token;
- ``RobertaForCausalLM`` is the ``lm_head`` over causal self-attention (``is_decoder=true``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from lexica.errors import InvalidInputError
from lexica.models.bert import (
    BertEncoder,
    BertPooler,
    check_attention_layout,
    check_encoder_inputs,
    flatten_choices,
    is_decoder,
    self_attention_mask,
    span_loss,
)
from lexica.models.configuration import PretrainedConfig
from lexica.models.layers import causal_lm_loss, check_input_ids, sequence_classification_loss
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
    "RobertaConfig",
    "RobertaModel",
    "RobertaForSequenceClassification",
    "RobertaForTokenClassification",
    "RobertaForQuestionAnswering",
    "RobertaForMaskedLM",
    "RobertaForMultipleChoice",
    "RobertaForCausalLM",
    "CONFIG_CLASS",
    "MODEL_CLASSES",
]


@dataclass
class RobertaConfig(PretrainedConfig):
    """``config.json`` keys of RoBERTa with transformers' defaults (BERT's keys, RoBERTa's token ids)."""

    model_type: ClassVar[str] = "roberta"

    vocab_size: int = 50265
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
    pad_token_id: int | None = 1
    bos_token_id: int | None = 0
    eos_token_id: int | list[int] | None = 2
    classifier_dropout: float | None = None
    is_decoder: bool = False  # causal self-attention (RobertaForCausalLM)

    def validate(self) -> None:
        super().validate()
        self._check_positive("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                             "intermediate_size", "max_position_embeddings", "type_vocab_size")
        self._check_divisible("hidden_size", "num_attention_heads")
        self._check_activation("hidden_act")
        self._check_probability("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout")
        check_attention_layout(self)

    @property
    def max_tokens(self) -> int:
        """Usable sequence length: positions 0..pad_token_id are reserved (514 rows -> 512 tokens)."""
        return self.max_position_embeddings - (self.pad_token_id or 0) - 1


class RobertaEmbeddings(nn.Module):
    """word + padding-aware position + token-type embeddings, LayerNorm, dropout."""

    def __init__(self, config: RobertaConfig) -> None:
        super().__init__()
        self.padding_idx = config.pad_token_id or 0
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size,
                                                padding_idx=config.pad_token_id)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)  # capitalised as in checkpoints
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def position_ids(self, input_ids: torch.Tensor | None, inputs_embeds: torch.Tensor | None) -> torch.Tensor:
        if input_ids is None:  # embeddings give no padding information: sequential from padding_idx + 1
            t = inputs_embeds.shape[1]
            return torch.arange(self.padding_idx + 1, t + self.padding_idx + 1, device=inputs_embeds.device)[None, :]
        keep = input_ids.ne(self.padding_idx).int()  # (B, T)
        return (torch.cumsum(keep, dim=1) * keep).long() + self.padding_idx

    def forward(
        self,
        input_ids: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
    ) -> torch.Tensor:
        if position_ids is None:
            position_ids = self.position_ids(input_ids, inputs_embeds)
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)  # (B, T, C)
        if token_type_ids is None:
            token_type_ids = torch.zeros(inputs_embeds.shape[:2], dtype=torch.long, device=inputs_embeds.device)
        x = inputs_embeds + self.token_type_embeddings(token_type_ids) + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(x))


class RobertaPreTrainedModel(PreTrainedModel):
    config_class = RobertaConfig
    base_model_prefix = "roberta"
    _keys_to_ignore_on_load_unexpected = (r"(^|\.)position_ids$",)

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)  # normal(0, initializer_range), zero bias and padding rows, LayerNorm 1/0
        if isinstance(module, RobertaLMHead):
            nn.init.zeros_(module.bias)


class RobertaModel(RobertaPreTrainedModel):
    """Embeddings + BERT encoder (+ pooler). Returns BaseModelOutputWithPooling."""

    def __init__(self, config: RobertaConfig, add_pooling_layer: bool = True) -> None:
        super().__init__(config)
        self.embeddings = RobertaEmbeddings(config)
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
                             self.config.max_tokens)
        if token_type_ids is not None:
            check_input_ids(token_type_ids, None, type(self).__name__, vocab_size=self.config.type_vocab_size,
                            name="token_type_ids")
        x = self.embeddings(input_ids, token_type_ids, position_ids, inputs_embeds)  # (B, T, C)
        mask = self_attention_mask(self.config, attention_mask, x)  # padding (+ causal when is_decoder)
        x, hidden, attentions = self.encoder(x, mask, output_attentions, output_hidden_states)
        pooled = self.pooler(x) if self.pooler is not None else None
        return BaseModelOutputWithPooling(x, pooled, hidden, attentions)


# -- heads -----------------------------------------------------------------------------------------------
def _classifier_dropout(config: RobertaConfig) -> float:
    return config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob


class RobertaLMHead(nn.Module):
    """dense -> GELU -> layer_norm -> decoder; decoder.bias *is* ``bias`` (tied)."""

    def __init__(self, config: RobertaConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.decoder.bias = self.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.layer_norm(F.gelu(self.dense(x))))  # exact GELU whatever hidden_act says


class RobertaForMaskedLM(RobertaPreTrainedModel):
    _tied_weights_keys = {"lm_head.decoder.bias": "lm_head.bias"}

    def __init__(self, config: RobertaConfig) -> None:
        super().__init__(config)
        self.roberta = RobertaModel(config, add_pooling_layer=False)
        self.lm_head = RobertaLMHead(config)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head.decoder

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
        out = self.roberta(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                           output_attentions, output_hidden_states)
        logits = self.lm_head(out.last_hidden_state)  # (B, T, V)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, self.config.vocab_size), labels.view(-1).to(logits.device))
        return MaskedLMOutput(loss, logits, out.hidden_states, out.attentions)


class RobertaForCausalLM(RobertaPreTrainedModel):
    """Left-to-right LM with the ``lm_head``; needs ``is_decoder=true`` for causal attention."""

    _tied_weights_keys = {"lm_head.decoder.bias": "lm_head.bias"}

    def __init__(self, config: RobertaConfig) -> None:
        super().__init__(config)
        if not is_decoder(config):
            logger.warning("RobertaForCausalLM without is_decoder=True attends to future tokens; set is_decoder=True")
        self.roberta = RobertaModel(config, add_pooling_layer=False)
        self.lm_head = RobertaLMHead(config)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head.decoder

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
        out = self.roberta(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                           output_attentions, output_hidden_states)
        logits = self.lm_head(out.last_hidden_state)  # (B, T, V)
        loss = causal_lm_loss(logits, labels) if labels is not None else None  # position t predicts t + 1
        return CausalLMOutputWithPast(loss, logits, None, out.hidden_states, out.attentions)


class RobertaClassificationHead(nn.Module):
    """<s> token -> dropout -> dense -> tanh -> dropout -> out_proj."""

    def __init__(self, config: RobertaConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(_classifier_dropout(config))
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.dropout(x[:, 0])  # (B, C)
        return self.out_proj(self.dropout(torch.tanh(self.dense(x))))


class RobertaForSequenceClassification(RobertaPreTrainedModel):
    def __init__(self, config: RobertaConfig) -> None:
        super().__init__(config)
        self.roberta = RobertaModel(config, add_pooling_layer=False)
        self.classifier = RobertaClassificationHead(config)
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
        out = self.roberta(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                           output_attentions, output_hidden_states)
        logits = self.classifier(out.last_hidden_state)  # (B, num_labels)
        loss = None
        if labels is not None:
            loss, _ = sequence_classification_loss(logits, labels, self.config.num_labels, self.config.problem_type)
        return SequenceClassifierOutput(loss, logits, out.hidden_states, out.attentions)


class RobertaForTokenClassification(RobertaPreTrainedModel):
    def __init__(self, config: RobertaConfig) -> None:
        super().__init__(config)
        self.roberta = RobertaModel(config, add_pooling_layer=False)
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
        out = self.roberta(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                           output_attentions, output_hidden_states)
        logits = self.classifier(self.dropout(out.last_hidden_state))  # (B, T, num_labels)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, self.config.num_labels), labels.view(-1).to(logits.device))
        return TokenClassifierOutput(loss, logits, out.hidden_states, out.attentions)


class RobertaForQuestionAnswering(RobertaPreTrainedModel):
    def __init__(self, config: RobertaConfig) -> None:
        super().__init__(config)
        self.roberta = RobertaModel(config, add_pooling_layer=False)
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
        out = self.roberta(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                           output_attentions, output_hidden_states)
        logits = self.qa_outputs(out.last_hidden_state)  # (B, T, 2)
        start_logits, end_logits = (s.squeeze(-1).contiguous() for s in logits.split(1, dim=-1))
        loss = None
        if start_positions is not None and end_positions is not None:
            loss = span_loss(start_logits, end_logits, start_positions, end_positions)
        return QuestionAnsweringModelOutput(loss, start_logits, end_logits, out.hidden_states, out.attentions)


class RobertaForMultipleChoice(RobertaPreTrainedModel):
    def __init__(self, config: RobertaConfig) -> None:
        super().__init__(config)
        self.roberta = RobertaModel(config)
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
        out = self.roberta(
            flatten_choices(input_ids, "input_ids"), flatten_choices(attention_mask, "attention_mask"),
            flatten_choices(token_type_ids, "token_type_ids"), flatten_choices(position_ids, "position_ids"),
            flatten_choices(inputs_embeds, "inputs_embeds"), output_attentions, output_hidden_states,
        )
        logits = self.classifier(self.dropout(out.pooler_output)).view(-1, num_choices)  # (B, num_choices)
        loss = F.cross_entropy(logits, labels.to(logits.device)) if labels is not None else None
        return MultipleChoiceModelOutput(loss, logits, out.hidden_states, out.attentions)


CONFIG_CLASS = RobertaConfig
MODEL_CLASSES: dict[str, type[RobertaPreTrainedModel]] = {
    "base": RobertaModel,
    "sequence-classification": RobertaForSequenceClassification,
    "token-classification": RobertaForTokenClassification,
    "question-answering": RobertaForQuestionAnswering,
    "masked-lm": RobertaForMaskedLM,
    "causal-lm": RobertaForCausalLM,
    "multiple-choice": RobertaForMultipleChoice,
}
