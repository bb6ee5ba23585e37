"""tiktoken rank files and Mistral tekken files: byte-level BPE defined by token ranks alone.

A ``.tiktoken`` file (OpenAI's format) lists every token once, ``<base64 bytes> <rank>`` per line.
There is no merges list: a word (one match of the encoding's regex) starts as single bytes, and the
adjacent pair whose concatenation has the lowest rank merges first (the leftmost of equal pairs),
until no adjacent pair concatenates to a token. A word that is itself a token is one token, whatever
the merges would say. A rank is also the token's id. Mistral's tekken JSON is the same model with the
pattern in the file and its special tokens in front: token ``rank`` gets id ``rank + num_special``.

``TiktokenTokenizer`` encodes with that rule directly on bytes (exactly tiktoken's algorithm, with a
bounded word cache and the regex compiled once), and builds on demand the equivalent lexica
``Tokenizer`` (``.tokenizer``: Split regex + ByteLevel + BPE, what transformers'
``TikTokenConverter`` writes to tokenizer.json). The merges of that BPE are derived from the ranks:
every split ``(left, right)`` of a token into two tokens is a merge, ordered by the merged token's
rank (then by the ranks of the parts). One theoretical difference remains on the ``Tokenizer`` path:
if one word held two different splits of the same token at once, tiktoken merges the leftmost
while HF-style BPE merges the one listed first. It never happens in practice: merging every
cl100k and o200k token from its bytes, and every word of the BBC News corpus, gives the same
tokens both ways (measured), and the parity tests run both paths against tiktoken.

Special tokens and prompt injection. ``encode`` treats special tokens written in the text as plain
text unless the caller allows them (``allowed_special``), and by default *refuses* text that
contains them (``disallowed_special="all"``), exactly as tiktoken does. Text from users, documents
or tools can then never forge ``<|endoftext|>`` or a chat-role marker: allow special tokens only for
text you wrote yourself, and pass ``disallowed_special=()`` to encode untrusted text with such
strings as ordinary characters. For the same reason the ``.tokenizer`` built here starts with
``encode_special_tokens = True`` (special tokens in the input are plain text); set it to False to
get HF's default behaviour.

Patterns and special tokens of the OpenAI encodings are in ``ENCODINGS`` (tiktoken's
``tiktoken_ext/openai_public.py`` values).

Unicode. The patterns' ``\\p{L}``, ``\\p{N}``, ``\\s`` ... come from the ``regex`` module, whose
tables are newer (Unicode 17) than those of tiktoken's Rust regex (Unicode 16). On the code points
first assigned in Unicode 17 (measured with short probes: ids differ around about 17,500 code
points, e.g. U+3D000) lexica splits by the new properties and tiktoken treats them as unassigned.
The other code points agree: those of Unicode 14 (Python's ``unicodedata``, which the hypothesis
tests draw from) and, in the same probes, the Unicode 15 and 16 additions. Lone surrogates become
U+FFFD as in tiktoken.

Speed (5 MB of BBC News, one thread, 2 shared cores): about 0.5x tiktoken for cl100k and 0.3x
for o200k, whose pattern is slow in the ``regex`` module. The regex scan is most of our time; the
word cache makes merges rare, and its lookups run in C.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import itemgetter, not_
from typing import Any, Literal

import regex

from lexica.errors import InvalidInputError, TokenizerFileError, UnsupportedError
from lexica.tokenizers.bytes_unicode import BYTES_TO_UNICODE

__all__ = [
    "ENCODINGS",
    "EncodingSpec",
    "TiktokenTokenizer",
    "derive_merges",
    "load_tekken",
    "load_tiktoken_bpe",
    "read_tiktoken_ranks",
]

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"

# GPT-2's pattern, as tiktoken writes it (possessive quantifiers: same splits, faster).
_R50K_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|"""
    r"""\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


@dataclass(frozen=True)
class EncodingSpec:
    """What a rank file does not say: the split pattern and the special tokens (name -> id)."""

    name: str
    pattern: str
    special_tokens: dict[str, int] = field(default_factory=dict)
    n_vocab: int | None = None  # the expected vocabulary size, when tiktoken checks one


ENCODINGS: dict[str, EncodingSpec] = {
    spec.name: spec
    for spec in (
        EncodingSpec("gpt2", _R50K_PATTERN, {ENDOFTEXT: 50256}, 50257),
        EncodingSpec("r50k_base", _R50K_PATTERN, {ENDOFTEXT: 50256}, 50257),
        EncodingSpec("p50k_base", _R50K_PATTERN, {ENDOFTEXT: 50256}, 50281),
        EncodingSpec(
            "p50k_edit", _R50K_PATTERN, {ENDOFTEXT: 50256, FIM_PREFIX: 50281, FIM_MIDDLE: 50282, FIM_SUFFIX: 50283}
        ),
        EncodingSpec(
            "cl100k_base",
            _CL100K_PATTERN,
            {ENDOFTEXT: 100257, FIM_PREFIX: 100258, FIM_MIDDLE: 100259, FIM_SUFFIX: 100260, ENDOFPROMPT: 100276},
        ),
        EncodingSpec("o200k_base", _O200K_PATTERN, {ENDOFTEXT: 199999, ENDOFPROMPT: 200018}),
    )
}

# The special tokens of tekken files that do not list them (mistral_common's defaults for <= v7);
# the remaining special ids up to num_special are "<SPECIAL_{id}>" fillers.
_TEKKEN_DEFAULT_SPECIALS = (
    "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
    "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]",
    "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]",
)

# Words longer than this (in bytes) merge with a heap: O(n log n) instead of the list loop's O(n^2).
_LONG_WORD_BYTES = 64
# Two generations of 32,768 words (a few MB). Larger than the BPE model's 20,000: the 40,000
# distinct words of 5 MB of news text then mostly stay cached, which measured about 1.25x faster.
_CACHE_CAPACITY = 65_536
_MAX_CACHED_WORD = 256
_BYTES = [bytes([b]) for b in range(256)]
_NO_RANK = 1 << 62


# ---------------------------------------------------------------------------------- file readers


def read_tiktoken_ranks(path: str | os.PathLike[str]) -> dict[bytes, int]:
    """Read a ``.tiktoken`` file: ``<base64 token> <rank>`` per line (empty lines are skipped).

    Raises ``TokenizerFileError`` naming the file and the line for a malformed line, bad base64,
    a rank that is not a non-negative integer, or a token or rank that appears twice.
    """
    where = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise TokenizerFileError(f"tiktoken file {where!r}: cannot read it ({err})") from err
    ranks: dict[bytes, int] = {}
    line_of_rank: dict[int, int] = {}
    for number, line in enumerate(data.splitlines(), start=1):
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise TokenizerFileError(
                f"tiktoken file {where!r} line {number}: expected '<base64 token> <rank>', found {_show(line)}"
            )
        try:
            token = base64.b64decode(parts[0], validate=True)
        except (binascii.Error, ValueError):
            raise TokenizerFileError(
                f"tiktoken file {where!r} line {number}: the token {_show(parts[0])} is not valid base64"
            ) from None
        if not parts[1].isdigit():
            raise TokenizerFileError(
                f"tiktoken file {where!r} line {number}: expected a non-negative integer rank, found {_show(parts[1])}"
            )
        rank = int(parts[1])
        if rank in line_of_rank:
            raise TokenizerFileError(
                f"tiktoken file {where!r} line {number}: rank {rank} is already used on line {line_of_rank[rank]}"
            )
        if token in ranks:
            raise TokenizerFileError(
                f"tiktoken file {where!r} line {number}: token {token!r} already has rank {ranks[token]} "
                f"(line {line_of_rank[ranks[token]]})"
            )
        ranks[token] = rank
        line_of_rank[rank] = number
    if not ranks:
        raise TokenizerFileError(f"tiktoken file {where!r}: no tokens found (the file is empty)")
    return ranks


def _show(value: bytes) -> str:
    text = repr(value.decode("utf-8", "replace"))
    return text if len(text) <= 60 else text[:57] + "..."


def load_tiktoken_bpe(path: str | os.PathLike[str], name: str = "cl100k_base") -> TiktokenTokenizer:
    """Load a ``.tiktoken`` rank file as the OpenAI encoding ``name`` (its pattern and special tokens).

    ``name`` is one of ``ENCODINGS`` (r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base, gpt2).
    """
    spec = ENCODINGS.get(name)
    if spec is None:
        raise UnsupportedError(f"name: expected one of {sorted(ENCODINGS)}, found {name!r}")
    ranks = read_tiktoken_ranks(path)
    n_vocab = len(ranks) + len(spec.special_tokens)
    if spec.n_vocab is not None and n_vocab != spec.n_vocab:
        raise TokenizerFileError(
            f"tiktoken file {os.fspath(path)!r}: {name} has {spec.n_vocab} tokens with its special tokens, "
            f"found {len(ranks)} ranks + {len(spec.special_tokens)} special tokens = {n_vocab}; is it the "
            f"file of another encoding?"
        )
    return TiktokenTokenizer(spec.name, spec.pattern, ranks, spec.special_tokens, source=os.fspath(path))


def load_tekken(path: str | os.PathLike[str]) -> TiktokenTokenizer:
    """Load Mistral's tekken JSON (``tekken*.json``) as mistral_common's ``Tekkenizer`` reads it.

    The vocabulary is cut to ``config.default_vocab_size - config.default_num_special_tokens``
    tokens; special tokens take ids ``0 .. num_special - 1`` (the file's ``special_tokens``, or
    mistral_common's defaults for files without them, then ``<SPECIAL_{id}>`` fillers) and token
    ``rank`` gets id ``rank + num_special``.
    """
    where = os.fspath(path)
    data = _read_json(path)
    config = _key(data, "config", dict, where, "")
    pattern = _key(config, "pattern", str, where, "config.")
    vocab_size = _key(config, "default_vocab_size", int, where, "config.")
    num_special = _key(config, "default_num_special_tokens", int, where, "config.")
    entries = _key(data, "vocab", list, where, "")
    inner = vocab_size - num_special
    if not 0 <= inner <= len(entries):
        raise TokenizerFileError(
            f"{where}: config.default_vocab_size - config.default_num_special_tokens = {inner} regular tokens, "
            f"but vocab has {len(entries)} entries"
        )
    ranks: dict[bytes, int] = {}
    for i, entry in enumerate(entries[:inner]):
        token = _tekken_token(entry, i, where)
        if token in ranks:
            raise TokenizerFileError(f"{where}: vocab[{i}]: token {token!r} already has rank {ranks[token] - num_special}")
        ranks[token] = i + num_special
    specials = _tekken_specials(data.get("special_tokens"), num_special, where)
    return TiktokenTokenizer(os.path.basename(where).removesuffix(".json"), pattern, ranks, specials, source=where)


def _read_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    where = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
    except OSError as err:
        raise TokenizerFileError(f"tekken file {where!r}: cannot read it ({err})") from err
    except UnicodeDecodeError as err:
        raise TokenizerFileError(f"tekken file {where!r}: not valid UTF-8 at byte {err.start}") from err
    except json.JSONDecodeError as err:
        raise TokenizerFileError(
            f"tekken file {where!r}: not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from err
    if not isinstance(data, dict):
        raise TokenizerFileError(f"tekken file {where!r}: expected a JSON object, found {type(data).__name__}")
    return data


def _key(d: dict[str, Any], key: str, kind: type, where: str, prefix: str) -> Any:
    value = d.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TokenizerFileError(f"{where}: {prefix}{key}: expected a {kind.__name__}, found {value!r:.60}")
    return value


def _tekken_token(entry: Any, i: int, where: str) -> bytes:
    if not isinstance(entry, dict) or entry.get("rank") != i or not isinstance(entry.get("token_bytes"), str):
        raise TokenizerFileError(
            f"{where}: vocab[{i}]: expected {{'rank': {i}, 'token_bytes': <base64>, ...}}, found {entry!r:.80}"
        )
    try:
        token = base64.b64decode(entry["token_bytes"], validate=True)
    except (binascii.Error, ValueError):
        raise TokenizerFileError(f"{where}: vocab[{i}].token_bytes: not valid base64: {entry['token_bytes']!r:.60}") from None
    if i < 256 and token != bytes([i]):
        raise TokenizerFileError(f"{where}: vocab[{i}]: the first 256 tokens must be the bytes 0..255, found {token!r}")
    return token


def _tekken_specials(value: Any, num_special: int, where: str) -> dict[str, int]:
    if value is None:
        names = list(_TEKKEN_DEFAULT_SPECIALS)
    else:
        if not isinstance(value, list):
            raise TokenizerFileError(f"{where}: special_tokens: expected a list, found {value!r:.60}")
        names = []
        for i, entry in enumerate(value):
            if not isinstance(entry, dict) or entry.get("rank") != i or not isinstance(entry.get("token_str"), str):
                raise TokenizerFileError(
                    f"{where}: special_tokens[{i}]: expected {{'rank': {i}, 'token_str': <str>, ...}}, found {entry!r:.80}"
                )
            names.append(entry["token_str"])
    if len(names) > num_special:
        raise TokenizerFileError(
            f"{where}: {len(names)} special tokens, more than config.default_num_special_tokens = {num_special}"
        )
    names += [f"<SPECIAL_{i}>" for i in range(len(names), num_special)]
    specials = {name: i for i, name in enumerate(names)}
    if len(specials) != len(names):
        raise TokenizerFileError(f"{where}: special_tokens: the names must be distinct")
    return specials


# ---------------------------------------------------------------------------------- the tokenizer


class TiktokenTokenizer:
    """A rank-defined byte-level BPE with tiktoken's ``Encoding`` interface.

    ``mergeable_ranks`` maps token bytes to ids; the ids also order the merges (lower merges
    first), so ranks shifted by a constant (tekken) work unchanged.

    Prompt injection: ``encode`` refuses text containing a special token unless the caller says
    how to treat it. ``allowed_special`` lists the special tokens that become their special id
    (``"all"`` for every one); ``disallowed_special`` lists those whose presence raises
    ``InvalidInputError`` (default ``"all"``: every special token not allowed). Special tokens
    that are neither allowed nor disallowed are encoded as plain text. So, for text you did not
    write yourself, either keep the defaults (and get an error) or pass ``disallowed_special=()``
    (the string ``<|endoftext|>`` becomes ordinary tokens that cannot end the document).
    """

    def __init__(
        self,
        name: str,
        pattern: str,
        mergeable_ranks: dict[bytes, int],
        special_tokens: dict[str, int] | None = None,
        *,
        source: str = "mergeable_ranks",
        cache_capacity: int = _CACHE_CAPACITY,
    ) -> None:
        self.name = name
        self.pattern = pattern
        self.source = source
        self._ranks = dict(mergeable_ranks)
        self._special = dict(special_tokens or {})
        try:
            # VERSION1 reads classes as Rust's regex does (set operations such as [a--b] and
            # nested classes), and runs the o200k pattern about 20% faster than VERSION0.
            self._regex = regex.compile(pattern, regex.VERSION1)
        except (regex.error, ValueError, OverflowError) as err:
            raise TokenizerFileError(f"{source}: pattern: invalid regular expression {pattern!r:.80}: {err}") from None
        self._decoder = {i: t for t, i in self._ranks.items()}
        if len(self._decoder) != len(self._ranks):
            raise TokenizerFileError(f"{source}: two tokens share an id; every rank must be distinct")
        for token, token_id in self._special.items():
            if token_id in self._decoder:
                raise TokenizerFileError(
                    f"{source}: special token {token!r} has id {token_id}, already the id of {self._decoder[token_id]!r}"
                )
        self._special_decoder = {i: t.encode("utf-8") for t, i in self._special.items()}
        missing = [b for b in range(256) if _BYTES[b] not in self._ranks]
        if missing:
            raise TokenizerFileError(
                f"{source}: every single byte must be a token (else some text cannot be encoded); "
                f"missing bytes {missing[:8]}{'...' if len(missing) > 8 else ''}"
            )
        self._n_vocab = max(max(self._decoder), max(self._special.values(), default=-1)) + 1
        self._cache_half = max(1, cache_capacity // 2)
        self._cache_on = cache_capacity > 0
        self._cache: dict[str, tuple[int, ...]] = {}
        self._old_cache: dict[str, tuple[int, ...]] = {}
        self._special_regexes: dict[frozenset[str], regex.Pattern] = {}
        self._tokenizer: Any = None

    def __repr__(self) -> str:
        return f"<TiktokenTokenizer {self.name!r} n_vocab={self.n_vocab}>"

    # ---- vocabulary ---------------------------------------------------------------------------

    @property
    def n_vocab(self) -> int:
        """One more than the largest id, as tiktoken reports it."""
        return self._n_vocab

    @property
    def special_tokens_set(self) -> set[str]:
        return set(self._special)

    @property
    def special_tokens(self) -> dict[str, int]:
        return dict(self._special)

    @property
    def mergeable_ranks(self) -> dict[bytes, int]:
        return dict(self._ranks)

    @property
    def eot_token(self) -> int | None:
        return self._special.get(ENDOFTEXT)

    # ---- encoding -----------------------------------------------------------------------------

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text`` with no special-token handling at all (special tokens are plain text)."""
        out: list[int] = []
        self._encode_plain(_clean(text), out)
        return out

    def encode(
        self,
        text: str,
        *,
        allowed_special: Literal["all"] | Collection[str] = (),
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> list[int]:
        """Encode ``text``; special tokens are plain text unless allowed (see the class docstring).

        Raises ``InvalidInputError`` when the text contains a disallowed special token.
        """
        allowed = self._special_set(allowed_special, "allowed_special")
        if isinstance(disallowed_special, str) and disallowed_special == "all":
            disallowed = frozenset(self._special) - allowed
        else:
            disallowed = self._special_set(disallowed_special, "disallowed_special")
        if not isinstance(text, str):
            raise InvalidInputError(f"text: expected a str, found {type(text).__name__}")
        if disallowed:
            match = self._special_regex(disallowed).search(text)
            if match is not None:
                raise InvalidInputError(
                    f"text: contains the special token {match.group()!r} at character {match.start()}, which "
                    f"is disallowed. If the text is trusted, pass allowed_special={{{match.group()!r}}} (or "
                    f"'all') to encode it as a special token; to encode it as plain text, pass "
                    f"disallowed_special=() (or leave the token out of disallowed_special)"
                )
        text = _clean(text)
        out: list[int] = []
        if not allowed:
            self._encode_plain(text, out)
            return out
        start = 0
        for match in self._special_regex(allowed).finditer(text):
            self._encode_plain(text[start:match.start()], out)
            out.append(self._special[match.group()])
            start = match.end()
        self._encode_plain(text[start:], out)
        return out

    def encode_batch(
        self,
        texts: Sequence[str],
        *,
        allowed_special: Literal["all"] | Collection[str] = (),
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> list[list[int]]:
        return [
            self.encode(t, allowed_special=allowed_special, disallowed_special=disallowed_special) for t in texts
        ]

    def _special_set(self, value: Any, name: str) -> frozenset[str]:
        if isinstance(value, str):
            if value == "all":
                return frozenset(self._special)
            raise InvalidInputError(f"{name}: expected 'all' or a collection of special tokens, found the string {value!r}")
        if not isinstance(value, Iterable):
            raise InvalidInputError(f"{name}: expected 'all' or a collection of special tokens, found {value!r:.60}")
        chosen = frozenset(value)
        unknown = sorted(t for t in chosen if t not in self._special)
        if unknown and name == "allowed_special":
            raise InvalidInputError(
                f"{name}: {unknown[:5]} are not special tokens of {self.name}; choices: {sorted(self._special)[:10]}"
            )
        return chosen

    def _special_regex(self, tokens: frozenset[str]) -> regex.Pattern:
        rx = self._special_regexes.get(tokens)
        if rx is None:
            # Longest first, so a token that starts another one cannot shadow it.
            ordered = sorted(tokens, key=lambda t: (-len(t), t))
            rx = regex.compile("|".join(regex.escape(t) for t in ordered))
            if len(self._special_regexes) < 64:
                self._special_regexes[tokens] = rx
        return rx

    def _encode_plain(self, text: str, out: list[int]) -> None:
        """Append the ids of ``text`` (no special tokens) to ``out``: regex words, then BPE per word.

        Cache lookups run in C (``map``); only the misses go through Python."""
        words = self._regex.findall(text)
        found = list(map(self._cache.get, words))
        if None in found:
            word_ids = self._word_ids
            for i in list(compress(range(len(found)), map(not_, found))):  # the misses, found in C
                found[i] = word_ids(words[i])
        out.extend(chain.from_iterable(found))

    def _word_ids(self, word: str) -> tuple[int, ...]:
        ids = self._cache.get(word)
        if ids is not None:
            return ids
        ids = self._old_cache.get(word)
        if ids is None:
            data = word.encode("utf-8")
            token_id = self._ranks.get(data)
            if token_id is not None:
                ids = (token_id,)
            elif len(data) > _LONG_WORD_BYTES:
                ids = tuple(self._merge_long(data))
            else:
                ids = tuple(self._merge_short(data))
        if self._cache_on and len(word) <= _MAX_CACHED_WORD:
            # Two generations: when the young dict is full it becomes the old one (which is dropped
            # at the next turn); old hits are copied back, so words in steady use survive.
            if len(self._cache) >= self._cache_half:
                self._old_cache = self._cache
                self._cache = {}
            self._cache[word] = ids
        return ids

    def _merge_short(self, data: bytes) -> list[int]:
        """tiktoken's merge loop: merge the adjacent pair whose concatenation has the lowest rank
        (the leftmost of equal ones) until no pair concatenates to a token."""
        get = self._ranks.get
        parts = [_BYTES[b] for b in data]
        pair_ranks = [get(a + b, _NO_RANK) for a, b in zip(parts, parts[1:])]
        while pair_ranks:
            best = min(pair_ranks)
            if best == _NO_RANK:
                break
            i = pair_ranks.index(best)
            parts[i] += parts.pop(i + 1)
            del pair_ranks[i]
            if i < len(pair_ranks):
                pair_ranks[i] = get(parts[i] + parts[i + 1], _NO_RANK)
            if i:
                pair_ranks[i - 1] = get(parts[i - 1] + parts[i], _NO_RANK)
        ranks = self._ranks
        return [ranks[p] for p in parts]

    def _merge_long(self, data: bytes) -> list[int]:
        """The same merges for long words: a heap of (rank, position) over a linked list of parts.
        A popped entry is stale when its left part is gone or the pair has changed since."""
        get = self._ranks.get
        n = len(data)
        parts: list[bytes | None] = [_BYTES[b] for b in data]
        nxt = list(range(1, n + 1))
        nxt[-1] = -1
        prev = list(range(-1, n - 1))
        heap = [(r, i) for i in range(n - 1) if (r := get(parts[i] + parts[i + 1])) is not None]
        heapq.heapify(heap)
        while heap:
            rank, i = heapq.heappop(heap)
            j = nxt[i]
            left = parts[i]
            if left is None or j == -1 or get(left + parts[j]) != rank:
                continue
            merged = parts[i] = left + parts[j]
            parts[j] = None
            k = nxt[i] = nxt[j]
            if k != -1:
                prev[k] = i
                r = get(merged + parts[k])
                if r is not None:
                    heapq.heappush(heap, (r, i))
            p = prev[i]
            if p != -1:
                r = get(parts[p] + merged)
                if r is not None:
                    heapq.heappush(heap, (r, p))
        ranks = self._ranks
        out = []
        i = 0
        while i != -1:
            out.append(ranks[parts[i]])
            i = nxt[i]
        return out

    def clear_cache(self) -> None:
        self._cache = {}
        self._old_cache = {}

    # ---- decoding -----------------------------------------------------------------------------

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The bytes of ``ids`` (special tokens as their UTF-8 text)."""
        decoder, special = self._decoder, self._special_decoder
        chunks = []
        for i, token_id in enumerate(ids):
            chunk = decoder.get(token_id)
            if chunk is None:
                chunk = special.get(token_id)
                if chunk is None:
                    raise InvalidInputError(f"ids[{i}]: {token_id!r} is not a token id of {self.name} (n_vocab {self.n_vocab})")
            chunks.append(chunk)
        return b"".join(chunks)

    def decode(self, ids: Iterable[int], errors: str = "replace") -> str:
        """Ids back to text; invalid UTF-8 becomes U+FFFD (``errors`` as in ``bytes.decode``)."""
        return self.decode_bytes(ids).decode("utf-8", errors)

    def decode_single_token_bytes(self, token_id: int) -> bytes:
        return self.decode_bytes([token_id])

    def encode_single_token(self, token: bytes | str) -> int:
        """The id of one whole token (bytes or a special token's text)."""
        if isinstance(token, str):
            if token in self._special:
                return self._special[token]
            token = token.encode("utf-8")
        token_id = self._ranks.get(token)
        if token_id is None:
            raise InvalidInputError(f"token: {token!r} is not a single token of {self.name}")
        return token_id

    # ---- the equivalent lexica Tokenizer --------------------------------------------------------

    @property
    def tokenizer(self) -> Any:
        """The same tokenizer as a lexica ``Tokenizer`` (offsets, batching, tokenizer.json), built
        on first use. It treats special tokens in the input as text (``encode_special_tokens``)."""
        if self._tokenizer is None:
            self._tokenizer = self._build_tokenizer()
        return self._tokenizer

    def _build_tokenizer(self) -> Any:
        from lexica.tokenizers import decoders, pre_tokenizers, processors
        from lexica.tokenizers.added_vocab import AddedToken
        from lexica.tokenizers.models.bpe import BPE
        from lexica.tokenizers.pre_tokenizers import Regex
        from lexica.tokenizers.tokenizer import Tokenizer

        vocab = {_byte_chars(t): i for t, i in self._ranks.items()}
        for token, token_id in self._special.items():
            # Special tokens live in the model vocab too, so that they keep their own ids (the
            # added-token id rule would renumber ids with gaps, such as cl100k's 100257...).
            if vocab.setdefault(token, token_id) != token_id:
                raise TokenizerFileError(
                    f"{self.source}: special token {token!r} has the same byte-level text as token {vocab[token]}"
                )
        model = BPE(vocab, derive_merges(self._ranks), ignore_merges=True, path=f"{self.source}: model")
        tokenizer = Tokenizer(model)
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(self.pattern), "isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
        tokenizer.decoder = decoders.ByteLevel()
        tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
        specials = sorted(self._special.items(), key=lambda item: item[1])
        tokenizer.add_special_tokens([AddedToken(t, normalized=False, special=True) for t, _ in specials])
        tokenizer.encode_special_tokens = True
        return tokenizer


def derive_merges(ranks: dict[bytes, int]) -> list[tuple[str, str]]:
    """BPE merges from ranks, in byte-level characters: every split of a token into two tokens,
    ordered by the token's rank, then by the ranks of the left and right parts (the order of
    transformers' ``TikTokenConverter``)."""
    get = ranks.get
    merges: list[tuple[str, str]] = []
    for token, _rank in sorted(ranks.items(), key=itemgetter(1)):
        if len(token) < 2:
            continue
        splits = []
        for k in range(1, len(token)):
            left = get(token[:k])
            if left is not None:
                right = get(token[k:])
                if right is not None:
                    splits.append((left, right, k))
        if len(splits) > 1:
            splits.sort()
        chars = _byte_chars(token)  # one character per byte, so byte slices are char slices
        merges += [(chars[:k], chars[k:]) for _, _, k in splits]
    return merges


_BYTE_CHARS = {b: c for b, c in BYTES_TO_UNICODE.items()}  # a str.translate table on latin-1 text


def _byte_chars(token: bytes) -> str:
    """The byte-level (GPT-2 table) string of some bytes."""
    return token.decode("latin-1").translate(_BYTE_CHARS)


def _clean(text: str) -> str:
    """Lone surrogates (UTF-8 cannot hold them) become U+FFFD and surrogate pairs the character
    they spell, through UTF-16, as tiktoken does."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text
