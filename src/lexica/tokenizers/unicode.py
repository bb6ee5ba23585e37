r"""Unicode helpers for the normalizers, built on Python's ``unicodedata``.

lexica follows the Unicode version of the running Python (``unicodedata.unidata_version``) and ships
no copied tables; docs/unicode.md says where that differs from HF ``tokenizers``' older Rust tables.

What is here:
- ``WHITE_SPACE``: the Unicode White_Space property, which is what Rust's ``char::is_whitespace``
  tests. ``str.isspace`` is a different set (it adds U+001C..U+001F), so it is not used.
- ``OTHER_CATEGORIES``: what BertNormalizer's ``clean_text`` removes. Categories are always read
  from ``unicodedata.category`` (the ``regex`` module's ``\p{..}`` tables are another Unicode
  version, so they are not used for properties).
- ``category_class``: a compiled regex character class for a set of general categories, built once
  from ``unicodedata`` (used by the pre-tokenizers).
- ``decompose`` / ``compose``: NFD/NFKD and NFC/NFKC that also return, per output character, the
  *change* HF's ``unicode-normalization-alignments`` crate reports (0: replaces the next input char,
  1: inserted, -n: replaces the next char and swallows n more). Feeding them to
  ``NormalizedString.transform`` gives HF's alignments, including its positional quirks after
  canonical reordering and non-adjacent composition.
"""

from __future__ import annotations

import functools
import unicodedata

import regex

__all__ = [
    "WHITE_SPACE",
    "OTHER_CATEGORIES",
    "category_class",
    "decompose",
    "compose",
    "lower_char",
]

Change = tuple[str, int]

# The White_Space property (PropList.txt); stable since Unicode 6.3 (U+180E left it then).
WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


# General categories BertNormalizer's clean_text treats as "other": control, format, private use,
# and surrogates (which Rust strings cannot hold; a lone one in a Python str is dropped like a
# control character). HF keeps unassigned code points (Cn), so they are not here.
OTHER_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})


@functools.cache
def _category_ranges() -> dict[str, list[tuple[int, int]]]:
    """``{category: [(first, last), ...]}`` over every code point; one scan (~0.3 s), done lazily."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    category = unicodedata.category
    start, current = 0, category("\x00")
    for cp in range(1, 0x110000):
        cat = category(chr(cp))
        if cat != current:
            ranges.setdefault(current, []).append((start, cp - 1))
            start, current = cp, cat
    ranges.setdefault(current, []).append((start, 0x10FFFF))
    return ranges


@functools.cache
def category_class(categories: str, extra: str = "", minus: str = "") -> regex.Pattern:
    """A regex ``[...]+`` matching a run of characters whose general category is in ``categories``.

    ``categories`` is space separated (``"Pc Pd Po"``); ``extra`` characters are added and
    ``minus`` characters removed from the class. The pattern text is ``[<class>]+`` (callers
    splice ``.pattern[1:-2]`` into larger classes). Note: a class of hundreds of ranges costs the
    ``regex`` module microseconds per character; avoid it on hot paths over long texts.
    """
    spans: list[tuple[int, int]] = []
    for cat in categories.split():
        spans.extend(_category_ranges().get(cat, []))
    spans.extend((ord(c), ord(c)) for c in extra)
    parts = [f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in sorted(spans)]
    body = "".join(parts) or "\\U00000000"
    if minus:
        removed = "".join(f"\\U{ord(c):08x}" for c in minus)
        return regex.compile(f"(?V1)[[{body}]--[{removed}]]+")
    return regex.compile(f"[{body}]+")


@functools.lru_cache(maxsize=65536)
def lower_char(ch: str) -> str:
    """Rust's ``char::to_lowercase``: the full mapping of one character, no context.

    ``str.lower`` on a single character gives the same, except that Python applies the final-sigma
    rule only with context, which a lone character never has, so 'Σ' gives 'σ' as in Rust.
    """
    return ch.lower()


# ---------------------------------------------------------------- normalization with changes
@functools.lru_cache(maxsize=65536)
def _full_decomposition(ch: str, form: str) -> str:
    return unicodedata.normalize(form, ch)


def decompose(text: str, compat: bool) -> list[tuple[str, int, int]]:
    """NFD (or NFKD when ``compat``) of ``text`` as ``(char, change, ccc)`` triples.

    Each input character is fully decomposed; its first output character replaces it (change 0)
    and the rest are inserted (change 1). Runs of non-starters are then stably sorted by combining
    class, the changes travelling with their characters, as the crate does.
    """
    form = "NFKD" if compat else "NFD"
    ccc = unicodedata.combining
    out: list[tuple[str, int, int]] = []
    run_start = 0  # where the current run of non-starters begins in ``out``
    for ch in text:
        dec = _full_decomposition(ch, form) if ch >= "\x80" else ch
        first = 0
        for d in dec:
            cls = ccc(d)
            if cls == 0:
                if len(out) - run_start > 1:
                    out[run_start:] = sorted(out[run_start:], key=_by_class)
                run_start = len(out) + 1
            out.append((d, first, cls))
            first = 1
    if len(out) - run_start > 1:
        out[run_start:] = sorted(out[run_start:], key=_by_class)
    return out


def _by_class(item: tuple[str, int, int]) -> int:
    return item[2]


@functools.lru_cache(maxsize=65536)
def _compose_pair(first: str, second: str) -> str | None:
    """The primary composite of ``first`` + ``second``, or None.

    Python has no direct accessor, so ask NFC and accept a single character whose decomposition is
    exactly the two inputs' (this rejects results that needed canonical reordering).
    """
    pair = first + second
    composed = unicodedata.normalize("NFC", pair)
    if len(composed) != 1:
        return None
    if unicodedata.normalize("NFD", composed) != unicodedata.normalize("NFD", first) + unicodedata.normalize(
        "NFD", second
    ):
        return None
    return composed


def compose(decomposed: list[tuple[str, int, int]]) -> list[Change]:
    """Canonical composition of a decomposed stream, with the crate's change bookkeeping.

    Mirrors the streaming composer of ``unicode-normalization`` (composee, a buffer of blocked
    marks, the last combining class). Composing ``k`` with ``ch`` yields one character whose change
    is ``k.change + ch.change - 1``: it takes ``k``'s place and swallows ``ch``'s input character,
    positionally, even when ``ch`` was not next to ``k``.
    """
    out: list[Change] = []
    composee: Change | None = None
    buffer: list[Change] = []
    last_ccc: int | None = None
    for ch, change, cls in decomposed:
        if composee is None:
            if cls != 0:
                out.append((ch, change))
            else:
                composee = (ch, change)
            continue
        if last_ccc is not None and last_ccc >= cls:
            # ``ch`` is blocked from the composee.
            if cls == 0:
                out.append(composee)
                out.extend(buffer)
                buffer.clear()
                composee, last_ccc = (ch, change), None
            else:
                buffer.append((ch, change))
                last_ccc = cls
            continue
        composite = _compose_pair(composee[0], ch)
        if composite is not None:
            composee = (composite, composee[1] + change - 1)
        elif last_ccc is None and cls == 0:
            out.append(composee)
            composee = (ch, change)
        else:
            buffer.append((ch, change))
            last_ccc = cls
    if composee is not None:
        out.append(composee)
    out.extend(buffer)
    return out
