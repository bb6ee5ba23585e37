"""``BatchEncoding``: what the high-level tokenizer returns (a dict of model inputs plus the encodings).

Follows transformers' ``BatchEncoding`` (``tokenization_utils_base.py``): a ``dict`` whose keys are the
model inputs (``input_ids``, ``token_type_ids``, ``attention_mask`` ...), readable as attributes too,
that keeps the low-level :class:`~lexica.tokenizers.encoding.Encoding` of every row so that tokens,
word ids and the char/word/token mappings can be asked for after the fact.

The mapping methods take transformers' two calling forms: ``token_to_word(5)`` means row 0, token 5;
``token_to_word(1, 5)`` means row 1, token 5. Negative indices count from the end, as there.

Tensors: ``return_tensors='pt'`` gives int64 torch tensors, ``'np'`` int64 numpy arrays, each
``(batch, seq_len)`` (``offset_mapping``: ``(batch, seq_len, 2)``). Rows of different lengths cannot
make one tensor; that raises ``InvalidInputError`` naming the key and the fix (padding / truncation).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from lexica.errors import InvalidInputError
from lexica.tokenizers.encoding import Encoding, PaddingParams, pad_encodings

__all__ = ["BatchEncoding", "CharSpan", "TokenSpan", "TENSOR_TYPES"]

TENSOR_TYPES = ("pt", "np")


class CharSpan(NamedTuple):
    """A character span ``[start, end)`` in the original string."""

    start: int
    end: int


class TokenSpan(NamedTuple):
    """A token span ``[start, end)`` in an encoded sequence."""

    start: int
    end: int


class BatchEncoding(dict):
    """The model inputs of one call: dict access, attribute access and per-row encodings."""

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        encoding: Encoding | list[Encoding] | None = None,
        tensor_type: str | None = None,
        prepend_batch_axis: bool = False,
        n_sequences: int | None = None,
        row_padding: PaddingParams | None = None,
    ) -> None:
        super().__init__(data or {})
        if isinstance(encoding, Encoding):
            encoding = [encoding]
        # `row_padding`: the encodings still need pad_encodings(encoding, row_padding) (the tokenizer
        # built the padded arrays without padding them); done when they are first read.
        self._rows: list[Encoding] | None = encoding
        self._row_padding = row_padding if encoding else None
        if n_sequences is None and encoding:
            n_sequences = encoding[0].n_sequences
        self._n_sequences = n_sequences
        self.convert_to_tensors(tensor_type, prepend_batch_axis)

    # ------------------------------------------------------------------ dict / attribute access
    def __getitem__(self, item: str | int | slice) -> Any:
        if isinstance(item, str):
            return super().__getitem__(item)
        if isinstance(item, int) and not isinstance(item, bool):
            if self._encodings is None:
                raise KeyError(
                    "Indexing a BatchEncoding with an int returns that row's Encoding, but this one has "
                    "no encodings (it was built from a dict); use a key such as 'input_ids'"
                )
            return self._encodings[item]
        if isinstance(item, slice):
            return {key: value[item] for key, value in self.items()}
        raise KeyError(f"BatchEncoding: expected a str key, an int row or a slice, found {item!r}")

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: model inputs read as attributes (encoded.input_ids).
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return dict.__getitem__(self, name)
        except KeyError:
            raise AttributeError(
                f"BatchEncoding has no attribute or key {name!r}; keys: {list(self.keys())}"
            ) from None

    @property
    def data(self) -> dict[str, Any]:
        return dict(self)

    def __getstate__(self) -> dict[str, Any]:
        return {"data": dict(self), "encodings": self._encodings, "n_sequences": self._n_sequences}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.update(state["data"])
        self._rows = state["encodings"]
        self._row_padding = None
        self._n_sequences = state["n_sequences"]

    def __repr__(self) -> str:
        return repr(dict(self))

    # ------------------------------------------------------------------ encodings
    @property
    def _encodings(self) -> list[Encoding] | None:
        if self._row_padding is not None:
            pad_encodings(self._rows, self._row_padding)  # type: ignore[arg-type]
            self._row_padding = None
        return self._rows

    @property
    def encodings(self) -> list[Encoding] | None:
        """The low-level Encoding of each row (``None`` when built from plain lists, e.g. by ``pad``)."""
        return self._encodings

    @property
    def is_fast(self) -> bool:
        """transformers' name for "has encodings"; kept because course code checks it."""
        return self._rows is not None

    @property
    def n_sequences(self) -> int | None:
        return self._n_sequences

    def _encoding(self, batch_index: int, what: str) -> Encoding:
        if self._encodings is None:
            raise InvalidInputError(
                f"{what}() needs the encodings, but this BatchEncoding was built from plain lists "
                "(e.g. by pad()); call the tokenizer itself to get them"
            )
        n = len(self._encodings)
        if not isinstance(batch_index, int) or not -n <= batch_index < n:
            raise InvalidInputError(f"{what}: batch_index {batch_index!r} is out of range for {n} rows")
        return self._encodings[batch_index]

    def tokens(self, batch_index: int = 0) -> list[str]:
        return list(self._encoding(batch_index, "tokens").tokens)

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        return self._encoding(batch_index, "word_ids").word_ids

    def words(self, batch_index: int = 0) -> list[int | None]:
        return self.word_ids(batch_index)

    def sequence_ids(self, batch_index: int = 0) -> list[int | None]:
        return self._encoding(batch_index, "sequence_ids").sequence_ids

    # ------------------------------------------------------------------ mappings
    def _row_and_index(self, first: int, second: int | None, what: str) -> tuple[Encoding, int]:
        """transformers' calling forms: (index) is row 0; (row, index) names the row."""
        row, index = (0, first) if second is None else (first, second)
        encoding = self._encoding(row, what)
        if not isinstance(index, int) or isinstance(index, bool):
            raise InvalidInputError(f"{what}: expected an int index, found {index!r}")
        return encoding, index

    def token_to_sequence(self, batch_or_token_index: int, token_index: int | None = None) -> int | None:
        encoding, index = self._row_and_index(batch_or_token_index, token_index, "token_to_sequence")
        return encoding.token_to_sequence(index + len(encoding) if index < 0 else index)

    def token_to_word(self, batch_or_token_index: int, token_index: int | None = None) -> int | None:
        encoding, index = self._row_and_index(batch_or_token_index, token_index, "token_to_word")
        return encoding.token_to_word(index + len(encoding) if index < 0 else index)

    def token_to_chars(self, batch_or_token_index: int, token_index: int | None = None) -> CharSpan | None:
        encoding, index = self._row_and_index(batch_or_token_index, token_index, "token_to_chars")
        span = encoding.token_to_chars(index + len(encoding) if index < 0 else index)
        return None if span is None else CharSpan(*span)

    def word_to_tokens(
        self, batch_or_word_index: int, word_index: int | None = None, sequence_index: int = 0
    ) -> TokenSpan | None:
        encoding, index = self._row_and_index(batch_or_word_index, word_index, "word_to_tokens")
        if index < 0:
            raise InvalidInputError(f"word_to_tokens: word_index must be >= 0, found {index}")
        span = encoding.word_to_tokens(index, sequence_index)
        return None if span is None else TokenSpan(*span)

    def word_to_chars(
        self, batch_or_word_index: int, word_index: int | None = None, sequence_index: int = 0
    ) -> CharSpan | None:
        encoding, index = self._row_and_index(batch_or_word_index, word_index, "word_to_chars")
        if index < 0:
            raise InvalidInputError(f"word_to_chars: word_index must be >= 0, found {index}")
        span = encoding.word_to_chars(index, sequence_index)
        return None if span is None else CharSpan(*span)

    def char_to_token(
        self, batch_or_char_index: int, char_index: int | None = None, sequence_index: int = 0
    ) -> int | None:
        encoding, index = self._row_and_index(batch_or_char_index, char_index, "char_to_token")
        if index < 0:
            raise InvalidInputError(f"char_to_token: char_index must be >= 0, found {index}")
        return encoding.char_to_token(index, sequence_index)

    def char_to_word(
        self, batch_or_char_index: int, char_index: int | None = None, sequence_index: int = 0
    ) -> int | None:
        encoding, index = self._row_and_index(batch_or_char_index, char_index, "char_to_word")
        if index < 0:
            raise InvalidInputError(f"char_to_word: char_index must be >= 0, found {index}")
        return encoding.char_to_word(index, sequence_index)

    # ------------------------------------------------------------------ tensors
    def convert_to_tensors(self, tensor_type: str | None = None, prepend_batch_axis: bool = False) -> BatchEncoding:
        """Turn every value into a tensor of ``tensor_type`` ('pt' or 'np'), in place."""
        if tensor_type is None:
            return self
        if tensor_type not in TENSOR_TYPES:
            raise InvalidInputError(f"return_tensors: expected one of {list(TENSOR_TYPES)} or None, found {tensor_type!r}")
        for key, value in list(self.items()):
            if prepend_batch_axis:
                value = [value]
            self[key] = _to_tensor(key, value, tensor_type)
        return self

    def to(self, device: Any) -> BatchEncoding:
        """Move every torch tensor to ``device`` (a str, ``torch.device`` or int), in place; returns self."""
        import torch

        if not isinstance(device, (str, int, torch.device)):
            raise InvalidInputError(f"to: expected a device (str, int or torch.device), found {device!r}")
        for key, value in list(self.items()):
            if isinstance(value, torch.Tensor):
                self[key] = value.to(device)
        return self


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] in ("torch", "numpy") and hasattr(value, "shape")


