"""Byte-level BPE straight from a word's UTF-8 bytes (the encode fast path's model step).

``fast_path.FastEncoder`` calls ``ByteBPE.tokenize`` on each word it has not cached yet; the
result must equal ``models.bpe.BPE.tokenize`` on the word's byte-level characters.
"""

from __future__ import annotations

from itertools import accumulate, repeat
from operator import add, mul
from typing import Any

from lexica.tokenizers.bytes_unicode import BYTES_TO_UNICODE

__all__ = ["ByteBPE", "byte_chars"]


class ByteBPE:
    """Byte-level BPE straight from a word's UTF-8 bytes, with the model's own merge table.

    Same merges as ``BPE._merge_short`` / ``_merge_heap`` (lowest rank first, leftmost among equals);
    only for a plain model (no affixes, every byte character in the vocab, one token per id).
    Returns (ids, token strings, byte offsets), or None to let the model do it (long words).
    """

    def __init__(self, model: Any, byte_ids: list[int]) -> None:
        self.merges_get = model._merges.get
        self.width = model._width
        self.vocab_r = model._vocab_r
        self.byte_ids = byte_ids
        self.vocab = model.vocab
        self.ignore_merges = bool(model.ignore_merges)

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

    def tokenize(self, word: str) -> tuple[tuple[int, ...], tuple[str, ...], list[tuple[int, int]]] | None:
        data = word.encode("utf-8")
        if len(data) > 40:  # long words: the model's heap loop
            return None
        if self.ignore_merges:
            whole = self.vocab.get(byte_chars(word))
            if whole is not None:
                return (whole,), (self.vocab_r[whole],), [(0, len(data))]
        ids = list(map(self.byte_ids.__getitem__, data))
        if len(ids) > 1:
            get, width, no_merge = self.merges_get, self.width, _NO_MERGE
            ranks = list(map(get, map(add, map(mul, ids, repeat(width)), ids[1:]), repeat(no_merge)))
            while True:
                best = min(ranks)
                if best == no_merge:
                    break
                i = ranks.index(best)
                ids[i] = new = best & _ID_MASK
                del ids[i + 1]
                del ranks[i]
                if i < len(ranks):
                    ranks[i] = get(new * width + ids[i + 1], no_merge)
                elif not ranks:
                    break
                if i:
                    ranks[i - 1] = get(ids[i - 1] * width + new, no_merge)
        values = tuple(map(self.vocab_r.__getitem__, ids))
        ends = list(accumulate(map(len, values)))
        return tuple(ids), values, list(zip([0] + ends[:-1], ends))


_ID_MASK = (1 << 32) - 1  # BPE packs a merge as rank << 32 | merged id
_NO_MERGE = 1 << 64


def byte_chars(word: str) -> str:
    return "".join([BYTES_TO_UNICODE[b] for b in word.encode("utf-8")])
