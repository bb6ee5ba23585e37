"""One non-ASCII word through ``BertNormalizer`` and ``WordPiece``, character by character.

The encode fast path (``fast_path.FastEncoder``) caches one entry per word; on a miss it needs the
word's tokens and, for each token, the original character span. The reference gets the spans from
a ``NormalizedString`` with per-character alignments (about 50 us a word); this module gets the same
spans from a table ``character -> what BertNormalizer makes of it`` (one ``str.translate``),
because inside one word that normalizer works character by character:

- ``clean_text`` changes nothing inside a word the fast path hands over (it cuts words at
  White_Space and sends texts holding a character clean_text removes to the general path; such a
  character is unsafe here all the same);
- CJK padding only touches CJK characters, which the fast path hands over alone: the two spaces
  only make the character a split of its own, which it already is;
- accent stripping (NFD, then nonspacing marks dropped) decomposes each character on its own and
  then reorders runs of non-starters by combining class. The characters it keeps are starters and
  never move, and each keeps the alignment of the character it came from -- provided the
  decomposition of that character starts with a starter, or keeps nothing (HF aligns an inserted
  character with the one before it, which after reordering may come from another character), and
  keeps no non-starter (those could be reordered);
- lowercasing is Rust's ``char::to_lowercase``: per character, no final-sigma context ('Σ' -> 'σ'
  anywhere), 'İ' -> 'i' + U+0307 (both aligned with 'İ').

So normalized character ``k`` comes from original character ``align[k]``, and a token covering
normalized ``[s, e)`` spans original ``[align[s], align[e - 1] + 1)``, exactly as
``NormalizedString.original_range`` gives it. A character for which the above does not hold, or
whose normalization holds White_Space or punctuation (the pre-tokenizer would cut there), is
"unsafe": a word holding one takes the reference route. Punctuation characters come alone; one
that normalizes to one punctuation character is one split of one character, as in the reference
(which checks it is still a boundary); any other takes the reference route.

The tables are shared per flag set and bounded; a full one is replaced, never cleared, so a
lookup running in another thread keeps a consistent table. Unicode data comes from
``unicodedata`` and ``regex``, as in ``normalizers`` (same tables, same results).
"""

from __future__ import annotations

import unicodedata
from itertools import chain, repeat
from typing import Any

import regex

from lexica.tokenizers.normalizers import _CHINESE, _is_other
from lexica.tokenizers.unicode import lower_char

__all__ = ["BertChars", "bert_chars", "bert_word"]

# Where BertPreTokenizer cuts: White_Space and punctuation (P* and all ASCII punctuation).
_CUT = regex.compile(r"[\p{P}!-/:-@\[-`{-~\p{White_Space}]")
_PUNCT = regex.compile(r"[\p{P}!-/:-@\[-`{-~]")
# What an unsafe character translates to. A word holding it is then checked against ``unsafe``
# (a real U+FFFF in a word is an ordinary character; the check tells them apart).
_UNSAFE = "\uffff"
TABLE_CAPACITY = 65_536  # characters per table; a full table is replaced by an empty one

Rows = tuple[tuple[int, ...], tuple[str, ...], tuple[tuple[int, int], ...]]


class BertChars(dict):
    """``str.translate`` table: code point -> what ``BertNormalizer`` makes of that one character,
    filled on first use; U+FFFF for the ``unsafe`` characters, whose per-character result is not
    exact inside a word. ``alone`` gives the result of the unsafe characters that are exact as a
    whole word: CJK characters (their padding spaces only make them a split of their own, which
    they are) and punctuation that normalizes to one punctuation character (one split of one
    character, as in the reference). ``odd`` holds the characters that do not give exactly one
    character (alignments needed)."""

    def __init__(self, strip_accents: bool, lowercase: bool, handle_chinese_chars: bool) -> None:
        super().__init__()
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.handle_chinese_chars = handle_chinese_chars
        self.unsafe: set[str] = set()
        self.alone: dict[str, str] = {}
        self.odd: set[str] = set()

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        out, exact = self._normalize(ch)
        if exact and self.handle_chinese_chars and _CHINESE.match(ch):
            if len(out) == 1 and not _CUT.match(out):
                self.alone[ch] = out
            exact = False
        elif exact and _PUNCT.match(ch):
            if _PUNCT.fullmatch(out):
                self.alone[ch] = out
            exact = False
        elif _CUT.search(out) or _CUT.match(ch) or _is_other(ch):
            exact = False
        if not exact:
            self.unsafe.add(ch)
            out = _UNSAFE
        elif len(out) != 1:
            self.odd.add(ch)
        self[cp] = out  # last: another thread that sees the entry sees the sets complete
        return out

    def _normalize(self, ch: str) -> tuple[str, bool]:
        """(the normalized character, whether that is exact inside a word)."""
        exact = True
        if self.strip_accents and not ch.isascii():
            decomposed = unicodedata.normalize("NFD", ch)
            kept = [c for c in decomposed if unicodedata.category(c) != "Mn"]
            if kept and (unicodedata.combining(decomposed[0]) or any(map(unicodedata.combining, kept))):
                exact = False
            out = "".join(kept)
        else:
            out = ch
        if self.lowercase:
            out = "".join(map(lower_char, out))
        return out, exact


_TABLES: dict[tuple[bool, bool, bool], BertChars] = {}


def bert_chars(normalizer: Any) -> BertChars:
    """The shared table for a ``BertNormalizer``'s flags (None: no normalizer). A full table is
    replaced by an empty one (never cleared: a word being looked up with it stays consistent)."""
    if normalizer is None:
        key = (False, False, False)
    else:
        strip = normalizer.lowercase if normalizer.strip_accents is None else normalizer.strip_accents
        key = (bool(strip), bool(normalizer.lowercase), bool(normalizer.handle_chinese_chars))
    table = _TABLES.get(key)
    if table is None or len(table) >= TABLE_CAPACITY:
        table = _TABLES[key] = BertChars(*key)
    return table


def bert_word(word: str, chars: BertChars, model: Any) -> Rows | None:
    """(ids, tokens, original offsets) of one word the fast path split out (non-empty, no
    White_Space), normalized with ``chars`` and tokenized with the WordPiece ``model``; None
    when the word needs the reference route (an unsafe character, or nothing left)."""
    norm = word.translate(chars)
    if _UNSAFE in norm:
        if len(word) == 1:
            norm = chars.alone.get(word)
            if norm is None:
                return None
        elif not chars.unsafe.isdisjoint(word):
            return None
    if not norm:
        return None
    ids, values, offsets = model.tokenize_fast(norm)
    if len(norm) == len(word) and chars.odd.isdisjoint(word):  # one character each: same offsets
        return ids, values, offsets
    align = list(chain.from_iterable(map(repeat, range(len(word)), map(len, map(chars.__getitem__, map(ord, word))))))
    return ids, values, tuple([(align[s], align[e - 1] + 1) for s, e in offsets])
