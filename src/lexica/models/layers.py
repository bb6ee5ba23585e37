"""Pieces shared by every model family. Other files import these names; keep them stable.

Public names (shapes use B batch, H heads, T query length, S key length, D head dim):

- ``ACTIVATIONS`` / ``get_activation(name, key="hidden_act") -> nn.Module``: HF's ``hidden_act`` names
  (gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, quick_gelu, relu, silu/swish, tanh, ...). An unknown
  name raises UnsupportedError listing them.
- ``attention(q, k, v, mask=None, *, dropout_p=0.0, is_causal=False, scale=None,
  output_attentions=False) -> (out (B, H, T, D), probs (B, H, T, S) | None)``: q is (B, H, T, D), k/v
  are (B, Hkv, S, D) with H a multiple of Hkv (grouped-query heads are repeated). ``mask`` is an additive
  float mask broadcastable to (B, H, T, S) (see ``padding_mask``). ``is_causal`` adds the causal mask
  aligned to the *end* of the keys, so it stays right with a KV cache (T < S). Runs
  ``F.scaled_dot_product_attention`` unless ``output_attentions``, which takes the eager path and
  returns the probabilities.
- ``padding_mask(attention_mask (B, S), dtype) -> (B, 1, 1, S) additive mask | None``: None when there
  is nothing to mask, which lets SDPA pick its fastest kernel.
- ``causal_mask(attention_mask (B, S) | None, query_length, dtype, device) -> (B|1, 1, T, S)``: causal
  plus padding in one additive mask; never sums two large negatives (that would overflow to -inf).
- ``check_input_ids(input_ids_or_shape, max_positions, model_name, *, past_length=0, vocab_size=None,
  name="input_ids") -> (B, T)``: InvalidInputError for 1-D or non-2-D input and ids outside the
  vocabulary, InputTooLongError (limit, length and the ``truncation=True`` fix) for too many positions.
- ``sequence_classification_loss(logits, labels, num_labels, problem_type) -> (loss, problem_type)``:
  MSE / cross-entropy / BCE chosen as transformers does, without mutating the config.
- ``causal_lm_loss(logits (B, T, V), labels (B, T), ignore_index=-100)``: next-token loss.
- ``RMSNorm(hidden_size, eps)``: computed in float32, weight named ``weight``.
- ``decoder_attention_mask(attention_mask, (B, T), past_length, dtype, device, output_attentions)``:
  the decoder families' mask (None = SDPA's own causal mask; boolean for SDPA, additive for eager).
- ``last_token_logits(logits, input_ids, pad_token_id)``: each row's logits at its last non-pad token.
- ``span_loss(start_logits, end_logits, start_positions, end_positions)``: question-answering loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from lexica.errors import InputTooLongError, InvalidInputError, UnsupportedError

__all__ = [
    "ACTIVATIONS",
    "get_activation",
    "attention",
    "padding_mask",
    "causal_mask",
    "decoder_attention_mask",
    "last_token_logits",
    "span_loss",
    "check_input_ids",
    "sequence_classification_loss",
    "causal_lm_loss",
    "RMSNorm",
]


# -- activations ---------------------------------------------------------------------------------------
class _Fn(nn.Module):
    """Wraps a stateless function so activations show up by name in ``print(model)``."""

    def __init__(self, name: str, fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.name, self.fn = name, fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)

    def extra_repr(self) -> str:
        return self.name


def _gelu_tanh_formula(x: torch.Tensor) -> torch.Tensor:
    # "gelu_new" (GPT-2, BERT-original): the tanh approximation written out, as the checkpoints were trained.
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def _gelu_fast(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))


def _gelu_python(x: torch.Tensor) -> torch.Tensor:
    return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "gelu": F.gelu,
    "gelu_python": _gelu_python,
    "gelu_new": _gelu_tanh_formula,
    "gelu_fast": _gelu_fast,
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_accurate": _gelu_tanh_formula,
    "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x),
    "relu": F.relu,
    "relu6": F.relu6,
    "relu2": lambda x: torch.square(F.relu(x)),
    "leaky_relu": F.leaky_relu,
    "silu": F.silu,
    "swish": F.silu,
    "mish": F.mish,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "linear": lambda x: x,
}


def get_activation(name: str, key: str = "hidden_act") -> nn.Module:
    """The activation module for an HF ``hidden_act`` name; ``key`` names the config key in errors."""
    fn = ACTIVATIONS.get(name) if isinstance(name, str) else None
    if fn is None:
        raise UnsupportedError(f"{key}: expected one of {sorted(ACTIVATIONS)}, found {name!r}")
    return _Fn(name, fn)


# -- masks ---------------------------------------------------------------------------------------------
def padding_mask(attention_mask: torch.Tensor | None, dtype: torch.dtype) -> torch.Tensor | None:
    """(B, S) 1/0 mask -> (B, 1, 1, S) additive mask (0 keep, dtype-min drop), or None if all kept."""
    if attention_mask is None:
        return None
    if attention_mask.dim() != 2:
        raise InvalidInputError(
            f"attention_mask: expected shape (batch, seq_len), found {tuple(attention_mask.shape)}"
        )
    keep = attention_mask.bool()
    if bool(keep.all()):
        return None
    mask = torch.zeros(keep.shape, dtype=dtype, device=attention_mask.device)
    mask.masked_fill_(~keep, torch.finfo(dtype).min)
    return mask[:, None, None, :]


def causal_mask(
    attention_mask: torch.Tensor | None,
    query_length: int,
    dtype: torch.dtype,
    device: torch.device,
    key_length: int | None = None,
) -> torch.Tensor:
    """Causal + padding additive mask (B|1, 1, T, S). Query i sits at key position S - T + i."""
    if key_length is None:
        key_length = attention_mask.shape[1] if attention_mask is not None else query_length
    past = key_length - query_length
    q_pos = torch.arange(query_length, device=device)[:, None] + past
    k_pos = torch.arange(key_length, device=device)[None, :]
    keep = (k_pos <= q_pos)[None, None]  # (1, 1, T, S)
    if attention_mask is not None:
        keep = keep & attention_mask.bool()[:, None, None, :]
    mask = torch.zeros(keep.shape, dtype=dtype, device=device)
    return mask.masked_fill_(~keep, torch.finfo(dtype).min)


# -- attention -----------------------------------------------------------------------------------------
def _repeat_kv(x: torch.Tensor, n_rep: int) -> torch.Tensor:
    # (B, Hkv, S, D) -> (B, Hkv * n_rep, S, D); kv head j serves query heads j*n_rep .. (j+1)*n_rep-1
    return x if n_rep == 1 else x.repeat_interleave(n_rep, dim=1)


def attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    *,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    output_attentions: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Scaled dot-product attention; see the module docstring for shapes and the mask convention."""
    n_heads, n_kv = q.shape[1], k.shape[1]
    if n_heads % n_kv != 0:
        raise InvalidInputError(f"attention: query heads ({n_heads}) must be a multiple of key heads ({n_kv})")
    k, v = _repeat_kv(k, n_heads // n_kv), _repeat_kv(v, n_heads // n_kv)
    t, s = q.shape[2], k.shape[2]
    if is_causal and (mask is not None or t != s or output_attentions):
        # SDPA's own is_causal aligns to the top-left corner and cannot be combined with a mask.
        causal = causal_mask(None, t, q.dtype, q.device, key_length=s)
        mask = causal if mask is None else torch.minimum(mask.to(q.dtype), causal)
        is_causal = False
    if not output_attentions:
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=dropout_p, is_causal=is_causal, scale=scale
        )
        return out, None
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale  # (B, H, T, S)
    if mask is not None:
        scores = scores + mask
    probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
    if dropout_p > 0.0:
        probs = F.dropout(probs, p=dropout_p, training=True)
    return torch.matmul(probs, v), probs


