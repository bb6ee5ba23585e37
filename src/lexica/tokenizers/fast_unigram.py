"""The encode fast path for SentencePiece-shaped Unigram pipelines.

``fast_path.compile_fast_encoder`` asks ``compile_unigram_encoder`` when neither the byte-level
BPE nor the BERT fast path fits; None means the general pipeline runs. The shapes taken are the
ones transformers' ``SpmConverter`` writes and ``lexica.tokenizers.sentencepiece`` builds:

- normalizer: ``[Precompiled]`` (optional) followed by the space handling of either layout:
  ``spm`` strips leading and trailing spaces, collapses runs of spaces into one and turns them
  into "▁" (``Replace`` ``\\A +| +\\z`` -> "", `` {2,}`` -> " ", " " -> "▁", ``\\A▁`` -> "▁▁"; the
  ``.model`` loader strips ``[ ▁]+\\z``); ``t5`` strips trailing whitespace and turns runs of two or
  more spaces into one "▁" (``Strip`` right, ``Replace`` `` {2,}`` -> "▁");
- pre-tokenizer: ``Metaspace("▁", prepend_scheme="always")`` (alone or in a one-element
  ``Sequence``), with or without ``split``;
- model: ``Unigram``; without ``split`` it must be ``_segmentable`` (no piece holds "▁" past its
  first character and "▁" is a piece, checked by the model at load time).

How. Added tokens are cut out as in ``fast_path``. A segment without "▁" is cut into words at
separators: " " and the characters the charsmap turns into one " " aligned to themselves (tab,
newline, no-break and other spaces under nmt_nfkc; not CR, which forms one grapheme cluster with
LF). Normalized, the segment is "▁w1▁w2..." (each wi the charsmap's output for the word): the "▁"
before a word aligns with the last separator of the run before it (HF's Replace aligns a
replacement with the last character of the match), or, for the first word when nothing is left of
the separators before it, is Metaspace's prepended one, which shares the alignment of the word's
first normalized character. No lattice node spans a "▁" when the model is segmentable, so the
tokens are per "▁word", and each original word gets a cache entry (two generations, as in
``fast_path``): ids, pieces, offsets relative to the word, and (without ``split``) the path's node
scores with the bound that ``Unigram._segmented_tokens`` uses to prove that a run started at
score 0 decides like the full Viterbi; a word beyond its bound is run again from the exact score,
as the model does. With ``split`` every "▁word" is its own pre-tokenized word and lattice.

A word's normalization is computed in the context " word ": the result must be " X " with both
spaces untouched and aligned to themselves, and no grapheme cluster may join the word to a
separator (so no cluster or longest-match key crosses a separator); X must be non-empty with no
White_Space and no "▁" (so the space handling around it is as described). Words the charsmap
provably leaves alone (``leaves_unchanged``) skip that. Characters the charsmap removes at the
very start of a text align differently from anywhere else (the first kept character takes the
text's start), so a word losing its first characters at a segment's start falls back. Anything
else -- "▁" in the text, CR, characters that the charsmap deletes between separators -- sends the
segment to the general path (``FastEncoder.general``), which gives the reference result.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from operator import add
from typing import Any

import regex

from lexica.tokenizers.fast_path import _BATCH_MIN, _SURROGATE, FastEncoder, _Fallback
from lexica.tokenizers.models.unigram import _add_chain
from lexica.tokenizers.normalized import NormalizedString
from lexica.tokenizers.unigram_batch import MAX_CHARS, path_columns
from lexica.tokenizers.unicode import WHITE_SPACE

__all__ = ["UnigramEncoder", "compile_unigram_encoder"]

_SPACE = "\u2581"
# Normalized words holding any of these take the general path (space handling would touch them).
_NOT_IN_WORD = frozenset(WHITE_SPACE) | {_SPACE}
_INVALID: tuple = (None, None, None)  # the cache entry of a word that needs the general path
# (s, e) for -1 <= s, e <= MAX_CHARS at _PAIRS[(s + 1) * _SIDE + e + 1]: the relative offsets of
# prefetched entries share these tuples.
_SIDE = MAX_CHARS + 2
_PAIRS = [(s, e) for s in range(-1, MAX_CHARS + 1) for e in range(-1, MAX_CHARS + 1)]
# Characters that may act as separators like " " (kept when the charsmap turns them into one " ").
_SEPARATOR_CANDIDATES = (
    "\t\n\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_GRAPHEME = regex.compile(r"\X")  # as normalizers.Precompiled cuts grapheme clusters

# The space handling after the charsmap: (pattern, content) of each Replace, or ("Strip", left, right).
_SPM_TAIL = [({"Regex": "\\A +| +\\z"}, ""), ({"Regex": " {2,}"}, " "), ({"String": " "}, _SPACE),
             ({"Regex": "\\A\u2581"}, "\u2581\u2581")]
_SPM_MODEL_TAIL = [({"Regex": "\\A +|[ \u2581]+\\z"}, "")] + _SPM_TAIL[1:]
_T5_TAIL = [("Strip", False, True), ({"Regex": " {2,}"}, _SPACE)]


def _step_key(step: Any) -> Any:
    from lexica.tokenizers import normalizers

    if isinstance(step, normalizers.Replace):
        return (dict(step.pattern), step.content)
    if type(step) is normalizers.Strip:
        return ("Strip", bool(step.strip_left), bool(step.strip_right))
    return None


def _shape(tokenizer: Any) -> tuple[Any, bool, bool] | None:
    """(the Precompiled step or None, strip_left, split) when the pipeline is SentencePiece-shaped."""
    from lexica.tokenizers import normalizers, pre_tokenizers
    from lexica.tokenizers.models.unigram import Unigram

    model, norm, pre = tokenizer.model, tokenizer.normalizer, tokenizer.pre_tokenizer
    if type(model) is not Unigram:
        return None
    if type(pre) is pre_tokenizers.Sequence and len(pre.pretokenizers) == 1:
        pre = pre.pretokenizers[0]
    if type(pre) is not pre_tokenizers.Metaspace or pre.replacement != _SPACE or pre.prepend_scheme != "always":
        return None
    if not pre.split and not model._segmentable:
        return None
    if any(t.normalized for t in tokenizer.added_vocabulary.added_tokens_decoder().values()):
        return None  # matched on the normalized text: needs the alignments
    steps = list(norm.normalizers) if type(norm) is normalizers.Sequence else [norm] if norm is not None else []
    precompiled = None
    if steps and type(steps[0]) is normalizers.Precompiled:
        precompiled = steps.pop(0)
    tail = [_step_key(s) for s in steps]
    if tail in (_SPM_TAIL, _SPM_MODEL_TAIL):
        return precompiled, True, bool(pre.split)
    if tail == _T5_TAIL:
        return precompiled, False, bool(pre.split)
    return None


def compile_unigram_encoder(tokenizer: Any) -> UnigramEncoder | None:
    """A fast encoder for ``tokenizer`` when its pipeline is SentencePiece-shaped, else None."""
    shape = _shape(tokenizer)
    if shape is None:
        return None
    return UnigramEncoder(tokenizer, *shape)


class UnigramEncoder(FastEncoder):
    """The fast path compiled for one SentencePiece-shaped Unigram pipeline."""

    def __init__(self, tokenizer: Any, precompiled: Any, strip_left: bool, split: bool) -> None:
        super().__init__(tokenizer, "unigram")
        self.precompiled = precompiled
        self.charsmap = None if precompiled is None else precompiled._map
        self.longest = bool(precompiled is not None and precompiled.longest_match)
        self.strip_left = strip_left
        self.split = split
        self.f32 = bool(self.model.float32_sums)
        self._unk_id = -1 if self.model.unk_id is None else self.model.unk_id
        self._pieces = [piece for piece, _ in self.model.vocab]  # by id (a Unigram's vocab is set once)
        # Characters other than " " that the charsmap turns into one " " aligned to themselves
        # (tab, newline, no-break space ... under nmt_nfkc): separators like " ".
        others = [c for c in _SEPARATOR_CANDIDATES if self._is_separator(c)]
        self._others = frozenset(others)
        self._to_space = str.maketrans({c: " " for c in others})

    def _segment(self, segment: str, start: int, wi: int, ids: list[int], tokens: list[str],
                 offsets: list[int], words: list[Any]) -> int:
        """Append one segment's rows; returns the split count after it."""
        if _SPACE in segment:
            raise _Fallback
        spaced = segment
        if self._others and not self._others.isdisjoint(segment):
            spaced = segment.translate(self._to_space)  # one character for one: positions stay
        get = self._young.get
        cached = self._cached
        split = self.split
        pos = start
        mark = len(ids)
        # The first word's "▁" is the prepended one unless the t5 layout kept a leading space run.
        prepended = True if self.strip_left else not spaced.startswith(" ")
        first = True
        # Without split: Unigram._segmented_tokens' bookkeeping (see there).
        base = 0.0
        pending: list[tuple[float, ...]] = []
        approx = 0.0
        for w in spaced.split(" "):
            if not w:
                pos += 1
                continue
            e = get(w) or cached(w)
            rel = e[2]
            if rel is None:
                raise _Fallback
            if first:
                first = False
                if prepended:  # the prepended "▁" shares the first normalized character's alignment
                    if pos == start and not e[7]:
                        raise _Fallback  # characters removed at the very start: see `_compute`
                    rel = (e[3],) + rel[1:]
                if not split:
                    pending.append(e[4])
                    approx = e[5]
            elif not split:
                limit = e[6]
                if -limit < approx < limit:
                    pending.append(e[4])
                    approx += e[5]
                else:  # too close to call from 0: run the word from the exact score
                    for node_scores in pending:
                        base = _add_chain(base, node_scores, self.f32)
                    pending = []
                    e = self._rerun(w, base)
                    base = approx = _add_chain(base, e[4], self.f32)
                    rel = e[2]
            ids += e[0]
            tokens += e[1]
            n_rel = len(rel)  # one or two tokens (most words): in one step
            if n_rel == 1:
                ((s, t),) = rel
                offsets += (pos + s, pos + t)
            elif n_rel == 2:
                (s, t), (s2, t2) = rel
                offsets += (pos + s, pos + t, pos + s2, pos + t2)
            else:
                for s, t in rel:
                    offsets += (pos + s, pos + t)
            if split:
                words += [wi] * len(rel)
                wi += 1
            pos += len(w) + 1
        if not split and not first:
            words += [wi] * (len(ids) - mark)
            wi += 1
        return wi

    def _is_separator(self, c: str) -> bool:
        """``c`` becomes one " " aligned to itself, whatever its neighbours (they are words, which
        `_normalized` checks, or other separators)."""
        if self.precompiled is None or c == "\r":  # CR LF is one grapheme cluster
            return False
        n = NormalizedString(f"a{c}a")
        self.precompiled.normalize(n)
        if n.normalized != "a a" or n.alignments != [(0, 1), (1, 2), (2, 3)]:
            return False
        return not self.longest or not _extends(self.charsmap, c.encode("utf-8"))

    def _normalized(self, word: str) -> tuple[str, list[tuple[int, int]] | None] | None:
        """The charsmap's output for ``word`` between spaces and its alignments relative to the
        word (None: the identity), or None when the word needs the general path."""
        charsmap = self.charsmap
        if charsmap is None or charsmap.leaves_unchanged(f" {word} ", self.longest):
            if not _NOT_IN_WORD.isdisjoint(word):
                return None
            return word, None
        if _GRAPHEME.match(f" {word}").end() != 1 or _GRAPHEME.findall(f"{word} ")[-1] != " ":
            return None  # a grapheme cluster would cross the separator
        n = NormalizedString(f" {word} ")
        self.precompiled.normalize(n)
        norm = n.normalized
        align = n.alignments
        size = len(word)
        if (
            len(norm) < 3 or norm[0] != " " or norm[-1] != " " or align[0] != (0, 1)
            or align[-1] != (size + 1, size + 2)
        ):
            return None
        x = norm[1:-1]
        if not _NOT_IN_WORD.isdisjoint(x):
            return None
        rel = [(s - 1, e - 1) for s, e in align[1:-1]]
        if any(s < 0 or e > size for s, e in rel):
            return None
        return x, rel

    def _normalized_all(self, words: list[str]) -> list[tuple[str, list[tuple[int, int]] | None] | None]:
        """`_normalized` of every word. A word made only of characters that the charsmap provably
        leaves alone, also next to " " (``kept_chars``), with no White_Space and no "▁", is its own
        normalization: only the others are checked one by one."""
        chars = set("".join(words))
        odd = chars & _NOT_IN_WORD
        if self.charsmap is not None:
            kept = self.charsmap.kept_chars(chars | {" "}, self.longest)
            odd = odd | (chars - kept) if " " in kept else chars
        normalized = self._normalized
        if not odd:
            return [(word, None) for word in words]
        return [(word, None) if odd.isdisjoint(word) else normalized(word) for word in words]

    def _compute(self, word: str) -> tuple:
        """(ids, pieces, offsets relative to the word with the "▁" on the space before it, the
        first token's offsets when the "▁" is the prepended one, node scores, their sum, the bound,
        whether the first normalized character comes from the word's first one)."""
        normalized = self._normalized(word)
        if normalized is None:
            return _INVALID
        x, align = normalized
        # The model's Viterbi from score 0 (with split, each "▁word" is a lattice of its own and the
        # scores and bound go unused; one "▁" at the start: the model would not cut it anyway).
        sw = _SPACE + x
        return self._from_path(sw, align, self.model._best_path(sw, 0.0))

    def _from_path(self, sw: str, align: list[tuple[int, int]] | None, path: tuple) -> tuple:
        """`_compute`'s entry from the normalized "▁word", its alignments and its best path."""
        model = self.model
        if -1 in path[1] or self._unk_id in path[1]:  # unknown runs (fused, maybe bytes): the model's way
            toks, scores, total, limit = model._entry(sw, 0.0)
            ids = tuple([t[0] for t in toks])
            pieces = tuple([t[1] for t in toks])
            rel = _relative(toks, align)
            first_end = toks[0][3]
        else:  # what `Unigram._entry` gives, built directly
            ends, id_list, node_scores, margin = path
            scores = tuple(node_scores)
            total = math.fsum(scores)
            limit = model._bound(margin, len(sw))
            ids = tuple(id_list)
            pieces = tuple(map(self._pieces.__getitem__, id_list))
            if align is None:
                if ends[-1] <= MAX_CHARS + 1:  # (e - 1 for e in ends) in range: the shared pairs directly
                    rel = tuple(map(_PAIRS.__getitem__, map(add, map(_SIDE.__mul__, [0] + ends[:-1]), ends)))
                else:
                    shifted = [e - 1 for e in ends]
                    rel = tuple(zip([-1] + shifted[:-1], shifted))
            else:
                full = [(-1, 0)] + align
                rel = _shared_pairs([full[s][0] for s in [0] + ends[:-1]], [full[e - 1][1] for e in ends])
            first_end = ends[0]
        a0s, a0e = (0, 1) if align is None else align[0]
        prepended = _pair(a0s, a0e if first_end == 1 else rel[0][1])  # the first token's offsets then
        # Characters the charsmap removes at the very start of a text align differently (the first
        # kept character gets the start of the text): such a word at a segment's start falls back.
        return (ids, pieces, rel, prepended, scores, total, limit, a0s == 0)

    def prefetch(self, texts: list[str]) -> None:
        """Put the words of ``texts`` that are not cached yet into the cache, their Viterbi paths
        computed together (``unigram_batch.best_paths``); only speed changes. Texts holding "▁", added
        tokens or lone surrogates, and words of ``MAX_CHARS`` or more (normalized) characters, are left
        to the per-word path."""
        young, old = self._young, self._old
        firsts = self.added_firsts
        others = self._others
        words: set[str] = set()
        for text in texts:
            if _SPACE in text or firsts and any(map(text.__contains__, firsts)):
                continue
            if not text.isascii() and _SURROGATE.search(text):
                continue
            if others and not others.isdisjoint(text):
                text = text.translate(self._to_space)
            words.update(text.split(" "))
        words.discard("")
        missing = [w for w in words if w not in young and w not in old and len(w) < MAX_CHARS]
        if len(missing) < _BATCH_MIN:
            return
        todo: list[tuple[str, str, Any]] = []
        entries: dict[str, tuple] = {}
        for word, normalized in zip(missing, self._normalized_all(missing)):
            if normalized is None:
                entries[word] = _INVALID
            elif len(normalized[0]) < MAX_CHARS:
                todo.append((word, _SPACE + normalized[0], normalized[1]))
        if todo:
            entries.update(self._entries(todo, path_columns(self.model, [sw for _, sw, _ in todo])))
        self._store(list(entries.items()))

    def _entries(self, todo: list[tuple[str, str, Any]], columns: tuple) -> Iterator[tuple[str, tuple]]:
        """(word, `_from_path`'s entry) for every (word, normalized "▁word", alignments) of ``todo``
        from their best paths as ``path_columns`` gives them. Words that are their own
        normalization and have no unknown node get the entry built here from the columns (the
        offsets, the first token's and the bounds computed for all of them at once); the others
        go through `_from_path`."""
        import numpy as np

        path_ends, path_ids, path_scores, stops, margins = columns
        lengths = np.fromiter([len(sw) for _, sw, _ in todo], np.int64, len(todo))
        limits = self.model._bound(margins, lengths).tolist()
        firsts = np.concatenate(([0], stops[:-1]))
        previous = np.empty_like(path_ends)  # the end of the node before, 0 for a word's first node
        previous[1:] = path_ends[:-1]
        previous[firsts] = 0
        unknown = (path_ids == -1) | (path_ids == self._unk_id)
        has_unknown = np.add.reduceat(unknown, firsts).tolist()
        first_ends = path_ends[firsts].tolist()
        ends = path_ends.tolist()
        # offsets relative to the word ("▁" at -1), as shared pairs: fewer objects to make and collect
        rel = list(map(_PAIRS.__getitem__, (previous * _SIDE + path_ends).tolist()))
        ids = path_ids.tolist()
        scores = path_scores.tolist()
        pieces = list(map(self._pieces.__getitem__, ids))  # (an unknown node's -1 reads a piece left unused)
        a = 0
        for (word, sw, align), b, limit, margin, first_end, odd in zip(
            todo, stops.tolist(), limits, margins.tolist(), first_ends, has_unknown
        ):
            if odd or align is not None:
                yield word, self._from_path(sw, align, (ends[a:b], ids[a:b], scores[a:b], margin))
            else:
                node_scores = tuple(scores[a:b])
                yield word, (
                    tuple(ids[a:b]),
                    tuple(pieces[a:b]),
                    tuple(rel[a:b]),
                    _PAIRS[_SIDE + (1 if first_end == 1 else first_end - 1) + 1],  # (0, that)
                    node_scores,
                    math.fsum(node_scores),
                    limit,
                    True,
                )
            a = b

    def _rerun(self, word: str, base: float) -> tuple:
        """A word's (ids, pieces, offsets, None, node scores) when the full Viterbi reaches it with
        score ``base`` (the bound failed)."""
        x, align = self._normalized(word)  # type: ignore[misc]  # valid: it has an entry
        toks, scores, _, _ = self.model._entry(_SPACE + x, base)
        return tuple([t[0] for t in toks]), tuple([t[1] for t in toks]), _relative(toks, align), None, scores


