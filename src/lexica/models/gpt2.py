"""GPT-2 (Radford et al. 2019, "Language Models are Unsupervised Multitask Learners"), top to bottom.

Config, attention, block, base model and heads, with module names equal to transformers' checkpoint
keys (``transformer.h.0.attn.c_attn.weight`` ...), so HF GPT-2 checkpoints load without renaming.
Follows transformers' ``modeling_gpt2.py``: pre-LayerNorm blocks, learned absolute position
embeddings, "gelu_new" MLP, LM head tied to the token embeddings.

Quirk kept for checkpoint compatibility: the linear layers are OpenAI's ``Conv1D``, whose weight is
stored transposed relative to ``nn.Linear``: shape (in_features, out_features) and ``y = x @ W + b``.

KV cache: ``past_key_values`` is a tuple with one ``(key, value)`` pair per layer, each
(B, H, S_past, D). A forward with ``use_cache=True`` returns the extended cache; feeding it back with
only the new tokens (and an ``attention_mask`` covering past + new tokens) gives the same result as a
full forward. Position ids default to ``past_length + arange(T)`` as in transformers' forward (also
with left padding); pass ``position_ids`` explicitly to count from the first real token, as
transformers' ``generate`` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from lexica.errors import InvalidInputError, UnsupportedError
from lexica.models.configuration import PretrainedConfig
from lexica.models.layers import (
    attention,
    causal_lm_loss,
    check_input_ids,
    get_activation,
    decoder_attention_mask,
    last_token_logits,
    sequence_classification_loss,
    span_loss,
)
from lexica.models.modeling import PreTrainedModel
from lexica.models.outputs import (
    BaseModelOutputWithPast,
    CausalLMOutputWithPast,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutputWithPast,
    TokenClassifierOutput,
)

__all__ = [
    "GPT2Config",
    "GPT2Model",
    "GPT2LMHeadModel",
    "GPT2ForSequenceClassification",
    "GPT2ForTokenClassification",
    "GPT2ForQuestionAnswering",
    "CONFIG_CLASS",
    "MODEL_CLASSES",
]

KVCache = tuple[tuple[torch.Tensor, torch.Tensor], ...]


@dataclass
class GPT2Config(PretrainedConfig):
    """transformers' GPT2Config keys and defaults (GPT-2 small). ``hidden_size`` etc. are aliases."""

    model_type: ClassVar[str] = "gpt2"

    vocab_size: int = 50257
    n_positions: int = 1024
    n_embd: int = 768
    n_layer: int = 12
    n_head: int = 12
    n_inner: int | None = None  # MLP width; None means 4 * n_embd
    activation_function: str = "gelu_new"
    resid_pdrop: float = 0.1
    embd_pdrop: float = 0.1
    attn_pdrop: float = 0.1
    layer_norm_epsilon: float = 1e-5
    initializer_range: float = 0.02
    # summary_* configure GPT2DoubleHeadsModel (not implemented); kept so configs round-trip.
    summary_type: str = "cls_index"
    summary_use_proj: bool = True
    summary_activation: str | None = None
    summary_proj_to_labels: bool = True
    summary_first_dropout: float = 0.1
    scale_attn_weights: bool = True
    use_cache: bool = True
    scale_attn_by_inverse_layer_idx: bool = False
    reorder_and_upcast_attn: bool = False  # only changes fp16 eager numerics in transformers
    add_cross_attention: bool = False
    bos_token_id: int | None = 50256
    eos_token_id: int | list[int] | None = 50256

    # transformers' attribute_map: the generic names the rest of the library uses.
    @property
    def hidden_size(self) -> int:
        return self.n_embd

    @property
    def num_attention_heads(self) -> int:
        return self.n_head

    @property
    def num_hidden_layers(self) -> int:
        return self.n_layer

    @property
    def max_position_embeddings(self) -> int:
        return self.n_positions

    def validate(self) -> None:
        super().validate()
        self._check_positive("vocab_size", "n_positions", "n_embd", "n_layer", "n_head")
        if self.n_inner is not None:
            self._check_positive("n_inner")
        self._check_divisible("n_embd", "n_head")
        self._check_activation("activation_function")
        self._check_probability("resid_pdrop", "embd_pdrop", "attn_pdrop", "summary_first_dropout")