# -- input checks --------------------------------------------------------------------------------------
def check_input_ids(
    input_ids: torch.Tensor | torch.Size | tuple[int, ...],
    max_positions: int | None,
    model_name: str,
    *,
    past_length: int = 0,
    vocab_size: int | None = None,
    name: str = "input_ids",
) -> tuple[int, int]:
    """Validate a (batch, seq_len) input before it reaches an embedding table; return (B, T)."""
    is_tensor = isinstance(input_ids, torch.Tensor)
    shape = tuple(input_ids.shape) if is_tensor else tuple(input_ids)
    if len(shape) == 1:
        raise InvalidInputError(
            f"{model_name}: {name} has shape {shape}; expected a batch dimension: (batch, seq_len); "
            f"use {name}.unsqueeze(0) for a single sequence"
        )
    if len(shape) != 2:
        raise InvalidInputError(f"{model_name}: {name}: expected shape (batch, seq_len), found {shape}")
    length = shape[1] + past_length
    if max_positions is not None and length > max_positions:
        raise InputTooLongError(
            f"{model_name} accepts at most {max_positions} positions (max_position_embeddings), "
            f"but the input has {length}. Truncate it when tokenizing: "
            f"tokenizer(..., truncation=True, max_length={max_positions})"
        )
    if is_tensor and vocab_size is not None and input_ids.numel() > 0:
        if input_ids.is_floating_point():
            raise InvalidInputError(f"{model_name}: {name}: expected integer token ids, found {input_ids.dtype}")
        low, high = int(input_ids.min()), int(input_ids.max())
        if low < 0 or high >= vocab_size:
            bad = low if low < 0 else high
            raise InvalidInputError(
                f"{model_name}: {name} contains id {bad}, outside the vocabulary [0, {vocab_size})"
            )
    return shape[0], shape[1]


