"""The encode fast path: raw text -> Encoding, for the two most used pipeline shapes.

The general pipeline (``NormalizedString`` with per-character alignments -> pre-tokenizer -> model
-> rows -> post-processor) is the reference; this module produces exactly the same Encoding,
faster, for:

- **byte-level BPE** (GPT-2, RoBERTa): no normalizer, ``ByteLevel`` pre-tokenizer (any
  ``add_prefix_space`` / ``use_regex``), a BPE model without dropout.
- **BERT**: ``BertNormalizer`` (any flags) or none, ``BertPreTokenizer``, a ``WordPiece`` model.

How. Added tokens are cut out first with the added vocabulary's own ``find_matches`` (skipped when
no added token's first character occurs in the text); pipelines with ``normalized`` added tokens
(matched after normalization, which needs the alignments) take the general path. Each remaining
segment gets ONE compiled regex pass over the *original* text, which yields the words and their
positions directly (no alignment arrays; on ASCII text a stdlib ``re`` pattern with ASCII classes,
same matches). Each word's result comes from a bounded per-instance cache (two generations, like the
models' ``WordCache``): ``word -> (id, token, None)`` for a one-token word covering the whole word,
else ``(ids, tokens, relative offsets (flat: s0, e0, s1, e1, ...), relative word ids, n_splits)``.
Entries are at most two levels deep, so Python's cycle collector stops tracking them by their
second collection (see ``_entry``). A miss is computed directly
when that is trivially exact -- byte-level BPE runs on the word's UTF-8 bytes with the model's merge
table, BERT normalization of an ASCII word is ``str.lower``, of most other words a per-character
table (``bert_words``) -- else through the normalizer's alignments or the general pipeline on the
word alone. The post-processor is applied directly for
no processor, ``ByteLevel`` and single-sequence ``TemplateProcessing``; other processors, padding,
and truncation that cuts something go through ``Tokenizer.post_process``.

Why per word is exact:
- byte-level: the GPT-2 regex pieces are the pre-tokenizer's splits; the model sees each alone and
  the byte mapping is per character. With ``add_prefix_space`` the prepended space takes the first
  character's alignment, which is reproduced on the first word.
- BERT: ``BertNormalizer`` works character by character (clean-up, CJK padding, NFD then dropping Mn
  marks -- marks never cross a separator --, lowercasing without context), and the pre-tokenizer
  cuts at every White_Space and around every punctuation character. Words are found in the
  original text between White_Space (which clean_text turns into spaces) and around punctuation /
  CJK characters. Such a single character must still be a boundary once normalized (begin and end
  with White_Space or punctuation): checked when it enters the cache. A segment with a character
  that clean_text *removes* (so that its neighbours would join: NUL, U+000B, U+000C, U+0085, U+FFFD,
  other C* characters), or with a single character that is no boundary, takes the general path.

``Tokenizer.encode_batch`` calls ``prefetch`` first: the words of the batch that are not cached yet
are computed together (byte-level BPE: ``ByteBPE.batch``; Unigram: ``unigram_batch.best_paths``)
and put into the cache, and each text's split words are kept for its encode. Only speed changes.

The fast path is compiled again whenever the pipeline changes: ``FastState`` keeps a tuple of the
stages' identities and options (read by one ``attrgetter`` call) and rebuilds on any difference.
tests/tokenizers/test_fast_path.py compares every field with the general path and with HF.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from itertools import accumulate, chain
from operator import attrgetter
from typing import Any

import regex

from lexica.tokenizers.bert_words import bert_chars, bert_word
from lexica.tokenizers.byte_bpe import MAX_BYTES, ByteBPE, byte_chars
from lexica.tokenizers.decoders import ByteLevel as ByteLevelDecoder
from lexica.tokenizers.decoders import byte_level_bytes
from lexica.tokenizers.encoding import Encoding, offset_pairs
from lexica.tokenizers.normalized import NormalizedString, PreTokenizedString
from lexica.tokenizers.unicode import WHITE_SPACE

__all__ = ["BATCH_GROUP_CHARS", "FastEncoder", "compile_fast_encoder", "fast_decode", "fast_encode", "fast_prefetch", "fast_rows"]

logger = logging.getLogger(__name__)

Rows = tuple[list[int], list[str], list[tuple[int, int]], list[Any]]  # ids, tokens, offsets, word ids
FlatRows = tuple[list[int], list[str], list[int], list[Any]]  # the same with the offsets flat

CACHE_CAPACITY = 100_000  # two generations of 50,000 words
# encode_batch prefetches and encodes its inputs in groups of at most this many characters, so that a
# group's new words fit the young generation together: in real text the distinct words number at most
# about half the characters (nearly all take two or more, or one and a separator).
BATCH_GROUP_CHARS = CACHE_CAPACITY
MAX_CACHED_CHARS = 256  # longer words are computed every time (rare; they would hold megabytes)

# The ByteLevel pre-tokenizer's pattern (pre_tokenizers.GPT2_PATTERN), and the same on ASCII text
# with ASCII classes: \p{L} = [A-Za-z], \p{N} = [0-9], \s = [\t\n\x0b\x0c\r ] (the regex module's \s).
_GPT2_RE = regex.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")
_S = r"\t\n\x0b\x0c\r "
_GPT2_ASCII_RE = re.compile(rf"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^{_S}A-Za-z0-9]+|[{_S}]+(?![^{_S}])|[{_S}]+")

_ASCII_PUNCT = r"!-/:-@\[-`{-~"
# BERT's CJK ranges, as normalizers.BertNormalizer pads them (HF's Extension E quirk included).
_CJK = (
    "\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002a6df\U0002a700-\U0002b73f\U0002b740-\U0002b81f"
    "\U0002b920-\U0002ceaf\uf900-\ufaff\U0002f800-\U0002fa1f"
)
_BERT_EDGE = regex.compile(rf"[\p{{P}}{_ASCII_PUNCT}\p{{White_Space}}]")
_BERT_CUT = regex.compile(rf"[\p{{P}}{_ASCII_PUNCT}\p{{White_Space}}]")  # where BertPreTokenizer cuts
# BertPreTokenizer on ASCII text: a run of non-space non-punctuation, or one punctuation character.
_BERT_ASCII_SPLIT = re.compile(rf"([^{_S}{_ASCII_PUNCT}]+|[{_ASCII_PUNCT}])")
# Characters clean_text removes: between two words they would join them.
_ASCII_REMOVED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_REMOVED_SPACE = re.compile(r"[\x0b\x0c\x85]")
_WHITE_SPACE_DELETE = str.maketrans({c: None for c in WHITE_SPACE})
_SURROGATE = re.compile("[\ud800-\udfff]")
# Prefetched words: at most MAX_BYTES UTF-8 bytes (no need to count them up to _BATCH_CHARS characters),
# and only when a batch misses at least _BATCH_MIN words (numpy's fixed costs outweigh fewer).
_BATCH_CHARS = MAX_BYTES // 4
_BATCH_MIN = 16


class _Fallback(Exception):
    """This segment must take the general path."""


class FastEncoder:
    """The fast path compiled for one pipeline state."""

    def __init__(self, tokenizer: Any, kind: str) -> None:
        self.tokenizer = tokenizer
        self.kind = kind
        self.model = tokenizer.model
        self.normalizer = tokenizer.normalizer
        self.pre_tokenizer = tokenizer.pre_tokenizer
        self.added = tokenizer.added_vocabulary
        contents = [t.content for t in self.added.added_tokens_decoder().values()]
        # Added tokens can only match where their first character occurs.
        self.added_firsts = sorted({c[0] for c in contents if c})
        self._young: dict[str, tuple] = {}
        self._old: dict[str, tuple] = {}
        self._stash: dict[str, list[str]] | None = None  # see prefetch
        self._half = CACHE_CAPACITY // 2
        self.post = _post_kind(tokenizer.post_processor)
        # Per kind: `_segment` appends one segment's rows, `_compute` makes a missing cache entry
        # (a subclass for another kind, fast_unigram.UnigramEncoder, defines both as methods).
        if kind == "bytelevel":
            self._segment = self._bytelevel_segment
            self._compute = self._bytelevel_entry
            self.prefix_space = bool(self.pre_tokenizer.add_prefix_space)
            self.use_regex = bool(self.pre_tokenizer.use_regex)
            self._bpe = ByteBPE.build(self.model)
        elif kind == "bert":
            self._segment = self._bert_segment
            self._compute = self._bert_entry
            norm = self.normalizer
            self.clean_text = norm is not None and norm.clean_text
            self.lowercase = norm is not None and norm.lowercase
            chinese = norm is not None and norm.handle_chinese_chars
            # With clean_text, White_Space becomes " " except U+000B, U+000C, U+0085, which are removed
            # (segments holding them take the general path); without it the pre-tokenizer cuts at all.
            if self.clean_text:
                space = "".join(f"\\U{ord(c):08x}" for c in sorted(WHITE_SPACE) if c not in "\x0b\x0c\x85")
            else:
                space = r"\p{White_Space}"
            single = rf"\p{{P}}{_ASCII_PUNCT}" + (_CJK if chinese else "")
            self._split = regex.compile(rf"([^{space}{single}]+|[{single}])")
            self._single = regex.compile(rf"[{single}]")

    # ------------------------------------------------------------------ encoding
    def encode(self, text: str, add_special_tokens: bool) -> Encoding:
        """One sequence, post-processed (``text`` has no lone surrogates)."""
        ids, tokens, flat, words = self.rows(text, None)
        offsets = tuple(flat)
        n = len(ids)
        post = self.post
        kind = post[0]
        tok = self.tokenizer
        zeros = _zeros(n)
        general = kind == "general" or tok._padding is not None
        trunc = tok._truncation
        if trunc is not None and not general:
            # Truncation changes nothing when the sequence fits with its special tokens (or when they
            # alone exceed max_length: HF's unsigned subtraction wraps, see truncate_encodings).
            n_added = len(post[2][0]) + len(post[3][0]) if kind == "template" and add_special_tokens else 0
            general = n_added <= trunc.max_length < n + n_added
        if general:
            enc = Encoding._of(ids, zeros, tokens, offsets, words, zeros, _ones(n), ())
            return tok.post_process(enc, None, add_special_tokens)
        if kind == "none":
            return Encoding._of(ids, zeros, tokens, offsets, words, zeros, _ones(n), ())
        if kind == "bytelevel":
            enc = Encoding._of(ids, zeros, tokens, offsets, words, zeros, _ones(n), _whole(0, n))
            if post[1]:
                from lexica.tokenizers.processors import trim_byte_level_offsets

                trim_byte_level_offsets(enc, post[2])
            return enc
        # a single-sequence template: specials before, the sequence with its type id, specials after
        _, type_id, pre, post_ = post
        if not add_special_tokens or (not pre[0] and not post_[0]):
            types = zeros if type_id == 0 else (type_id,) * n
            return Encoding._of(ids, types, tokens, offsets, words, zeros, _ones(n), _whole(0, n))
        p, s = len(pre[0]), len(post_[0])
        pre_ids, pre_tokens, pre_types = pre
        post_ids, post_tokens, post_types = post_
        total = p + n + s
        if type_id == 0 and not any(pre_types) and not any(post_types):
            types = _zeros(total)
        else:
            types = (*pre_types, *(type_id,) * n, *post_types)
        return Encoding._of(
            pre_ids + ids + post_ids,
            types,
            pre_tokens + tokens + post_tokens,
            (0, 0) * p + offsets + (0, 0) * s,
            [None] * p + words + [None] * s,
            _framed(p, n, s),
            _ones(total),
            _whole(p, n),
        )

    def rows(self, text: str, word_idx: int | None) -> FlatRows:
        """(ids, tokens, offsets, word ids) of one text, as ``PreTokenizedString.rows`` gives them,
        but with the offsets flat: start0, end0, start1, end1, ... (one object per text, not one per
        token; ``Encoding`` stores them so)."""
        ids: list[int] = []
        tokens: list[str] = []
        offsets: list[int] = []
        words: list[Any] = []
        segment_rows = self._segment
        if not any(map(text.__contains__, self.added_firsts)):  # no added token: one segment
            if text:
                try:
                    segment_rows(text, 0, 0, ids, tokens, offsets, words)
                except _Fallback:
                    ids, tokens, pairs, words, _ = self.general(text, 0)
                    offsets = list(chain.from_iterable(pairs))
            if word_idx is not None:
                words = [word_idx] * len(ids)
            return ids, tokens, offsets, words
        pieces = self.added.find_matches(text, False)
        n_words = 0
        for token_id, (start, end) in pieces:
            if start == end:
                continue
            if token_id is not None:  # an added token: one split, one token
                ids.append(token_id)
                tokens.append(text[start:end])
                offsets += (start, end)
                words.append(n_words)
                n_words += 1
                continue
            segment = text[start:end] if start or end != len(text) else text
            mark = len(ids)
            try:
                n_words = segment_rows(segment, start, n_words, ids, tokens, offsets, words)
            except _Fallback:
                g_ids, g_tokens, g_offsets, g_words, n_splits = self.general(segment, start)
                del ids[mark:], tokens[mark:], offsets[2 * mark:], words[mark:]  # what the fast loop wrote
                ids += g_ids
                tokens += g_tokens
                offsets += chain.from_iterable(g_offsets)
                words.extend([w + n_words for w in g_words])
                n_words += n_splits
        if word_idx is not None:
            words = [word_idx] * len(ids)
        return ids, tokens, offsets, words

    def _bytelevel_segment(self, segment: str, start: int, wi: int, ids: list[int], tokens: list[str],
                           offsets: list[int], words: list[Any]) -> int:
        """Append one segment's rows; returns the split count after it."""
        stash = self._stash  # the words of an encode_batch's texts, split by prefetch
        pieces = stash.get(segment) if stash else None
        shifted = self.prefix_space and not segment.startswith(" ")
        if shifted:  # the prepended space aligns with the first character
            segment = " " + segment
            start -= 1
        if pieces is None:
            if not self.use_regex:
                pieces = [segment]
            elif segment.isascii():
                pieces = _GPT2_ASCII_RE.findall(segment)
            else:
                pieces = _GPT2_RE.findall(segment)
                if sum(map(len, pieces)) != len(segment):  # the pieces must tile the text
                    raise _Fallback
        get = self._young.get
        cached = self._cached
        id_append, tok_append, off_extend, word_append = ids.append, tokens.append, offsets.extend, words.append
        off_append = offsets.append
        pos = start
        for w in pieces:
            e = get(w) or cached(w)
            end = pos + len(w)
            rel = e[2]
            if rel is None and not shifted:
                id_append(e[0])
                tok_append(e[1])
                off_extend((pos, end))
                word_append(wi)
            else:
                if rel is None:
                    e = ((e[0],), (e[1],), (0, len(w)))
                    rel = e[2]
                ids += e[0]
                tokens += e[1]
                if shifted:  # rel offsets in the word with the space: max(s - 1, 0), max(e - 1, 1)
                    for s, t in zip(rel[::2], rel[1::2]):
                        offsets += (start + 1 + max(s - 1, 0), start + 1 + max(t - 1, 1))
                    shifted = False
                elif len(rel) == 4:  # two tokens (the most common split): in one step
                    s, t, s2, t2 = rel
                    offsets += (pos + s, pos + t, pos + s2, pos + t2)
                else:
                    for s in rel:
                        off_append(pos + s)
                words += [wi] * len(e[0])
            wi += 1
            pos = end
        return wi

    def _bert_segment(self, segment: str, start: int, wi: int, ids: list[int], tokens: list[str],
                      offsets: list[int], words: list[Any]) -> int:
        if segment.isascii():
            if self.clean_text and _ASCII_REMOVED.search(segment):
                raise _Fallback
            parts = _BERT_ASCII_SPLIT.split(segment)
        else:
            if self.clean_text and (
                "\ufffd" in segment
                # printable text holds no White_Space but " " and nothing clean_text removes
                or not segment.isprintable() and (
                    _REMOVED_SPACE.search(segment) or not segment.translate(_WHITE_SPACE_DELETE).isprintable()
                )
            ):
                raise _Fallback
            parts = self._split.split(segment)
        get = self._young.get
        cached = self._cached
        id_append, tok_append, off_extend, word_append = ids.append, tokens.append, offsets.extend, words.append
        off_append = offsets.append
        pos = start
        for gap, w in zip(parts[::2], parts[1::2]):
            pos += len(gap)
            e = get(w) or cached(w)
            end = pos + len(w)
            rel = e[2]
            if rel is None:
                id_append(e[0])
                tok_append(e[1])
                off_extend((pos, end))
                word_append(wi)
                wi += 1
            else:
                n_splits = e[4]
                if n_splits < 0:
                    raise _Fallback  # a punctuation character that is no boundary once normalized
                ids += e[0]
                tokens += e[1]
                if len(rel) == 4:  # two tokens (the most common split): in one step
                    s, t, s2, t2 = rel
                    offsets += (pos + s, pos + t, pos + s2, pos + t2)
                else:
                    for s in rel:
                        off_append(pos + s)
                if n_splits == 1:
                    words += [wi] * len(e[0])
                else:
                    words += [wi + r for r in e[3]]
                wi += n_splits
            pos = end
        return wi

    # ------------------------------------------------------------------ a batch's words at once
    def prefetch(self, texts: list[str]) -> None:
        """Put the words of ``texts`` that are not cached yet into the cache, computed together
        (``ByteBPE.batch``: numpy rounds over all of them, about 2.5x cheaper per word than one at a
        time), and keep each text's words for its encode (``_stash``, until ``release``). Only speed
        changes: each text's encode then finds its words cached and split. Texts with added tokens
        or lone surrogates, and words over MAX_BYTES bytes, are left to the per-word path."""
        if self.kind != "bytelevel" or not self.use_regex or self._bpe is None:
            return
        batch = self._bpe.batch()
        if batch is None:
            return
        young, old = self._young, self._old
        firsts = self.added_firsts
        prefix = self.prefix_space
        words: set[str] = set()
        add = words.update
        self._stash = stash = {}
        for text in texts:
            if firsts and any(map(text.__contains__, firsts)):
                continue
            segment = " " + text if prefix and not text.startswith(" ") else text
            if segment.isascii():
                pieces = _GPT2_ASCII_RE.findall(segment)
            elif not _SURROGATE.search(segment):
                pieces = _GPT2_RE.findall(segment)
                if sum(map(len, pieces)) != len(segment):
                    continue
            else:
                continue
            add(pieces)
            stash[text] = pieces
        missing = [w for w in words if w not in young and w not in old
                   and (len(w) <= _BATCH_CHARS or len(w) <= MAX_BYTES and len(w.encode()) <= MAX_BYTES)]
        if len(missing) < _BATCH_MIN:
            return
        self._store(list(zip(missing, batch(missing))))

    def _store(self, items: list[tuple[str, tuple]]) -> None:
        """Put computed (word, entry) pairs into the cache, at most half its capacity at a time (a
        full young generation becomes the old one first, as in ``_cached``)."""
        for i in range(0, len(items), self._half):
            chunk = items[i:i + self._half]
            if len(self._young) + len(chunk) > self._half:
                self._old, self._young = self._young, {}
            self._young.update(chunk)

    def release(self) -> None:
        """Drop the words ``prefetch`` kept for the batch's texts."""
        self._stash = None

    # ------------------------------------------------------------------ the cache
    def _cached(self, word: str) -> tuple:
        """The entry for ``word``: from the old generation, or computed (a miss)."""
        entry = self._young.get(word) or self._old.get(word)
        if entry is None:
            entry = self._compute(word)
            if len(word) > MAX_CACHED_CHARS:
                return entry
        young = self._young
        if len(young) >= self._half:
            self._old = young
            self._young = young = {}
        young[word] = entry
        return entry

    def _bytelevel_entry(self, word: str) -> tuple:
        bpe = self._bpe
        if bpe is not None:
            result = bpe.tokenize(word)
        else:
            result = None
        if result is None:  # the model's own tokenize, on the byte-level characters
            tokens = self.model.tokenize(byte_chars(word))
            ids = tuple([t.id for t in tokens])
            values = tuple([t.value for t in tokens])
            byte_offsets = [t.offsets for t in tokens]
        else:
            ids, values, byte_offsets = result
        if word.isascii():  # one byte-level character per character
            rel = tuple(byte_offsets)
        else:  # widen byte ranges to whole characters, as the alignments do
            started = list(accumulate(word.encode().translate(_LEADS)))  # characters begun by each byte
            rel = tuple([(started[s] - 1, started[e - 1]) for s, e in byte_offsets])
        return _entry(ids, values, rel, (0,) * len(ids), 1, len(word))

    def _bert_entry(self, word: str) -> tuple:
        model = self.model
        if word.isascii():  # normalizing is lowercasing at most, and the word stays one split
            ids, values, rel = model.tokenize_fast(word.lower() if self.lowercase else word)
            return _entry(ids, values, rel, (0,) * len(ids), 1, len(word))
        rows = bert_word(word, bert_chars(self.normalizer), model)  # per character: exact, most words
        if rows is not None:
            return _entry(rows[0], rows[1], rows[2], (0,) * len(rows[0]), 1, len(word))
        # Not per character (see bert_words): the normalizer's alignments.
        n = NormalizedString(word)
        if self.normalizer is not None:
            self.normalizer.normalize(n)
        norm = n.normalized
        if len(word) == 1 and self._single.match(word):
            # A punctuation / CJK character: it must still be a boundary once normalized.
            if not norm or not (_BERT_EDGE.match(norm[0]) and _BERT_EDGE.match(norm[-1])):
                return ((), (), (), (), -1)
        if not norm:
            return ((), (), (), (), 0)
        if _BERT_CUT.search(norm):  # normalization made a space or punctuation: the general path
            ids, toks, offsets, words, n_splits = self.general(word, 0)
            return _entry(tuple(ids), tuple(toks), tuple(offsets), tuple(words), n_splits, len(word))
        tokens = model.tokenize(norm)
        rel = []
        for t in tokens:
            rng = n.original_range(t.offsets[0], t.offsets[1])
            rel.append(t.offsets if rng is None else rng)
        return _entry(tuple([t.id for t in tokens]), tuple([t.value for t in tokens]), tuple(rel),
                      (0,) * len(tokens), 1, len(word))

    # ------------------------------------------------------------------ the general path, per piece
    def general(self, text: str, shift: int) -> tuple[list[int], list[str], list[tuple[int, int]], list[int], int]:
        """The reference pipeline on a piece without added tokens (offsets shifted by ``shift``):
        rows with word ids counted from 0, and the number of splits."""
        n = NormalizedString(text, None, None, shift)
        if self.normalizer is not None:
            self.normalizer.normalize(n)
        if not n.normalized:
            return [], [], [], [], 0
        pts = PreTokenizedString(n)
        if self.pre_tokenizer is not None:
            self.pre_tokenizer.pre_tokenize(pts)
        model = self.model
        pts.tokenize(lambda piece: model.tokenize(piece.normalized))
        ids, tokens, offsets, words = pts.rows(None)
        return ids, tokens, offsets, words, len(pts.splits)  # type: ignore[return-value]


