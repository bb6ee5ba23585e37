"""Pre-tokenizers: the stage that cuts normalized text into words before the model runs.

Follows HF `tokenizers` (``tokenizers/src/pre_tokenizers/*.rs``) and its ``tokenizer.json`` format:
each class is a small dataclass whose fields are the JSON keys, with ``pre_tokenize`` (in place on a
``PreTokenizedString``), ``pre_tokenize_str`` (same output as HF's Python method: ``(piece, (start,
end))`` with character offsets into the input) and ``to_dict`` (HF's JSON, same key order).
``PRE_TOKENIZERS`` maps ``type`` to class and ``pre_tokenizer_from_dict`` builds one from JSON.

Regex engine. HF compiles patterns with Oniguruma; lexica uses the ``regex`` module, each pattern
compiled once when the component is built (``compile_pattern``). Differences handled there:
- Oniguruma's ``^``/``$`` always match at line breaks: patterns are compiled with ``MULTILINE``.
- Oniguruma's ``(?m)`` means "dot matches newline": it is rewritten to ``(?s)``.
- Oniguruma's ``\\h``/``\\H`` are (non-)hex digits: rewritten to ``\\p{ASCII_Hex_Digit}``/``\\P{...}``.
- Oniguruma's ``\\x{HHHH}`` code point escape: rewritten to ``\\UHHHHHHHH``.
- Oniguruma's ``\\w`` is Unicode "Word" (Alphabetic, marks, decimal digits, connector punctuation,
  join controls), ``\\s`` is the White_Space property; the ``regex`` module's definitions are the same
  sets, but from a newer Unicode version (see below).
- Oniguruma's ``(?i)`` folds case fully ("ß" matches "SS"): patterns are compiled with ``FULLCASE``.
- Possessive quantifiers (``a++``), atomic groups (``(?>...)``), lookbehind, ``\\p{^L}`` and POSIX
  classes work in both engines.
Not translated: class intersection ``[a-z&&[^aeiou]]`` (needs the ``regex`` V1 flag, which changes
other semantics) and ``\\R``.

Unicode. All character properties here (``\\p{L}``, ``\\p{N}``, ``\\p{P}``, White_Space, scripts)
come from the ``regex`` module's tables, which follow current Unicode: user patterns get those
anyway, the module is the only source of scripts, and property classes run fast (a class built from
``unicodedata``'s ranges made BERT splitting several times slower). HF mixes older tables:
Oniguruma's (recent), Rust ``char``'s (recent), the ``unicode_categories`` crate's is_punctuation
(old) and a Unicode 9 script table for ``UnicodeScripts``. On characters assigned in Unicode 3.2,
lexica agrees with HF except U+0589 (Armenian full stop: Common in HF's script table, Armenian now)
and U+166D (Canadian syllabics chi sign: punctuation in HF, a symbol now). Characters assigned later
can split differently (new punctuation, new scripts); the tests pin examples, and
``tests/tokenizers/pretokenizer_agreement.py`` measures, per pre-tokenizer of the parity suites, every
character where the two libraries differ (a few hundred, recent ones; ~16,000 for ``UnicodeScripts``,
whose HF table predates Tangut, Nushu, CJK extensions E+ and other recent scripts).

Lone surrogates (which HF cannot receive from Python) never crash: regex-based splitting treats
them as "other" characters, and ``ByteLevel`` encodes each one as the UTF-8 bytes of U+FFFD.

``CharacterSplit`` is lexica's own type (one split per character, for the course's character-based
tokenizer); HF ``tokenizers`` cannot load a ``tokenizer.json`` that uses it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, ClassVar

import regex

from lexica.errors import TokenizerFileError, UnsupportedError
from lexica.tokenizers.bytes_unicode import BYTES_TO_UNICODE
from lexica.tokenizers.normalized import (
    NormalizedString,
    PreTokenizedString,
    SplitDelimiterBehavior,
    split_offsets,
)

__all__ = [
    "BertPreTokenizer",
    "ByteLevel",
    "CharDelimiterSplit",
    "CharacterSplit",
    "Digits",
    "FixedLength",
    "Metaspace",
    "PRE_TOKENIZERS",
    "PreTokenizer",
    "Punctuation",
    "Regex",
    "Sequence",
    "Split",
    "UnicodeScripts",
    "Whitespace",
    "WhitespaceSplit",
    "compile_pattern",
    "pre_tokenizer_from_dict",
]

Offsets = tuple[int, int]
Piece = tuple[str, int, int]  # (normalized piece, start, end) from ``fast_pieces``

# --------------------------------------------------------------------------- shared pieces
_WHITESPACE_RE = regex.compile(r"\w+|[^\w\s]+")
GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
_GPT2_RE = regex.compile(GPT2_PATTERN)
_SURROGATE_RE = regex.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class _CharClass:
    """A regex for any text and one that does the same on pure-ASCII text, faster."""

    unicode: regex.Pattern
    ascii: regex.Pattern

    def get(self, text: str) -> regex.Pattern:
        return self.ascii if text.isascii() else self.unicode


def _char_class(template: str) -> _CharClass:
    """Compile ``template`` twice: ``%P`` punctuation, ``%S`` whitespace, ``%N`` numeric chars."""
    unicode = template.replace("%P", r"\p{P}" + _ASCII_PUNCT).replace("%S", r"\p{White_Space}")
    ascii_ = template.replace("%P", _ASCII_PUNCT).replace("%S", r"\t\n\x0b\x0c\r ")
    return _CharClass(regex.compile(unicode.replace("%N", r"\p{N}")), regex.compile(ascii_.replace("%N", "0-9")))


# HF's Rust ``char`` predicates: is_punctuation (ASCII punctuation or a P* category), is_numeric
# (Nd, Nl, No), is_whitespace (the White_Space property).
_ASCII_PUNCT = r"!-/:-@\[-`{-~"
_PUNCT = _char_class("[%P]")
_DIGIT = _char_class("[%N]")
_DIGIT_RUNS = _char_class("[%N]+|[^%N]+")
_BERT = _char_class("[^%S%P]+|[%P]")  # a word, or one punctuation char
_NON_SPACE = _char_class("[^%S]")
_NON_SPACE_RUN = _char_class("[^%S]+")
_WHITESPACE = _CharClass(_WHITESPACE_RE, regex.compile(r"[0-9A-Za-z_]+|[^0-9A-Za-z_\t\n\x0b\x0c\r ]+"))


_BEHAVIOR_JSON = {
    SplitDelimiterBehavior.REMOVED: "Removed",
    SplitDelimiterBehavior.ISOLATED: "Isolated",
    SplitDelimiterBehavior.MERGED_WITH_PREVIOUS: "MergedWithPrevious",
    SplitDelimiterBehavior.MERGED_WITH_NEXT: "MergedWithNext",
    SplitDelimiterBehavior.CONTIGUOUS: "Contiguous",
}
_BEHAVIOR_FROM_NAME = {name: b for b, name in _BEHAVIOR_JSON.items()} | {b.value: b for b in _BEHAVIOR_JSON}


def _behavior(value: Any, path: str) -> SplitDelimiterBehavior:
    """Accept the JSON name ("MergedWithNext"), the Python name ("merged_with_next") or the enum."""
    if isinstance(value, SplitDelimiterBehavior):
        return value
    if isinstance(value, str) and value in _BEHAVIOR_FROM_NAME:
        return _BEHAVIOR_FROM_NAME[value]
    raise TokenizerFileError(f"{path}: expected one of {list(_BEHAVIOR_JSON.values())}, found {value!r}")


@dataclass(frozen=True)
class Regex:
    """A regular-expression pattern (HF ``tokenizers.Regex``; JSON ``{"Regex": "..."}``)."""

    pattern: str


def compile_pattern(pattern: str | Regex, path: str = "pattern") -> regex.Pattern:
    """Compile a ``Split``/``Replace`` pattern once: a plain string matches literally, a ``Regex``
    is translated from Oniguruma syntax (see the module docstring). Raises ``TokenizerFileError``
    naming ``path`` when the regex does not compile."""
    if isinstance(pattern, str):
        return regex.compile(regex.escape(pattern))
    source = _onig_to_regex(pattern.pattern)
    try:
        return regex.compile(source, regex.MULTILINE | regex.FULLCASE)
    except (regex.error, ValueError, OverflowError) as e:
        raise TokenizerFileError(f"{path}.Regex: invalid regular expression {pattern.pattern!r}: {e}") from None


# An escape (``\x{...}`` or any ``\c``), or an inline flag group that contains ``m``.
_ONIG_REWRITES = regex.compile(r"\\x\{([0-9a-fA-F]{1,8})\}|\\(.)|\(\?([a-zA-Z-]*)m([a-zA-Z-]*)([:)])", regex.DOTALL)


def _onig_to_regex(source: str) -> str:
    """Rewrite the Oniguruma-only bits of a pattern (``\\x{...}``, ``\\h``, ``(?m)``) to ``regex`` syntax."""

    def fix(m: regex.Match) -> str:
        if m.group(1) is not None:
            return f"\\U{int(m.group(1), 16):08x}"
        if m.group(2) is not None:
            return {"h": r"\p{ASCII_Hex_Digit}", "H": r"\P{ASCII_Hex_Digit}"}.get(m.group(2), m.group(0))
        return f"(?{m.group(3)}s{m.group(4)}{m.group(5)}"

    return _ONIG_REWRITES.sub(fix, source)


def _onig_spans(rx: regex.Pattern, text: str) -> list[Offsets]:
    """Match spans in the order Oniguruma's iterator (as HF uses it) yields them.

    Without empty matches this is ``finditer``. With them the engines differ: Oniguruma never
    returns an empty match where the previous match ended (it searches again one character on),
    while Python does, and after an empty match Python may return a longer one at the same place.
    """
    spans = [m.span() for m in rx.finditer(text)]
    if all(s != e for s, e in spans):
        return spans
    spans = []
    pos, last_end = 0, -1
    while pos <= len(text):
        m = rx.search(text, pos)
        if m is None:
            break
        start, end = m.span()
        if start == end == last_end:
            pos = start + 1
            continue
        spans.append((start, end))
        pos = last_end = end
    return spans


def _match_spans(rx: regex.Pattern, text: str) -> list[Offsets]:
    """Where ``rx`` matches (everything between the matches is dropped)."""
    return [m.span() for m in rx.finditer(text)]


def _isolate_spans(rx: regex.Pattern, text: str) -> list[Offsets]:
    """``text`` cut at every match of ``rx``: the matches and the text between them (HF Isolated)."""
    out: list[Offsets] = []
    prev = 0
    for m in rx.finditer(text):
        start, end = m.span()
        if start != prev:
            out.append((prev, start))
        if end != start:
            out.append((start, end))
        prev = end
    if prev != len(text):
        out.append((prev, len(text)))
    return out


# --------------------------------------------------------------------------- JSON field readers
_MISSING: Any = object()


def _field(d: dict, key: str, kind: type, path: str, default: Any = _MISSING) -> Any:
    """``d[key]`` checked to be a ``kind`` (bool is not an int here), or ``default`` when absent."""
    if key not in d:
        if default is _MISSING:
            raise TokenizerFileError(f"{path}: missing required key {key!r}")
        return default
    value = d[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TokenizerFileError(f"{path}.{key}: expected {kind.__name__}, found {value!r}")
    return value


def _char_field(d: dict, key: str, path: str, default: Any = _MISSING) -> str:
    value = _field(d, key, str, path, default)
    if len(value) != 1:
        raise TokenizerFileError(f"{path}.{key}: expected a single character, found {value!r}")
    return value


# --------------------------------------------------------------------------- base
class PreTokenizer:
    """The interface. A pre-tokenizer that only cuts text implements ``spans``; one that also
    changes it (ByteLevel, Metaspace) or combines others (Sequence) overrides the methods below."""

    type: ClassVar[str] = ""

    def spans(self, text: str) -> list[Offsets]:
        """The ``(start, end)`` ranges of ``text`` to keep, in order (empty ones are dropped)."""
        raise NotImplementedError

    def _split(self, _i: int, n: NormalizedString) -> list[NormalizedString]:
        cut = n.slice
        return [cut(s, e) for s, e in self.spans(n.normalized)]

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        """Cut every not-yet-tokenized split of ``pts``, in place."""
        pts.split(self._split)

    def pre_tokenize_str(self, s: str) -> list[tuple[str, Offsets]]:
        """Pre-tokenize ``s`` alone: ``(piece, (start, end))`` with character offsets into ``s``."""
        pts = PreTokenizedString(s)
        self.pre_tokenize(pts)
        return pts.get_splits("original")

    def fast_pieces(self, text: str) -> list[Piece] | None:
        """Fast path for text no normalizer changed: ``(piece, start, end)`` per split, where
        character i of ``piece`` comes from ``text[start + i]`` (so offsets inside a piece map to
        the input by adding ``start``). None when this pre-tokenizer cannot promise that for this
        text; the caller then uses ``pre_tokenize``. Same pieces and offsets as ``pre_tokenize_str``."""
        return [(text[s:e], s, e) for s, e in self.spans(text) if s != e]

    def to_dict(self) -> dict:
        return {"type": self.type}

    @classmethod
    def from_dict(cls, d: dict, path: str = "pre_tokenizer") -> PreTokenizer:
        return cls()


@dataclass
class Whitespace(PreTokenizer):
    """Words and runs of other non-space symbols: ``\\w+|[^\\w\\s]+``."""

    type: ClassVar[str] = "Whitespace"

    def spans(self, text: str) -> list[Offsets]:
        return _match_spans(_WHITESPACE.get(text), text)


@dataclass
class WhitespaceSplit(PreTokenizer):
    """Split on whitespace, which is removed."""

    type: ClassVar[str] = "WhitespaceSplit"

    def spans(self, text: str) -> list[Offsets]:
        return _match_spans(_NON_SPACE_RUN.get(text), text)


@dataclass
class BertPreTokenizer(PreTokenizer):
    """BERT's basic tokenizer: split on whitespace (removed), each punctuation char on its own."""

    type: ClassVar[str] = "BertPreTokenizer"

    def spans(self, text: str) -> list[Offsets]:
        return _match_spans(_BERT.get(text), text)


