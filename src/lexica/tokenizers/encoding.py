"""The Encoding (what a tokenizer returns) plus truncation and padding of encodings.

Follows HF ``tokenizers``: ``tokenizer/encoding.rs``, ``utils/truncation.rs`` and ``utils/padding.rs``,
including their quirks, so that the ids, masks, ranges and ``overflowing`` lists are identical:

- ``truncate`` drops ``sequence_ranges`` and any previous ``overflowing``; the windows step by
  ``max_length - stride``; ``truncate(0)`` moves the whole encoding into ``overflowing``.
- ``merge_with`` combines overflowing parts as a cross product (each of ours with the pair and each of
  the pair's overflowing parts, then ours with each of the pair's), so overflowing encodings can
  themselves have ``overflowing``.
- ``pad`` on the left shifts ``sequence_ranges`` with the tokens (newer HF does; older did not).
- ``token_to_sequence(len(encoding))`` is 0 for a one-sequence encoding (HF checks ``token > len``).
- When the processor adds more tokens than ``max_length``, HF's unsigned subtraction wraps around
  and nothing is truncated; ``truncate_encodings`` does the same.

Offsets here are *character* offsets into the original input, as HF's Python API reports them.
HF panics when the stride does not fit the window; we raise ``InvalidInputError`` instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from lexica.errors import InvalidInputError, TokenizerFileError

__all__ = [
    "Encoding",
    "TruncationParams",
    "PaddingParams",
    "truncate_encodings",
    "pad_encodings",
    "padded_arrays",
    "offset_pairs",
]

Offsets = tuple[int, int]

_DIRECTIONS = ("left", "right")
_STRATEGIES = ("longest_first", "only_first", "only_second")
# tokenizer.json spells enum values in CamelCase.
_STRATEGY_JSON = {"longest_first": "LongestFirst", "only_first": "OnlyFirst", "only_second": "OnlySecond"}
_DIRECTION_JSON = {"left": "Left", "right": "Right"}


def _check_choice(value: object, choices: tuple[str, ...], name: str) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        raise InvalidInputError(f"{name}: expected one of {list(choices)}, found {value!r}")
    return value.lower()


def _check_index(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{name}: expected a non-negative int, found {value!r}")
    return value


class Encoding:
    """One encoded input (or input pair): parallel per-token sequences plus overflowing windows.

    Each field reads as a fresh ``list`` (as HF's ``Encoding`` does: changing the list you got does
    not change the encoding) and is set by assignment. Inside, every field is a tuple: tuples of
    ints and strings are untracked by Python's cycle collector after their first collection, so
    thousands of live encodings cost the collector almost nothing (lists are scanned on every full
    collection; with lists, a third of a big encode run went to the collector). The offsets are one
    flat tuple ``(start0, end0, start1, end1, ...)`` (see ``_flat``), not one tuple per token.

    ``sequence_ranges`` maps a sequence index (0 = first, 1 = pair) to the ``(start, end)`` token
    range it covers; empty means a single sequence covering everything.
    """

    __slots__ = ("_ids", "_type_ids", "_tokens", "_offsets", "_words", "_special", "_attention",
                 "_overflowing", "_ranges")

    def __init__(
        self,
        ids: Iterable[int] = (),
        type_ids: Iterable[int] = (),
        tokens: Iterable[str] = (),
        offsets: Iterable[Offsets] = (),
        words: Iterable[int | None] = (),
        special_tokens_mask: Iterable[int] = (),
        attention_mask: Iterable[int] = (),
        overflowing: Iterable[Encoding] = (),
        sequence_ranges: dict[int, tuple[int, int]] | None = None,
    ) -> None:
        self._ids = tuple(ids)
        self._type_ids = tuple(type_ids)
        self._tokens = tuple(tokens)
        self._offsets = _flat(offsets)
        self._words = tuple(words)
        self._special = tuple(special_tokens_mask)
        self._attention = tuple(attention_mask)
        self._overflowing = tuple(overflowing)
        self._ranges = _ranges_tuple(sequence_ranges) if sequence_ranges else ()

    @classmethod
    def _of(cls, ids: Iterable[int], type_ids: tuple[int, ...], tokens: Iterable[str], offsets: tuple[int, ...],
            words: Iterable[int | None], special: tuple[int, ...], attention: tuple[int, ...],
            ranges: tuple[tuple[int, int, int], ...]) -> Encoding:
        """An encoding from the encode fast path, whose offsets (flat: start0, end0, start1, ...),
        masks and ranges are already the stored tuples (masks often shared between encodings: see
        ``fast_path._zeros``)."""
        enc = cls.__new__(cls)
        enc._ids = tuple(ids)
        enc._type_ids = type_ids
        enc._tokens = tuple(tokens)
        enc._offsets = offsets
        enc._words = tuple(words)
        enc._special = special
        enc._attention = attention
        enc._overflowing = ()
        enc._ranges = ranges
        return enc

    @classmethod
    def from_tokens(
        cls,
        ids: list[int],
        tokens: list[str],
        offsets: list[Offsets],
        words: list[int | None] | None = None,
        type_id: int = 0,
    ) -> Encoding:
        """A fresh model output: no special tokens, all attended, one type id."""
        n = len(ids)
        if not len(tokens) == len(offsets) == n or (words is not None and len(words) != n):
            raise InvalidInputError(
                f"Encoding.from_tokens: ids, tokens, offsets and words must have one length, found "
                f"{n}, {len(tokens)}, {len(offsets)}, {None if words is None else len(words)}"
            )
        return cls(ids, (type_id,) * n, tokens, [tuple(o) for o in offsets],
                   words if words is not None else (None,) * n, (0,) * n, (1,) * n)

    # ----- the fields: fresh lists out, anything iterable in --------------------------------
    @property
    def ids(self) -> list[int]:
        return list(self._ids)

    @ids.setter
    def ids(self, value: Iterable[int]) -> None:
        self._ids = tuple(value)

    @property
    def type_ids(self) -> list[int]:
        return list(self._type_ids)

    @type_ids.setter
    def type_ids(self, value: Iterable[int]) -> None:
        self._type_ids = tuple(value)

    @property
    def tokens(self) -> list[str]:
        return list(self._tokens)

    @tokens.setter
    def tokens(self, value: Iterable[str]) -> None:
        self._tokens = tuple(value)

    @property
    def offsets(self) -> list[Offsets]:
        return offset_pairs(self._offsets)  # stored flat: (start0, end0, start1, end1, ...)

    @offsets.setter
    def offsets(self, value: Iterable[Offsets]) -> None:
        self._offsets = _flat(value)

    @property
    def words(self) -> list[int | None]:
        return list(self._words)

    @words.setter
    def words(self, value: Iterable[int | None]) -> None:
        self._words = tuple(value)

    @property
    def special_tokens_mask(self) -> list[int]:
        return list(self._special)

    @special_tokens_mask.setter
    def special_tokens_mask(self, value: Iterable[int]) -> None:
        self._special = tuple(value)

    @property
    def attention_mask(self) -> list[int]:
        return list(self._attention)

    @attention_mask.setter
    def attention_mask(self, value: Iterable[int]) -> None:
        self._attention = tuple(value)

    @property
    def overflowing(self) -> list[Encoding]:
        return list(self._overflowing)

    @overflowing.setter
    def overflowing(self, value: Iterable[Encoding]) -> None:
        self._overflowing = tuple(value)

    @property
    def sequence_ranges(self) -> dict[int, tuple[int, int]]:
        return {seq_id: (start, end) for seq_id, start, end in self._ranges}

    @sequence_ranges.setter
    def sequence_ranges(self, value: dict[int, tuple[int, int]]) -> None:
        self._ranges = _ranges_tuple(value)

    def _rows(self) -> tuple[tuple, ...]:
        return (self._ids, self._type_ids, self._tokens, self._offsets, self._words, self._special,
                self._attention, self._overflowing, self._ranges)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._rows() == other._rows()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaced

    def __getstate__(self) -> tuple[tuple, ...]:
        return self._rows()

    def __setstate__(self, state: tuple[tuple, ...]) -> None:
        (self._ids, self._type_ids, self._tokens, self._offsets, self._words, self._special,
         self._attention, self._overflowing, self._ranges) = state
        if self._offsets and type(self._offsets[0]) is tuple:  # pickled before offsets were stored flat
            self._offsets = _flat(self._offsets)

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        # Short like HF's; the fields of a long encoding would flood a terminal.
        return (
            f"Encoding(num_tokens={len(self)}, attributes=[ids, type_ids, tokens, offsets, attention_mask, "
            f"special_tokens_mask, overflowing={len(self._overflowing)}])"
        )

    def copy(self) -> Encoding:
        """A deep copy (overflowing included); the field tuples are immutable, so they are shared."""
        new = Encoding.__new__(Encoding)
        new.__setstate__(self._rows())
        if self._overflowing:
            new._overflowing = tuple(o.copy() for o in self._overflowing)
        return new

    # ----- sequences -------------------------------------------------------------------------
    @property
    def n_sequences(self) -> int:
        return len(self._ranges) or 1

    @property
    def word_ids(self) -> list[int | None]:
        return list(self._words)

    @property
    def sequence_ids(self) -> list[int | None]:
        result: list[int | None] = [None] * len(self)
        for seq_id in range(self.n_sequences):
            start, end = self._sequence_range(seq_id)
            for i in range(start, min(end, len(result))):
                result[i] = seq_id
        return result

    def set_sequence_id(self, sequence_id: int) -> None:
        """Mark every token as belonging to sequence ``sequence_id``."""
        ranges = self.sequence_ranges
        ranges[_check_index(sequence_id, "sequence_id")] = (0, len(self))
        self._ranges = _ranges_tuple(ranges)

    def _sequence_range(self, sequence_id: int) -> tuple[int, int]:
        for seq_id, start, end in self._ranges:
            if seq_id == sequence_id:
                return (start, end)
        return (0, len(self))

    # ----- char / word / token mappings (HF Python semantics: None when there is no answer) ---
    def token_to_sequence(self, token_index: int) -> int | None:
        token_index = _check_index(token_index, "token_index")
        if token_index > len(self):  # HF compares with `>`, so len(self) itself maps to 0
            return None
        if not self._ranges:
            return 0
        for seq_id, start, end in self._ranges:
            if start <= token_index < end:
                return seq_id
        return None

    def token_to_chars(self, token_index: int) -> Offsets | None:
        if self.token_to_sequence(token_index) is None or token_index >= len(self._offsets) // 2:
            return None
        return (self._offsets[2 * token_index], self._offsets[2 * token_index + 1])

    def token_to_word(self, token_index: int) -> int | None:
        if self.token_to_sequence(token_index) is None or token_index >= len(self._words):
            return None
        return self._words[token_index]

    def word_to_tokens(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        word_index = _check_index(word_index, "word_index")
        range_start, range_end = self._sequence_range(_check_index(sequence_index, "sequence_index"))
        words = self._words
        if range_end > len(words) or range_start > range_end:
            return None
        first = last = None
        for i in range(range_start, range_end):
            word = words[i]
            if word is not None and word > word_index:  # HF stops at the first later word
                break
            if word == word_index:
                first = i if first is None else first
                last = i + 1
        return None if first is None or last is None else (first, last)

    def word_to_chars(self, word_index: int, sequence_index: int = 0) -> Offsets | None:
        span = self.word_to_tokens(word_index, sequence_index)
        if span is None:
            return None
        start, end = span
        return (self._offsets[2 * start], self._offsets[2 * end - 1])

    def char_to_token(self, char_pos: int, sequence_index: int = 0) -> int | None:
        char_pos = _check_index(char_pos, "char_pos")
        range_start, range_end = self._sequence_range(_check_index(sequence_index, "sequence_index"))
        offsets = self._offsets
        if range_end > len(offsets) // 2 or range_start > range_end:
            return None
        for i in range(range_start, range_end):
            if offsets[2 * i] <= char_pos < offsets[2 * i + 1]:
                return i
        return None

    def char_to_word(self, char_pos: int, sequence_index: int = 0) -> int | None:
        token = self.char_to_token(char_pos, sequence_index)
        return None if token is None else self.token_to_word(token)

    # ----- merging ---------------------------------------------------------------------------
    @staticmethod
    def merge(encodings: Iterable[Encoding], growing_offsets: bool = True) -> Encoding:
        """Concatenate ``encodings`` into a new one (HF's ``Encoding.merge``)."""
        encodings = list(encodings)
        merged = Encoding()
        if any(e._overflowing for e in encodings):  # the cross product: one merge at a time
            for encoding in encodings:
                merged.merge_with(encoding, growing_offsets)
            return merged
        # No overflowing parts: every field is one concatenation (merge_with in a loop would copy
        # the growing tuples once per encoding).
        ranges: dict[int, tuple[int, int]] = {}
        offsets: list[int] = []  # flat, as stored
        shift = 0
        for e in encodings:
            for seq_id, start, end in e._ranges:
                ranges[seq_id] = (start + shift, end + shift)
            base = offsets[-1] if growing_offsets and offsets else 0
            offsets += [x + base for x in e._offsets] if base else e._offsets
            shift += len(e._ids)
        join = chain.from_iterable
        merged._ids = tuple(join(e._ids for e in encodings))
        merged._type_ids = tuple(join(e._type_ids for e in encodings))
        merged._tokens = tuple(join(e._tokens for e in encodings))
        merged._offsets = tuple(offsets)
        merged._words = tuple(join(e._words for e in encodings))
        merged._special = tuple(join(e._special for e in encodings))
        merged._attention = tuple(join(e._attention for e in encodings))
        merged._ranges = _ranges_tuple(ranges)
        return merged

    def merge_with(self, pair: Encoding, growing_offsets: bool = True) -> None:
        """Append ``pair`` in place; overflowing parts combine as a cross product (see module doc)."""
        # `pair` is only read, never changed, so it needs no copy; `combined` is ours to grow.
        overflowings: list[Encoding] = []
        for own in self._overflowing:
            combined = own.copy()
            combined.merge_with(pair, growing_offsets)
            overflowings.append(combined)
            for other in pair._overflowing:
                combined = own.copy()
                combined.merge_with(other, growing_offsets)
                overflowings.append(combined)
        for other in pair._overflowing:
            combined = self.copy()
            combined.merge_with(other, growing_offsets)
            overflowings.append(combined)

        shift = len(self)
        ranges = self.sequence_ranges
        for seq_id, start, end in pair._ranges:
            ranges[seq_id] = (start + shift, end + shift)
        self._ranges = _ranges_tuple(ranges)
        self._ids += pair._ids
        self._type_ids += pair._type_ids
        self._tokens += pair._tokens
        self._words += pair._words
        base = self._offsets[-1] if growing_offsets and self._offsets else 0
        self._offsets += tuple([x + base for x in pair._offsets]) if base else pair._offsets
        self._special += pair._special
        self._attention += pair._attention
        self._overflowing = tuple(overflowings)

    # ----- truncation and padding ------------------------------------------------------------
    def _slice(self, start: int, stop: int) -> Encoding:
        new = Encoding()
        new._ids = self._ids[start:stop]
        new._type_ids = self._type_ids[start:stop]
        new._tokens = self._tokens[start:stop]
        new._offsets = self._offsets[2 * start:2 * stop]
        new._words = self._words[start:stop]
        new._special = self._special[start:stop]
        new._attention = self._attention[start:stop]
        return new

    def truncate(self, max_length: int, stride: int = 0, direction: str = "right") -> None:
        """Keep ``max_length`` tokens in place; the rest goes to ``overflowing`` as windows that
        overlap by ``stride`` tokens."""
        max_length = _check_index(max_length, "max_length")
        stride = _check_index(stride, "stride")
        direction = _check_choice(direction, _DIRECTIONS, "direction")
        n = len(self)
        if max_length >= n:
            return
        if max_length == 0:
            whole = self.copy()
            whole._overflowing = self._overflowing  # the previous overflowing stays with the whole
            self.__setstate__(((),) * 9)
            self._overflowing = (whole,)
            return
        if stride >= max_length:
            raise InvalidInputError(
                f"truncation: stride ({stride}) must be smaller than the length kept per window "
                f"({max_length}); that length is max_length minus the special tokens the "
                f"post-processor adds. Lower the stride or raise max_length."
            )
        parts = _window_ranges(n, max_length, max_length - stride, direction)
        windows = [self._slice(start, stop) for start, stop in parts]
        first = windows[0]
        first._overflowing = tuple(windows[1:])
        self.__setstate__(first._rows())

    def pad(
        self,
        length: int,
        direction: str = "right",
        pad_id: int = 0,
        pad_type_id: int = 0,
        pad_token: str = "[PAD]",
    ) -> None:
        """Pad in place (and every overflowing encoding) up to ``length`` tokens (HF Python order)."""
        length = _check_index(length, "length")
        direction = _check_choice(direction, _DIRECTIONS, "direction")
        for overflow in self._overflowing:
            overflow.pad(length, direction, pad_id, pad_type_id, pad_token)
        missing = length - len(self)
        if missing <= 0:
            return
        left = direction == "left"

        def padded(values: tuple, fill: Any) -> tuple:
            padding = (fill,) * missing
            return padding + values if left else values + padding

        self._ids = padded(self._ids, pad_id)
        self._type_ids = padded(self._type_ids, pad_type_id)
        self._tokens = padded(self._tokens, pad_token)
        self._words = padded(self._words, None)
        self._attention = padded(self._attention, 0)
        self._special = padded(self._special, 1)
        self._offsets = (0,) * (2 * missing) + self._offsets if left else self._offsets + (0,) * (2 * missing)
        if left:  # the sequences moved right by `missing` tokens
            self._ranges = tuple((k, s + missing, e + missing) for k, s, e in self._ranges)


def offset_pairs(flat: Iterable[int]) -> list[Offsets]:
    """Flat offsets (start0, end0, start1, end1, ...) as (start, end) pairs."""
    it = iter(flat)
    return list(zip(it, it))


def _flat(pairs: Iterable[Offsets]) -> tuple[int, ...]:
    """Offsets as stored: one flat tuple (start0, end0, start1, end1, ...). One object per encoding
    instead of one per token: less for Python's cycle collector to walk after a big batch."""
    flat = tuple(chain.from_iterable(pairs))
    if len(flat) % 2:
        raise InvalidInputError(f"offsets: expected (start, end) pairs, found {len(flat)} numbers in all")
    return flat


def _ranges_tuple(ranges: dict[int, tuple[int, int]]) -> tuple[tuple[int, int, int], ...]:
    """``sequence_ranges`` as stored: (sequence id, start, end) triples in the dict's order."""
    return tuple((seq_id, start, end) for seq_id, (start, end) in ranges.items())


def _window_ranges(n: int, max_length: int, step: int, direction: str) -> list[tuple[int, int]]:
    """The (start, stop) token windows of a truncation, first window first (HF's order)."""
    parts: list[tuple[int, int]] = []
    if direction == "right":
        for start in range(0, n, step):
            stop = min(start + max_length, n)
            parts.append((start, stop))
            if stop == n:
                break
    else:
        for last in range(n - 1, -1, -step):
            stop = last + 1
            start = max(stop - max_length, 0)
            parts.append((start, stop))
            if start == 0:
                break
    return parts


@dataclass(slots=True)
class TruncationParams:
    """tokenizer.json ``"truncation"``. ``strategy``: longest_first / only_first / only_second."""

    max_length: int = 512
    stride: int = 0
    strategy: str = "longest_first"
    direction: str = "right"

    def __post_init__(self) -> None:
        _check_index(self.max_length, "truncation.max_length")
        _check_index(self.stride, "truncation.stride")
        self.strategy = _check_choice(self.strategy, _STRATEGIES, "truncation.strategy")
        self.direction = _check_choice(self.direction, _DIRECTIONS, "truncation.direction")

    def to_dict(self) -> dict[str, Any]:
        return {
            "direction": _DIRECTION_JSON[self.direction],
            "max_length": self.max_length,
            "strategy": _STRATEGY_JSON[self.strategy],
            "stride": self.stride,
        }

    @classmethod
    def from_dict(cls, d: Any, path: str = "truncation") -> TruncationParams:
        if not isinstance(d, dict):
            raise TokenizerFileError(f"{path}: expected an object or null, found {d!r}")
        strategy = _from_json_enum(d.get("strategy"), _STRATEGY_JSON, f"{path}.strategy")
        direction = _from_json_enum(d.get("direction", "Right"), _DIRECTION_JSON, f"{path}.direction")
        return cls(
            max_length=_json_uint(d, "max_length", path),
            stride=_json_uint(d, "stride", path),
            strategy=strategy,
            direction=direction,
        )


@dataclass(slots=True)
class PaddingParams:
    """tokenizer.json ``"padding"``. ``length=None`` is HF's BatchLongest, an int is Fixed(length)."""

    length: int | None = None
    direction: str = "right"
    pad_to_multiple_of: int | None = None
    pad_id: int = 0
    pad_type_id: int = 0
    pad_token: str = "[PAD]"

    def __post_init__(self) -> None:
        if self.length is not None:
            _check_index(self.length, "padding.length")
        if self.pad_to_multiple_of is not None:
            _check_index(self.pad_to_multiple_of, "padding.pad_to_multiple_of")
        self.direction = _check_choice(self.direction, _DIRECTIONS, "padding.direction")

    @property
    def strategy(self) -> str:
        return "batch_longest" if self.length is None else "fixed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": "BatchLongest" if self.length is None else {"Fixed": self.length},
            "direction": _DIRECTION_JSON[self.direction],
            "pad_to_multiple_of": self.pad_to_multiple_of,
            "pad_id": self.pad_id,
            "pad_type_id": self.pad_type_id,
            "pad_token": self.pad_token,
        }

    @classmethod
    def from_dict(cls, d: Any, path: str = "padding") -> PaddingParams:
        if not isinstance(d, dict):
            raise TokenizerFileError(f"{path}: expected an object or null, found {d!r}")
        strategy = d.get("strategy")
        if strategy == "BatchLongest":
            length = None
        elif isinstance(strategy, dict) and list(strategy) == ["Fixed"]:
            length = _json_uint(strategy, "Fixed", f"{path}.strategy")
        else:
            raise TokenizerFileError(
                f"{path}.strategy: expected \"BatchLongest\" or {{\"Fixed\": <int>}}, found {strategy!r}"
            )
        multiple = d.get("pad_to_multiple_of")
        if multiple is not None:
            multiple = _json_uint(d, "pad_to_multiple_of", path)
        pad_token = d.get("pad_token")
        if not isinstance(pad_token, str):
            raise TokenizerFileError(f"{path}.pad_token: expected a string, found {pad_token!r}")
        return cls(
            length=length,
            direction=_from_json_enum(d.get("direction"), _DIRECTION_JSON, f"{path}.direction"),
            pad_to_multiple_of=multiple,
            pad_id=_json_uint(d, "pad_id", path),
            pad_type_id=_json_uint(d, "pad_type_id", path),
            pad_token=pad_token,
        )


