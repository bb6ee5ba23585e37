"""Normalizers: the first stage of the tokenizer pipeline (HF ``tokenizers/src/normalizers``).

Each normalizer is a small dataclass whose fields are its ``tokenizer.json`` keys. It edits a
``NormalizedString`` in place (``normalize``), keeping every normalized character aligned to the
original characters it came from, exactly as HF does; ``normalize_str`` is the string-only view and
``to_dict`` writes the JSON HF writes. ``normalizer_from_dict`` builds one from JSON.

Unicode properties come from Python's ``unicodedata`` (see ``lexica.tokenizers.unicode`` and
docs/unicode.md for where that differs from HF's older tables).

Lone surrogates (which HF cannot receive from Python) never crash: they are ordinary characters
here, except that BertNormalizer's ``clean_text`` removes them (category Cs counts as "other", like
control characters) and ByteLevel encodes each as the bytes of U+FFFD.

Fast paths: ASCII text and text that is already in the wanted form are handled with whole-string
``str`` operations; per-character alignments are built only where the length changes.
"""

from __future__ import annotations

import array
import base64
import binascii
import dataclasses
import functools
import sys
import unicodedata
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Protocol

import regex

from lexica.errors import TokenizerFileError, UnsupportedError
from lexica.tokenizers.bytes_unicode import BYTES_TO_UNICODE
from lexica.tokenizers.normalized import NormalizedString, changes_to_index
from lexica.tokenizers.pre_tokenizers import Regex, _onig_spans, compile_pattern
from lexica.tokenizers.unicode import OTHER_CATEGORIES, WHITE_SPACE, compose, decompose, lower_char

__all__ = [
    "Normalizer",
    "BertNormalizer",
    "Lowercase",
    "Strip",
    "StripAccents",
    "NFC",
    "NFD",
    "NFKC",
    "NFKD",
    "Replace",
    "Prepend",
    "ByteLevel",
    "Nmt",
    "Precompiled",
    "Sequence",
    "NORMALIZERS",
    "normalizer_from_dict",
]

Span = tuple[int, int, Iterable[tuple[str, int]], int]


class Normalizer(Protocol):
    """What every normalizer offers."""

    def normalize(self, n: NormalizedString) -> None: ...

    def normalize_str(self, s: str) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


class _Base:
    """Shared ``normalize_str`` / ``to_dict`` for the dataclass normalizers."""

    type: ClassVar[str]

    def normalize(self, n: NormalizedString) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def normalize_str(self, s: str) -> str:
        n = NormalizedString(s)
        self.normalize(n)
        return n.normalized

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.init and f.metadata.get("json", True):  # lexica-only switches stay out of the file
                out[f.name] = getattr(self, f.name)
        return out


# ---------------------------------------------------------------- shared steps
_ASCII_CONTROL = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_ASCII_TAB_NEWLINE = str.maketrans("\t\n\r", "   ")
_WHITE_SPACE_TO_SPACE = str.maketrans({c: " " for c in WHITE_SPACE})
_NON_ASCII_RUN = regex.compile(r"[^\x00-\x7f]+")
# A segment that normalizes independently of its neighbours: an ASCII character is a starter that
# never composes with what precedes it, so every boundary before one is safe. The optional leading
# ASCII character is the starter that following marks may compose with.
_NORMALIZATION_SEGMENT = regex.compile(r"[\x00-\x7f]?[^\x00-\x7f]+")
# BERT's CJK ranges (Google's tokenization.py ``_is_chinese_char``): CJK Unified Ideographs, their
# extensions A-E, and the compatibility ideographs. Not the whole Han script: Hiragana, Katakana and
# Hangul are not included, on purpose, as in BERT. Quirk kept for parity: HF's Rust copy starts the
# Extension E range at U+2B920 where Google's starts at U+2B820, so U+2B820..U+2B91F get no spaces.
_CHINESE = regex.compile(
    "[\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002a6df\U0002a700-\U0002b73f\U0002b740-\U0002b81f"
    "\U0002b920-\U0002ceaf\uf900-\ufaff\U0002f800-\U0002fa1f]+"
)


_WHITE_SPACE_DELETE = str.maketrans({c: None for c in WHITE_SPACE})
_CONTROL_WHITE_SPACE = regex.compile(r"[\x0b\x0c\x85]+")  # White_Space that is also Cc: removed


