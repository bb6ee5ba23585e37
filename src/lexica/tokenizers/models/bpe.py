"""BPE: byte-pair encoding with ranked merges, as HF `tokenizers`' `BPE` model.

A word starts as one symbol per character (with `continuing_subword_prefix` on every character
but the first and `end_of_word_suffix` on the last, when set). Characters missing from the vocab
become `<0xXX>` byte tokens (`byte_fallback`), else the unk token (consecutive ones fused into
one with `fuse_unk`), else they are dropped. Then merges apply: repeatedly, the adjacent pair with
the lowest merge rank is merged, the leftmost one first. That is HF's order exactly: HF keeps a
heap ordered by (rank, position) and skips stale entries, which is the same thing.

Byte-level BPE (GPT-2) needs nothing special here: its ByteLevel pre-tokenizer maps every byte to
a printable character first, so the model only sees characters. Char-level BPE is the same model on
plain characters.

Two merge loops give identical results. Short words (almost all of them) use a list of pair ranks
searched with C-level `min` and `index`: quadratic, but with tiny constants. Long words, and every
word when dropout is on, use a heap over a linked list of symbols: O(n log n), as HF.

Dropout (BPE-dropout, Provilkov et al. 2020) follows HF: each time the heap yields a merge, it is
skipped with probability `dropout`; skipped merges go back in the heap after the next merge that is
applied. The random numbers come from a per-instance `random.Random(seed)`, so a fixed `seed`
gives a reproducible stream; HF uses an unseeded thread RNG, so only the distribution can match.
`dropout` None or 0.0 is deterministic and uses the cache; with dropout on, the cache and
`ignore_merges` are skipped, as in HF.

Cache: a bounded per-instance `WordCache` holding finished tokens, so a hit costs one dict lookup.
By default it keeps two generations of 10,000 words (so at most 20,000; HF keeps the first 10,000
words it sees and then stops adding), and words longer than 256 characters are not cached.

tokenizer.json: HF accepts merges as "a b" strings (legacy) or ["a", "b"] pairs and now always
writes pairs. `to_dict` writes the format that was read (pairs for models built in Python), so a
file round-trips unchanged; HF loads both.
"""

from __future__ import annotations

import heapq
import os
import random

from lexica.errors import TokenizerFileError
from lexica.tokenizers.models.base import (
    DEFAULT_CACHE_CAPACITY,
    Token,
    WordCache,
    byte_spans_to_char_offsets,
    check_bool,
    check_str,
    check_vocab,
    describe,
    missing_unk_error,
    ordered_vocab,
    read_json_vocab,
    read_text,
    require,
    reverse_vocab,
    utf8_len,
)

__all__ = ["BPE", "read_merges_txt"]

_new_token = tuple.__new__  # builds a Token without NamedTuple.__new__'s argument handling
# A merge is packed into one int, rank << 32 | merged id: `min` over packed values picks the lowest
# rank, and one dict lookup gives both. Ranks and ids are below 2**32, as in HF (u32).
_ID_BITS = 32
_ID_MASK = (1 << _ID_BITS) - 1
_NO_MERGE = 1 << 64  # for pairs without a merge; larger than any packed merge
# Words with more symbols than this use the heap loop; below it the list loop is faster.
SHORT_WORD_SYMBOLS = 40  # measured crossover on GPT-2 text: about 32 to 48 symbols
MERGES_FORMATS = ("pairs", "strings")


