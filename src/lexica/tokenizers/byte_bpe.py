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
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate, repeat
from operator import add, mul
from typing import Any

from lexica.tokenizers.bytes_unicode import BYTES_TO_UNICODE

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


# Latin-1 characters (bytes decoded as Latin-1) -> byte-level characters.
_LATIN1_TO_BYTE_LEVEL = str.maketrans({chr(b): c for b, c in BYTES_TO_UNICODE.items()})


def byte_chars(word: str) -> str:
    """The byte-level characters of ``word``'s UTF-8 bytes (what the ByteLevel pre-tokenizer gives)."""
    return word.encode("utf-8").decode("latin-1").translate(_LATIN1_TO_BYTE_LEVEL)
