"""The option logic of ``tokenizer(...)`` and ``tokenizer.pad(...)``, apart from the tokenizer class.

Follows transformers (``_get_padding_truncation_strategies``, ``_encode_plus``, ``_convert_encoding``,
``pad``/``_pad`` in ``tokenization_utils_base.py`` and ``tokenization_utils_tokenizers.py``):

- ``padding``: True/'longest' pads to the longest row, 'max_length' to ``max_length`` (or to
  ``model_max_length`` when that is known), False/'do_not_pad' not at all; ``pad_to_multiple_of``
  rounds the target up.
- ``truncation``: True/'longest_first', 'only_first', 'only_second', False/'do_not_truncate'; with no
  ``max_length`` it uses ``model_max_length``. A ``max_length`` given with neither padding nor
  truncation turns truncation on ('longest_first'), as there.
- ``padding='max_length'`` with no length anywhere (no ``max_length``, no ``model_max_length``) raises
  ``ConfigError``; transformers quietly does not pad. Truncation with no length anywhere does not
  truncate, as in transformers, and logs a warning saying so.
- Batch detection: a list is a batch; with ``is_split_into_words`` a list of lists is. A single
  input's outputs lose the batch axis unless tensors or overflowing tokens are asked for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from lexica.errors import ConfigError, InvalidInputError
from lexica.tokenizers.encoding import Encoding, PaddingParams, padded_arrays

logger = logging.getLogger(__name__)

__all__ = ["Strategy", "resolve_strategy", "split_inputs", "encodings_to_dict", "pad_rows", "Returns"]

_PADDINGS = {True: "longest", "longest": "longest", "max_length": "max_length", False: "do_not_pad",
             None: "do_not_pad", "do_not_pad": "do_not_pad"}
_TRUNCATIONS = {True: "longest_first", "longest_first": "longest_first", "only_first": "only_first",
                "only_second": "only_second", False: None, None: None, "do_not_truncate": None}


@dataclass(frozen=True)
class Strategy:
    padding: str  # "longest", "max_length" or "do_not_pad"
    truncation: str | None  # a TruncationParams strategy, or None
    max_length: int | None


def _lookup(table: dict[Any, Any], value: Any, name: str) -> Any:
    key = value if isinstance(value, (bool, str)) or value is None else object()
    if key not in table:
        choices = [k for k in table if k is not None]
        raise InvalidInputError(f"{name}: expected one of {choices}, found {value!r}")
    return table[key]


def resolve_strategy(
    padding: Any, truncation: Any, max_length: int | None, pad_to_multiple_of: int | None, model_max_length: int,
    no_limit: int,
) -> Strategy:
    """Turn the call's padding / truncation / max_length into one decision (see module docstring)."""
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0):
        raise InvalidInputError(f"max_length: expected a non-negative int or None, found {max_length!r}")
    if max_length is not None and padding is False and truncation is None:
        truncation = "longest_first"
    pad = _lookup(_PADDINGS, padding, "padding")
    trunc = _lookup(_TRUNCATIONS, truncation, "truncation")
    if max_length is not None and pad == "longest" and trunc is None:
        logger.warning("max_length=%d is not used: padding=True pads to the longest row and truncation is off; "
                       "pass padding='max_length' to pad to it, or truncation=True to cut at it", max_length)
    known = model_max_length if model_max_length < no_limit else None
    if max_length is None and pad == "max_length":
        if known is None:
            raise ConfigError(
                "padding='max_length' needs a length, but max_length is not given and the tokenizer has no "
                "model_max_length (tokenizer_config.json does not set one); pass max_length=..., e.g. "
                "max_length=128, or use padding=True to pad to the longest row"
            )
        max_length = known
    if max_length is None and trunc is not None:
        if known is None:
            logger.warning(
                "truncation=%r: no max_length and no model_max_length, so nothing is truncated; pass max_length=...",
                truncation,
            )
            trunc = None
        else:
            max_length = known
    if pad != "do_not_pad" and trunc is not None and pad_to_multiple_of and max_length % pad_to_multiple_of:
        raise InvalidInputError(
            f"truncation length max_length={max_length} is not a multiple of pad_to_multiple_of={pad_to_multiple_of}; "
            "padding would make rows longer than the truncation allows"
        )
    return Strategy(pad, trunc, max_length)


def _is_text(value: Any, pretokenized: bool) -> bool:
    if pretokenized:
        return isinstance(value, (list, tuple)) and all(isinstance(w, str) for w in value)
    return isinstance(value, str)


