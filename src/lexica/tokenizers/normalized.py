"""The offset core of the tokenizer pipeline: ``NormalizedString`` and ``PreTokenizedString``.

Follows the design of HF `tokenizers` (``normalizer.rs`` / ``pre_tokenizer.rs``), in characters rather
than bytes: every character of the *normalized* string carries the ``(start, end)`` range of
*original* characters it came from, so that after lowercasing, accent stripping, NFKC, replacements
and byte-level mapping, every token can still be traced back to the text the user gave.

Fast path: a string that no normalizer has changed in length keeps ``_align = None``, meaning
"character i comes from original character i". Slicing and splitting such a string never builds the
per-character list, which keeps plain ASCII text cheap.

Offsets handed out are relative to the *whole* input: each piece remembers where its ``original``
starts in the input (``original_shift``), as HF does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any, NamedTuple

import regex

if TYPE_CHECKING:
    from lexica.tokenizers.models.base import Token

__all__ = [
    "NormalizedString",
    "PreTokenizedString",
    "Split",
    "SplitDelimiterBehavior",
    "Pattern",
    "find_matches",
]

Offsets = tuple[int, int]


class SplitDelimiterBehavior(str, Enum):
    """What to do with the matched delimiter when splitting (names as in tokenizer.json)."""

    REMOVED = "removed"
    ISOLATED = "isolated"
    MERGED_WITH_PREVIOUS = "merged_with_previous"
    MERGED_WITH_NEXT = "merged_with_next"
    CONTIGUOUS = "contiguous"


# A pattern is a literal string, a compiled regex, or a per-character predicate.
Pattern = str | regex.Pattern | Callable[[str], bool]


def find_matches(pattern: Pattern, text: str, invert: bool = False) -> list[tuple[Offsets, bool]]:
    """Cover ``text`` with ``((start, end), is_match)`` pieces, in order, as HF's ``Pattern`` does.

    A character predicate yields one match per matching character; a regex or literal yields one
    match per occurrence. ``invert`` flips ``is_match``.
    """
    if not text:
        return [((0, 0), invert)]
    pieces: list[tuple[Offsets, bool]] = []
    if callable(pattern) and not isinstance(pattern, regex.Pattern):
        prev = 0
        for i, ch in enumerate(text):
            if pattern(ch):
                if prev != i:
                    pieces.append(((prev, i), False))
                pieces.append(((i, i + 1), True))
                prev = i + 1
        if prev != len(text):
            pieces.append(((prev, len(text)), False))
    else:
        if isinstance(pattern, str):
            if not pattern:
                return [((0, len(text)), invert)]
            pattern = regex.compile(regex.escape(pattern))
        prev = 0
        for m in pattern.finditer(text):
            start, end = m.span()
            if prev != start:
                pieces.append(((prev, start), False))
            pieces.append(((start, end), True))
            prev = end
        if prev != len(text):
            pieces.append(((prev, len(text)), False))
    if invert:
        pieces = [(offsets, not is_match) for offsets, is_match in pieces]
    return pieces


class NormalizedString:
    """A piece of input text, its normalized form, and the alignment between the two."""

    __slots__ = ("original", "normalized", "_align", "original_shift")

    def __init__(
        self,
        original: str,
        normalized: str | None = None,
        align: list[Offsets] | None = None,
        original_shift: int = 0,
    ) -> None:
        self.original = original
        self.normalized = original if normalized is None else normalized
        # None == identity: normalized[i] comes from original[i]. Otherwise one (start, end) range of
        # original characters per normalized character.
        self._align = align
        self.original_shift = original_shift

    # ---------------------------------------------------------------- inspection
    def __repr__(self) -> str:
        return (
            f"NormalizedString(original={self.original!r}, normalized={self.normalized!r}, "
            f"shift={self.original_shift})"
        )

    def __len__(self) -> int:
        return len(self.normalized)

    def is_empty(self) -> bool:
        return not self.normalized

    @property
    def alignments(self) -> list[Offsets]:
        """Per normalized character, the (start, end) original characters it comes from."""
        if self._align is None:
            return [(i, i + 1) for i in range(len(self.normalized))]
        return self._align

    def offsets_original(self) -> Offsets:
        """This piece's range in the whole input."""
        return (self.original_shift, self.original_shift + len(self.original))

    def original_range(self, start: int, end: int) -> Offsets | None:
        """Map a normalized range ``[start, end)`` to original characters (relative to ``original``).

        Mirrors HF ``convert_offsets(Range::Normalized)``: an empty range maps to itself, a range
        that goes backwards gives None.
        """
        if start == end:
            return (start, end)
        if start > end:
            return None
        if self._align is None:
            return (start, min(end, len(self.original)))
        if start >= len(self._align):
            return None
        end = min(end, len(self._align))
        return (self._align[start][0], self._align[end - 1][1])

    # ---------------------------------------------------------------- transformations
    def transform(self, changes: Iterable[tuple[str, int]], initial_offset: int = 0) -> None:
        """Replace the normalized string, char by char, keeping alignments (HF ``transform``).

        ``changes`` yields ``(char, change)`` for each new character: ``change == 1`` means the
        character is inserted (it takes the alignment of the character before it), ``0`` means it
        replaces the next old character, ``-n`` means it replaces the next old character and the
        ``n`` old characters after it are removed. ``initial_offset`` old characters are removed
        before the first new one.
        """
        old = self.alignments
        new_chars: list[str] = []
        new_align: list[Offsets] = []
        pos = initial_offset
        for ch, change in changes:
            if change > 0:
                align = old[pos - 1] if pos >= 1 else (0, 0)
            else:
                align = old[pos]
                pos += 1 - change  # the replaced char, then -change removed ones
            new_chars.append(ch)
            new_align.append(align)
        self.normalized = "".join(new_chars)
        self._align = new_align

    def map_chars(self, fn: Callable[[str], str]) -> None:
        """Replace each character by exactly one character; alignments are unchanged."""
        self.normalized = "".join(fn(c) for c in self.normalized)

    def set_same_length(self, normalized: str) -> None:
        """Replace the normalized text by one of the same length, char i still aligned to char i."""
        if len(normalized) != len(self.normalized):
            raise ValueError("set_same_length needs a string of the same length")
        self.normalized = normalized

    def filter(self, keep: Callable[[str], bool]) -> None:
        """Remove every character for which ``keep`` is false."""
        text = self.normalized
        if self._align is None:
            kept = [i for i, c in enumerate(text) if keep(c)]
            if len(kept) == len(text):
                return
            self._align = [(i, i + 1) for i in kept]
        else:
            kept = [i for i, c in enumerate(text) if keep(c)]
            if len(kept) == len(text):
                return
            self._align = [self._align[i] for i in kept]
        self.normalized = "".join(text[i] for i in kept)

    def prepend(self, s: str) -> None:
        """Insert ``s`` at the start; it aligns with the first character. No-op when empty (as HF)."""
        if not self.normalized or not s:
            return
        first = self.alignments[0]
        self._align = [first] * len(s) + self.alignments
        self.normalized = s + self.normalized

    def append(self, s: str) -> None:
        """Insert ``s`` at the end; it aligns with the last character. No-op when empty (as HF)."""
        if not self.normalized or not s:
            return
        last = self.alignments[-1]
        self._align = self.alignments + [last] * len(s)
        self.normalized = self.normalized + s

    # ---------------------------------------------------------------- slicing and splitting
    def slice(self, start: int, end: int) -> NormalizedString:
        """The sub-string for normalized characters ``[start, end)``, with its original part."""
        if self._align is None:
            o_start, o_end = start, min(end, len(self.original))
            return NormalizedString(
                self.original[o_start:o_end], self.normalized[start:end], None, self.original_shift + o_start
            )
        if start == end:
            anchor = self._align[start][0] if start < len(self._align) else len(self.original)
            return NormalizedString("", "", [], self.original_shift + anchor)
        align = self._align[start:end]
        o_start, o_end = align[0][0], align[-1][1]
        shifted = [(max(a - o_start, 0), max(b - o_start, 0)) for a, b in align]
        return NormalizedString(
            self.original[o_start:o_end], self.normalized[start:end], shifted, self.original_shift + o_start
        )

    def split(self, pattern: Pattern, behavior: SplitDelimiterBehavior, invert: bool = False) -> list[NormalizedString]:
        """Split on ``pattern`` with HF's five delimiter behaviors. Empty pieces are kept here;
        ``PreTokenizedString.split`` drops them, as HF does."""
        return [self.slice(s, e) for s, e in split_offsets(find_matches(pattern, self.normalized, invert), behavior)]

    # ---------------------------------------------------------------- added for the normalizers
    def remap_spans(self, spans: Iterable[tuple[int, int, str, Sequence[int]]]) -> None:
        """Replace several disjoint normalized ranges, each new character taking the alignment of
        one old character.

        Each span ``(start, end, text, index)`` replaces ``normalized[start:end]`` by ``text``;
        ``index[k]`` says which old character (relative to ``start``; -1 is the one before the
        span) new character ``k`` aligns with, and an index before the string start gives
        ``(0, 0)``, as HF does for an insertion at the start. Spans are sorted and disjoint.
        Characters outside the spans keep their alignment. When every span maps 1:1 onto itself,
        the identity fast path (``_align is None``) is kept.
        """
        old = self._align
        text = self.normalized
        edits = list(spans)
        if not edits:
            return
        identity = old is None and all(
            len(new) == end - start and list(index) == list(range(end - start)) for start, end, new, index in edits
        )
        pieces: list[str] = []
        prev = 0
        for start, end, new, _ in edits:
            pieces.append(text[prev:start])
            pieces.append(new)
            prev = end
        pieces.append(text[prev:])
        if not identity:
            base = old if old is not None else list(zip(range(len(text)), range(1, len(text) + 1)))
            align: list[Offsets] = []
            prev = 0
            for start, end, _, index in edits:
                align.extend(base[prev:start])
                align.extend([base[start + j] if start + j >= 0 else (0, 0) for j in index])
                prev = end
            align.extend(base[prev:])
            self._align = align
        self.normalized = "".join(pieces)

    def transform_spans(self, spans: Iterable[tuple[int, int, Iterable[tuple[str, int]], int]]) -> None:
        """HF ``transform_range`` on several disjoint normalized ranges at once.

        Each span ``(start, end, changes, initial_offset)`` replaces ``normalized[start:end]``;
        ``changes`` and ``initial_offset`` mean what they mean in ``transform``, with positions
        counted in the whole string (an inserted first character takes the alignment of the
        character before the span). See ``remap_spans``.
        """
        self.remap_spans(
            (start, end, "".join([c for c, _ in changes]), changes_to_index(changes, initial_offset))
            for start, end, changes, initial_offset in ((s, e, list(ch), i) for s, e, ch, i in spans)
        )

    def expand(self, normalized: str, lengths: Sequence[int]) -> None:
        """Old character ``i`` becomes the next ``lengths[i]`` characters of ``normalized``, all
        aligned with it (HF changes ``0, 1, 1, ...``); a length of 0 removes it (HF ``filter``)."""
        old = self._align
        if old is None:
            n = len(self.normalized)
            old = list(zip(range(n), range(1, n + 1)))
        self._align = list(chain.from_iterable(map(repeat, old, lengths)))
        self.normalized = normalized