def _entry(ids: tuple, values: tuple, rel: tuple, wrel: tuple, n_splits: int, length: int) -> tuple:
    """A cache entry from per-token (start, end) pairs relative to the word; the compact form when the
    word is one token covering all of it.

    The entry is flat on purpose: a tuple holding only ints and strings, or tuples of them. Python's
    cycle collector stops tracking a tuple once it finds every item untracked, one level per
    collection, so such an entry is untracked by its second collection and never reaches the oldest
    generation. With a third level (pairs inside the offsets inside a tuple), the cache's entries
    piled up there and set off full collections that walked the whole cache: 10-12% of the time of
    encoding English one text at a time (3-4% with flat entries)."""
    if n_splits == 1 and len(ids) == 1 and rel[0] == (0, length):
        return (ids[0], values[0], None)
    return (ids, values, tuple(chain.from_iterable(rel)), _zeros(len(ids)) if not any(wrel) else wrel, n_splits)


# Tuples that many encodings share (fields are immutable tuples inside Encoding), by length: fewer
# objects per encoding for Python's cycle collector to walk. Cached for lengths up to _SHARED_MAX,
# with at most one special token before and one after (BERT, RoBERTa, Llama, T5): about
# 0.3 MB for all 257 lengths of one kind, 1.7 MB for every table full, however many texts are encoded.
_SHARED_MAX = 256
_ZEROS: dict[int, tuple[int, ...]] = {}
_ONES: dict[int, tuple[int, ...]] = {}
_WHOLE: dict[tuple[int, int], tuple[tuple[int, int, int], ...]] = {}
_FRAMED: dict[tuple[int, int, int], tuple[int, ...]] = {}