def _remove(n: NormalizedString, pattern: regex.Pattern) -> None:
    """Remove every match of ``pattern`` (HF ``filter``)."""
    spans: list[Span] = [(m.start(), m.end(), [], m.end() - m.start()) for m in pattern.finditer(n.normalized)]
    if spans:
        n.transform_spans(spans)


def _remove_where(n: NormalizedString, drop: Callable[[str], bool], ascii_too: bool = False) -> None:
    """Remove every character for which ``drop`` is true (HF ``filter``), looking only at
    non-ASCII characters unless ``ascii_too``."""
    text = n.normalized
    if ascii_too:
        candidates = text
    else:
        candidates = "".join(_NON_ASCII_RUN.findall(text))
    if not any(map(drop, candidates)):
        return
    if ascii_too:
        n.filter(lambda c: not drop(c))
    else:
        n.filter(lambda c: c < "\x80" or not drop(c))


def _is_other(ch: str) -> bool:
    return ch == "\ufffd" or (unicodedata.category(ch) in OTHER_CATEGORIES and ch not in "\t\n\r")


def _clean_text(n: NormalizedString) -> None:
    """Drop control/format/private-use characters, NUL and U+FFFD; other whitespace becomes ' '."""
    text = n.normalized
    if text.isascii():
        _remove(n, _ASCII_CONTROL)
        n.set_same_length(n.normalized.translate(_ASCII_TAB_NEWLINE))
        return
    # Once White_Space is taken out, ``str.isprintable`` (same Unicode database) is false exactly
    # when a C* character is left, so the per-character check runs only on texts that have one.
    if "\ufffd" not in text and text.translate(_WHITE_SPACE_DELETE).isprintable():
        _remove(n, _CONTROL_WHITE_SPACE)
    else:
        _remove_where(n, _is_other, ascii_too=True)
    n.set_same_length(n.normalized.translate(_WHITE_SPACE_TO_SPACE))


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def _pad_chinese_chars(n: NormalizedString) -> None:
    """Put a space on both sides of every CJK ideograph; both align to the ideograph."""
    text = n.normalized
    if text.isascii():
        return
    matches = list(_CHINESE.finditer(text))
    if not matches:
        return
    lengths = [1] * len(text)
    for m in matches:
        lengths[m.start() : m.end()] = [3] * (m.end() - m.start())
    n.expand(_CHINESE.sub(_pad_run, text), lengths)


def _pad_run(m: regex.Match) -> str:
    return "".join([f" {c} " for c in m.group()])


def _unicode_form(n: NormalizedString, form: str) -> None:
    """NFC/NFD/NFKC/NFKD with HF's alignments, or "NFD-Mn" (NFD, then nonspacing marks removed,
    BERT's accent stripping). Segments that do not change are left alone."""
    text = n.normalized
    if text.isascii() or (form != "NFD-Mn" and unicodedata.is_normalized(form, text)):
        return
    spans = []
    for m in _NORMALIZATION_SEGMENT.finditer(text):
        result = _segment_result(m.group(), form)
        if result is not None:
            spans.append((m.start(), m.end(), result[0], result[1]))
    n.remap_spans(spans)


@functools.lru_cache(maxsize=16384)
def _segment_result(segment: str, form: str) -> tuple[str, tuple[int, ...]] | None:
    """``segment`` in ``form`` and, per new character, the segment position it aligns with;
    None when nothing changes. Cached (bounded): real text repeats the same words."""
    strip_marks = form == "NFD-Mn"
    if strip_marks:
        form = "NFD"
    elif unicodedata.is_normalized(form, segment):
        return None
    decomposed = decompose(segment, compat=form in ("NFKC", "NFKD"))
    changes = compose(decomposed) if form in ("NFC", "NFKC") else [(c, change) for c, change, _ in decomposed]
    index = changes_to_index(changes)
    if strip_marks:
        # HF runs nfd() then filter(): removed characters simply lose their alignment.
        kept = [(c, i) for (c, _), i in zip(changes, index) if unicodedata.category(c) != "Mn"]
        changes = [(c, 0) for c, _ in kept]
        index = [i for _, i in kept]
    text = "".join([c for c, _ in changes])
    if text == segment and index == list(range(len(segment))):
        return None
    return text, tuple(index)