def _from_json_enum(value: Any, table: dict[str, str], path: str) -> str:
    for name, json_name in table.items():
        if value == json_name:
            return name
    raise TokenizerFileError(f"{path}: expected one of {list(table.values())}, found {value!r}")


def _json_uint(d: dict[str, Any], key: str, path: str) -> int:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TokenizerFileError(f"{path}.{key}: expected a non-negative integer, found {value!r}")
    return value


def truncate_encodings(
    encoding: Encoding,
    pair_encoding: Encoding | None,
    params: TruncationParams,
    n_added_tokens: int = 0,
) -> tuple[Encoding, Encoding | None]:
    """Truncate a sequence (and its pair) in place so that, once the post-processor adds its
    ``n_added_tokens`` special tokens, the total fits ``params.max_length``. Returns both."""
    max_length = params.max_length
    if n_added_tokens > 0:
        if n_added_tokens > max_length:
            # HF subtracts in usize and the result wraps to a huge limit: nothing is truncated.
            return encoding, pair_encoding
        max_length -= n_added_tokens
    stride, direction = params.stride, params.direction
    if max_length == 0:
        encoding.truncate(0, stride, direction)
        if pair_encoding is not None:
            pair_encoding.truncate(0, stride, direction)
        return encoding, pair_encoding

    total = len(encoding) + (len(pair_encoding) if pair_encoding is not None else 0)
    if total <= max_length:
        return encoding, pair_encoding
    to_remove = total - max_length

    if params.strategy == "longest_first":
        if pair_encoding is None:
            encoding.truncate(total - to_remove, stride, direction)
        else:
            n1, n2 = _longest_first_lengths(len(encoding), len(pair_encoding), max_length)
            encoding.truncate(n1, stride, direction)
            pair_encoding.truncate(n2, stride, direction)
        return encoding, pair_encoding

    if params.strategy == "only_first":
        target, name = encoding, "first"
    elif pair_encoding is not None:
        target, name = pair_encoding, "second"
    else:
        raise InvalidInputError(
            "truncation: strategy 'only_second' needs a pair of sequences, but only one was given"
        )
    if len(target) <= to_remove:
        raise InvalidInputError(
            f"truncation: the {name} sequence has {len(target)} tokens, too few to remove the "
            f"{to_remove} needed to fit max_length={params.max_length} "
            f"(with {n_added_tokens} special tokens); use strategy 'longest_first' or raise max_length"
        )
    target.truncate(len(target) - to_remove, stride, direction)
    return encoding, pair_encoding