def _repeated(table: dict[int, tuple[int, ...]], value: int, n: int) -> tuple[int, ...]:
    """(value,) * n, shared through ``table``."""
    t = table.get(n)
    if t is None:
        t = (value,) * n
        if n <= _SHARED_MAX:
            table[n] = t
    return t


_zeros = partial(_repeated, _ZEROS, 0)  # (0,) * n, shared
_ones = partial(_repeated, _ONES, 1)  # (1,) * n, shared


def _whole(start: int, n: int) -> tuple[tuple[int, int, int], ...]:
    """The stored sequence ranges of one sequence (id 0) at tokens start .. start + n, shared."""
    key = (start, n)
    r = _WHOLE.get(key)
    if r is None:
        r = ((0, start, start + n),)
        if n <= _SHARED_MAX and start <= 1:
            _WHOLE[key] = r
    return r


def _framed(p: int, n: int, s: int) -> tuple[int, ...]:
    """The special tokens mask of n tokens between p and s special tokens, shared."""
    key = (p, n, s)
    m = _FRAMED.get(key)
    if m is None:
        m = (1,) * p + (0,) * n + (1,) * s
        if n <= _SHARED_MAX and p <= 1 and s <= 1:
            _FRAMED[key] = m
    return m


# byte -> 1 when it begins a UTF-8 character, 0 for a continuation byte (0x80-0xBF)
_LEADS = bytes(0 if 0x80 <= b < 0xC0 else 1 for b in range(256))