@dataclass
class CharacterSplit(PreTokenizer):
    """lexica only (HF cannot load it): one split per character, whitespace removed. This is the
    course's character-based tokenizer; HF gets the same from ``Sequence([WhitespaceSplit(),
    Split(Regex("."), "isolated")])``."""

    type: ClassVar[str] = "CharacterSplit"

    def spans(self, text: str) -> list[Offsets]:
        return _match_spans(_NON_SPACE.get(text), text)


# --------------------------------------------------------------------------- ByteLevel
# Byte value -> character, as a str.translate table. ASCII text is translated directly; other text
# goes through its UTF-8 bytes read as Latin-1 (one char per byte), then the same table.
_BYTE_TABLE = dict(BYTES_TO_UNICODE)


def _to_byte_chars(n: NormalizedString) -> NormalizedString:
    """Map every character to the byte-level characters of its UTF-8 bytes; each produced char
    keeps the alignment of the character it came from (HF ``transform`` with insertions)."""
    text = n.normalized
    if text.isascii():
        n.set_same_length(text.translate(_BYTE_TABLE))
        return n
    if _SURROGATE_RE.search(text):
        text = _SURROGATE_RE.sub("\ufffd", text)  # same length: a lone surrogate becomes U+FFFD
    mapped = text.encode("utf-8").decode("latin-1").translate(_BYTE_TABLE)
    # Each char's alignment repeated once per UTF-8 byte, built in C by chain/repeat.
    sizes = [1 if c < "\x80" else 2 if c < "\u0800" else 3 if c < "\U00010000" else 4 for c in text]
    align = list(itertools.chain.from_iterable(map(itertools.repeat, n.alignments, sizes)))
    return NormalizedString(n.original, mapped, align, n.original_shift)


