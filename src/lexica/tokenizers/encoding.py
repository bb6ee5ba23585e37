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
from dataclasses import dataclass, field, fields
from typing import Any

from lexica.errors import InvalidInputError, TokenizerFileError

__all__ = [
    "Encoding",
    "TruncationParams",
    "PaddingParams",
    "truncate_encodings",
    "pad_encodings",
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


@dataclass(slots=True, repr=False)
class Encoding:
    """One encoded input (or input pair): parallel per-token lists plus overflowing windows.

    ``sequence_ranges`` maps a sequence index (0 = first, 1 = pair) to the ``(start, end)`` token
    range it covers; empty means a single sequence covering everything.
    """

    ids: list[int] = field(default_factory=list)
    type_ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    offsets: list[Offsets] = field(default_factory=list)
    words: list[int | None] = field(default_factory=list)
    special_tokens_mask: list[int] = field(default_factory=list)
    attention_mask: list[int] = field(default_factory=list)
    overflowing: list[Encoding] = field(default_factory=list)
    sequence_ranges: dict[int, tuple[int, int]] = field(default_factory=dict)

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
        return cls(
            ids=list(ids),
            type_ids=[type_id] * n,
            tokens=list(tokens),
            offsets=[tuple(o) for o in offsets],
            words=list(words) if words is not None else [None] * n,
            special_tokens_mask=[0] * n,
            attention_mask=[1] * n,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        # Short like HF's; the fields of a long encoding would flood a terminal.
        return (
            f"Encoding(num_tokens={len(self)}, attributes=[ids, type_ids, tokens, offsets, attention_mask, "
            f"special_tokens_mask, overflowing={len(self.overflowing)}])"
        )

    def copy(self) -> Encoding:
        """A deep copy (overflowing included). The list items are immutable, so copying the lists
        is enough; this is much faster than ``copy.deepcopy`` on long encodings."""
        return Encoding(
            ids=self.ids[:],
            type_ids=self.type_ids[:],
            tokens=self.tokens[:],
            offsets=self.offsets[:],
            words=self.words[:],
            special_tokens_mask=self.special_tokens_mask[:],
            attention_mask=self.attention_mask[:],
            overflowing=[o.copy() for o in self.overflowing],
            sequence_ranges=dict(self.sequence_ranges),
        )

    # ----- sequences -------------------------------------------------------------------------
    @property
    def n_sequences(self) -> int:
        return len(self.sequence_ranges) or 1

    @property
    def word_ids(self) -> list[int | None]:
        return list(self.words)

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
        self.sequence_ranges[_check_index(sequence_id, "sequence_id")] = (0, len(self))

    def _sequence_range(self, sequence_id: int) -> tuple[int, int]:
        return self.sequence_ranges.get(sequence_id, (0, len(self)))

    # ----- char / word / token mappings (HF Python semantics: None when there is no answer) ---
    def token_to_sequence(self, token_index: int) -> int | None:
        token_index = _check_index(token_index, "token_index")
        if token_index > len(self):  # HF compares with `>`, so len(self) itself maps to 0
            return None
        if not self.sequence_ranges:
            return 0
        for seq_id, (start, end) in self.sequence_ranges.items():
            if start <= token_index < end:
                return seq_id
        return None

    def token_to_chars(self, token_index: int) -> Offsets | None:
        if self.token_to_sequence(token_index) is None or token_index >= len(self.offsets):
            return None
        return self.offsets[token_index]

    def token_to_word(self, token_index: int) -> int | None:
        if self.token_to_sequence(token_index) is None or token_index >= len(self.words):
            return None
        return self.words[token_index]

    def word_to_tokens(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        word_index = _check_index(word_index, "word_index")
        range_start, range_end = self._sequence_range(_check_index(sequence_index, "sequence_index"))
        if range_end > len(self.words) or range_start > range_end:
            return None
        first = last = None
        for i in range(range_start, range_end):
            word = self.words[i]
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
        return (self.offsets[start][0], self.offsets[end - 1][1])

    def char_to_token(self, char_pos: int, sequence_index: int = 0) -> int | None:
        char_pos = _check_index(char_pos, "char_pos")
        range_start, range_end = self._sequence_range(_check_index(sequence_index, "sequence_index"))
        if range_end > len(self.offsets) or range_start > range_end:
            return None
        for i in range(range_start, range_end):
            start, end = self.offsets[i]
            if start <= char_pos < end:
                return i
        return None

    def char_to_word(self, char_pos: int, sequence_index: int = 0) -> int | None:
        token = self.char_to_token(char_pos, sequence_index)
        return None if token is None else self.token_to_word(token)

    # ----- merging ---------------------------------------------------------------------------
    @staticmethod
    def merge(encodings: Iterable[Encoding], growing_offsets: bool = True) -> Encoding:
        """Concatenate ``encodings`` into a new one (HF's ``Encoding.merge``)."""
        merged = Encoding()
        for encoding in encodings:
            merged.merge_with(encoding, growing_offsets)
        return merged

    def merge_with(self, pair: Encoding, growing_offsets: bool = True) -> None:
        """Append ``pair`` in place; overflowing parts combine as a cross product (see module doc)."""
        # `pair` is only read, never changed, so it needs no copy; `combined` is ours to grow.
        overflowings: list[Encoding] = []
        for own in self.overflowing:
            combined = own.copy()
            combined.merge_with(pair, growing_offsets)
            overflowings.append(combined)
            for other in pair.overflowing:
                combined = own.copy()
                combined.merge_with(other, growing_offsets)
                overflowings.append(combined)
        for other in pair.overflowing:
            combined = self.copy()
            combined.merge_with(other, growing_offsets)
            overflowings.append(combined)

        shift = len(self)
        for seq_id, (start, end) in pair.sequence_ranges.items():
            self.sequence_ranges[seq_id] = (start + shift, end + shift)
        self.ids.extend(pair.ids)
        self.type_ids.extend(pair.type_ids)
        self.tokens.extend(pair.tokens)
        self.words.extend(pair.words)
        base = self.offsets[-1][1] if growing_offsets and self.offsets else 0
        self.offsets.extend((start + base, end + base) for start, end in pair.offsets)
        self.special_tokens_mask.extend(pair.special_tokens_mask)
        self.attention_mask.extend(pair.attention_mask)
        self.overflowing = overflowings

    # ----- truncation and padding ------------------------------------------------------------
    def _slice(self, start: int, stop: int) -> Encoding:
        return Encoding(
            ids=self.ids[start:stop],
            type_ids=self.type_ids[start:stop],
            tokens=self.tokens[start:stop],
            offsets=self.offsets[start:stop],
            words=self.words[start:stop],
            special_tokens_mask=self.special_tokens_mask[start:stop],
            attention_mask=self.attention_mask[start:stop],
        )

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
            whole = Encoding(**{name: getattr(self, name) for name in _FIELDS})
            for name in _FIELDS:
                setattr(self, name, type(getattr(self, name))())
            self.overflowing.append(whole)
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
        first.overflowing = windows[1:]
        for name in _FIELDS:
            setattr(self, name, getattr(first, name))

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
        for overflow in self.overflowing:
            overflow.pad(length, direction, pad_id, pad_type_id, pad_token)
        missing = length - len(self)
        if missing <= 0:
            return
        fills: dict[str, Any] = {
            "ids": pad_id,
            "type_ids": pad_type_id,
            "tokens": pad_token,
            "words": None,
            "attention_mask": 0,
            "special_tokens_mask": 1,
            "offsets": (0, 0),
        }
        for name, value in fills.items():
            values = getattr(self, name)
            padding = [value] * missing
            setattr(self, name, padding + values if direction == "left" else values + padding)
        if direction == "left":  # the sequences moved right by `missing` tokens
            self.sequence_ranges = {k: (s + missing, e + missing) for k, (s, e) in self.sequence_ranges.items()}


_FIELDS = tuple(f.name for f in fields(Encoding))


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