def changes_to_index(changes: Iterable[tuple[str, int]], initial_offset: int = 0) -> list[int]:
    """HF ``transform`` changes -> for each new character, the old position it aligns with.

    ``change > 0`` inserts (aligned with the old character before the current position); otherwise
    the next old character is replaced and ``-change`` more are removed.
    """
    pos = initial_offset
    index: list[int] = []
    push = index.append
    for _, change in changes:
        if change > 0:
            push(pos - 1)
        else:
            push(pos)
            pos += 1 - change
    return index


def split_offsets(matches: list[tuple[Offsets, bool]], behavior: SplitDelimiterBehavior) -> list[Offsets]:
    """Apply a delimiter behavior to ``find_matches`` output; returns the kept ranges."""
    b = SplitDelimiterBehavior(behavior)
    if b is SplitDelimiterBehavior.ISOLATED:
        return [offsets for offsets, _ in matches]
    if b is SplitDelimiterBehavior.REMOVED:
        return [offsets for offsets, is_match in matches if not is_match]
    out: list[list[int]] = []
    previous_match = False
    if b is SplitDelimiterBehavior.MERGED_WITH_NEXT:
        for (start, end), is_match in reversed(matches):
            if is_match and not previous_match and out:
                out[-1][0] = start
            else:
                out.append([start, end])
            previous_match = is_match
        out.reverse()
        return [(s, e) for s, e in out]
    for (start, end), is_match in matches:
        if b is SplitDelimiterBehavior.CONTIGUOUS:
            merge = is_match == previous_match
        else:  # MERGED_WITH_PREVIOUS
            merge = is_match and not previous_match
        if merge and out:
            out[-1][1] = end
        else:
            out.append([start, end])
        previous_match = is_match
    return [(s, e) for s, e in out]


