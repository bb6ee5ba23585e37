"""Added tokens: ``AddedToken`` and the ``AddedVocabulary`` that finds them in the input.

Follows HF `tokenizers` (``tokenizer/added_vocabulary.rs``). Added tokens live outside the model's
vocabulary (a BPE model could never produce ``[CLS]`` from its merges), so they are cut out of the
input *before* normalization and pre-tokenization:

1. the non-normalized added tokens (usually the special ones) are matched on the original text;
2. every remaining piece is normalized on its own;
3. the normalized added tokens are matched on those normalized pieces.

Matched pieces become finished splits with one token each; the pipeline never touches them again.
``lstrip`` / ``rstrip`` swallow the whitespace next to a match into it, ``single_word`` rejects a
match that touches a word character. Matching is leftmost-longest and non-overlapping, over all
tokens at once, with a character trie (one walk per candidate position; candidates are found by a
compiled class of the tokens' first characters). Building is linear in the total token length, so
tens of thousands of added tokens stay cheap; we never build a regex alternation of the tokens.

Ids: a token already in the model vocabulary keeps the model's id, a new one gets the next id after
both the model vocabulary and the ids already added (HF's rule, including its quirks).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import regex

from lexica.errors import InvalidInputError, TokenizerFileError
from lexica.tokenizers.normalized import NormalizedString, PreTokenizedString, Split

if TYPE_CHECKING:
    from lexica.tokenizers.models.base import Token

__all__ = ["AddedToken", "AddedVocabulary", "TokenTrie"]

# Rust regex's Unicode ``\w`` and ``\s`` (HF uses ``^\w``, ``\w$``, ``^\s*``, ``\s*$``).
_WORD_CHAR = regex.compile(r"[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]")
_SPACE_CHAR = regex.compile(r"\p{White_Space}")
_SPACES_AT_START = regex.compile(r"\p{White_Space}*")


class _Model(Protocol):
    def token_to_id(self, token: str) -> int | None: ...
    def get_vocab_size(self) -> int: ...


class _Normalizer(Protocol):
    def normalize(self, n: NormalizedString) -> Any: ...


@dataclass(slots=True)
class AddedToken:
    """A token added on top of the model vocabulary (fields are tokenizer.json's ``added_tokens`` keys).

    ``normalized=None`` means "the default": ``not special``, as HF's Python ``AddedToken``.
    """

    content: str
    single_word: bool = False
    lstrip: bool = False
    rstrip: bool = False
    normalized: bool | None = None
    special: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.content, str):
            raise InvalidInputError(f"AddedToken.content: expected a str, found {type(self.content).__name__}")

    @property
    def is_normalized(self) -> bool:
        return (not self.special) if self.normalized is None else self.normalized

    def resolved(self) -> AddedToken:
        """A copy with ``normalized`` decided, as stored in the vocabulary."""
        return AddedToken(self.content, self.single_word, self.lstrip, self.rstrip, self.is_normalized, self.special)

    def to_dict(self, id: int | None = None) -> dict[str, Any]:
        """The tokenizer.json object; HF writes ``id`` first."""
        d: dict[str, Any] = {} if id is None else {"id": id}
        d.update(
            content=self.content,
            single_word=self.single_word,
            lstrip=self.lstrip,
            rstrip=self.rstrip,
            normalized=self.is_normalized,
            special=self.special,
        )
        return d

    @classmethod
    def from_dict(cls, d: Any, path: str = "added_tokens[]") -> AddedToken:
        if not isinstance(d, dict):
            raise TokenizerFileError(f"{path}: expected an object, found {type(d).__name__}")
        if not isinstance(d.get("content"), str):
            raise TokenizerFileError(f"{path}.content: expected a string, found {d.get('content')!r}")
        flags = {}
        for key, default in (("single_word", False), ("lstrip", False), ("rstrip", False), ("special", False)):
            flags[key] = _flag(d, key, default, path)
        normalized = _flag(d, "normalized", not flags["special"], path)
        return cls(d["content"], normalized=normalized, **flags)

    def __repr__(self) -> str:
        return (
            f'AddedToken("{self.content}", rstrip={self.rstrip}, lstrip={self.lstrip}, '
            f"single_word={self.single_word}, normalized={self.is_normalized}, special={self.special})"
        )


def _flag(d: dict[str, Any], key: str, default: bool, path: str) -> bool:
    value = d.get(key, default)
    if not isinstance(value, bool):
        raise TokenizerFileError(f"{path}.{key}: expected true or false, found {value!r}")
    return value


class TokenTrie:
    """Leftmost-longest, non-overlapping matching of many literal patterns in one pass.

    The trie is stored flat: one dict from every prefix of every pattern to the index of the
    pattern it completes (-1 for a mere prefix). Strings are not tracked by the garbage collector,
    so building it for 50,000 tokens stays fast, where a tree of 300,000 small dicts would not.
    ``finditer`` jumps to the next position whose character starts some pattern (one compiled
    character class), extends the match while the text stays a prefix, and reports the longest
    pattern met; when none, it moves one character on. Same matches as HF's Aho-Corasick automaton
    in ``MatchKind::LeftmostLongest`` mode. For equal patterns (two normalized tokens that
    normalize alike) the first added wins; HF picks one at random there.
    """

    __slots__ = ("_prefixes", "_first", "size")

    def __init__(self, patterns: Iterable[str]) -> None:
        prefixes: dict[str, int] = {}
        self.size = 0
        for index, pattern in enumerate(patterns):
            self.size += 1
            if not pattern:
                continue
            for k in range(1, len(pattern)):
                prefixes.setdefault(pattern[:k], -1)
            if prefixes.get(pattern, -1) < 0:  # an equal earlier pattern keeps the match
                prefixes[pattern] = index
        self._prefixes = prefixes
        firsts = "".join(sorted({regex.escape(p[0]) for p in prefixes if len(p) == 1}))
        self._first = regex.compile(f"[{firsts}]") if firsts else None

    def finditer(self, text: str) -> Iterator[tuple[int, int, int]]:
        """Yield ``(start, end, pattern_index)`` for each match, left to right."""
        first = self._first
        if first is None:
            return
        get = self._prefixes.get
        n = len(text)
        pos = 0
        while True:
            m = first.search(text, pos)
            if m is None:
                return
            start = m.start()
            best_end = best_index = -1
            j = start + 1
            while j <= n:
                index = get(text[start:j])
                if index is None:
                    break
                if index >= 0:
                    best_end, best_index = j, index
                j += 1
            if best_end < 0:
                pos = start + 1
                continue
            yield start, best_end, best_index
            pos = best_end


class AddedVocabulary:
    """The added tokens of a tokenizer, their ids, and the two tries that find them."""

    def __init__(self) -> None:
        self._map: dict[str, int] = {}  # content -> id, special and classic tokens
        self._map_r: dict[int, AddedToken] = {}  # id -> token
        self._added: list[AddedToken] = []  # classic tokens, in the order given
        self._special: list[AddedToken] = []  # special tokens, in the order given
        self._special_set: set[str] = set()
        self._max_id = -1  # the largest id in _map (HF rescans the map for it on every token)
        self.encode_special_tokens = False  # HF's switch: match special tokens as plain text
        self._trie = TokenTrie(())
        self._trie_ids: list[int] = []
        self._ntrie = TokenTrie(())
        self._ntrie_ids: list[int] = []

    # ------------------------------------------------------------------ lookups
    def __len__(self) -> int:
        return len(self._map)

    def get_vocab(self) -> dict[str, int]:
        return dict(self._map)

    def added_tokens_decoder(self) -> dict[int, AddedToken]:
        return dict(self._map_r)

    def token_to_id(self, token: str, model: _Model) -> int | None:
        found = self._map.get(token)
        return model.token_to_id(token) if found is None else found

    def simple_id_to_token(self, id: int) -> str | None:
        token = self._map_r.get(id)
        return None if token is None else token.content

    def is_special_token(self, token: str) -> bool:
        return token in self._special_set

    @property
    def has_tokens(self) -> bool:
        return bool(self._map)

    # ------------------------------------------------------------------ adding
    def add_tokens(
        self, tokens: Iterable[AddedToken], model: _Model, normalizer: _Normalizer | None
    ) -> int:
        """Add tokens (HF's ``add_tokens``); returns how many were new or changed."""
        tokens = [t.resolved() for t in tokens]
        for token in tokens:
            if token.special and token.content and token.content not in self._special_set:
                self._special.append(token)
                self._special_set.add(token.content)
        ignored = 0
        existing = {(t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, t.special) for t in self._map_r.values()}
        for token in tokens:
            key = (token.content, token.single_word, token.lstrip, token.rstrip, token.normalized, token.special)
            if not token.content or key in existing:
                ignored += 1
                continue
            new_id = self.token_to_id(token.content, model)
            if new_id is None:
                new_id = self._next_id(model.get_vocab_size())
            self._map[token.content] = new_id
            self._max_id = max(self._max_id, new_id)
            self._map_r[new_id] = token
            existing.add(key)
            if token.content not in self._special_set:
                self._added.append(token)
        self.refresh(model, normalizer)
        return len(tokens) - ignored

    def _next_id(self, vocab_size: int) -> int:
        if not self._map:
            return vocab_size
        # HF's rule: after the largest id so far when it is past the model vocabulary (tokens
        # reusing small model ids included), else right after the model vocabulary.
        top = self._max_id
        return top + 1 if top >= vocab_size or vocab_size == 0 else vocab_size

    def refresh(self, model: _Model, normalizer: _Normalizer | None) -> None:
        """Rebuild both tries (after adding tokens, or when the normalizer changes)."""
        raw: list[tuple[str, int]] = []
        normed: list[tuple[str, int]] = []
        ids = self._map  # every listed token is in it
        for token in (*self._special, *self._added):
            token_id = ids[token.content]
            if token.normalized:
                normed.append((_normalize_text(token.content, normalizer), token_id))
            else:
                raw.append((token.content, token_id))
        self._trie = TokenTrie(p for p, _ in raw)
        self._trie_ids = [i for _, i in raw]
        self._ntrie = TokenTrie(p for p, _ in normed)
        self._ntrie_ids = [i for _, i in normed]

    # ------------------------------------------------------------------ matching
    def find_matches(self, sentence: str, normalized: bool) -> list[tuple[int | None, tuple[int, int]]]:
        """Cover ``sentence`` with ``(added_token_id or None, (start, end))`` pieces (HF ``find_matches``)."""
        if not sentence:
            return [(None, (0, 0))]
        trie, ids = (self._ntrie, self._ntrie_ids) if normalized else (self._trie, self._trie_ids)
        splits: list[tuple[int | None, tuple[int, int]]] = []
        start_offset = 0
        for start, stop, index in trie.finditer(sentence):
            token_id = ids[index]
            token = self._map_r[token_id]
            if self.encode_special_tokens and token.content in self._special_set:
                continue
            if token.single_word and not _is_single_word(sentence, start, stop):
                continue
            if token.lstrip:
                # Never reach back into what the previous match already took.
                start = max(_spaces_before(sentence, start), start_offset)
            if token.rstrip:
                stop = _SPACES_AT_START.match(sentence, stop).end()
            if start_offset < start:
                splits.append((None, (start_offset, start)))
            splits.append((token_id, (start, stop)))
            start_offset = stop
        if start_offset != len(sentence):
            splits.append((None, (start_offset, len(sentence))))
        return splits

    def _split(self, piece: NormalizedString, normalized: bool) -> list[Split]:
        from lexica.tokenizers.models.base import Token

        if normalized and not self._ntrie.size or not normalized and not self._trie.size:
            return [Split(piece)] if piece.normalized else []
        out: list[Split] = []
        for token_id, (start, stop) in self.find_matches(piece.normalized, normalized):
            if start == stop:
                continue  # HF drops empty pieces
            part = piece.slice(start, stop)
            if token_id is None:
                out.append(Split(part))
            else:
                value = part.normalized
                out.append(Split(part, [Token(token_id, value, (0, len(value)))]))
        return out

    def extract_and_normalize(self, normalizer: _Normalizer | None, sequence: str) -> PreTokenizedString:
        """Cut out the added tokens and normalize the rest (HF ``extract_and_normalize``)."""
        pts = PreTokenizedString(sequence)
        # 1. non-normalized tokens, matched on the original text
        pts.splits = self._split(pts.splits[0].normalized, normalized=False)
        # 2. normalize each remaining piece on its own, then match the normalized tokens in it
        new: list[Split] = []
        for sp in pts.splits:
            if sp.tokens is not None:
                new.append(sp)
                continue
            if normalizer is not None:
                normalizer.normalize(sp.normalized)
            new.extend(self._split(sp.normalized, normalized=True))
        pts.splits = new
        return pts

    # ------------------------------------------------------------------ serialization
    def to_list(self) -> list[dict[str, Any]]:
        """tokenizer.json's ``added_tokens``: every token with its id, by ascending id."""
        return [self._map_r[i].to_dict(i) for i in sorted(self._map_r)]


def _normalize_text(text: str, normalizer: _Normalizer | None) -> str:
    if normalizer is None:
        return text
    n = NormalizedString(text)
    normalizer.normalize(n)
    return n.normalized


def _spaces_before(sentence: str, start: int) -> int:
    """Where the run of whitespace that ends at ``start`` begins (HF: ``\\s*$`` on the prefix)."""
    while start > 0 and _SPACE_CHAR.match(sentence[start - 1]):
        start -= 1
    return start


def _is_single_word(sentence: str, start: int, stop: int) -> bool:
    """HF: the match may not touch a word character (``\\w``) on either side."""
    if start > 0 and _WORD_CHAR.match(sentence[start - 1]):
        return False
    if stop < len(sentence) and _WORD_CHAR.match(sentence[stop]):
        return False
    return True