# ---------------------------------------------------------------------- post-processors


def _post_kind(processor: Any) -> tuple:
    """How ``encode`` applies the post-processor to one sequence: ("none",), ("bytelevel", trim,
    add_prefix_space), ("template", type id, specials before, specials after) or ("general",)."""
    from lexica.tokenizers import processors

    if processor is None:
        return ("none",)
    if type(processor) is processors.ByteLevel:
        return ("bytelevel", bool(processor.trim_offsets), bool(processor.add_prefix_space))
    if type(processor) is processors.TemplateProcessing:
        template = processor.single
        seq = [i for i, p in enumerate(template) if p.kind == "Sequence"]
        if len(seq) != 1:
            return ("general",)

        def specials(pieces: list[Any]) -> tuple[list[int], list[str], list[int]]:
            ids: list[int] = []
            tokens: list[str] = []
            types: list[int] = []
            for p in pieces:
                special = processor.special_tokens[p.id]
                ids += special.ids
                tokens += special.tokens
                types += [p.type_id] * len(special.ids)
            return ids, tokens, types

        return ("template", template[seq[0]].type_id, specials(template[:seq[0]]), specials(template[seq[0] + 1:]))
    return ("general",)


# ---------------------------------------------------------------------- compiling and the key


def _kind(tokenizer: Any) -> str | None:
    """Which fast path fits this pipeline, or None."""
    from lexica.tokenizers import normalizers, pre_tokenizers
    from lexica.tokenizers.models.bpe import BPE
    from lexica.tokenizers.models.wordpiece import WordPiece

    model, norm, pre = tokenizer.model, tokenizer.normalizer, tokenizer.pre_tokenizer
    if any(t.normalized for t in tokenizer.added_vocabulary.added_tokens_decoder().values()):
        return None  # matched on the normalized text: needs the alignments
    if type(model) is BPE and not model.dropout and norm is None and type(pre) is pre_tokenizers.ByteLevel:
        return "bytelevel"
    if (
        type(model) is WordPiece
        and (norm is None or type(norm) is normalizers.BertNormalizer)
        and type(pre) is pre_tokenizers.BertPreTokenizer
    ):
        return "bert"
    return None