def _longest_first_lengths(len1: int, len2: int, max_length: int) -> tuple[int, int]:
    """HF's split of ``max_length`` between a pair: shorten the longer one first, else halve."""
    n1, n2 = sorted((len1, len2))
    n2 = n1 if n1 > max_length else max(n1, max_length - n1)
    if n1 + n2 > max_length:
        n1 = max_length // 2
        n2 = n1 + max_length % 2
    return (n2, n1) if len1 > len2 else (n1, n2)


def pad_encodings(encodings: list[Encoding], params: PaddingParams) -> list[Encoding]:
    """Pad every encoding (and its overflowing ones) in place to the batch's target length."""
    if not encodings:
        return encodings
    target = params.length if params.length is not None else max(len(e) for e in encodings)
    multiple = params.pad_to_multiple_of
    if multiple and target % multiple:
        target += multiple - target % multiple
    for encoding in encodings:
        encoding.pad(target, params.direction, params.pad_id, params.pad_type_id, params.pad_token)
    return encodings


def padded_arrays(encodings: list[Encoding], rows: list[Encoding], params: PaddingParams,
                  fields: Iterable[str]) -> dict[str, Any] | None:
    """What ``pad_encodings(encodings, params)`` and then reading ``fields`` of ``rows`` (the
    encodings, or with their overflowing ones) give, as int64 numpy arrays of shape (rows, target)
    -- (rows, target, 2) for ``offsets`` -- built from the unpadded encodings in one pass each,
    which leaves them unpadded. ``fields``: ids, type_ids, attention_mask, special_tokens_mask,
    offsets. None when a row is longer than the target (the rows would not make one array), and
    when the target is 0."""
    import numpy as np

    if not encodings:
        return None
    target = params.length if params.length is not None else max(map(len, encodings))
    multiple = params.pad_to_multiple_of
    if multiple and target % multiple:
        target += multiple - target % multiple
    lengths = np.fromiter(map(len, rows), np.intp, len(rows))
    if lengths.max() > target or target == 0:  # (empty rows: lists give offsets of shape (rows, 0))
        return None
    columns = np.arange(target)
    if params.direction == "left":
        mask = columns >= (target - lengths)[:, None]
    else:
        mask = columns < lengths[:, None]
    total = int(lengths.sum())
    shape = (len(rows), target)

    def fill(values: Iterable[int], pad: int) -> Any:
        out = np.full(shape, pad, np.int64)
        out[mask] = np.fromiter(values, np.int64, total)
        return out

    arrays: dict[str, Any] = {}
    for field in fields:
        if field == "ids":
            arrays[field] = fill(chain.from_iterable(e._ids for e in rows), params.pad_id)
        elif field == "type_ids":
            if params.pad_type_id == 0 and not any(map(any, (e._type_ids for e in rows))):
                arrays[field] = np.zeros(shape, np.int64)
            else:
                arrays[field] = fill(chain.from_iterable(e._type_ids for e in rows), params.pad_type_id)
        elif field == "attention_mask":
            if any(0 in e._attention for e in rows):
                arrays[field] = fill(chain.from_iterable(e._attention for e in rows), 0)
            else:
                arrays[field] = mask.astype(np.int64)
        elif field == "special_tokens_mask":
            arrays[field] = fill(chain.from_iterable(e._special for e in rows), 1)
        elif field == "offsets":
            out = np.zeros((*shape, 2), np.int64)
            flat = chain.from_iterable(e._offsets for e in rows)
            out[mask] = np.fromiter(flat, np.int64, 2 * total).reshape(total, 2)
            arrays[field] = out
        else:
            raise ValueError(f"padded_arrays: unknown field {field!r}")
    return arrays