class Split:
    """One piece of a pre-tokenized string, and its tokens once the model has run."""

    __slots__ = ("normalized", "tokens")

    def __init__(self, normalized: NormalizedString, tokens: list[Token] | None = None) -> None:
        self.normalized = normalized
        self.tokens = tokens

    def __repr__(self) -> str:
        return f"Split({self.normalized!r}, tokens={self.tokens!r})"


class EncodingRows(NamedTuple):
    """The flat token data of a pre-tokenized string, ready to become an ``Encoding``."""

    ids: list[int]
    tokens: list[str]
    offsets: list[Offsets]
    words: list[int | None]


class PreTokenizedString:
    """The input cut into splits by the pre-tokenizers; each split is later tokenized by the model."""

    __slots__ = ("original", "splits")

    def __init__(self, original: str | NormalizedString) -> None:
        if isinstance(original, NormalizedString):
            self.original = original.original
            self.splits = [Split(original)]
        else:
            self.original = original
            self.splits = [Split(NormalizedString(original))]

    def __repr__(self) -> str:
        return f"PreTokenizedString({self.original!r}, splits={self.splits!r})"

    def split(self, fn: Callable[[int, NormalizedString], Iterable[NormalizedString]]) -> None:
        """Replace each not-yet-tokenized split by the pieces ``fn(index, normalized)`` returns.

        Empty pieces are dropped (HF does the same)."""
        new: list[Split] = []
        for i, sp in enumerate(self.splits):
            if sp.tokens is not None:
                new.append(sp)
                continue
            new.extend(Split(piece) for piece in fn(i, sp.normalized) if piece.normalized)
        self.splits = new

    def normalize(self, fn: Callable[[NormalizedString], Any]) -> None:
        """Normalize every split that has no tokens yet, in place."""
        for sp in self.splits:
            if sp.tokens is None:
                fn(sp.normalized)

    def tokenize(self, fn: Callable[[NormalizedString], list[Token]]) -> None:
        """Run the model on every split that has no tokens yet."""
        for sp in self.splits:
            if sp.tokens is None:
                sp.tokens = fn(sp.normalized)

    def get_splits(self, offsets: str = "original") -> list[tuple[str, Offsets]]:
        """``(normalized_text, (start, end))`` per split, offsets into the original input or into
        the concatenated normalized text (``offsets="normalized"``), as HF's ``get_splits``."""
        out: list[tuple[str, Offsets]] = []
        pos = 0
        for sp in self.splits:
            n = sp.normalized
            if offsets == "original":
                out.append((n.normalized, n.offsets_original()))
            else:
                out.append((n.normalized, (pos, pos + len(n.normalized))))
                pos += len(n.normalized)
        return out

    def rows(self, word_idx: int | None = None) -> EncodingRows:
        """Flatten the tokens (HF ``into_encoding``): offsets become original-input characters, and
        each token's word is ``word_idx`` when given, else the index of its split."""
        ids: list[int] = []
        tokens: list[str] = []
        offsets: list[Offsets] = []
        words: list[int | None] = []
        for idx, sp in enumerate(self.splits):
            if sp.tokens is None:
                raise ValueError("PreTokenizedString.rows: a split has not been tokenized")
            n = sp.normalized
            shift = n.original_shift
            word = idx if word_idx is None else word_idx
            for tok in sp.tokens:
                rng = n.original_range(tok.offsets[0], tok.offsets[1])
                ids.append(tok.id)
                tokens.append(tok.value)
                offsets.append(tok.offsets if rng is None else (shift + rng[0], shift + rng[1]))
                words.append(word)
        return EncodingRows(ids, tokens, offsets, words)
