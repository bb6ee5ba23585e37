"""The model stage's interface and the pieces the models share.

A *model* is the third stage of the tokenizer pipeline (normalizer -> pre-tokenizer -> model ->
post-processor -> decoder), as in Hugging Face `tokenizers`. It turns ONE pre-tokenized word into
tokens. Offsets are CHARACTER offsets into that word (HF's Rust models return byte offsets and the
Rust `Tokenizer` converts them to characters; our models do that conversion themselves, with the
same rounding, so the pipeline only adds the word's start).

This file also holds the shared helpers: the bounded word cache, the checks that turn malformed
`tokenizer.json` values into `TokenizerFileError`s naming the JSON path, and the byte -> character
offset conversion that reproduces what HF reports for tokens that do not sit on character
boundaries (byte-fallback tokens, or words where unknown characters were dropped).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from lexica.errors import TokenizerFileError

__all__ = [
    "Token",
    "Model",
    "WordCache",
    "utf8_len",
    "byte_spans_to_char_offsets",
]

# Words longer than this are not cached: they are rare, and caching them would let a few huge
# inputs hold megabytes. (HF's BPE cache has the same kind of limit.)
MAX_CACHED_WORD_CHARS = 256
# Two generations of 10,000 words each (HF's BPE cache holds 10,000 words and then stops adding).
DEFAULT_CACHE_CAPACITY = 20_000
_U32_MAX = 2**32 - 1


class Token(NamedTuple):
    """One token produced by a model: its id, its string, and character offsets into the word."""

    id: int
    value: str
    offsets: tuple[int, int]


class Model(Protocol):
    """What every model offers; `to_dict` gives exactly the tokenizer.json "model" object."""

    def tokenize(self, sequence: str) -> list[Token]: ...

    def token_to_id(self, token: str) -> int | None: ...

    def id_to_token(self, id: int) -> str | None: ...

    def get_vocab(self) -> dict[str, int]: ...

    def get_vocab_size(self) -> int: ...

    def to_dict(self) -> dict: ...


class WordCache:
    """A bounded word -> tokens cache with two generations (an approximate LRU at dict speed).

    New entries go into the young dict. When it holds `capacity // 2` entries, it becomes the old
    dict and the previous old dict is dropped. A hit in the old dict is copied into the young one,
    so words in steady use survive. The cache never holds more than `capacity` entries, and every
    operation is one or two dict lookups. `capacity=0` disables it.
    """

    __slots__ = ("capacity", "_half", "_young", "_old")

    def __init__(self, capacity: int = DEFAULT_CACHE_CAPACITY) -> None:
        self.capacity = max(0, int(capacity))
        self._half = max(1, self.capacity // 2)
        self._young: dict[str, tuple[Token, ...]] = {}
        self._old: dict[str, tuple[Token, ...]] = {}

    def get(self, key: str) -> tuple[Token, ...] | None:
        value = self._young.get(key)
        if value is None and self._old:
            value = self._old.get(key)
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key: str, value: tuple[Token, ...]) -> None:
        if not self.capacity or len(key) > MAX_CACHED_WORD_CHARS:
            return
        young = self._young
        if len(young) >= self._half:
            self._old = young
            self._young = young = {}
        young[key] = value

    def clear(self) -> None:
        self._young = {}
        self._old = {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old)


def utf8_len(ch: str) -> int:
    """Bytes of one code point in UTF-8 (a lone surrogate counts 3, as `surrogatepass` writes it)."""
    o = ord(ch)
    return 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4


def byte_spans_to_char_offsets(word: str, lengths: Iterable[int]) -> list[tuple[int, int]]:
    """Turn consecutive byte lengths (HF's `Word` symbols) into the character offsets HF reports.

    HF maps a token's byte range through the normalized string's alignments, which widens it to
    whole characters, then converts bytes to characters. So a byte-fallback token inside a 3-byte
    character gets that character's span. A range past the end of the word (possible only in odd
    configurations, e.g. byte fallback on a prefixed piece) cannot be aligned; HF then keeps the
    raw bytes or, if the start is inside the word, (start char, start char + 2): its char
    converter falls back to `start + 1` for the last char, then adds one. We do the same.
    """
    char_of_byte: list[int] = []
    for index, ch in enumerate(word):
        char_of_byte.extend([index] * utf8_len(ch))
    n_bytes = len(char_of_byte)
    offsets = []
    pos = 0
    for length in lengths:
        start, end = pos, pos + length
        pos = end
        if end <= n_bytes and start < end:
            offsets.append((char_of_byte[start], char_of_byte[end - 1] + 1))
        elif start < n_bytes:
            offsets.append((char_of_byte[start], char_of_byte[start] + 2))
        else:
            offsets.append((start, end))
    return offsets


# ---- checks on tokenizer.json values: each names the JSON path of the bad value ----------------


def describe(value: object) -> str:
    """A short description of a JSON value for error messages."""
    text = json.dumps(value, ensure_ascii=False) if _jsonable(value) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _jsonable(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def check_dict(value: object, path: str) -> dict:
    if not isinstance(value, dict):
        raise TokenizerFileError(f"{path}: expected a JSON object, found {describe(value)}")
    return value


def require(d: dict, key: str, path: str, model: str) -> object:
    if key not in d:
        raise TokenizerFileError(f"{path}: a {model} model needs the key {key!r}, found keys {sorted(d)}")
    return d[key]


def check_vocab(value: object, path: str) -> dict[str, int]:
    """A vocab object: token string -> id, ids non-negative integers that fit in u32 (as HF)."""
    vocab = check_dict(value, path)
    for token, index in vocab.items():
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= _U32_MAX:
            raise TokenizerFileError(
                f"{path}[{json.dumps(token, ensure_ascii=False)}]: expected a token id "
                f"(an integer from 0 to {_U32_MAX}), found {describe(index)}"
            )
    return dict(vocab)


def check_str(value: object, path: str, optional: bool) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        expected = "a string or null" if optional else "a string"
        raise TokenizerFileError(f"{path}: expected {expected}, found {describe(value)}")
    return value


def check_bool(value: object, path: str) -> bool:
    """A flag; null means false, as HF's BPE reader treats it."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise TokenizerFileError(f"{path}: expected true or false, found {describe(value)}")
    return value