# -- losses --------------------------------------------------------------------------------------------
def sequence_classification_loss(
    logits: torch.Tensor, labels: torch.Tensor, num_labels: int, problem_type: str | None
) -> tuple[torch.Tensor, str]:
    """transformers' rule: 1 label -> regression; integer labels -> single-label; else multi-label."""
    if problem_type is None:
        if num_labels == 1:
            problem_type = "regression"
        elif labels.dtype in (torch.long, torch.int):
            problem_type = "single_label_classification"
        else:
            problem_type = "multi_label_classification"
    labels = labels.to(logits.device)
    if problem_type == "regression":
        if num_labels == 1:
            loss = F.mse_loss(logits.squeeze(), labels.squeeze().to(logits.dtype))
        else:
            loss = F.mse_loss(logits, labels.to(logits.dtype))
    elif problem_type == "single_label_classification":
        loss = F.cross_entropy(logits.view(-1, num_labels), labels.view(-1))
    else:
        loss = F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
    return loss, problem_type


def causal_lm_loss(logits: torch.Tensor, labels: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """Mean cross-entropy of position t predicting labels[t + 1]; computed in float32."""
    shift_logits = logits[:, :-1, :].float()  # (B, T-1, V)
    shift_labels = labels[:, 1:].to(logits.device)  # (B, T-1)
    return F.cross_entropy(
        shift_logits.reshape(-1, shift_logits.shape[-1]), shift_labels.reshape(-1), ignore_index=ignore_index
    )


# -- norms ---------------------------------------------------------------------------------------------
class RMSNorm(nn.Module):
    """Root-mean-square norm (Zhang & Sennrich 2019), in float32 like the Llama reference."""

    def __init__(self, hidden_size: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, eps={self.eps}"


# -- shared by the decoder families (GPT-2, Llama) and the span heads ------------------------------------
def decoder_attention_mask(
    attention_mask: torch.Tensor | None,
    shape: tuple[int, int],
    past_length: int,
    dtype: torch.dtype,
    device: torch.device,
    output_attentions: bool,
) -> torch.Tensor | None:
    """The mask every layer uses: None (plain causal), or causal + padding as (B, 1, T, S).

    ``attention_mask`` is (B, past + T) with 1 for real tokens. The mask is boolean (True = attend)
    for SDPA, as transformers passes it: a query row that sees only padding (a left-pad position)
    then gets a zero attention output. The eager path (``output_attentions``) gets the additive form
    (0 / dtype-min), where such a row is uniform, again as in transformers.
    """
    batch, length = shape
    total = past_length + length
    if attention_mask is not None:
        if attention_mask.dim() != 2 or tuple(attention_mask.shape) != (batch, total):
            raise InvalidInputError(
                f"attention_mask: expected shape (batch, past + seq_len) = {(batch, total)}, "
                f"found {tuple(attention_mask.shape)}"
            )
        if bool(attention_mask.bool().all()):
            attention_mask = None
    if attention_mask is None and past_length == 0:
        return None  # SDPA's built-in causal mask (fast path)
    query_pos = torch.arange(past_length, total, device=device)[:, None]  # (T, 1)
    keep = (torch.arange(total, device=device)[None, :] <= query_pos)[None, None]  # (1, 1, T, S)
    if attention_mask is not None:
        keep = keep & attention_mask.to(device).bool()[:, None, None, :]  # (B, 1, T, S)
    if not output_attentions:
        return keep
    return torch.zeros(keep.shape, dtype=dtype, device=device).masked_fill_(~keep, torch.finfo(dtype).min)


def last_token_logits(logits: torch.Tensor, input_ids: torch.Tensor | None, pad_token_id: int | None) -> torch.Tensor:
    """Pick each row's logits at its rightmost non-pad token (works for left and right padding)."""
    batch = logits.shape[0]
    if pad_token_id is None:
        if batch != 1:
            raise InvalidInputError(
                "sequence classification of a batch needs config.pad_token_id to find each sequence's "
                f"last token; found pad_token_id=None with batch size {batch}"
            )
        return logits[:, -1]
    if input_ids is None:
        return logits[:, -1]  # no ids to find padding in: use the last position, as transformers does
    positions = torch.arange(input_ids.shape[-1], device=logits.device)
    last = (positions * (input_ids != pad_token_id).to(logits.device)).argmax(-1)  # (B,)
    return logits[torch.arange(batch, device=logits.device), last]


def span_loss(
    start_logits: torch.Tensor, end_logits: torch.Tensor,
    start_positions: torch.Tensor, end_positions: torch.Tensor,
) -> torch.Tensor:
    """Mean of start and end cross-entropy; positions outside the sequence are clamped and ignored."""
    ignored = start_logits.size(1)
    start = start_positions.reshape(-1).clamp(0, ignored).to(start_logits.device)
    end = end_positions.reshape(-1).clamp(0, ignored).to(end_logits.device)
    return (F.cross_entropy(start_logits, start, ignore_index=ignored)
            + F.cross_entropy(end_logits, end, ignore_index=ignored)) / 2