class Conv1D(nn.Module):
    """OpenAI GPT's linear layer: weight (in_features, out_features), ``y = x @ W + b``."""

    def __init__(self, out_features: int, in_features: int, residual_projection: bool = False) -> None:
        super().__init__()  # argument order (nf, nx) as in transformers
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.residual_projection = residual_projection  # output added to the residual stream (init scaled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight)  # (N, out)
        return flat.view(*x.shape[:-1], -1)

    def extra_repr(self) -> str:
        return f"in_features={self.weight.shape[0]}, out_features={self.weight.shape[1]}"


class GPT2Attention(nn.Module):
    """Causal multi-head self-attention with one fused q/k/v projection (``c_attn``)."""

    def __init__(self, config: GPT2Config, layer_idx: int) -> None:
        super().__init__()
        self.n_head, self.head_dim = config.n_head, config.n_embd // config.n_head
        self.scale = self.head_dim**-0.5 if config.scale_attn_weights else 1.0
        if config.scale_attn_by_inverse_layer_idx:
            self.scale /= float(layer_idx + 1)
        self.c_attn = Conv1D(3 * config.n_embd, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, config.n_embd, residual_projection=True)
        self.attn_dropout = config.attn_pdrop
        self.resid_dropout = nn.Dropout(config.resid_pdrop)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None,
        past: tuple[torch.Tensor, torch.Tensor] | None,
        output_attentions: bool,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor], torch.Tensor | None]:
        b, t, c = x.shape
        # (B, T, 3C) -> three (B, H, T, D)
        q, k, v = (y.view(b, t, self.n_head, self.head_dim).transpose(1, 2) for y in self.c_attn(x).split(c, dim=2))
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)  # (B, H, S, D)
        out, probs = attention(
            q,
            k,
            v,
            mask,
            dropout_p=self.attn_dropout if self.training else 0.0,
            is_causal=mask is None,
            scale=self.scale,
            output_attentions=output_attentions,
        )
        out = out.transpose(1, 2).reshape(b, t, c)  # (B, T, C)
        return self.resid_dropout(self.c_proj(out)), (k, v), probs


class GPT2MLP(nn.Module):
    def __init__(self, config: GPT2Config) -> None:
        super().__init__()
        inner = config.n_inner if config.n_inner is not None else 4 * config.n_embd
        self.c_fc = Conv1D(inner, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, inner, residual_projection=True)
        self.act = get_activation(config.activation_function, "activation_function")
        self.dropout = nn.Dropout(config.resid_pdrop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.act(self.c_fc(x))))


class GPT2Block(nn.Module):
    """Pre-LayerNorm block: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, config: GPT2Config, layer_idx: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.attn = GPT2Attention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.mlp = GPT2MLP(config)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None,
        past: tuple[torch.Tensor, torch.Tensor] | None,
        output_attentions: bool,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor], torch.Tensor | None]:
        attn_out, present, probs = self.attn(self.ln_1(x), mask, past, output_attentions)
        x = x + attn_out
        x = x + self.mlp(self.ln_2(x))
        return x, present, probs


class GPT2PreTrainedModel(PreTrainedModel):
    """GPT-2's init scheme: N(0, initializer_range), with the residual projections scaled down."""

    config_class = GPT2Config
    base_model_prefix = "transformer"

    def _init_weights(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, Conv1D) and module.residual_projection:
            # GPT-2 paper: scale residual-path weights by 1/sqrt(N), N = 2 residual adds per block.
            std = std / math.sqrt(2 * self.config.n_layer)
        if isinstance(module, (nn.Linear, Conv1D)):
            nn.init.normal_(module.weight, 0.0, std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, 0.0, std)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)