def check_count(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TokenizerFileError(f"{path}: expected a non-negative integer, found {describe(value)}")
    return value


def ordered_vocab(vocab_r: dict[int, str]) -> dict[str, int]:
    """The vocab as HF writes it: sorted by id (holes skipped), one token per id."""
    return {vocab_r[index]: index for index in sorted(vocab_r)}


def reverse_vocab(vocab: dict[str, int]) -> dict[int, str]:
    # When two tokens share an id the later one wins, as in HF's reverse map built from the JSON.
    return {index: token for token, index in vocab.items()}


def missing_unk_error(model: str, unk_token: str | None, word: str) -> TokenizerFileError:
    return TokenizerFileError(
        f"model.unk_token: the {model} model needs its unk_token {unk_token!r} in model.vocab to "
        f"encode {describe(word)}, but it is missing"
    )


def read_text(path: str | os.PathLike[str], what: str) -> str:
    """Read a UTF-8 text file, turning OS and decoding errors into a TokenizerFileError naming it."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as err:
        raise TokenizerFileError(f"{what} {os.fspath(path)!r}: cannot read it ({err})") from err
    except UnicodeDecodeError as err:
        raise TokenizerFileError(f"{what} {os.fspath(path)!r}: not valid UTF-8 ({err})") from err


def read_json_vocab(path: str | os.PathLike[str]) -> dict[str, int]:
    """A vocab.json file (token -> id)."""
    text = read_text(path, "vocab file")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise TokenizerFileError(f"vocab file {os.fspath(path)!r}: not valid JSON ({err})") from err
    return check_vocab(value, f"{os.fspath(path)}: vocab")