def _gpt2_spans(text: str) -> list[Offsets]:
    """The GPT-2 regex's pieces. Every character starts a match of one of its alternatives, so
    the matches tile the text and ``findall`` plus running lengths gives the offsets."""
    out: list[Offsets] = []
    pos = 0
    for word in _GPT2_RE.findall(text):
        end = pos + len(word)
        out.append((pos, end))
        pos = end
    return out if pos == len(text) else _isolate_spans(_GPT2_RE, text)


@dataclass
class ByteLevel(PreTokenizer):
    """GPT-2's byte-level pre-tokenizer: optional leading space, the GPT-2 regex, bytes as chars.

    ``trim_offsets`` is not used here; it is kept for the JSON and read by the post-processor."""

    type: ClassVar[str] = "ByteLevel"
    add_prefix_space: bool = True
    trim_offsets: bool = True
    use_regex: bool = True

    @staticmethod
    def alphabet() -> list[str]:
        """The 256 characters byte-level text is made of."""
        return sorted(BYTES_TO_UNICODE.values())

    def _split(self, _i: int, n: NormalizedString) -> list[NormalizedString]:
        if self.add_prefix_space and not n.normalized.startswith(" "):
            n.prepend(" ")
        if not self.use_regex:
            return [_to_byte_chars(n)]
        cut = n.slice
        return [_to_byte_chars(cut(s, e)) for s, e in _gpt2_spans(n.normalized)]

    def fast_pieces(self, text: str) -> list[Piece] | None:
        # Only ASCII maps one char to one byte char; a prepended space would share the first
        # character's alignment, so that case is left to pre_tokenize too.
        if not text.isascii() or (self.add_prefix_space and text and not text.startswith(" ")):
            return None
        mapped = text.translate(_BYTE_TABLE)
        if not self.use_regex:
            return [(mapped, 0, len(text))] if text else []
        return [(mapped[s:e], s, e) for s, e in _gpt2_spans(text)]

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "add_prefix_space": self.add_prefix_space,
            "trim_offsets": self.trim_offsets,
            "use_regex": self.use_regex,
        }

    @classmethod
    def from_dict(cls, d: dict, path: str = "pre_tokenizer") -> ByteLevel:
        return cls(
            _field(d, "add_prefix_space", bool, path, True),
            _field(d, "trim_offsets", bool, path, True),
            _field(d, "use_regex", bool, path, True),
        )


