"""Byte-level BPE straight from a word's UTF-8 bytes (the encode fast path's model step).

``fast_path.FastEncoder`` calls ``ByteBPE.tokenize`` on each word it has not cached yet; the
result must equal ``models.bpe.BPE.tokenize`` on the word's byte-level characters.

Same algorithm as ``BPE._merge_short`` (lowest rank first, leftmost among equals, on a list of pair
ranks searched with C-level ``min`` and ``index``), with the model's own merge table
(``pair key a * width + b -> rank << 32 | merged id``). What makes it cheaper, measured on the
unique words of English, code and multilingual text (where every call is a cache miss):

- The symbols are framed by two sentinel ids whose pairs are never merges,
  ``ids = [LEFT, s0, ..., sn-1, RIGHT]``, ``ranks[j]`` = merge of ``(ids[j], ids[j + 1])``:
  the loop has no bounds checks and never empties ``ranks``.
- When the 256 byte tokens have ids 0..255 (GPT-2, and most byte-level vocabs), the first ids
  are ``bytes.translate`` of the word and the first pair ranks come from a 256 x 256 table,
  both C-level; one-byte words come from a 256-entry table.
- The results of one, two and three tokens are built without intermediate lists; offsets come
  from the token strings' lengths (a byte-level character is one byte).
- The loop is a closure over its tables (no attribute lookups per word).

Words longer than ``MAX_BYTES`` go back to the model (its heap loop is faster from about 90 bytes).

``ByteBPE.batch()`` does the same for many words at once with numpy (``encode_batch`` computes the
words a batch has not cached yet this way). Each round merges, in every word, all occurrences of
the word's lowest-ranked pair, leftmost first (even positions of a run of overlapping matches).
That equals the one-pair-at-a-time loop when the merge table is *monotone* -- every merge ranks
after the merges that produce its two inputs, so a merge never creates a pair that ranks below
it -- which GPT-2's table, and every table trained by BPE, is; ``batch()`` checks it and returns
None otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate, repeat
from operator import add, mul
from typing import TYPE_CHECKING, Any

from lexica.tokenizers.bytes_unicode import BYTES_TO_UNICODE

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ByteBPE", "byte_chars"]

MAX_BYTES = 64  # longer words: None (the model's heap loop); measured crossover about 90 bytes
_ID_MASK = (1 << 32) - 1  # BPE packs a merge as rank << 32 | merged id
_NO_MERGE = 1 << 64  # larger than any packed merge

# (ids, token strings, byte offsets)
Result = tuple[tuple[int, ...], tuple[str, ...], list[tuple[int, int]]]


class ByteBPE:
    """Byte-level BPE straight from a word's UTF-8 bytes, with the model's own merge table.

    Only for a plain model (no affixes, every byte character in the vocab, one token per id).
    ``tokenize(word)`` returns (ids, token strings, byte offsets), or None to let the model do it
    (words longer than ``MAX_BYTES``).
    """

    tokenize: Callable[[str], Result | None]

    def __init__(self, model: Any, byte_ids: list[int]) -> None:
        self.model = model
        self.byte_ids = byte_ids
        self.tokenize = _compile(model, byte_ids)
        self._batch: Any = False  # not built yet

    def batch(self) -> Callable[[list[str]], list[tuple]] | None:
        """The batch tokenizer (built on first use), or None when the merge table is not monotone,
        the model ignores merges, or ids reach 2**20 (the packed keys would overflow). It takes words of 1 to ``MAX_BYTES`` UTF-8 bytes and returns, per
        word, the encode fast path's cache entry: ``(id, token, None)`` for one token, else ``(ids,
        tokens, character offsets flat (s0, e0, s1, e1, ...), (0,) * len(ids), 1)``."""
        if self._batch is False:
            self._batch = _compile_batch(self.model, self.byte_ids)
        return self._batch

    @classmethod
    def build(cls, model: Any) -> ByteBPE | None:
        if not all(hasattr(model, a) for a in ("_merges", "_width", "_vocab_r", "_plain", "vocab")):
            return None
        if not model._plain:
            return None
        byte_ids = [model.vocab.get(BYTES_TO_UNICODE[b]) for b in range(256)]
        if None in byte_ids:
            return None
        return cls(model, byte_ids)  # type: ignore[arg-type]


def _byte_pair_rows(merges: dict[int, int], width: int) -> list[list[int]]:
    """rows[a][b] = the packed merge of the pair of ids (a, b), for ids below 256."""
    rows = [[_NO_MERGE] * 256 for _ in range(256)]
    for key in filter((256 * width).__gt__, merges):  # left id < 256
        right = key % width
        if right < 256:
            rows[key // width][right] = merges[key]
    return rows


def _compile(model: Any, byte_ids: list[int]) -> Callable[[str], Result | None]:
    """The tokenize function of one model, a closure over its tables."""
    get = model._merges.get
    width = model._width
    vocab_r = model._vocab_r  # id -> token string
    vocab_get = model.vocab.get
    ignore_merges = bool(model.ignore_merges)
    no_merge, id_mask = _NO_MERGE, _ID_MASK
    # LEFT * width + x and x * width + RIGHT are >= width**2: never a merge's key.
    left, right = width, width * width
    single = [((i,), (vocab_r[i],)) for i in byte_ids]
    compact = sorted(byte_ids) == list(range(256))
    if compact:  # ids are a permutation of the bytes
        to_ids = bytes(byte_ids)
        rows_get = _byte_pair_rows(model._merges, width).__getitem__
    byte_id = byte_ids.__getitem__
    row_item = list.__getitem__
    widths, no_merges = repeat(width), repeat(no_merge)  # endless, shared by every call

    def tokenize(word: str) -> Result | None:
        data = word.encode()
        n = len(data)
        if n > MAX_BYTES:
            return None
        if ignore_merges:  # a word that is a token is that token, as in the model
            whole = vocab_get(data.decode("latin-1").translate(_LATIN1_TO_BYTE_LEVEL))
            if whole is not None:
                return (whole,), (vocab_r[whole],), [(0, n)]
        if n == 1:
            one = single[data[0]]
            return one[0], one[1], [(0, 1)]
        if compact:
            sym = data.translate(to_ids)
            ranks = [no_merge, *map(row_item, map(rows_get, sym), sym[1:]), no_merge]
            ids = [left, *sym, right]
        else:
            sym = list(map(byte_id, data))
            ranks = [no_merge, *map(get, map(add, map(mul, sym, widths), sym[1:]), no_merges), no_merge]
            ids = [left, *sym, right]
        best = min(ranks)
        while best != no_merge:
            i = ranks.index(best)  # the leftmost lowest pair; 1 <= i <= len(ids) - 3
            ids[i] = new = best & id_mask
            del ids[i + 1], ranks[i]
            ranks[i] = get(new * width + ids[i + 1], no_merge)
            ranks[i - 1] = get(ids[i - 1] * width + new, no_merge)
            best = min(ranks)
        k = len(ids)
        if k == 3:
            a = ids[1]
            return (a,), (vocab_r[a],), [(0, n)]
        if k == 4:
            _, a, b, _ = ids
            va = vocab_r[a]
            e = len(va)
            return (a, b), (va, vocab_r[b]), [(0, e), (e, n)]
        if k == 5:
            _, a, b, c, _ = ids
            va, vb = vocab_r[a], vocab_r[b]
            e = len(va)
            f = e + len(vb)
            return (a, b, c), (va, vb, vocab_r[c]), [(0, e), (e, f), (f, n)]
        del ids[0], ids[-1]
        values = tuple(map(vocab_r.__getitem__, ids))
        ends = [*accumulate(map(len, values))]
        return tuple(ids), values, [*zip([0, *ends], ends)]

    return tokenize


_INF = 1 << 62  # no merge (larger than any packed merge)


def _compile_batch(model: Any, byte_ids: list[int]) -> Callable[[list[str]], list[tuple]] | None:
    """``ByteBPE.batch``: numpy rounds over all words at once (see the module docstring)."""
    import numpy as np  # here: importing the tokenizers does not import numpy

    merges, width = model._merges, model._width
    if model.ignore_merges or width >= 1 << 20:  # (sentinel * width + id must fit in an int64)
        return None
    n_merges = len(merges)
    keys = np.fromiter(merges.keys(), np.int64, n_merges)
    packed = np.fromiter(merges.values(), np.int64, n_merges)
    # Monotone: the rank of every merge exceeds the ranks of the merges that make its inputs.
    ranks, made = packed >> 32, packed & _ID_MASK
    made_at = np.full(width, -1, np.int64)
    np.maximum.at(made_at, made, ranks)
    if not np.all((made_at[keys // width] < ranks) & (made_at[keys % width] < ranks)):
        return None
    order = np.argsort(keys)
    keys = np.append(keys[order], _INF)  # a guard: searchsorted's answer is always an index
    packed = np.append(packed[order], _INF)
    inf = np.int64(_INF)
    # A sentinel id after every word: width**2 never forms a merge key (keys < width**2).
    sentinel = np.int64(width) * width
    byte_id = np.array(byte_ids, np.int64)

    def lookup(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        query = left * width + right
        at = np.searchsorted(keys, query)
        return np.where(keys[at] == query, packed[at], inf)

    # When the byte ids are 0..255, the first round's pair ranks are one gather from a 256 x 256 table.
    byte_pairs = None
    if sorted(byte_ids) == list(range(256)):
        byte_pairs = np.full(256 * 256, inf)
        small = keys < 256 * width
        small[small] = keys[small] % width < 256
        byte_pairs[keys[small] // width * 256 + keys[small] % width] = packed[small]
    vocab_r = model._vocab_r

    def batch(words: list[str]) -> list[tuple]:
        if not words:
            return []
        datas = [w.encode() for w in words]
        n_words = len(datas)
        blob = np.frombuffer(b"\x00".join(datas) + b"\x00", np.uint8)  # the \x00s: sentinel slots
        lengths = np.fromiter(map(len, datas), np.int64, n_words)
        ends = np.cumsum(lengths + 1) - 1
        bases = ends - lengths
        tok = byte_id[blob]
        pair_ranks = np.empty(len(tok), np.int64)
        if byte_pairs is not None:
            pair_ranks[:-1] = byte_pairs[tok[:-1] * 256 + tok[1:]]
            tok[ends] = sentinel
        else:
            tok[ends] = sentinel
            pair_ranks[:-1] = lookup(tok[:-1], tok[1:])
        pair_ranks[ends] = inf
        pair_ranks[ends[ends > 0] - 1] = inf
        # The active words (position of their first symbol, their index) and per symbol its byte start.
        starts, word_at, word_index = np.arange(len(tok), dtype=np.int64), bases, np.arange(n_words)
        done: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        while len(word_at):
            best = np.minimum.reduceat(pair_ranks, word_at)
            spans = np.diff(word_at, append=len(tok))
            finished = best == inf
            if finished.any():  # move the finished words out
                symbol_done = np.repeat(finished, spans)
                kept = ~symbol_done
                done.append((tok[symbol_done], starts[symbol_done], spans[finished], word_index[finished]))
                if not kept.any():
                    break
                tok, starts, pair_ranks = tok[kept], starts[kept], pair_ranks[kept]
                best, spans, word_index = best[~finished], spans[~finished], word_index[~finished]
                word_at = np.cumsum(spans) - spans
            match = pair_ranks == np.repeat(best, spans)  # the sentinel slots never match
            if (match[1:] & match[:-1]).any():  # overlapping matches (a pair (x, x)): leftmost first
                index = np.arange(len(match))
                before = np.zeros_like(match)
                before[1:] = match[:-1]
                run_start = np.maximum.accumulate(np.where(match & ~before, index, 0))
                match &= ((index - run_start) & 1) == 0
            at = np.flatnonzero(match)
            tok[at] = pair_ranks[at] & _ID_MASK
            kept = np.ones(len(tok), bool)
            kept[at + 1] = False
            new_index = np.cumsum(kept) - 1
            tok, starts, pair_ranks = tok[kept], starts[kept], pair_ranks[kept]
            word_at = new_index[word_at]
            changed = new_index[at]
            changed = np.concatenate([changed, changed[changed > 0] - 1])
            pair_ranks[changed] = lookup(tok[changed], tok[changed + 1])  # a sentinel ends each word
        return _entries(n_words, blob, bases, done, vocab_r)

    return batch


def _entries(n_words: int, blob: np.ndarray, bases: np.ndarray,
             done: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], vocab_r: dict[int, str]) -> list[tuple]:
    """Cache entries from the finished words' symbols (each word's followed by its sentinel)."""
    import numpy as np

    tok = np.concatenate([d[0] for d in done])
    starts = np.concatenate([d[1] for d in done])
    spans = np.concatenate([d[2] for d in done])
    order = np.concatenate([d[3] for d in done])
    counts = spans - 1  # tokens per word
    first = np.cumsum(spans) - spans
    out = np.empty(n_words, object)  # entries in the words' order (object arrays: no loop in Python)
    one = counts == 1
    ids = tok[first[one]].tolist()
    out[order[one]] = np.fromiter(zip(ids, map(vocab_r.__getitem__, ids), repeat(None)), object, len(ids))
    several = ~one
    if several.any():
        # The tokens of the words of several tokens (no sentinels), word after word.
        of_several = np.repeat(several, spans)
        of_several[first + spans - 1] = False
        # Byte ranges widened to whole characters: offsets count characters from the word's start.
        char_of = np.cumsum((blob & 0xC0) != 0x80) - 1  # a sentinel counts as one character
        word_of = np.repeat(np.arange(len(spans)), spans)
        base = char_of[bases[order]][word_of]
        next_start = np.empty_like(starts)
        next_start[:-1] = starts[1:]
        next_start[-1] = starts[-1] + 1
        begin = (char_of[starts] - base)[of_several]
        end = (char_of[next_start - 1] + 1 - base)[of_several]
        flat = np.empty(2 * len(begin), np.int64)  # the offsets flat: begin0, end0, begin1, end1, ...
        flat[0::2] = begin
        flat[1::2] = end
        flat_list = flat.tolist()
        ids_list = tok[of_several].tolist()
        values = list(map(vocab_r.__getitem__, ids_list))
        sizes = counts[several].tolist()
        zeros = [(0,) * c for c in range(max(sizes) + 1)]
        entries = []
        a = 0
        for c in sizes:
            b = a + c
            entries.append((tuple(ids_list[a:b]), tuple(values[a:b]), tuple(flat_list[2 * a:2 * b]), zeros[c], 1))
            a = b
        out[order[several]] = np.fromiter(entries, object, len(entries))
    return out.tolist()


# Latin-1 characters (bytes decoded as Latin-1) -> byte-level characters.
_LATIN1_TO_BYTE_LEVEL = str.maketrans({chr(b): c for b, c in BYTES_TO_UNICODE.items()})


def byte_chars(word: str) -> str:
    """The byte-level characters of ``word``'s UTF-8 bytes (what the ByteLevel pre-tokenizer gives)."""
    return word.encode("utf-8").decode("latin-1").translate(_LATIN1_TO_BYTE_LEVEL)
