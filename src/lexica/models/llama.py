"""Llama (Touvron et al. 2023), top to bottom; also covers SmolLM2 and Mistral-style checkpoints.

Config, RMSNorm, rotary embedding, grouped-query attention, gated MLP, decoder layer, base model and
heads, with module names equal to transformers' checkpoint keys (``model.layers.0.self_attn.q_proj``
...). Follows transformers' ``modeling_llama.py``: pre-norm blocks with RMSNorm, rotary position
embedding in the "rotate_half" layout (dimension i pairs with i + head_dim/2), grouped-query attention
(``num_key_value_heads`` key/value heads shared by groups of query heads), SiLU-gated MLP.

KV cache: ``past_key_values`` is a tuple with one ``(key, value)`` pair per layer, each
(B, Hkv, S_past, D), keys already rotated. Position ids default to ``past_length + arange(T)`` as in
transformers' forward (also with left padding); pass ``position_ids`` to count from the first real
token, as transformers' ``generate`` does. GGUF files load through ``from_pretrained(dir,
gguf_file=...)`` (see gguf.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from lexica.errors import ConfigError, InvalidInputError, UnsupportedError
from lexica.models.configuration import PretrainedConfig
from lexica.models.layers import (
    RMSNorm,
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
    "LlamaConfig",
    "LlamaModel",
    "LlamaForCausalLM",
    "LlamaForSequenceClassification",
    "LlamaForTokenClassification",
    "LlamaForQuestionAnswering",
    "CONFIG_CLASS",
    "MODEL_CLASSES",
]

SUPPORTED_ROPE_TYPES = ["default"]

KVCache = tuple[tuple[torch.Tensor, torch.Tensor], ...]


@dataclass
class LlamaConfig(PretrainedConfig):
    """transformers' LlamaConfig keys and defaults (Llama-2-7B shapes).

    Rotary settings come either as transformers 5's ``rope_parameters`` ({"rope_theta", "rope_type"})
    or as the older top-level ``rope_theta`` + ``rope_scaling``; :meth:`rope_theta_value` reads both.
    """

    model_type: ClassVar[str] = "llama"

    vocab_size: int = 32000
    hidden_size: int = 4096
    intermediate_size: int = 11008
    num_hidden_layers: int = 32
    num_attention_heads: int = 32
    num_key_value_heads: int | None = None  # None means num_attention_heads (plain multi-head)
    head_dim: int | None = None  # None means hidden_size // num_attention_heads
    hidden_act: str = "silu"
    max_position_embeddings: int = 2048
    initializer_range: float = 0.02
    rms_norm_eps: float = 1e-6
    use_cache: bool = True
    pretraining_tp: int = 1
    rope_theta: float = 10000.0
    rope_scaling: dict[str, Any] | None = None
    rope_parameters: dict[str, Any] | None = None
    attention_bias: bool = False
    attention_dropout: float = 0.0
    mlp_bias: bool = False
    bos_token_id: int | None = 1
    eos_token_id: int | list[int] | None = 2
    tie_word_embeddings: bool = False

    @property
    def kv_heads(self) -> int:
        return self.num_key_value_heads or self.num_attention_heads

    @property
    def head_size(self) -> int:
        return self.head_dim or self.hidden_size // self.num_attention_heads

    def rope_theta_value(self) -> float:
        if self.rope_parameters and "rope_theta" in self.rope_parameters:
            return float(self.rope_parameters["rope_theta"])
        return float(self.rope_theta)

    def rope_type(self) -> str:
        for params in (self.rope_parameters, self.rope_scaling):
            if params:
                return params.get("rope_type", params.get("type", "default"))
        return "default"

    def to_dict(self) -> dict[str, Any]:
        """Writes the rotary base both ways (``rope_theta`` and ``rope_parameters``) so that readers
        of either transformers generation agree on it."""
        data = super().to_dict()
        theta = self.rope_theta_value()
        data["rope_theta"] = theta
        data["rope_parameters"] = {**(self.rope_parameters or {"rope_type": "default"}), "rope_theta": theta}
        return data

    def validate(self) -> None:
        super().validate()
        self._check_positive("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers")
        self._check_positive("num_attention_heads", "max_position_embeddings")
        if self.num_key_value_heads is not None:
            self._check_positive("num_key_value_heads")
            self._check_divisible("num_attention_heads", "num_key_value_heads")
        if self.head_dim is not None:
            self._check_positive("head_dim")
        else:
            self._check_divisible("hidden_size", "num_attention_heads")
        if self.head_size % 2:
            raise ConfigError(f"head_dim: rotary embedding needs an even head size, found {self.head_size}")
        self._check_activation("hidden_act")
        self._check_probability("attention_dropout")


class LlamaRotaryEmbedding(nn.Module):
    """cos/sin tables for rotary position embedding (Su et al. 2021), "rotate_half" layout.

    Frequency j (j < D/2) is theta^(-2j/D); both halves of the head dimension use the same
    frequencies, so cos/sin have shape (B|1, T, D) with the D/2 angles repeated twice.
    """

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        if config.rope_type() not in SUPPORTED_ROPE_TYPES:  # the config loads; only the model refuses
            raise UnsupportedError(
                f"rope_parameters.rope_type: expected one of {SUPPORTED_ROPE_TYPES}, found {config.rope_type()!r}"
            )
        dim = config.head_size
        inv_freq = 1.0 / (config.rope_theta_value() ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)  # (D/2,)

    def forward(self, x: torch.Tensor, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # Angles in float32 whatever the model dtype: positions up to 8k lose precision in bf16.
        freqs = position_ids[..., None].float() * self.inv_freq.to(x.device)  # (B|1, T, D/2)
        emb = torch.cat([freqs, freqs], dim=-1)  # (B|1, T, D)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(x1, x2) -> (-x2, x1) on the two halves of the last dimension."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate (B, H, T, D) queries or keys by their positions' angles; cos/sin are (B|1, T, D)."""
    cos, sin = cos[:, None], sin[:, None]  # broadcast over heads
    return x * cos + rotate_half(x) * sin