# --------------------------------------------------------------------------- Split family
def _delimiter_spans(rx: regex.Pattern, text: str, behavior: SplitDelimiterBehavior, invert: bool) -> list[Offsets]:
    """HF ``NormalizedString::split``: matches of ``rx`` (or, inverted, the text between them) are
    the delimiters, handled by ``behavior``."""
    if not text:
        return []
    pieces: list[tuple[Offsets, bool]] = []
    prev = 0
    for start, end in _onig_spans(rx, text):
        if start != prev:
            pieces.append(((prev, start), invert))
        pieces.append(((start, end), not invert))
        prev = end
    if prev != len(text):
        pieces.append(((prev, len(text)), invert))
    return split_offsets(pieces, behavior)


@dataclass
class Split(PreTokenizer):
    """Split on a literal string or a regex, with one of HF's five delimiter behaviors.

    ``invert=True`` treats the text *between* matches as the delimiters."""

    type: ClassVar[str] = "Split"
    pattern: str | Regex
    behavior: SplitDelimiterBehavior | str
    invert: bool = False
    _re: regex.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.behavior = _behavior(self.behavior, "Split.behavior")
        self._re = compile_pattern(self.pattern, "Split.pattern")

    def spans(self, text: str) -> list[Offsets]:
        return _delimiter_spans(self._re, text, self.behavior, self.invert)

    def to_dict(self) -> dict:
        pattern = {"Regex": self.pattern.pattern} if isinstance(self.pattern, Regex) else {"String": self.pattern}
        return {"type": self.type, "pattern": pattern, "behavior": _BEHAVIOR_JSON[self.behavior], "invert": self.invert}

    @classmethod
    def from_dict(cls, d: dict, path: str = "pre_tokenizer") -> Split:
        return cls(
            _pattern_field(d, path),
            _behavior(_field(d, "behavior", str, path), f"{path}.behavior"),
            _field(d, "invert", bool, path, False),
        )