def split_inputs(text: Any, text_pair: Any, is_split_into_words: bool) -> tuple[list[Any], bool]:
    """(the backend's batch inputs, is_batched) with transformers' batch detection."""
    if is_split_into_words:
        is_batched = isinstance(text, (list, tuple)) and len(text) > 0 and isinstance(text[0], (list, tuple))
    else:
        is_batched = isinstance(text, (list, tuple))
    if not is_batched:
        if not _is_text(text, is_split_into_words):
            kind = "a list of words (is_split_into_words=True)" if is_split_into_words else "a str, a list of str"
            raise InvalidInputError(f"text: expected {kind} or a batch of them, found {type(text).__name__}")
        if text_pair is not None and not _is_text(text_pair, is_split_into_words):
            raise InvalidInputError(f"text_pair: expected the same kind as text, found {type(text_pair).__name__}")
        return ([(text, text_pair)] if text_pair else [text]), False
    for i, item in enumerate(text):
        if not _is_text(item, is_split_into_words):
            kind = "a list of words" if is_split_into_words else "a str"
            raise InvalidInputError(f"text[{i}]: expected {kind}, found {type(item).__name__}")
    if text_pair is None:
        return list(text), True
    if not isinstance(text_pair, (list, tuple)):
        raise InvalidInputError(
            f"text_pair: with a batch of texts, expected a list of the same length ({len(text)}), "
            f"found {type(text_pair).__name__}"
        )
    if len(text_pair) != len(text):
        raise InvalidInputError(f"text_pair: batch length {len(text_pair)} does not match text's {len(text)}")
    for i, item in enumerate(text_pair):
        if not _is_text(item, is_split_into_words):
            raise InvalidInputError(f"text_pair[{i}]: expected the same kind as text[{i}], found {type(item).__name__}")
    return list(zip(text, text_pair)), True


@dataclass(frozen=True)
class Returns:
    token_type_ids: bool
    attention_mask: bool
    overflowing_tokens: bool
    special_tokens_mask: bool
    offsets_mapping: bool
    length: bool


def _rows(encodings: list[Encoding], overflowing: bool) -> tuple[list[Encoding], list[int]]:
    """The output rows (each encoding, then its overflowing windows when asked) and the sample of each."""
    rows: list[Encoding] = []
    sample_of_row: list[int] = []
    for i, encoding in enumerate(encodings):
        parts = [encoding, *encoding.overflowing] if overflowing else [encoding]
        rows.extend(parts)
        sample_of_row.extend([i] * len(parts))
    return rows, sample_of_row


def encodings_to_dict(encodings: list[Encoding], want: Returns) -> tuple[dict[str, list[Any]], list[Encoding]]:
    """The BatchEncoding fields, row per encoding (overflowing windows become extra rows)."""
    rows, sample_of_row = _rows(encodings, want.overflowing_tokens)
    data: dict[str, list[Any]] = {"input_ids": [e.ids for e in rows]}
    if want.token_type_ids:
        data["token_type_ids"] = [e.type_ids for e in rows]
    if want.attention_mask:
        data["attention_mask"] = [e.attention_mask for e in rows]
    if want.special_tokens_mask:
        data["special_tokens_mask"] = [e.special_tokens_mask for e in rows]
    if want.offsets_mapping:
        data["offset_mapping"] = [e.offsets for e in rows]
    if want.length:
        data["length"] = [len(e) for e in rows]
    if want.overflowing_tokens:
        data["overflow_to_sample_mapping"] = sample_of_row
    return data, rows


def encodings_to_arrays(
    encodings: list[Encoding], want: Returns, params: PaddingParams
) -> tuple[dict[str, Any], list[Encoding]] | None:
    """``encodings_to_dict`` after ``pad_encodings(encodings, params)``, as int64 numpy arrays, built
    from the unpadded encodings (``padded_arrays``; the rows are left unpadded: BatchEncoding pads
    them when they are first read). None when the rows would not make one array."""
    import numpy as np

    rows, sample_of_row = _rows(encodings, want.overflowing_tokens)
    fields = {"input_ids": "ids"}
    if want.token_type_ids:
        fields["token_type_ids"] = "type_ids"
    if want.attention_mask:
        fields["attention_mask"] = "attention_mask"
    if want.special_tokens_mask:
        fields["special_tokens_mask"] = "special_tokens_mask"
    if want.offsets_mapping:
        fields["offset_mapping"] = "offsets"
    arrays = padded_arrays(encodings, rows, params, fields.values())
    if arrays is None:
        return None
    data = {key: arrays[field] for key, field in fields.items()}
    if want.length:
        data["length"] = np.full(len(rows), data["input_ids"].shape[1], np.int64)
    if want.overflowing_tokens:
        data["overflow_to_sample_mapping"] = np.array(sample_of_row, np.int64)
    return data, rows


def pad_rows(
    batch: dict[str, list[list[Any]]], target: int | None, multiple: int | None, side: str, pad_id: int,
    pad_type_id: int,
) -> None:
    """Pad every row of the model inputs in ``batch`` in place (``target`` None = the longest row)."""
    lengths = [len(r) for r in batch["input_ids"]]  # before padding: input_ids is padded first
    length = target if target is not None else max(lengths, default=0)
    if multiple and length % multiple:
        length += multiple - length % multiple
    fills = {"input_ids": pad_id, "token_type_ids": pad_type_id, "attention_mask": 0, "special_tokens_mask": 1}
    for key, fill in fills.items():
        if key not in batch:
            continue
        rows = batch[key]
        for i, row in enumerate(rows):
            missing = length - lengths[i]
            if missing > 0:
                rows[i] = [fill] * missing + list(row) if side == "left" else list(row) + [fill] * missing