class GPT2Model(GPT2PreTrainedModel):
    """Token + position embeddings, ``n_layer`` blocks, final LayerNorm ``ln_f``."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__(config)
        if config.add_cross_attention:
            raise UnsupportedError("GPT2Config.add_cross_attention: expected False; cross-attention is not supported")
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.n_positions, config.n_embd)
        self.drop = nn.Dropout(config.embd_pdrop)
        self.h = nn.ModuleList(GPT2Block(config, i) for i in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.wte

    def set_input_embeddings(self, embeddings: nn.Embedding) -> None:
        self.wte = embeddings

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        past_key_values: KVCache | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> BaseModelOutputWithPast:
        past_length = past_key_values[0][0].shape[2] if past_key_values else 0
        x = self._embed(input_ids, inputs_embeds, token_type_ids, position_ids, past_length)
        mask = decoder_attention_mask(attention_mask, x.shape[:2], past_length, x.dtype, x.device, output_attentions)
        use_cache = self.config.use_cache if use_cache is None else use_cache
        hidden_states: list[torch.Tensor] = []
        attentions: list[torch.Tensor] = []
        presents = []
        for i, block in enumerate(self.h):
            hidden_states.append(x)
            x, present, probs = block(x, mask, past_key_values[i] if past_key_values else None, output_attentions)
            presents.append(present)
            if probs is not None:
                attentions.append(probs)
        x = self.ln_f(x)
        hidden_states.append(x)
        return BaseModelOutputWithPast(
            last_hidden_state=x,
            past_key_values=tuple(presents) if use_cache else None,
            hidden_states=tuple(hidden_states) if output_hidden_states else None,
            attentions=tuple(attentions) if output_attentions else None,
        )

    def _embed(
        self,
        input_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        past_length: int,
    ) -> torch.Tensor:
        """wte(ids) + wpe(positions) [+ wte(token_type_ids)], then dropout: (B, T, C)."""
        if (input_ids is None) == (inputs_embeds is None):
            raise InvalidInputError("GPT2Model: pass exactly one of input_ids and inputs_embeds")
        if input_ids is not None:
            check_input_ids(input_ids, self.config.n_positions, "GPT2Model", past_length=past_length,
                            vocab_size=self.config.vocab_size)
            inputs_embeds = self.wte(input_ids)
        else:
            check_input_ids(inputs_embeds.shape[:2], self.config.n_positions, "GPT2Model", past_length=past_length,
                            name="inputs_embeds")
        t = inputs_embeds.shape[1]
        if position_ids is None:
            position_ids = torch.arange(past_length, past_length + t, device=inputs_embeds.device)[None]  # (1, T)
        else:
            check_input_ids(position_ids.reshape(1, -1), None, "GPT2Model", vocab_size=self.config.n_positions,
                            name="position_ids")  # ids into wpe: must lie in [0, n_positions)
        x = inputs_embeds + self.wpe(position_ids)
        if token_type_ids is not None:
            check_input_ids(token_type_ids, None, "GPT2Model", vocab_size=self.config.vocab_size, name="token_type_ids")
            x = x + self.wte(token_type_ids)  # GPT-2 reuses the token table for segment ids
        return self.drop(x)


class GPT2LMHeadModel(GPT2PreTrainedModel):
    """GPT-2 with the language-modelling head ``lm_head`` (tied to ``transformer.wte``)."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__(config)
        self.transformer = GPT2Model(config)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.transformer.wte

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        past_key_values: KVCache | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        logits_to_keep: int = 0,
    ) -> CausalLMOutputWithPast:
        """``labels`` are the input ids (shifted inside); ``logits_to_keep=k`` computes only the last k."""
        out = self.transformer(
            input_ids, past_key_values, attention_mask, token_type_ids, position_ids, inputs_embeds,
            use_cache, output_attentions, output_hidden_states,
        )
        hidden = out.last_hidden_state
        logits = self.lm_head(hidden[:, -logits_to_keep:] if logits_to_keep else hidden)  # (B, T, V)
        loss = causal_lm_loss(logits, labels) if labels is not None else None
        return CausalLMOutputWithPast(loss, logits, out.past_key_values, out.hidden_states, out.attentions)