_STAGE_OPTIONS = {
    "model": ("dropout", "ignore_merges"),
    "normalizer": ("clean_text", "handle_chinese_chars", "strip_accents", "lowercase"),
    "pre_tokenizer": ("add_prefix_space", "use_regex", "prepend_scheme", "split", "replacement"),
    "post_processor": ("trim_offsets", "add_prefix_space"),
    "added_vocabulary": ("_trie", "_ntrie", "encode_special_tokens"),
}


def _key_getter(tokenizer: Any) -> attrgetter:
    """One ``attrgetter`` reading every stage and every option the compiled path depends on
    (the attributes behind the ``model`` / ``normalizer`` properties when they exist: cheaper)."""
    names = []
    for stage, options in _STAGE_OPTIONS.items():
        attr = f"_{stage}" if stage in ("model", "normalizer") and hasattr(tokenizer, f"_{stage}") else stage
        obj = getattr(tokenizer, attr)
        names.append(attr)
        names += [f"{attr}.{o}" for o in options if obj is not None and hasattr(obj, o)]
    return attrgetter(*names)


class FastState:
    """The compiled fast path of one Tokenizer and the key it was compiled for."""

    __slots__ = ("getter", "key", "encoder")

    def __init__(self, tokenizer: Any) -> None:
        self.getter = _key_getter(tokenizer)
        self.key = self.getter(tokenizer)
        self.encoder = compile_fast_encoder(tokenizer)