def _pattern_field(d: dict, path: str) -> str | Regex:
    """Read ``{"String": s}`` or ``{"Regex": r}``; an invalid regex names ``path.pattern.Regex``."""
    p = _field(d, "pattern", dict, path)
    if len(p) != 1 or not ({"String", "Regex"} & p.keys()):
        raise TokenizerFileError(f"{path}.pattern: expected {{'String': ...}} or {{'Regex': ...}}, found {p!r}")
    kind, value = next(iter(p.items()))
    if not isinstance(value, str):
        raise TokenizerFileError(f"{path}.pattern.{kind}: expected str, found {value!r}")
    if kind == "String":
        return value
    compile_pattern(Regex(value), f"{path}.pattern")  # validate here, so the error has the full path
    return Regex(value)


@dataclass
class Punctuation(PreTokenizer):
    """Split on every punctuation character (ASCII punctuation or Unicode P*)."""

    type: ClassVar[str] = "Punctuation"
    behavior: SplitDelimiterBehavior | str = SplitDelimiterBehavior.ISOLATED

    def __post_init__(self) -> None:
        self.behavior = _behavior(self.behavior, "Punctuation.behavior")

    def spans(self, text: str) -> list[Offsets]:
        if self.behavior is SplitDelimiterBehavior.ISOLATED:
            return _isolate_spans(_PUNCT.get(text), text)
        return _delimiter_spans(_PUNCT.get(text), text, self.behavior, False)

    def to_dict(self) -> dict:
        return {"type": self.type, "behavior": _BEHAVIOR_JSON[self.behavior]}

    @classmethod
    def from_dict(cls, d: dict, path: str = "pre_tokenizer") -> Punctuation:
        return cls(_behavior(_field(d, "behavior", str, path, "Isolated"), f"{path}.behavior"))


