"""WordPiece: greedy longest-match-first subwords (BERT), as HF `tokenizers`' `WordPiece` model.

From the start of the word, take the longest prefix in the vocab; then, from where it ended, the
longest `continuing_subword_prefix + piece` in the vocab; and so on. If some position has no match,
or the word has more than `max_input_chars_per_word` characters, the whole word is one unk token.

Speed: `tokenize_fast` (the algorithm; `tokenize` wraps it in a bounded per-instance `WordCache`
and makes `Token`s) looks the whole word up first, then searches each position from the longest
candidate down. Exact shortcuts bound the search: no candidate longer than the longest vocab entry
(for non-ASCII text: the longest entry starting with that character), continuation pieces looked
up without their prefix in a table built on first use (no string concatenation). The vocab is
read as it was at the first `tokenize`; changing `vocab` afterwards is not supported.

tokenizer.json object (HF writes the keys in this order, and needs all of them when reading):
`{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
"max_input_chars_per_word": 100, "vocab": {...}}`. `from_vocab_file` reads BERT's `vocab.txt`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from lexica.tokenizers.models.base import (
    DEFAULT_CACHE_CAPACITY,
    Token,
    WordCache,
    check_count,
    check_str,
    check_vocab,
    missing_unk_error,
    ordered_vocab,
    read_text,
    require,
    reverse_vocab,
)

__all__ = ["WordPiece", "read_vocab_txt"]

_new_token = tuple.__new__  # builds a Token without NamedTuple.__new__'s argument handling

# Rust's `str::trim_end` strips Unicode White_Space; Python's `str.rstrip()` also strips
# U+001C..U+001F, which are not White_Space. HF trims vocab.txt lines with the Rust rule.
_RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


class WordPiece:
    """Greedy longest-match WordPiece model."""

    def __init__(
        self,
        vocab: dict[str, int] | None = None,
        unk_token: str = "[UNK]",
        continuing_subword_prefix: str = "##",
        max_input_chars_per_word: int = 100,
        cache_capacity: int = DEFAULT_CACHE_CAPACITY,
    ) -> None:
        self.vocab = dict(vocab or {})
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.max_input_chars_per_word = max_input_chars_per_word
        self._vocab_r = reverse_vocab(self.vocab)
        # No vocab entry is longer than this, so no longer candidate needs a lookup.
        self._longest = max((len(token) for token in self.vocab), default=0)
        self._cache = WordCache(cache_capacity)
        # Built on first use by tokenize_fast: continuation piece -> (id, token), its longest key,
        # and the longest entry / piece per first character.
        self._pieces: dict[str, tuple[int, str]] | None = None
        self._longest_piece = 0
        self._bounds: tuple[dict[str, int], dict[str, int]] = ({}, {})

    def __repr__(self) -> str:
        return (
            f"WordPiece(vocab_size={len(self.vocab)}, unk_token={self.unk_token!r}, "
            f"continuing_subword_prefix={self.continuing_subword_prefix!r}, "
            f"max_input_chars_per_word={self.max_input_chars_per_word})"
        )

    @classmethod
    def from_vocab_file(
        cls,
        path: str | os.PathLike[str],
        unk_token: str = "[UNK]",
        continuing_subword_prefix: str = "##",
        max_input_chars_per_word: int = 100,
        cache_capacity: int = DEFAULT_CACHE_CAPACITY,
    ) -> WordPiece:
        """Load BERT's `vocab.txt` (one token per line; the line number is the id)."""
        vocab = read_vocab_txt(path)
        return cls(vocab, unk_token, continuing_subword_prefix, max_input_chars_per_word, cache_capacity)

    def tokenize(self, sequence: str) -> list[Token]:
        if not sequence:
            return []
        hit = self._cache.get(sequence)
        if hit is not None:
            return list(hit)
        tokens = self._split(sequence)
        self._cache.put(sequence, tuple(tokens))
        return tokens

    def _split(self, word: str) -> list[Token]:
        ids, values, offsets = self.tokenize_fast(word)
        return [_new_token(Token, row) for row in zip(ids, values, offsets)]

    def tokenize_fast(self, word: str) -> tuple[tuple[int, ...], tuple[str, ...], tuple[tuple[int, int], ...]]:
        """``tokenize(word)`` as three tuples (ids, token strings, offsets), without the cache.

        For callers that keep their own per-word cache (the encode fast path). The search is
        top-down: the whole word first (one lookup, the common case), then at each position the
        candidates from the longest a vocab entry can be down to one character. Continuation
        pieces are looked up without their prefix in ``_pieces`` (no string concatenation).
        """
        n = len(word)
        if not n:
            return (), (), ()
        if n > self.max_input_chars_per_word:
            return self._unk_rows(word)
        vocab = self.vocab
        token_id = vocab.get(word)
        if token_id is not None:
            return (token_id,), (word,), ((0, n),)
        if self._pieces is None:
            self._build_pieces()
        # Non-ASCII text: bound each search by the longest entry starting with that character
        # (scripts with few multi-character entries then need one or two lookups per piece).
        bounds = None if word.isascii() else self._bounds
        get = vocab.get
        end = min(n - 1, self._longest if bounds is None else bounds[0].get(word[0], 0))
        while end:
            token_id = get(word[:end])
            if token_id is not None:
                break
            end -= 1
        else:
            return self._unk_rows(word)
        ids = [token_id]
        values = [word[:end]]
        offsets = [(0, end)]
        get_piece = self._pieces.get
        longest = self._longest_piece
        start = end
        while start < n:
            if bounds is not None:
                longest = bounds[1].get(word[start], 0)
            end = n if n - start <= longest else start + longest
            while end > start:
                hit = get_piece(word[start:end])
                if hit is not None:
                    break
                end -= 1
            else:  # nothing matched at `start`: the whole word is unknown
                return self._unk_rows(word)
            ids.append(hit[0])
            values.append(hit[1])
            offsets.append((start, end))
            start = end
        return tuple(ids), tuple(values), tuple(offsets)

    def _build_pieces(self) -> None:
        """Continuation tokens by their text after the prefix (piece -> (id, token)), the longest
        piece, and the longest entry / piece starting with each character."""
        prefix = self.continuing_subword_prefix
        cut = len(prefix)
        pieces = {t[cut:]: (i, t) for t, i in self.vocab.items() if t.startswith(prefix) and len(t) > cut}
        self._longest_piece = max(map(len, pieces), default=0)
        self._bounds = (_longest_by_first_char(self.vocab), _longest_by_first_char(pieces))
        self._pieces = pieces

    def _unk_rows(self, word: str) -> tuple[tuple[int], tuple[str], tuple[tuple[int, int]]]:
        unk = self._unk(word)
        return (unk.id,), (unk.value,), (unk.offsets,)

    def _unk(self, word: str) -> Token:
        unk = self.vocab.get(self.unk_token)
        if unk is None:
            raise missing_unk_error("WordPiece", self.unk_token, word)
        return Token(unk, self.unk_token, (0, len(word)))

    def token_to_id(self, token: str) -> int | None:
        return self.vocab.get(token)

    def id_to_token(self, id: int) -> str | None:
        return self._vocab_r.get(id)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)

    def get_vocab_size(self) -> int:
        return len(self.vocab)

    def clear_cache(self) -> None:
        self._cache.clear()

    def to_dict(self) -> dict:
        return {
            "type": "WordPiece",
            "unk_token": self.unk_token,
            "continuing_subword_prefix": self.continuing_subword_prefix,
            "max_input_chars_per_word": self.max_input_chars_per_word,
            "vocab": ordered_vocab(self._vocab_r),
        }

    @classmethod
    def from_dict(cls, d: dict, path: str = "model", cache_capacity: int = DEFAULT_CACHE_CAPACITY) -> WordPiece:
        def need(key: str) -> object:
            return require(d, key, path, "WordPiece")

        return cls(
            vocab=check_vocab(need("vocab"), f"{path}.vocab"),
            unk_token=check_str(need("unk_token"), f"{path}.unk_token", optional=False) or "",
            continuing_subword_prefix=check_str(
                need("continuing_subword_prefix"), f"{path}.continuing_subword_prefix", optional=False
            )
            or "",
            max_input_chars_per_word=check_count(
                need("max_input_chars_per_word"), f"{path}.max_input_chars_per_word"
            ),
            cache_capacity=cache_capacity,
        )


def _longest_by_first_char(keys: Iterable[str]) -> dict[str, int]:
    """First character -> length of the longest key starting with it."""
    longest: dict[str, int] = {}
    for key in keys:
        if key and len(key) > longest.get(key[0], 0):
            longest[key[0]] = len(key)
    return longest


def read_vocab_txt(path: str | os.PathLike[str]) -> dict[str, int]:
    """vocab.txt -> {token: line index}, trimming trailing whitespace as HF does (later lines win)."""
    lines = read_text(path, "vocab file").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line does not start another token
    return {line.rstrip(_RUST_WHITESPACE): index for index, line in enumerate(lines)}