class LlamaAttention(nn.Module):
    """Grouped-query self-attention with rotary embedding on q and k."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.n_heads, self.n_kv, self.head_dim = config.num_attention_heads, config.kv_heads, config.head_size
        bias, hidden = config.attention_bias, config.hidden_size
        self.q_proj = nn.Linear(hidden, self.n_heads * self.head_dim, bias=bias)
        self.k_proj = nn.Linear(hidden, self.n_kv * self.head_dim, bias=bias)
        self.v_proj = nn.Linear(hidden, self.n_kv * self.head_dim, bias=bias)
        self.o_proj = nn.Linear(self.n_heads * self.head_dim, hidden, bias=bias)
        self.attention_dropout = config.attention_dropout

    def forward(
        self,
        x: torch.Tensor,
        rotary: tuple[torch.Tensor, torch.Tensor],
        mask: torch.Tensor | None,
        past: tuple[torch.Tensor, torch.Tensor] | None,
        output_attentions: bool,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor], torch.Tensor | None]:
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.n_heads, self.head_dim).transpose(1, 2)  # (B, H, T, D)
        k = self.k_proj(x).view(b, t, self.n_kv, self.head_dim).transpose(1, 2)  # (B, Hkv, T, D)
        v = self.v_proj(x).view(b, t, self.n_kv, self.head_dim).transpose(1, 2)
        q, k = apply_rotary(q, *rotary), apply_rotary(k, *rotary)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)  # (B, Hkv, S, D)
        out, probs = attention(
            q,
            k,
            v,
            mask,
            dropout_p=self.attention_dropout if self.training else 0.0,
            is_causal=mask is None,
            output_attentions=output_attentions,
        )
        out = out.transpose(1, 2).reshape(b, t, self.n_heads * self.head_dim)
        return self.o_proj(out), (k, v), probs


class LlamaMLP(nn.Module):
    """down(act(gate(x)) * up(x)): the SwiGLU feed-forward (Shazeer 2020)."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        hidden, inner, bias = config.hidden_size, config.intermediate_size, config.mlp_bias
        self.gate_proj = nn.Linear(hidden, inner, bias=bias)
        self.up_proj = nn.Linear(hidden, inner, bias=bias)
        self.down_proj = nn.Linear(inner, hidden, bias=bias)
        self.act_fn = get_activation(config.hidden_act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    """Pre-norm block: x + attn(norm(x)), then x + mlp(norm(x))."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.self_attn = LlamaAttention(config)
        self.mlp = LlamaMLP(config)
        self.input_layernorm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)

    def forward(
        self,
        x: torch.Tensor,
        rotary: tuple[torch.Tensor, torch.Tensor],
        mask: torch.Tensor | None,
        past: tuple[torch.Tensor, torch.Tensor] | None,
        output_attentions: bool,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor], torch.Tensor | None]:
        attn_out, present, probs = self.self_attn(self.input_layernorm(x), rotary, mask, past, output_attentions)
        x = x + attn_out
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present, probs


# -- helpers shared with gpt2.py (same code; candidates for layers.py) ----------------------------------
class LlamaPreTrainedModel(PreTrainedModel):
    """Llama's init: N(0, initializer_range) for Linear and Embedding (pad row zeroed), RMSNorm ones."""

    config_class = LlamaConfig
    base_model_prefix = "model"

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if isinstance(module, RMSNorm):
            nn.init.ones_(module.weight)


class LlamaModel(LlamaPreTrainedModel):
    """Token embeddings, ``num_hidden_layers`` decoder layers, final RMSNorm ``norm``."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__(config)
        if config.pad_token_id is not None and not 0 <= config.pad_token_id < config.vocab_size:
            raise ConfigError(f"pad_token_id: expected an id in [0, {config.vocab_size}), found {config.pad_token_id}")
        # padding_idx as in transformers: the pad row is zero-initialised and gets no gradient.
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, config.pad_token_id)
        self.layers = nn.ModuleList(LlamaDecoderLayer(config) for _ in range(config.num_hidden_layers))
        self.norm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary_emb = LlamaRotaryEmbedding(config)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embed_tokens

    def set_input_embeddings(self, embeddings: nn.Embedding) -> None:
        self.embed_tokens = embeddings

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        past_key_values: KVCache | None = None,
        inputs_embeds: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> BaseModelOutputWithPast:
        past_length = past_key_values[0][0].shape[2] if past_key_values else 0
        x = self._embed(input_ids, inputs_embeds, past_length)
        if position_ids is None:
            position_ids = torch.arange(past_length, past_length + x.shape[1], device=x.device)[None]  # (1, T)
        rotary = self.rotary_emb(x, position_ids)  # computed once, shared by every layer
        mask = decoder_attention_mask(attention_mask, x.shape[:2], past_length, x.dtype, x.device, output_attentions)
        use_cache = self.config.use_cache if use_cache is None else use_cache
        hidden_states: list[torch.Tensor] = []
        attentions: list[torch.Tensor] = []
        presents = []
        for i, layer in enumerate(self.layers):
            hidden_states.append(x)
            x, present, probs = layer(x, rotary, mask, past_key_values[i] if past_key_values else None,
                                      output_attentions)
            presents.append(present)
            if probs is not None:
                attentions.append(probs)
        x = self.norm(x)
        hidden_states.append(x)
        return BaseModelOutputWithPast(
            last_hidden_state=x,
            past_key_values=tuple(presents) if use_cache else None,
            hidden_states=tuple(hidden_states) if output_hidden_states else None,
            attentions=tuple(attentions) if output_attentions else None,
        )

    def _embed(
        self, input_ids: torch.Tensor | None, inputs_embeds: torch.Tensor | None, past_length: int
    ) -> torch.Tensor:
        if (input_ids is None) == (inputs_embeds is None):
            raise InvalidInputError("LlamaModel: pass exactly one of input_ids and inputs_embeds")
        limit = self.config.max_position_embeddings
        if input_ids is not None:
            check_input_ids(input_ids, limit, "LlamaModel", past_length=past_length, vocab_size=self.config.vocab_size)
            return self.embed_tokens(input_ids)  # (B, T, C)
        check_input_ids(inputs_embeds.shape[:2], limit, "LlamaModel", past_length=past_length, name="inputs_embeds")
        return inputs_embeds


class LlamaForCausalLM(LlamaPreTrainedModel):
    """Llama with the language-modelling head ``lm_head`` (tied to the embeddings when configured)."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__(config)
        self.model = LlamaModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embed_tokens

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        past_key_values: KVCache | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        logits_to_keep: int = 0,
    ) -> CausalLMOutputWithPast:
        """``labels`` are the input ids (shifted inside); ``logits_to_keep=k`` computes only the last k."""
        out = self.model(
            input_ids, attention_mask, position_ids, past_key_values, inputs_embeds,
            use_cache, output_attentions, output_hidden_states,
        )
        hidden = out.last_hidden_state
        logits = self.lm_head(hidden[:, -logits_to_keep:] if logits_to_keep else hidden)  # (B, T, V)
        loss = causal_lm_loss(logits, labels) if labels is not None else None
        return CausalLMOutputWithPast(loss, logits, out.past_key_values, out.hidden_states, out.attentions)