@dataclass
class Digits(PreTokenizer):
    """Split numbers (Unicode N*) from the rest; each digit alone when ``individual_digits``."""

    type: ClassVar[str] = "Digits"
    individual_digits: bool = False

    def spans(self, text: str) -> list[Offsets]:
        if self.individual_digits:
            return _isolate_spans(_DIGIT.get(text), text)
        return _match_spans(_DIGIT_RUNS.get(text), text)  # HF Contiguous: runs of digits, of the rest

    def to_dict(self) -> dict:
        return {"type": self.type, "individual_digits": self.individual_digits}

    @classmethod
    def from_dict(cls, d: dict, path: str = "pre_tokenizer") -> Digits:
        return cls(_field(d, "individual_digits", bool, path, False))


@dataclass
class CharDelimiterSplit(PreTokenizer):
    """Split on one delimiter character, which is removed."""

    type: ClassVar[str] = "CharDelimiterSplit"
    delimiter: str
    _re: regex.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.delimiter, str) or len(self.delimiter) != 1:
            raise TokenizerFileError(f"CharDelimiterSplit.delimiter: expected one character, found {self.delimiter!r}")
        self._re = regex.compile(f"[^\\U{ord(self.delimiter):08x}]+")

    def spans(self, text: str) -> list[Offsets]:
        return _match_spans(self._re, text)

    def to_dict(self) -> dict:
        return {"type": self.type, "delimiter": self.delimiter}

    @classmethod
    def from_dict(cls, d: dict, path: str = "pre_tokenizer") -> CharDelimiterSplit:
        return cls(_char_field(d, "delimiter", path))


@dataclass
class FixedLength(PreTokenizer):
    """Chunks of ``length`` characters (the last one may be shorter)."""

    type: ClassVar[str] = "FixedLength"
    length: int = 5

    def __post_init__(self) -> None:
        # HF panics on 0 ("chunk size must be non-zero"); refuse it up front instead.
        if isinstance(self.length, bool) or not isinstance(self.length, int) or self.length < 1:
            raise TokenizerFileError(f"FixedLength.length: expected a positive integer, found {self.length!r}")

    def spans(self, text: str) -> list[Offsets]:
        size, total = self.length, len(text)
        return [(i, min(i + size, total)) for i in range(0, total, size)]

    def to_dict(self) -> dict:
        return {"type": self.type, "length": self.length}

    @classmethod
    def from_dict(cls, d: dict, path: str = "pre_tokenizer") -> FixedLength:
        length = _field(d, "length", int, path, 5)
        if length < 1:
            raise TokenizerFileError(f"{path}.length: expected a positive integer, found {length!r}")
        return cls(length)


