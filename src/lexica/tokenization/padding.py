"""``tokenizer.pad(...)``: pad inputs that were encoded earlier, as data collators do.

Follows transformers' ``PreTrainedTokenizerBase.pad``: it takes a list of examples (dicts of lists,
tensors or arrays, the features a ``DataCollatorWithPadding`` receives) or one dict of lists; it pads
``input_ids`` with the pad token id, ``token_type_ids`` with the pad type id, ``attention_mask`` with
0 (creating it first when it is missing and wanted) and ``special_tokens_mask`` with 1. Other keys
(``labels`` ...) are passed through untouched. With no ``return_tensors``, the tensor type of the
input is kept (torch in, torch out). ``return_attention_mask=False`` drops a mask the inputs carry
(transformers keeps it unpadded, which makes ragged rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lexica.errors import InvalidInputError
from lexica.tokenization import encode as enc
from lexica.tokenization.batch_encoding import BatchEncoding
from lexica.tokenization.loading import VERY_LARGE_INTEGER

if TYPE_CHECKING:
    from lexica.tokenization.base import PreTrainedTokenizer

__all__ = ["pad_encoded"]


def _plain(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else value


def _tensor_kind(value: Any) -> str | None:
    module = type(value).__module__.split(".")[0]
    return {"torch": "pt", "numpy": "np"}.get(module)


def _as_batch(encoded_inputs: Any) -> tuple[dict[str, Any], str | None]:
    """(a dict of plain lists, the tensor type the input came in)."""
    if isinstance(encoded_inputs, (list, tuple)):
        if not encoded_inputs:
            raise InvalidInputError("pad: expected a non-empty list of examples or a dict of lists, found an empty list")
        if not all(isinstance(e, Mapping) for e in encoded_inputs):
            raise InvalidInputError("pad: expected a list of dicts (one per example) or a dict of lists")
        keys = list(encoded_inputs[0].keys())
        for i, example in enumerate(encoded_inputs):
            if list(example.keys()) != keys:
                raise InvalidInputError(f"pad: example {i} has keys {list(example.keys())}, example 0 has {keys}")
        kind = _tensor_kind(encoded_inputs[0][keys[0]]) if keys else None
        return {k: [_plain(e[k]) for e in encoded_inputs] for k in keys}, kind
    if isinstance(encoded_inputs, Mapping):
        first = next(iter(encoded_inputs.values()), None)
        return {k: _plain(v) for k, v in encoded_inputs.items()}, _tensor_kind(first)
    raise InvalidInputError(f"pad: expected a list of dicts or a dict of lists, found {type(encoded_inputs).__name__}")


def pad_encoded(
    tokenizer: PreTrainedTokenizer,
    encoded_inputs: Any,
    padding: bool | str,
    max_length: int | None,
    pad_to_multiple_of: int | None,
    padding_side: str | None,
    return_attention_mask: bool | None,
    return_tensors: str | None,
) -> BatchEncoding:
    batch, kind = _as_batch(encoded_inputs)
    if "input_ids" not in batch:
        raise InvalidInputError(f"pad: the inputs need an 'input_ids' key, found keys {list(batch)}")
    if return_tensors is None:
        return_tensors = kind
    strategy = enc.resolve_strategy(padding, False, max_length, pad_to_multiple_of, tokenizer.model_max_length,
                                    VERY_LARGE_INTEGER)
    ids = batch["input_ids"]
    single = bool(ids) and not isinstance(ids[0], (list, tuple))
    if single:  # one example: a dict of lists of ints
        batch = {k: [v] for k, v in batch.items()}
    want_mask = "attention_mask" in tokenizer.model_input_names if return_attention_mask is None else return_attention_mask
    if want_mask and "attention_mask" not in batch:
        batch["attention_mask"] = [[1] * len(row) for row in batch["input_ids"]]
    elif not want_mask:
        batch.pop("attention_mask", None)
    if strategy.padding != "do_not_pad":
        side = tokenizer.padding_side if padding_side is None else padding_side
        if side not in ("left", "right"):
            raise InvalidInputError(f"padding_side: expected 'left' or 'right', found {side!r}")
        target = strategy.max_length if strategy.padding == "max_length" else None
        enc.pad_rows(batch, target, pad_to_multiple_of, side, tokenizer._pad_token_id_or_raise(),
                     tokenizer.pad_token_type_id)
    if single:
        batch = {k: v[0] for k, v in batch.items()}
    return BatchEncoding(batch, tensor_type=return_tensors, prepend_batch_axis=False)