def compile_fast_encoder(tokenizer: Any) -> FastEncoder | None:
    """A fast encoder for ``tokenizer``'s current pipeline, or None when it has no fast path."""
    kind = _kind(tokenizer)
    if kind is None:
        from lexica.tokenizers.fast_unigram import compile_unigram_encoder

        return compile_unigram_encoder(tokenizer)
    return FastEncoder(tokenizer, kind)


def _state(tokenizer: Any) -> FastState:
    state = tokenizer.__dict__.get("_fast_state")
    if state is not None:
        try:
            if state.getter(tokenizer) == state.key:
                return state
        except AttributeError:  # a stage was replaced by one of another type
            pass
    state = FastState(tokenizer)
    tokenizer.__dict__["_fast_state"] = state
    return state


def _encoder(tokenizer: Any) -> FastEncoder | None:
    return _state(tokenizer).encoder


def fast_rows(tokenizer: Any, text: str, word_idx: int | None) -> Rows | None:
    """The rows of ``text`` (ids, tokens, offsets, word ids) as the general pipeline gives them, or
    None when this pipeline has no fast path. ``text`` has no lone surrogates."""
    encoder = _encoder(tokenizer)
    if encoder is None:
        return None
    ids, tokens, flat, words = encoder.rows(text, word_idx)
    return ids, tokens, offset_pairs(flat), words