class GPT2ForSequenceClassification(GPT2PreTrainedModel):
    """Linear ``score`` (no bias) on the hidden state of each sequence's last non-pad token."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__(config)
        self.transformer = GPT2Model(config)
        self.score = nn.Linear(config.n_embd, config.num_labels, bias=False)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.transformer.wte

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        past_key_values: KVCache | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> SequenceClassifierOutputWithPast:
        out = self.transformer(
            input_ids, past_key_values, attention_mask, token_type_ids, position_ids, inputs_embeds,
            use_cache, output_attentions, output_hidden_states,
        )
        logits = last_token_logits(self.score(out.last_hidden_state), input_ids, self.config.pad_token_id)
        loss = None
        if labels is not None:
            loss, _ = sequence_classification_loss(logits, labels, self.config.num_labels, self.config.problem_type)
        return SequenceClassifierOutputWithPast(loss, logits, out.past_key_values, out.hidden_states, out.attentions)


class GPT2ForTokenClassification(GPT2PreTrainedModel):
    """Dropout + linear ``classifier`` on every position."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__(config)
        self.transformer = GPT2Model(config)
        # transformers reads classifier_dropout, then hidden_dropout, else 0.1 (GPT2Config has neither key).
        dropout = config.extra.get("classifier_dropout", config.extra.get("hidden_dropout"))
        self.dropout = nn.Dropout(0.1 if dropout is None else dropout)
        self.classifier = nn.Linear(config.n_embd, config.num_labels)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.transformer.wte

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        past_key_values: KVCache | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> TokenClassifierOutput:
        out = self.transformer(
            input_ids, past_key_values, attention_mask, token_type_ids, position_ids, inputs_embeds,
            False, output_attentions, output_hidden_states,
        )
        logits = self.classifier(self.dropout(out.last_hidden_state))  # (B, T, num_labels)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1).to(logits.device))
        return TokenClassifierOutput(loss, logits, out.hidden_states, out.attentions)


class GPT2ForQuestionAnswering(GPT2PreTrainedModel):
    """Linear ``qa_outputs`` giving start and end logits for every position."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__(config)
        self.transformer = GPT2Model(config)
        self.qa_outputs = nn.Linear(config.n_embd, 2)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.transformer.wte

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
        out = self.transformer(
            input_ids, None, attention_mask, token_type_ids, position_ids, inputs_embeds,
            False, output_attentions, output_hidden_states,
        )
        logits = self.qa_outputs(out.last_hidden_state)  # (B, T, 2)
        start_logits, end_logits = logits[..., 0].contiguous(), logits[..., 1].contiguous()
        loss = None
        if start_positions is not None and end_positions is not None:
            loss = span_loss(start_logits, end_logits, start_positions, end_positions)
        return QuestionAnsweringModelOutput(loss, start_logits, end_logits, out.hidden_states, out.attentions)


CONFIG_CLASS = GPT2Config
# transformers has no GPT2ForMaskedLM / GPT2ForMultipleChoice (GPT2DoubleHeadsModel is not implemented).
MODEL_CLASSES: dict[str, type[GPT2PreTrainedModel]] = {
    "base": GPT2Model,
    "causal-lm": GPT2LMHeadModel,
    "sequence-classification": GPT2ForSequenceClassification,
    "token-classification": GPT2ForTokenClassification,
    "question-answering": GPT2ForQuestionAnswering,
}