# --------------------------------------------------------------------------- UnicodeScripts
def _script_names() -> list[str]:
    """Every Script value the ``regex`` module knows, common ones first (tried first below)."""
    from regex import _regex_core  # private, but the only place the list of values is exposed

    prop_id = _regex_core.PROPERTIES["SCRIPT"][0]
    names = set(_regex_core.PROPERTY_NAMES[prop_id][1].values())
    names -= {"HAN", "HIRAGANA", "KATAKANA", "KATAKANAORHIRAGANA", "UNKNOWN", "COMMON"}
    first = ["LATIN", "INHERITED", "CYRILLIC", "GREEK", "ARABIC", "HANGUL", "HEBREW", "DEVANAGARI", "THAI"]
    return [s for s in first if s in names] + sorted(names - set(first))


class _ScriptRuns:
    """One regex whose alternatives are runs of one (HF-fixed) script; built on first use."""

    ANY = 1  # group number of the "Any" alternative
    _re: ClassVar[regex.Pattern | None] = None

    @classmethod
    def get(cls) -> regex.Pattern:
        if cls._re is None:
            branches = [
                r"[ \p{sc=Unknown}]+",  # HF: ' ' and unassigned code points are "Any"
                r"[\p{sc=Common}--[ \u30fc]]+",
                r"[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\u30fc]+",  # HF merges kana and U+30FC into Han
            ]
            branches += [f"\\p{{sc={name}}}+" for name in _script_names()]
            branches.append(r"[\s\S]")  # safety net; every code point has a Script value
            cls._re = regex.compile("(?V1)" + "|".join(f"({b})" for b in branches))
        return cls._re


@dataclass
class UnicodeScripts(PreTokenizer):
    """Split where the Unicode script changes, as SentencePiece does. As in HF: Hiragana, Katakana
    and U+30FC count as Han; a space (and an unassigned code point) belongs to no script, so it
    stays with the text before it, and such characters at the very start are dropped."""

    type: ClassVar[str] = "UnicodeScripts"

    def spans(self, text: str) -> list[Offsets]:
        bounds: list[int] = []
        last = None
        for m in _ScriptRuns.get().finditer(text):
            group = m.lastindex
            if group != _ScriptRuns.ANY and group != last:
                bounds.append(m.start())
                last = group
        bounds.append(len(text))
        return list(itertools.pairwise(bounds))


# --------------------------------------------------------------------------- Metaspace
_PREPEND_SCHEMES = ("always", "never", "first")


def _check_scheme(scheme: Any, path: str) -> str:
    if scheme not in _PREPEND_SCHEMES:
        raise TokenizerFileError(f"{path}: expected one of {list(_PREPEND_SCHEMES)}, found {scheme!r}")
    return scheme


@dataclass
class Metaspace(PreTokenizer):
    """SentencePiece-style: spaces become ``replacement`` (``▁``), which is prepended according to
    ``prepend_scheme`` and, when ``split``, starts each piece (HF MergedWithNext)."""

    type: ClassVar[str] = "Metaspace"
    replacement: str = "\u2581"
    prepend_scheme: str = "always"
    split: bool = True
    _re: regex.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.replacement, str) or len(self.replacement) != 1:
            raise TokenizerFileError(f"Metaspace.replacement: expected one character, found {self.replacement!r}")
        _check_scheme(self.prepend_scheme, "Metaspace.prepend_scheme")
        # MergedWithNext on a single-character delimiter: each piece starts at a delimiter.
        rep = f"\\U{ord(self.replacement):08x}"
        self._re = regex.compile(f"{rep}[^{rep}]*|[^{rep}]+")

    def _wants_prefix(self, text: str, start: int) -> bool:
        if text.startswith(self.replacement):
            return False
        return self.prepend_scheme == "always" or (self.prepend_scheme == "first" and start == 0)

    def _split(self, _i: int, n: NormalizedString) -> list[NormalizedString]:
        if " " in n.normalized:
            n.set_same_length(n.normalized.replace(" ", self.replacement))
        if self._wants_prefix(n.normalized, n.offsets_original()[0]):
            n.prepend(self.replacement)
        if not self.split:
            return [n]
        cut = n.slice
        return [cut(s, e) for s, e in _match_spans(self._re, n.normalized)]

    def fast_pieces(self, text: str) -> list[Piece] | None:
        text = text.replace(" ", self.replacement)
        if text and self._wants_prefix(text, 0):
            return None  # the prepended character shares the first one's alignment
        if not self.split:
            return [(text, 0, len(text))] if text else []
        return [(m.group(), m.start(), m.end()) for m in self._re.finditer(text)]

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "replacement": self.replacement,
            "prepend_scheme": self.prepend_scheme,
            "split": self.split,
        }

    @classmethod
    def from_dict(cls, d: dict, path: str = "pre_tokenizer") -> Metaspace:
        replacement = _char_field(d, "replacement", path, "\u2581")
        if "prepend_scheme" in d:
            scheme = _check_scheme(d["prepend_scheme"], f"{path}.prepend_scheme")
        else:
            # Files from before prepend_scheme say add_prefix_space (HF rejects false without a
            # prepend_scheme; lexica reads it as "never").
            scheme = "always" if _field(d, "add_prefix_space", bool, path, True) else "never"
        return cls(replacement, scheme, _field(d, "split", bool, path, True))