def fast_prefetch(tokenizer: Any, texts: list[str]) -> FastEncoder | None:
    """Compute the words of many texts that ``tokenizer``'s fast path has not cached, together
    (``FastEncoder.prefetch``); returns the encoder to ``release`` after the batch, or None for
    pipelines without a fast path."""
    encoder = _encoder(tokenizer)
    if encoder is not None:
        encoder.prefetch(texts)
    return encoder


def fast_encode(tokenizer: Any, text: str, add_special_tokens: bool) -> Encoding | None:
    """``tokenizer.encode(text)`` for one sequence, or None when this pipeline has no fast path."""
    encoder = _encoder(tokenizer)
    return None if encoder is None else encoder.encode(text, add_special_tokens)


def _decode_tables(tokenizer: Any) -> tuple[dict[int, str], dict[int, str]] | None:
    """id -> token as ``Tokenizer.decode`` looks it up (added tokens first, then the model), and the
    same without special tokens; None for models whose ``id_to_token`` is not their reversed vocab."""
    from lexica.tokenizers.models.bpe import BPE
    from lexica.tokenizers.models.wordpiece import WordPiece

    model, added = tokenizer.model, tokenizer.added_vocabulary
    if type(model) not in (BPE, WordPiece):
        return None
    reverse = getattr(model, "_vocab_r", None)  # what id_to_token reads; a copy is much faster
    if isinstance(reverse, dict):
        table = dict(reverse)
    else:
        table = {i: model.id_to_token(i) for i in set(model.get_vocab().values())}
    added_tokens = added.added_tokens_decoder()
    table.update((i, t.content) for i, t in added_tokens.items())
    plain = dict(table)
    for i, t in added_tokens.items():  # drop every id whose token is a special token's text
        if added.is_special_token(t.content):
            for j in (i, model.token_to_id(t.content)):
                if j is not None and table.get(j) == t.content:
                    plain.pop(j, None)
    return table, plain