class LlamaForSequenceClassification(LlamaPreTrainedModel):
    """Linear ``score`` (no bias) on the hidden state of each sequence's last non-pad token."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__(config)
        self.model = LlamaModel(config)
        self.score = nn.Linear(config.hidden_size, config.num_labels, bias=False)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embed_tokens

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        past_key_values: KVCache | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        use_cache: bool | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> SequenceClassifierOutputWithPast:
        out = self.model(
            input_ids, attention_mask, position_ids, past_key_values, inputs_embeds,
            use_cache, output_attentions, output_hidden_states,
        )
        logits = last_token_logits(self.score(out.last_hidden_state), input_ids, self.config.pad_token_id)
        loss = None
        if labels is not None:
            loss, _ = sequence_classification_loss(logits, labels, self.config.num_labels, self.config.problem_type)
        return SequenceClassifierOutputWithPast(loss, logits, out.past_key_values, out.hidden_states, out.attentions)


class LlamaForTokenClassification(LlamaPreTrainedModel):
    """Dropout + linear ``score`` on every position (transformers' generic token-classification head)."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__(config)
        self.model = LlamaModel(config)
        dropout = config.extra.get("classifier_dropout", config.extra.get("hidden_dropout"))
        self.dropout = nn.Dropout(0.1 if dropout is None else dropout)
        bias = config.extra.get("token_classification_bias", True)
        self.score = nn.Linear(config.hidden_size, config.num_labels, bias=bias)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embed_tokens

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> TokenClassifierOutput:
        out = self.model(
            input_ids, attention_mask, position_ids, None, inputs_embeds, False, output_attentions, output_hidden_states
        )
        logits = self.score(self.dropout(out.last_hidden_state))  # (B, T, num_labels)
        loss = None
        if labels is not None:
            flat = logits.view(-1, logits.shape[-1]).float()
            loss = F.cross_entropy(flat, labels.view(-1).to(logits.device))
        return TokenClassifierOutput(loss, logits, out.hidden_states, out.attentions)


class LlamaForQuestionAnswering(LlamaPreTrainedModel):
    """Linear ``qa_outputs`` giving start and end logits for every position."""

    # transformers keeps the older attribute name ``transformer`` for this head's base model.
    base_model_prefix = "transformer"

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__(config)
        self.transformer = LlamaModel(config)
        self.qa_outputs = nn.Linear(config.hidden_size, 2)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.transformer.embed_tokens

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        start_positions: torch.Tensor | None = None,
        end_positions: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> QuestionAnsweringModelOutput:
        out = self.transformer(
            input_ids, attention_mask, position_ids, None, inputs_embeds, False, output_attentions, output_hidden_states
        )
        logits = self.qa_outputs(out.last_hidden_state)  # (B, T, 2)
        start_logits, end_logits = logits[..., 0].contiguous(), logits[..., 1].contiguous()
        loss = None
        if start_positions is not None and end_positions is not None:
            loss = span_loss(start_logits, end_logits, start_positions, end_positions)
        return QuestionAnsweringModelOutput(loss, start_logits, end_logits, out.hidden_states, out.attentions)


CONFIG_CLASS = LlamaConfig
MODEL_CLASSES: dict[str, type[LlamaPreTrainedModel]] = {
    "base": LlamaModel,
    "causal-lm": LlamaForCausalLM,
    "sequence-classification": LlamaForSequenceClassification,
    "token-classification": LlamaForTokenClassification,
    "question-answering": LlamaForQuestionAnswering,
}