def _extends(charsmap: Any, key: bytes) -> bool:
    """Whether a longer charsmap key starts with ``key`` (longest match could cross it)."""
    try:
        walked = charsmap._walk(key)
        return walked is not None and bool(charsmap._next_bytes(walked[0]))
    except IndexError:
        return True


def _relative(toks: Any, align: list[tuple[int, int]] | None) -> tuple:
    """Token offsets in the "▁word" -> offsets relative to the word ("▁" at (-1, 0))."""
    if align is None:
        return _shared_pairs([t[2] - 1 for t in toks], [t[3] - 1 for t in toks])
    full = [(-1, 0)] + align
    return _shared_pairs([full[t[2]][0] for t in toks], [full[t[3] - 1][1] for t in toks])


def _pair(s: int, e: int) -> tuple[int, int]:
    """(s, e), as the shared tuple of ``_PAIRS`` when it is in its range (see `_shared_pairs`)."""
    return _PAIRS[(s + 1) * _SIDE + e + 1] if -1 <= s <= MAX_CHARS and -1 <= e <= MAX_CHARS else (s, e)


def _shared_pairs(starts: list[int], ends: list[int]) -> tuple:
    """The (start, end) pairs, as the shared tuples of ``_PAIRS`` when they are in its range. Fresh
    pairs would make a cache entry three levels deep (pairs in the offsets in the entry), which the
    cycle collector untracks only in its oldest generation (see fast_path._entry)."""
    if starts and min(starts) >= -1 and min(ends) >= -1 and max(starts) <= MAX_CHARS and max(ends) <= MAX_CHARS:
        return tuple(map(_PAIRS.__getitem__, [(s + 1) * _SIDE + e + 1 for s, e in zip(starts, ends)]))
    return tuple(zip(starts, ends))