class BPE:
    """Byte-pair encoding model. Treat the attributes as read-only after construction."""

    def __init__(
        self,
        vocab: dict[str, int] | None = None,
        merges: list[tuple[str, str]] | None = None,
        *,
        dropout: float | None = None,
        unk_token: str | None = None,
        continuing_subword_prefix: str | None = None,
        end_of_word_suffix: str | None = None,
        fuse_unk: bool = False,
        byte_fallback: bool = False,
        ignore_merges: bool = False,
        seed: int | None = None,
        cache_capacity: int = DEFAULT_CACHE_CAPACITY,
        merges_format: str = "pairs",
        path: str = "model",
    ) -> None:
        """`path` is the JSON path named in error messages; `merges_format` is how to_dict writes
        merges ("pairs" as HF writes them, or legacy "strings")."""
        if dropout is not None and not 0.0 <= dropout <= 1.0:
            raise TokenizerFileError(
                f"{path}.dropout: expected a number from 0 to 1 or null, found {dropout!r}"
            )
        if merges_format not in MERGES_FORMATS:
            raise TokenizerFileError(
                f"merges_format: expected one of {list(MERGES_FORMATS)}, found {merges_format!r}"
            )
        self.vocab = dict(vocab or {})
        self.merges = tuple([tuple(pair) for pair in merges or []])  # a tuple: the cycle collector skips it
        self.dropout = None if dropout is None else float(dropout)
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.end_of_word_suffix = end_of_word_suffix
        self.fuse_unk = fuse_unk
        self.byte_fallback = byte_fallback
        self.ignore_merges = ignore_merges
        self.merges_format = merges_format
        self._vocab_r = reverse_vocab(self.vocab)
        # Pairs of ids are packed into one int key, a * _width + b: cheaper to hash than a tuple.
        self._width = max(self.vocab.values(), default=0) + 1
        self._merges = self._compile_merges(path)
        self._byte_ids = [self.vocab.get(f"<0x{b:02X}>") for b in range(256)]
        # The fast path reads offsets off token strings; that needs no affixes and one token per id.
        self._plain = (
            not continuing_subword_prefix and not end_of_word_suffix and len(self._vocab_r) == len(self.vocab)
        )
        self._rng = random.Random(seed)
        self._cache = WordCache(cache_capacity)

    def __repr__(self) -> str:
        return (
            f"BPE(vocab_size={len(self.vocab)}, merges={len(self._merges)}, dropout={self.dropout}, "
            f"unk_token={self.unk_token!r}, continuing_subword_prefix={self.continuing_subword_prefix!r}, "
            f"end_of_word_suffix={self.end_of_word_suffix!r}, fuse_unk={self.fuse_unk}, "
            f"byte_fallback={self.byte_fallback}, ignore_merges={self.ignore_merges})"
        )

    def _compile_merges(self, path: str) -> dict[int, int]:
        """Pair key a * width + b -> rank << 32 | merged id. A repeated merge keeps its last rank."""
        vocab, width = self.vocab, self._width
        prefix_bytes = len((self.continuing_subword_prefix or "").encode("utf-8"))
        table: dict[int, int] = {}
        for rank, (left, right) in enumerate(self.merges):
            # HF drops the prefix's length in BYTES from the right token, without checking it.
            if not prefix_bytes:
                new_token = left + right
            else:
                new_token = left + _drop_prefix_bytes(right, prefix_bytes, f"{path}.merges[{rank}]")
            try:
                table[vocab[left] * width + vocab[right]] = rank << _ID_BITS | vocab[new_token]
            except KeyError:
                missing = next(t for t in (left, right, new_token) if t not in vocab)
                what = "the merged token" if missing is new_token and missing not in (left, right) else "token"
                raise TokenizerFileError(
                    f"{path}.merges[{rank}]: {what} {missing!r} is not in {path}.vocab"
                ) from None
        return table

    # ---- encoding ---------------------------------------------------------------------------

    def tokenize(self, sequence: str) -> list[Token]:
        if not sequence:
            return []
        if self.dropout:  # None and 0.0 take the deterministic, cached path, as in HF
            return self._tokenize_word(sequence, self.dropout)
        hit = self._cache.get(sequence)
        if hit is not None:
            return list(hit)
        token_id = self.vocab.get(sequence) if self.ignore_merges else None
        if token_id is not None:
            tokens = [Token(token_id, sequence, (0, len(sequence)))]
        else:
            tokens = self._tokenize_word(sequence, None)
        self._cache.put(sequence, tuple(tokens))
        return tokens

    def _tokenize_word(self, word: str, dropout: float | None) -> list[Token]:
        vocab_r = self._vocab_r
        if self._plain:
            # The common case: every character is in the vocab and there are no affixes. Then each
            # token's string is exactly the characters it covers, so its length gives the offsets
            # and the merge loop need not track lengths.
            get = self.vocab.get
            ids = [get(ch) for ch in word]
            if None not in ids:
                if len(ids) > 1:
                    if dropout or len(ids) > SHORT_WORD_SYMBOLS:
                        ids = self._merge_heap(ids, [1] * len(ids), dropout)[0]
                    else:
                        self._merge_short(ids, None)
                out = []
                pos = 0
                for token_id in ids:
                    value = vocab_r[token_id]
                    end = pos + len(value)
                    out.append(_new_token(Token, (token_id, value, (pos, end))))
                    pos = end
                return out
        ids, lengths = self._symbols(word)  # lengths in bytes
        if len(ids) > 1:
            if dropout or len(ids) > SHORT_WORD_SYMBOLS:
                ids, lengths = self._merge_heap(ids, lengths, dropout)
            else:
                self._merge_short(ids, lengths)
        if word.isascii():  # bytes are characters
            out = []
            pos = 0
            for token_id, length in zip(ids, lengths):
                out.append(_new_token(Token, (token_id, vocab_r[token_id], (pos, pos + length))))
                pos += length
            return out
        offsets = byte_spans_to_char_offsets(word, lengths)
        return [_new_token(Token, (i, vocab_r[i], o)) for i, o in zip(ids, offsets)]

    def _symbols(self, word: str) -> tuple[list[int], list[int]]:
        """The initial symbols and their lengths in bytes, following HF's `merge_word` step by step
        (including its quirk: a pending unk is written only when the next in-vocab character
        arrives, so it can land after byte-fallback tokens that came later)."""
        get = self.vocab.get
        prefix, suffix = self.continuing_subword_prefix, self.end_of_word_suffix
        last = len(word) - 1
        ids: list[int] = []
        lengths: list[int] = []
        unk_length = 0  # > 0 while an unk token is pending
        for index, ch in enumerate(word):
            piece = prefix + ch if prefix and index else ch
            if suffix and index == last:
                piece += suffix
            n_bytes = utf8_len(ch)
            token_id = get(piece)
            if token_id is not None:
                if unk_length:
                    ids.append(self._unk_id(word))
                    lengths.append(unk_length)
                    unk_length = 0
                ids.append(token_id)
                lengths.append(n_bytes)
                continue
            if self.byte_fallback:
                # The whole piece, prefix and suffix included, as HF does.
                byte_ids = [self._byte_ids[b] for b in piece.encode("utf-8", "surrogatepass")]
                if None not in byte_ids:
                    ids.extend(byte_ids)
                    lengths.extend([1] * len(byte_ids))
                    continue
            if self.unk_token is None:
                continue  # no unk token: the character is dropped
            if unk_length and not self.fuse_unk:
                ids.append(self._unk_id(word))
                lengths.append(unk_length)
                unk_length = 0
            unk_length += n_bytes
        if unk_length:
            ids.append(self._unk_id(word))
            lengths.append(unk_length)
        return ids, lengths

    def _unk_id(self, word: str) -> int:
        unk = self.vocab.get(self.unk_token) if self.unk_token is not None else None
        if unk is None:
            raise missing_unk_error("BPE", self.unk_token, word)
        return unk

    def _merge_short(self, ids: list[int], lengths: list[int] | None) -> None:
        """Merge in place (`lengths` too, unless None). `pair_ranks[i]` is the packed merge of
        (ids[i], ids[i + 1])."""
        get, width, no_merge, id_mask = self._merges.get, self._width, _NO_MERGE, _ID_MASK
        pair_ranks = [get(a * width + b, no_merge) for a, b in zip(ids, ids[1:])]
        while pair_ranks:
            best = min(pair_ranks)
            if best == no_merge:
                break
            i = pair_ranks.index(best)  # the leftmost pair with the lowest rank
            ids[i] = best & id_mask
            del ids[i + 1]
            if lengths is not None:
                lengths[i] += lengths[i + 1]
                del lengths[i + 1]
            # The merged pair's slot now holds (merged, right neighbour); the one after it goes.
            if i + 1 < len(pair_ranks):
                del pair_ranks[i + 1]
                pair_ranks[i] = get(ids[i] * width + ids[i + 1], no_merge)
            else:
                del pair_ranks[i]
            if i:
                pair_ranks[i - 1] = get(ids[i - 1] * width + ids[i], no_merge)

    def _merge_heap(
        self, ids: list[int], lengths: list[int], dropout: float | None
    ) -> tuple[list[int], list[int]]:
        """HF's loop: a heap of (packed merge, position) over a doubly linked list of symbols."""
        get, width = self._merges.get, self._width
        n = len(ids)
        ids, lengths = list(ids), list(lengths)  # a merged-away symbol gets length 0
        prev = list(range(-1, n - 1))
        nxt = list(range(1, n + 1))
        nxt[-1] = -1
        heap = []
        # Entries (packed merge, position): ordered by rank, then leftmost, like HF's heap.
        for i in range(n - 1):
            packed = get(ids[i] * width + ids[i + 1])
            if packed is not None:
                heap.append((packed, i))
        heapq.heapify(heap)
        heappush, heappop = heapq.heappush, heapq.heappop
        random_draw, skipped = self._rng.random, []
        while heap:
            top = heappop(heap)
            if dropout and random_draw() < dropout:
                skipped.append(top)
                continue
            if skipped:
                for entry in skipped:
                    heappush(heap, entry)
                skipped.clear()
            packed, pos = top
            right = nxt[pos]
            # Stale entries: the symbol was merged away, is last, or its pair has changed.
            if lengths[pos] == 0 or right == -1 or get(ids[pos] * width + ids[right]) != packed:
                continue
            ids[pos] = new_id = packed & _ID_MASK
            lengths[pos] += lengths[right]
            lengths[right] = 0
            after = nxt[pos] = nxt[right]
            left = prev[pos]
            if left != -1:  # the new pair with the left neighbour
                packed = get(ids[left] * width + new_id)
                if packed is not None:
                    heappush(heap, (packed, left))
            if after != -1:  # and with the right neighbour
                prev[after] = pos
                packed = get(new_id * width + ids[after])
                if packed is not None:
                    heappush(heap, (packed, pos))
        out_ids, out_lengths = [], []
        i = 0  # the first symbol is never merged away (only right-hand symbols are)
        while i != -1:
            out_ids.append(ids[i])
            out_lengths.append(lengths[i])
            i = nxt[i]
        return out_ids, out_lengths

    # ---- vocab ------------------------------------------------------------------------------

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

    # ---- serialization ----------------------------------------------------------------------

    def to_dict(self) -> dict:
        width, vocab_r = self._width, self._vocab_r
        # From the rank table, as HF does: repeated merges appear once, at their last rank.
        keys = sorted(self._merges, key=self._merges.__getitem__)  # by rank
        pairs = [(vocab_r[key // width], vocab_r[key % width]) for key in keys]
        if self.merges_format == "strings":
            merges: list = [f"{a} {b}" for a, b in pairs]
        else:
            merges = [list(pair) for pair in pairs]
        return {
            "type": "BPE",
            "dropout": self.dropout,
            "unk_token": self.unk_token,
            "continuing_subword_prefix": self.continuing_subword_prefix,
            "end_of_word_suffix": self.end_of_word_suffix,
            "fuse_unk": self.fuse_unk,
            "byte_fallback": self.byte_fallback,
            "ignore_merges": self.ignore_merges,
            "vocab": ordered_vocab(vocab_r),
            "merges": merges,
        }

    @classmethod
    def from_dict(
        cls, d: dict, path: str = "model", seed: int | None = None, cache_capacity: int = DEFAULT_CACHE_CAPACITY
    ) -> BPE:
        """Build from a tokenizer.json "model" object; `seed` and `cache_capacity` are not in the file."""
        vocab = check_vocab(require(d, "vocab", path, "BPE"), f"{path}.vocab")
        merges, merges_format = parse_merges(require(d, "merges", path, "BPE"), f"{path}.merges")
        dropout = d.get("dropout")
        if dropout is not None and (isinstance(dropout, bool) or not isinstance(dropout, (int, float))):
            raise TokenizerFileError(
                f"{path}.dropout: expected a number from 0 to 1 or null, found {describe(dropout)}"
            )
        return cls(
            vocab,
            merges,
            dropout=dropout,
            unk_token=check_str(d.get("unk_token"), f"{path}.unk_token", optional=True),
            continuing_subword_prefix=check_str(
                d.get("continuing_subword_prefix"), f"{path}.continuing_subword_prefix", optional=True
            ),
            end_of_word_suffix=check_str(
                d.get("end_of_word_suffix"), f"{path}.end_of_word_suffix", optional=True
            ),
            fuse_unk=check_bool(d.get("fuse_unk"), f"{path}.fuse_unk"),
            byte_fallback=check_bool(d.get("byte_fallback"), f"{path}.byte_fallback"),
            ignore_merges=check_bool(d.get("ignore_merges"), f"{path}.ignore_merges"),
            seed=seed,
            cache_capacity=cache_capacity,
            merges_format=merges_format or "pairs",
            path=path,
        )

    @classmethod
    def from_files(
        cls,
        vocab: str | os.PathLike[str],
        merges: str | os.PathLike[str],
        *,
        dropout: float | None = None,
        unk_token: str | None = None,
        continuing_subword_prefix: str | None = None,
        end_of_word_suffix: str | None = None,
        fuse_unk: bool = False,
        byte_fallback: bool = False,
        ignore_merges: bool = False,
        seed: int | None = None,
        cache_capacity: int = DEFAULT_CACHE_CAPACITY,
    ) -> BPE:
        """Load the legacy pair `vocab.json` + `merges.txt` (GPT-2's encoder.json + vocab.bpe)."""
        return cls(
            read_json_vocab(vocab),
            read_merges_txt(merges),
            dropout=dropout,
            unk_token=unk_token,
            continuing_subword_prefix=continuing_subword_prefix,
            end_of_word_suffix=end_of_word_suffix,
            fuse_unk=fuse_unk,
            byte_fallback=byte_fallback,
            ignore_merges=ignore_merges,
            seed=seed,
            cache_capacity=cache_capacity,
            path=f"files {os.fspath(vocab)!r} + {os.fspath(merges)!r}: model",
        )


def _drop_prefix_bytes(token: str, n_bytes: int, where: str) -> str:
    if not n_bytes:
        return token
    if token.isascii():
        return token[n_bytes:]
    try:
        return token.encode("utf-8", "surrogatepass")[n_bytes:].decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as err:
        raise TokenizerFileError(
            f"{where}: cannot strip the continuing_subword_prefix ({n_bytes} bytes) from {token!r}: "
            "it would split a character"
        ) from err


def parse_merges(value: object, path: str) -> tuple[list[tuple[str, str]], str | None]:
    """Both formats HF reads: ["a b", ...] (legacy) or [["a", "b"], ...]. Returns the format too."""
    if not isinstance(value, list):
        raise TokenizerFileError(f"{path}: expected a list of merges, found {describe(value)}")
    merges_format = None if not value else "strings" if isinstance(value[0], str) else "pairs"
    merges = []
    for rank, item in enumerate(value):
        if merges_format == "strings" and isinstance(item, str):
            parts = item.split(" ")
            if len(parts) == 2:
                merges.append((parts[0], parts[1]))
                continue
            raise TokenizerFileError(
                f"{path}[{rank}]: expected two tokens separated by one space, found {describe(item)}"
            )
        is_pair = isinstance(item, list) and len(item) == 2 and all(isinstance(t, str) for t in item)
        if merges_format == "pairs" and is_pair:
            merges.append((item[0], item[1]))
            continue
        expected = '"left right" strings' if merges_format == "strings" else '["left", "right"] pairs'
        raise TokenizerFileError(
            f"{path}[{rank}]: expected merges written as {expected} like merges[0], found {describe(item)}"
        )
    return merges, merges_format


def read_merges_txt(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """merges.txt: one "left right" merge per line; lines starting with "#version" are skipped."""
    lines = read_text(path, "merges file").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    merges = []
    for number, line in enumerate(lines, start=1):
        line = line.removesuffix("\r")
        if line.startswith("#version"):
            continue
        parts = line.split(" ")
        if len(parts) != 2:
            raise TokenizerFileError(
                f"merges file {os.fspath(path)!r} line {number}: expected two tokens separated by "
                f"one space, found {describe(line)}"
            )
        merges.append((parts[0], parts[1]))
    return merges