class _AccentTable(dict):
    """``str.translate`` table: code point -> what NFD-then-drop-Mn leaves of it, when that is one
    or more starters (é -> e, й -> и, 각 -> 3 jamo); None when it is not (lone marks, ...). Bounded."""

    def __missing__(self, cp: int) -> str | None:
        if len(self) > 65536:
            self.clear()
        ch = chr(cp)
        kept = "".join([c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn"])
        ok = kept and not unicodedata.combining(ch) and not any(map(unicodedata.combining, kept))
        self[cp] = kept if ok else None
        return self[cp]


_ACCENTS = _AccentTable()


def _strip_accents_fast(n: NormalizedString) -> bool:
    """BERT's accent stripping when every character leaves one or more starters.

    Starters are never reordered, so NFD plus the removal of the marks maps each character on its
    own: its first starter replaces it and the rest align with it (HF changes 0, 1, ...), which is
    a ``translate`` and, if some character expands, ``expand``. Returns False (doing nothing) when
    some character needs the full path.
    """
    text = n.normalized
    table = _ACCENTS
    if any(table[ord(c)] is None for c in set(text)):
        return False
    new = text.translate(table)
    if len(new) == len(text):  # every character kept exactly one
        n.set_same_length(new)
    else:
        n.expand(new, list(map(len, map(table.__getitem__, map(ord, text)))))
    return True


def _lowercase(n: NormalizedString) -> None:
    """Rust ``char::to_lowercase`` per character: no final-sigma context, 'İ' becomes two chars."""
    text = n.normalized
    if text.isascii():
        n.set_same_length(text.lower())
        return
    if len(text.lower()) != len(text):
        # Only a few characters (U+0130 in Unicode 14) lowercase to more than one.
        spans: list[Span] = []
        for i, ch in enumerate(text):
            low = lower_char(ch)
            if len(low) != 1:
                spans.append((i, i + 1, [(c, 1 if j else 0) for j, c in enumerate(low)], 0))
        n.transform_spans(spans)
        text = n.normalized
    # Python applies the final-sigma rule to 'Σ' in context; Rust never does, so take it out first.
    if "Σ" in text:
        text = text.replace("Σ", "σ")
    n.set_same_length(text.lower())


def _strip(n: NormalizedString, left: bool, right: bool) -> None:
    """Remove leading and/or trailing White_Space characters."""
    text = n.normalized
    start, end = 0, len(text)
    if left:
        while start < end and text[start] in WHITE_SPACE:
            start += 1
    if right:
        while end > start and text[end - 1] in WHITE_SPACE:
            end -= 1
    spans: list[Span] = []
    if start:
        spans.append((0, start, [], start))
    if end < len(text):
        spans.append((end, len(text), [], len(text) - end))
    if spans:
        n.transform_spans(spans)


# ---------------------------------------------------------------- the normalizers
@dataclass
class BertNormalizer(_Base):
    """BERT's text cleanup: control characters out, spaces around CJK, accents, lowercase.

    ``strip_accents=None`` follows ``lowercase``, as in HF and Google's BERT.
    """

    type: ClassVar[str] = "BertNormalizer"
    clean_text: bool = True
    handle_chinese_chars: bool = True
    strip_accents: bool | None = None
    lowercase: bool = True

    def normalize(self, n: NormalizedString) -> None:
        if self.clean_text:
            _clean_text(n)
        if self.handle_chinese_chars:
            _pad_chinese_chars(n)
        strip_accents = self.lowercase if self.strip_accents is None else self.strip_accents
        if strip_accents and not n.normalized.isascii() and not _strip_accents_fast(n):
            _unicode_form(n, "NFD-Mn")
        if self.lowercase:
            _lowercase(n)


@dataclass
class Lowercase(_Base):
    type: ClassVar[str] = "Lowercase"

    def normalize(self, n: NormalizedString) -> None:
        _lowercase(n)


@dataclass
class Strip(_Base):
    """Strip White_Space characters on the left and/or right."""

    type: ClassVar[str] = "Strip"
    strip_left: bool = True
    strip_right: bool = True

    def normalize(self, n: NormalizedString) -> None:
        _strip(n, self.strip_left, self.strip_right)


@dataclass
class StripAccents(_Base):
    """Remove every mark (general category M: Mn, Mc and Me), without decomposing first."""

    type: ClassVar[str] = "StripAccents"

    def normalize(self, n: NormalizedString) -> None:
        if not n.normalized.isascii():
            _remove_where(n, _is_mark)


@dataclass
class NFC(_Base):
    type: ClassVar[str] = "NFC"

    def normalize(self, n: NormalizedString) -> None:
        _unicode_form(n, "NFC")


@dataclass
class NFD(_Base):
    type: ClassVar[str] = "NFD"

    def normalize(self, n: NormalizedString) -> None:
        _unicode_form(n, "NFD")


@dataclass
class NFKC(_Base):
    type: ClassVar[str] = "NFKC"

    def normalize(self, n: NormalizedString) -> None:
        _unicode_form(n, "NFKC")


@dataclass
class NFKD(_Base):
    type: ClassVar[str] = "NFKD"

    def normalize(self, n: NormalizedString) -> None:
        _unicode_form(n, "NFKD")


@dataclass
class Replace(_Base):
    """Replace every match of ``pattern`` (``{"String": s}`` or ``{"Regex": r}``) by ``content``.

    Alignment as HF: the replacement characters all align to the last character of the match (to
    the character before it for an empty match, to nothing at the very start).
    """

    type: ClassVar[str] = "Replace"
    pattern: dict[str, str] = field(default_factory=lambda: {"String": ""})
    content: str = ""
    _regex: regex.Pattern = field(init=False, repr=False, compare=False)
    _inserted: list[tuple[str, int]] = field(init=False, repr=False, compare=False)
    _char_swap: tuple[str, str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._regex = _compile_pattern(self.pattern, "normalizer.pattern")
        self._inserted = [(c, 1) for c in self.content]
        literal = self.pattern.get("String")
        # One character for one character (SentencePiece's " " -> "▁"): nothing moves, so a plain
        # str.replace keeps every alignment, and the span machinery is skipped.
        self._char_swap = (literal, self.content) if literal and len(literal) == 1 == len(self.content) else None

    def normalize(self, n: NormalizedString) -> None:
        text = n.normalized
        if not text:
            return
        if self._char_swap is not None:
            n.set_same_length(text.replace(*self._char_swap))
            return
        # Oniguruma's match order (it differs from Python's finditer only on empty matches).
        spans: list[Span] = [(start, end, self._inserted, end - start) for start, end in _onig_spans(self._regex, text)]
        if spans:
            n.transform_spans(spans)


@dataclass
class Prepend(_Base):
    """Put ``prepend`` before a non-empty string; it aligns with the first character."""

    type: ClassVar[str] = "Prepend"
    prepend: str = ""

    def normalize(self, n: NormalizedString) -> None:
        if n.normalized:
            n.prepend(self.prepend)


_ASCII_TO_BYTE_CHAR = str.maketrans({chr(b): BYTES_TO_UNICODE[b] for b in range(128)})
# Applied to UTF-8 bytes decoded as Latin-1 (one character per byte).
_LATIN1_TO_BYTE_CHAR = str.maketrans({chr(b): BYTES_TO_UNICODE[b] for b in range(256)})
_SURROGATE = regex.compile("[\ud800-\udfff]")


@dataclass
class ByteLevel(_Base):
    """Each character becomes the GPT-2 characters of its UTF-8 bytes (HF's ByteLevel normalizer).

    A lone surrogate has no UTF-8 form; it is encoded as U+FFFD's three bytes.
    """

    type: ClassVar[str] = "ByteLevel"

    def normalize(self, n: NormalizedString) -> None:
        text = n.normalized
        if text.isascii():
            n.set_same_length(text.translate(_ASCII_TO_BYTE_CHAR))
            return
        try:
            data = text.encode()
        except UnicodeEncodeError:
            text = _SURROGATE.sub("\ufffd", text)  # 1:1, so the alignment is unchanged
            data = text.encode()
        # Every byte of character i aligns with character i (HF's changes 0, 1, 1, ...).
        lengths = [1 if c < "\x80" else 2 if c < "\u0800" else 3 if c < "\U00010000" else 4 for c in text]
        n.expand(data.decode("latin-1").translate(_LATIN1_TO_BYTE_CHAR), lengths)


_NMT_REMOVE = regex.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]+")
_NMT_TO_SPACE = str.maketrans(
    {c: " " for c in "\t\n\x0c\r\u1680\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u2581\ufeff\ufffd"}
)


@dataclass
class Nmt(_Base):
    """SentencePiece's NMT cleanup: some control characters out, some spaces to ' '."""

    type: ClassVar[str] = "Nmt"

    def normalize(self, n: NormalizedString) -> None:
        _remove(n, _NMT_REMOVE)
        n.set_same_length(n.normalized.translate(_NMT_TO_SPACE))


class _CharsMap:
    """SentencePiece's ``precompiled_charsmap``: a Darts double-array trie over UTF-8 bytes whose
    values point into a blob of NUL-terminated replacement strings.

    Layout: little-endian u32 trie size in bytes, the trie (u32 units), then the strings.
    """

    def __init__(self, data: bytes, path: str) -> None:
        if len(data) < 4:
            raise TokenizerFileError(f"{path}: expected at least 4 bytes, found {len(data)}")
        size = int.from_bytes(data[:4], "little")
        if size % 4 or 4 + size > len(data):
            raise TokenizerFileError(f"{path}: trie size {size} does not fit the {len(data)}-byte charsmap")
        units = array.array("I")
        if units.itemsize != 4:  # pragma: no cover - every supported platform has a 4-byte "I"
            units = array.array("L")
        units.frombytes(data[4 : 4 + size])
        if sys.byteorder == "big":  # pragma: no cover
            units.byteswap()
        # A list, not the array: indexing a list is faster in the lookup loop. Building it this way
        # (in C) keeps loading a 240 kB charsmap well under a millisecond.
        self.units = units.tolist()
        self.strings = data[4 + size :]
        self.cache: dict[str, str | None] = {}
        # Fast path: characters the map provably leaves alone, classified once each, per rule
        # (False: HF's grapheme lookup, True: SentencePiece's longest match). `_starts` holds the
        # characters that only *start* keys (longest match), `_leads` the first bytes that can
        # follow one of them inside a key.
        self._kept: dict[bool, set[str]] = {False: set(), True: set()}
        self._touched: dict[bool, set[str]] = {False: set(), True: set()}
        self._starts: set[str] = set()
        self._leads: set[int] = set()

    def leaves_unchanged(self, text: str, longest: bool) -> bool:
        """True when normalizing ``text`` provably changes nothing, so the walk can be skipped.

        HF's rule: every character is one with no rule that is always a grapheme by itself.
        Longest match: no key matches anywhere. Every character either starts no key, or only
        starts keys (is no key itself) whose next byte is not ASCII, and no character of the text
        begins with such a byte."""
        chars = set(text)
        kept = self._kept[longest]
        new = chars - kept
        if not new:
            return True
        touched = self._touched[longest]
        if new & touched:
            return False
        for ch in new - self._starts:
            if self._kept_alone(ch, longest):
                kept.add(ch)
            elif ch not in self._starts:
                touched.add(ch)
        if new & touched:
            return False
        if not longest or not (chars & self._starts):
            return True
        leads = self._leads
        return not any(ch.encode("utf-8", "surrogatepass")[0] in leads for ch in chars if ch >= "\x80")

    def kept_chars(self, chars: set[str], longest: bool) -> set[str]:
        """Those of ``chars`` that are provably left alone, wherever they stand among each other:
        any text made only of them leaves ``leaves_unchanged`` true. Each new character is
        classified once, as ``leaves_unchanged`` does."""
        kept = self._kept[longest]
        for ch in chars - kept:
            self.leaves_unchanged(ch, longest)  # keeps ch when it qualifies
        return chars & kept

    def _kept_alone(self, ch: str, longest: bool) -> bool:
        """HF's rule: ``ch`` has no rule and is always a grapheme by itself, so it is never
        looked up inside a longer cluster. CR (CR LF is one cluster), Hangul jamo and syllables
        (L V T sequences) and regional indicators (pairs) join with characters that are themselves
        kept, so they are never kept. Longest match: no key starts with ``ch`` (a character that
        only starts keys with a non-ASCII next byte goes in `_starts` instead)."""
        if longest:
            return self._classify_start(ch.encode("utf-8", "surrogatepass"), ch)
        if self.lookup(ch) is not None or ch == "\r":
            return False
        cp = ord(ch)
        if 0x1100 <= cp <= 0x11FF or 0xA960 <= cp <= 0xA97F or 0xAC00 <= cp <= 0xD7FF or 0x1F1E6 <= cp <= 0x1F1FF:
            return False
        return _GRAPHEME.findall("a" + ch + "a") == ["a", ch, "a"]

    def _walk(self, key: bytes) -> tuple[int, int] | None:
        """Follow ``key`` down the trie: (position, last unit) after it, or None when no key starts
        with ``key``. A corrupt array raises IndexError; callers decide what that means."""
        units = self.units
        unit = units[0]
        pos = (unit >> 10) << ((unit & (1 << 9)) >> 6)  # offset of the root
        for byte in key:
            pos ^= byte
            unit = units[pos]
            if unit & ((1 << 31) | 0xFF) != byte:
                return None
            pos ^= (unit >> 10) << ((unit & (1 << 9)) >> 6)
        return pos, unit

    def _next_bytes(self, pos: int) -> list[int]:
        """The bytes that continue some key from trie position ``pos``."""
        units = self.units
        return [b for b in range(1, 256) if pos ^ b < len(units) and units[pos ^ b] & ((1 << 31) | 0xFF) == b]

    def _classify_start(self, key: bytes, ch: str) -> bool:
        """Walk the trie over ``key``: True if it leaves the trie (no key starts with it); else
        record ``ch`` in `_starts` when it is no key itself and every next byte is >= 0x80."""
        try:
            walked = self._walk(key)
            if walked is None:
                return True
            pos, unit = walked
            if (unit >> 8) & 1:
                return False  # ``ch`` is a key itself
            nexts = self._next_bytes(pos)
        except IndexError:
            return False
        if all(byte >= 0x80 for byte in nexts):
            self._starts.add(ch)
            self._leads.update(nexts)
        return False

    def _prefix_values(self, key: bytes) -> list[int]:
        """Darts ``commonPrefixSearch``: the value of every trie key that is a prefix of ``key``."""
        units = self.units
        out: list[int] = []
        try:
            unit = units[0]
            pos = (unit >> 10) << ((unit & (1 << 9)) >> 6)  # offset of the root
            for byte in key:
                pos ^= byte
                unit = units[pos]
                if unit & ((1 << 31) | 0xFF) != byte:  # label mismatch: no longer prefix
                    return out
                pos ^= (unit >> 10) << ((unit & (1 << 9)) >> 6)
                if (unit >> 8) & 1:  # has a leaf: the value sits at the next position
                    out.append(units[pos] & ((1 << 31) - 1))
        except IndexError:  # a corrupt trie points outside itself; treat as no match
            return out
        return out

    def longest(self, data: bytes, start: int) -> tuple[int, int] | None:
        """SentencePiece's rule: (length in bytes, value) of the longest key that is a prefix of
        ``data[start:]``, or None."""
        units = self.units
        best = None
        try:
            unit = units[0]
            pos = (unit >> 10) << ((unit & (1 << 9)) >> 6)
            for i in range(start, len(data)):
                byte = data[i]
                pos ^= byte
                unit = units[pos]
                if unit & ((1 << 31) | 0xFF) != byte:
                    return best
                pos ^= (unit >> 10) << ((unit & (1 << 9)) >> 6)
                if (unit >> 8) & 1:
                    best = (i + 1 - start, units[pos] & ((1 << 31) - 1))
        except IndexError:  # a corrupt trie points outside itself; treat as no match
            return best
        return best

    def string_at(self, value: int) -> str:
        end = self.strings.find(b"\0", value)
        return self.strings[value : end if end >= 0 else len(self.strings)].decode("utf-8", "replace")

    def lookup(self, chunk: str) -> str | None:
        """The replacement for ``chunk`` (the first prefix hit, as HF's ``transform``), or None."""
        if chunk in self.cache:
            return self.cache[chunk]
        values = self._prefix_values(chunk.encode("utf-8", "replace"))
        result = None
        if values:
            start = values[0]
            end = self.strings.find(b"\0", start)
            raw = self.strings[start : end if end >= 0 else len(self.strings)]
            result = raw.decode("utf-8", "replace")
        if len(self.cache) > 65536:  # bounded
            self.cache.clear()
        self.cache[chunk] = result
        return result


_GRAPHEME = regex.compile(r"\X")


@dataclass
class Precompiled(_Base):
    """SentencePiece's compiled normalization rules (``precompiled_charsmap``, base64 in JSON).

    As HF: the text is cut into grapheme clusters; a cluster shorter than 6 UTF-8 bytes is looked
    up whole, otherwise (or when it has no rule) each of its characters is. Grapheme clusters come
    from the ``regex`` module's ``\\X`` (its own Unicode tables).
    """

    type: ClassVar[str] = "Precompiled"
    precompiled_charsmap: str | None = ""
    # SentencePiece's own rule instead of HF's: at each position the longest matching key, over the
    # whole text rather than inside one grapheme cluster. Set for `.model` files (HF's rule drops
    # combining marks after a mapped character: "ʷ\u0301" -> "w"); not written to tokenizer.json.
    longest_match: bool = field(default=False, compare=False, metadata={"json": False})
    _map: _CharsMap | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        self._map = _parse_charsmap(self.precompiled_charsmap, "normalizer.precompiled_charsmap")

    def normalize(self, n: NormalizedString) -> None:
        charsmap = self._map
        text = n.normalized
        if charsmap is None or not text or charsmap.leaves_unchanged(text, self.longest_match):
            return
        if self.longest_match:
            _normalize_longest(n, charsmap)
            return
        changes: list[tuple[str, int]] = []
        modified = False
        for grapheme in _GRAPHEME.findall(text):
            if len(grapheme.encode("utf-8", "replace")) < 6:
                new = charsmap.lookup(grapheme)
                if new is not None:
                    modified = True
                    _replace_changes(changes, grapheme, new)
                    continue
            for ch in grapheme:
                new = charsmap.lookup(ch)
                if new is not None:
                    modified = True
                    _replace_changes(changes, ch, new)
                else:
                    changes.append((ch, 0))
        if modified:
            n.transform(changes, 0)


def _normalize_longest(n: NormalizedString, charsmap: _CharsMap) -> None:
    """SentencePiece's ``NormalizePrefix`` loop: the longest rule at each position, else the
    character unchanged. Each rule's output is aligned to the characters it consumed."""
    text = n.normalized
    data = text.encode("utf-8", "surrogatepass")
    ascii_only = len(data) == len(text)
    changes: list[tuple[str, int]] = []
    modified = False
    i = b = 0  # character and byte position
    initial = 0
    size = len(text)
    while i < size:
        hit = charsmap.longest(data, b)
        if hit is not None and not ascii_only:
            try:  # a well-formed charsmap's keys end on character boundaries; a corrupt one may not
                data[b : b + hit[0]].decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                hit = None
        if hit is None:
            ch = text[i]
            changes.append((ch, 0))
            i += 1
            b += 1 if ascii_only else len(ch.encode("utf-8", "surrogatepass"))
            continue
        length, value = hit
        if ascii_only:
            old = text[i : i + length]
        else:
            old = data[b : b + length].decode("utf-8", "surrogatepass")
        new = charsmap.string_at(value)
        if new != old:
            modified = True
        if not new and not changes:
            initial += len(old)  # removed before any kept character
        else:
            _replace_changes(changes, old, new)
        i += len(old)
        b += length
    if modified:
        n.transform(changes, initial)


def _replace_changes(changes: list[tuple[str, int]], old: str, new: str) -> None:
    """HF's ``replace`` helper for Precompiled: new chars replace old ones in order; extra new
    ones are insertions, missing ones are folded into the last change (even a previous piece's)."""
    diff = len(new) - len(old)
    changes.extend((c, 0) for c in new)
    if diff > 0:
        for i in range(len(changes) - diff, len(changes)):
            changes[i] = (changes[i][0], 1)
    elif diff < 0 and changes:
        c, change = changes[-1]
        changes[-1] = (c, change + diff)


def _parse_charsmap(value: Any, path: str) -> _CharsMap | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TokenizerFileError(f"{path}: expected a base64 string, found {type(value).__name__}")
    return _charsmap_from_base64(value, path)


@functools.lru_cache(maxsize=8)
def _charsmap_from_base64(value: str, path: str) -> _CharsMap:
    """Decoding a 300 kB base64 charsmap costs milliseconds; tokenizers built again and again from the
    same file (and the parity tests) share the parsed map. Its lookup cache is a pure memo."""
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TokenizerFileError(f"{path}: not valid base64: {exc}") from exc
    return _CharsMap(data, path)


@dataclass
class Sequence(_Base):
    """Run normalizers one after the other."""

    type: ClassVar[str] = "Sequence"
    normalizers: list[Normalizer] = field(default_factory=list)

    def normalize(self, n: NormalizedString) -> None:
        for normalizer in self.normalizers:
            normalizer.normalize(n)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "normalizers": [m.to_dict() for m in self.normalizers]}


NORMALIZERS: dict[str, type] = {
    cls.type: cls
    for cls in (
        BertNormalizer,
        Lowercase,
        Strip,
        StripAccents,
        NFC,
        NFD,
        NFKC,
        NFKD,
        Replace,
        Prepend,
        ByteLevel,
        Nmt,
        Precompiled,
        Sequence,
    )
}


# ---------------------------------------------------------------- reading tokenizer.json
def _compile_pattern(pattern: Any, path: str) -> regex.Pattern:
    """``{"String": s}`` or ``{"Regex": r}`` -> compiled regex."""
    if not isinstance(pattern, dict) or len(pattern) != 1 or next(iter(pattern)) not in ("String", "Regex"):
        raise TokenizerFileError(f'{path}: expected {{"String": str}} or {{"Regex": str}}, found {pattern!r}')
    kind, value = next(iter(pattern.items()))
    if not isinstance(value, str):
        raise TokenizerFileError(f"{path}.{kind}: expected a string, found {value!r}")
    # The Split pre-tokenizer's compiler: same Oniguruma-to-regex translation as HF's SysRegex.
    return compile_pattern(value if kind == "String" else Regex(value), path)


def _field(d: dict, key: str, kinds: tuple[type, ...], default: Any, path: str) -> Any:
    value = d.get(key, default)
    # bool is an int subclass and int is not wanted anywhere here, so an exact type check is right.
    if type(value) not in kinds:
        names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
        raise TokenizerFileError(f"{path}.{key}: expected {names}, found {value!r}")
    return value


def normalizer_from_dict(d: dict | None, path: str = "normalizer") -> Normalizer | None:
    """Build a normalizer from its ``tokenizer.json`` form (``None`` stays ``None``).

    Raises ``UnsupportedError`` for an unknown ``type`` (listing the supported ones) and
    ``TokenizerFileError`` naming the JSON path of a malformed value.
    """
    if d is None:
        return None
    if not isinstance(d, dict):
        raise TokenizerFileError(f"{path}: expected an object or null, found {d!r}")
    kind = d.get("type")
    if kind not in NORMALIZERS:
        raise UnsupportedError(f"{path}.type: expected one of {sorted(NORMALIZERS)}, found {kind!r}")
    if kind == "Sequence":
        items = d.get("normalizers")
        if not isinstance(items, list):
            raise TokenizerFileError(f"{path}.normalizers: expected a list, found {items!r}")
        return Sequence([normalizer_from_dict(item, f"{path}.normalizers[{i}]") for i, item in enumerate(items)])
    if kind == "BertNormalizer":
        return BertNormalizer(
            clean_text=_field(d, "clean_text", (bool,), True, path),
            handle_chinese_chars=_field(d, "handle_chinese_chars", (bool,), True, path),
            strip_accents=_field(d, "strip_accents", (bool, type(None)), None, path),
            lowercase=_field(d, "lowercase", (bool,), True, path),
        )
    if kind == "Strip":
        return Strip(
            strip_left=_field(d, "strip_left", (bool,), True, path),
            strip_right=_field(d, "strip_right", (bool,), True, path),
        )
    if kind == "Replace":
        if "pattern" not in d or "content" not in d:
            raise TokenizerFileError(f"{path}: Replace needs 'pattern' and 'content', found keys {sorted(d)}")
        content = _field(d, "content", (str,), "", path)
        pattern = d["pattern"]
        _compile_pattern(pattern, f"{path}.pattern")  # validate with the right path
        return Replace(pattern=dict(pattern), content=content)
    if kind == "Precompiled":
        if "precompiled_charsmap" not in d:  # HF: missing field `precompiled_charsmap`
            raise TokenizerFileError(f"{path}.precompiled_charsmap: missing (expected a base64 string)")
        value = d["precompiled_charsmap"]
        _parse_charsmap(value, f"{path}.precompiled_charsmap")  # validate with the right path
        return Precompiled(precompiled_charsmap=value)
    if kind == "Prepend":
        return Prepend(prepend=_field(d, "prepend", (str,), "", path))
    return NORMALIZERS[kind]()