# --------------------------------------------------------------------------- Sequence and table
@dataclass
class Sequence(PreTokenizer):
    """Run several pre-tokenizers, each on the pieces the previous one produced."""

    type: ClassVar[str] = "Sequence"
    pretokenizers: list[PreTokenizer] = field(default_factory=list)

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        for p in self.pretokenizers:
            p.pre_tokenize(pts)

    def fast_pieces(self, text: str) -> list[Piece] | None:
        pieces = [(text, 0, len(text))]  # kept even when empty, as HF does with no pre-tokenizer
        for p in self.pretokenizers:
            out: list[Piece] = []
            for piece, start, _end in pieces:
                sub = p.fast_pieces(piece)
                if sub is None:
                    return None
                out += [(w, start + a, start + b) for w, a, b in sub]
            pieces = out
        return pieces

    def to_dict(self) -> dict:
        return {"type": self.type, "pretokenizers": [p.to_dict() for p in self.pretokenizers]}

    @classmethod
    def from_dict(cls, d: dict, path: str = "pre_tokenizer") -> Sequence:
        items = _field(d, "pretokenizers", list, path)
        built = [pre_tokenizer_from_dict(item, f"{path}.pretokenizers[{i}]") for i, item in enumerate(items)]
        return cls([p for p in built if p is not None])


PRE_TOKENIZERS: dict[str, type[PreTokenizer]] = {
    cls.type: cls
    for cls in (
        BertPreTokenizer,
        ByteLevel,
        CharDelimiterSplit,
        CharacterSplit,
        Digits,
        FixedLength,
        Metaspace,
        Punctuation,
        Sequence,
        Split,
        UnicodeScripts,
        Whitespace,
        WhitespaceSplit,
    )
}


def pre_tokenizer_from_dict(d: dict | None, path: str = "pre_tokenizer") -> PreTokenizer | None:
    """Build a pre-tokenizer from its ``tokenizer.json`` object (``None`` stays ``None``).

    Raises ``UnsupportedError`` for an unknown ``type`` and ``TokenizerFileError`` naming the JSON
    path (e.g. ``pre_tokenizer.pretokenizers[1].pattern.Regex``) for a malformed value."""
    if d is None:
        return None
    if not isinstance(d, dict):
        raise TokenizerFileError(f"{path}: expected an object or null, found {d!r}")
    kind = d.get("type")
    if not isinstance(kind, str):
        raise TokenizerFileError(f"{path}.type: expected a string, found {kind!r}")
    cls = PRE_TOKENIZERS.get(kind)
    if cls is None:
        raise UnsupportedError(f"{path}.type: unsupported pre-tokenizer {kind!r}; supported: {sorted(PRE_TOKENIZERS)}")
    try:
        return cls.from_dict(d, path)
    except TokenizerFileError as e:
        if str(e).startswith(path):
            raise
        # Raised by a constructor check, which only knows the class name.
        raise TokenizerFileError(f"{path}: {e}") from None