def fast_decode(tokenizer: Any, ids: Any, skip_special_tokens: bool) -> str | None:
    """``tokenizer.decode(ids)`` with the id lookups done by precomputed tables, or None when the
    general path must run (ids that are not a list of non-negative ints raise there).

    With the ByteLevel decoder a second table holds each token's bytes (``decoders.byte_level_bytes``,
    filled as ids first occur), so decoding is one ``bytes.join`` and one UTF-8 decode."""
    if type(ids) is not list and type(ids) is not tuple:
        return None
    if not _INT.issuperset(map(type, ids)):
        return None
    # The tables depend on the model and the added tokens only (a new token rebuilds the tries).
    model, trie = tokenizer.__dict__.get("_model"), getattr(tokenizer.added_vocabulary, "_trie", None)
    cached = tokenizer.__dict__.get("_fast_decode")
    if cached is None or cached[0] is not model or cached[1] is not trie or model is None or trie is None:
        cached = (model, trie, _decode_tables(tokenizer), ({}, {}))
        tokenizer.__dict__["_fast_decode"] = cached
    tables = cached[2]
    if tables is None:
        return None
    table = tables[1 if skip_special_tokens else 0]
    decoder = tokenizer.decoder
    if type(decoder) is ByteLevelDecoder:
        known = cached[3][1 if skip_special_tokens else 0]
        parts = list(map(known.get, ids))
        if None in parts:  # an id met for the first time, an unknown id, or a skipped special token
            if min(ids) < 0:
                return None
            for k, i in enumerate(ids):
                if parts[k] is None:
                    token = table.get(i)
                    parts[k] = b"" if token is None else known.setdefault(i, byte_level_bytes(token))
        return b"".join(parts).decode("utf-8", "replace")
    tokens = list(map(table.get, ids))
    if None in tokens:
        if min(ids) < 0:
            return None
        tokens = [t for t in tokens if t is not None]
    if decoder is None:
        return " ".join(tokens)
    return decoder.decode(tokens)


_INT = frozenset({int})