# The keys the tokenizer itself fills with ints: built as int64 in one step (twice as fast as inferring
# the dtype first, which matters for a 1000 x 512 batch).
_INT_KEYS = frozenset(("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask", "offset_mapping",
                       "length", "overflow_to_sample_mapping"))


def _to_tensor(key: str, value: Any, tensor_type: str) -> Any:
    import numpy as np

    if _is_tensor(value):
        array = value.cpu().numpy() if hasattr(value, "cpu") else value
    else:
        try:
            if key in _INT_KEYS:
                array = np.array(value, dtype=np.int64)
            else:
                array = np.asarray(value)
                if array.dtype == object:
                    raise ValueError("ragged")
        except (ValueError, TypeError) as err:
            lengths = sorted({len(row) for row in value if hasattr(row, "__len__")}) if isinstance(value, list) else []
            raise InvalidInputError(
                f"return_tensors={tensor_type!r}: cannot make one tensor of {key!r}: its rows have different "
                f"lengths {lengths[:6]}; pass padding=True (or padding='max_length' with max_length) and/or "
                f"truncation=True so that all rows have one length"
            ) from err
        if array.dtype.kind in "iub" or array.size == 0:  # empty rows are ids too (np makes them float)
            array = array.astype(np.int64, copy=False)
        elif array.dtype.kind == "f" and tensor_type == "pt":
            array = array.astype(np.float32)  # what torch.tensor makes of Python floats
    if tensor_type == "np":
        return array
    import torch

    return torch.from_numpy(np.ascontiguousarray(array))
