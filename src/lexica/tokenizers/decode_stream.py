"""Incremental decoding for generation: the new text for each new token id, as HF's ``DecodeStream``.

Decoding token by token and joining the pieces is wrong in general: a character can be split
over several byte-level tokens, the first token of a text loses its leading space (Metaspace,
Llama's ``Strip``) while later ones keep it, and WordPiece decides a token's space from the
token itself (``##`` or not). So the stream keeps a small *window* of recent ids and decodes the
window twice: ``prefix`` is the text of the ids already emitted, ``text`` the text with the new
ones, and the new chunk is ``text[len(prefix):]``. The first id of the window is always one whose
text was already emitted, so "first token" rules only touch the prefix, and the chunk is exactly
what the new ids add to ``tokenizer.decode(all_ids)``.

Text is held back (``step`` returns None) while a later id could still change it:

- **partial UTF-8**: the window's text ends with U+FFFD (HF's rule). Byte-level BPE tokens can
  end inside a character; the next ids complete it.
- **byte-fallback runs**: with a ``ByteFallback`` decoder, a run of ``<0xNN>`` tokens decodes to
  its UTF-8 text only if the *whole run* is valid, else to one U+FFFD per byte. A later byte token
  can therefore turn "中" into "����", so a run is held until a token that is not a byte ends it.
  HF emits such text early and then fails (``InvalidPrefix``) or returns text that is not a prefix
  of ``decode(ids)``; this is the one place where our chunks can come later than HF's.
- **WordPiece ``##`` and Metaspace/Strip leading spaces** need no hold: the window keeps the
  previous token as context, so the new token's space (or the glue of ``##``) is decided right.
  SentencePiece with ``remove_extra_whitespaces`` drops the leading "▁" of *every* piece while the
  text so far is "", so a window never starts on ids that decode to "" by themselves (``_slide``).

Text held when generation stops is returned by ``flush``. With it, for any id sequence,
``"".join(chunks) == tokenizer.decode(ids, skip_special_tokens)``; the tests check this on
byte-level BPE, byte-fallback BPE and WordPiece.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from lexica.errors import InvalidInputError, UnsupportedError
from lexica.tokenizers import decoders

__all__ = ["DecodeStream"]

_REPLACEMENT = "\ufffd"
_MAX_PREFILL_BACKTRACK = 16  # a character spans at most 4 byte tokens; garbage prefills stop here


class DecodeStream:
    """Streaming decoder state for one generated sequence (HF ``tokenizers.decoders.DecodeStream``).

    ``ids`` pre-fills the window with context that is never emitted (e.g. the prompt's last ids),
    so the first generated token gets its leading space right. Use one stream per sequence.
    """

    def __init__(self, ids: Sequence[int] | None = None, skip_special_tokens: bool = False) -> None:
        if not isinstance(skip_special_tokens, bool):
            raise InvalidInputError(f"skip_special_tokens: expected a bool, found {skip_special_tokens!r}")
        self.skip_special_tokens = skip_special_tokens
        self._ids: list[int] = [] if ids is None else _check_ids(ids, "ids")
        self._read = len(self._ids)  # window ids whose text was already emitted (or pre-filled)
        self._prefix: str | None = None if self._ids else ""  # decoded lazily: needs the tokenizer

    def __repr__(self) -> str:
        return f"DecodeStream(skip_special_tokens={self.skip_special_tokens}, window={self._ids})"

    def step(self, tokenizer: Any, id: int | Sequence[int]) -> str | None:
        """Add the next id (or ids); return the text they complete, or None if it must wait."""
        if isinstance(id, Sequence) and not isinstance(id, (str, bytes)):
            new = _check_ids(id, "id")
        else:
            new = [_check_id(id, "id")]
        skip = self.skip_special_tokens
        if self._prefix is None:
            self._start(tokenizer)
        self._ids += new
        text = tokenizer.decode(self._ids, skip)
        if text.endswith(_REPLACEMENT) or _in_byte_run(tokenizer, self._ids, skip):
            return None
        return self._emit(tokenizer, text)

    def flush(self, tokenizer: Any) -> str | None:
        """The text still held back (partial UTF-8 or an open byte run), at the end of generation.

        Call it once, after the last ``step``: what it returns is final (a partial character
        comes out as U+FFFD, as ``decode`` gives it)."""
        if self._prefix is None:
            self._start(tokenizer)
        return self._emit(tokenizer, tokenizer.decode(self._ids, self.skip_special_tokens))

    def _start(self, tokenizer: Any) -> None:
        """Decode the pre-filled ids. If they end inside a character (or an open byte run), the
        ids of that character stay unread, so the character comes out whole once completed."""
        skip = self.skip_special_tokens
        read = len(self._ids)
        prefix = tokenizer.decode(self._ids, skip)
        for _ in range(_MAX_PREFILL_BACKTRACK):
            if read == 0 or not (prefix.endswith(_REPLACEMENT) or _in_byte_run(tokenizer, self._ids[:read], skip)):
                break
            read -= 1
            prefix = tokenizer.decode(self._ids[:read], skip)
        self._read, self._prefix = read, prefix

    def _emit(self, tokenizer: Any, text: str) -> str | None:
        prefix = self._prefix or ""
        if len(text) <= len(prefix):
            return None  # nothing new (e.g. a skipped special token), as HF
        if not text.startswith(prefix):
            raise UnsupportedError(
                f"DecodeStream: the decoder {type(tokenizer.decoder).__name__} changed text it had already "
                f"produced ({prefix[-20:]!r} became {text[-20:]!r}); it cannot be decoded incrementally"
            )
        chunk = text[len(prefix):]
        self._slide(tokenizer, text)
        return chunk

    def _slide(self, tokenizer: Any, text: str) -> None:
        """Start the window at the ids of this emission, as context for the next one.

        If those ids decode to "" on their own (a lone "▁" with SentencePiece's rule "drop the
        leading ▁ while everything before decoded to ''"), they would wrongly count as the start
        of the text, so the window starts earlier: at the latest id from which the window's text
        is not empty (at worst the current window, whose text is ``text``)."""
        skip = self.skip_special_tokens
        start = self._read
        prefix = tokenizer.decode(self._ids[start:], skip)
        while not prefix and start > 0:
            start -= 1
            prefix = text if start == 0 else tokenizer.decode(self._ids[start:], skip)
        self._ids = self._ids[start:]
        self._read = len(self._ids)
        self._prefix = prefix


def _check_ids(ids: Any, name: str) -> list[int]:
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence):
        raise InvalidInputError(f"{name}: expected a list of ints, found {type(ids).__name__}")
    return [_check_id(value, f"{name}[{i}]") for i, value in enumerate(ids)]


def _check_id(value: Any, name: str) -> int:
    """A token id: an int (numpy and torch integers too, through ``__index__``), not negative."""
    try:
        token_id = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        token_id = None
    if token_id is None or token_id < 0:
        raise InvalidInputError(f"{name}: expected a non-negative int, found {value!r:.40}")
    return token_id


def _has_byte_fallback(decoder: Any) -> bool:
    if isinstance(decoder, decoders.ByteFallback):
        return True
    if isinstance(decoder, decoders.Sequence):
        return any(_has_byte_fallback(d) for d in decoder.decoders)
    return False


def _is_byte_token(token: str) -> bool:
    """A ``<0xNN>`` token as ``decoders.ByteFallback`` reads it (Rust's hex parser allows ``+``)."""
    if len(token) != 6 or not token.startswith("<0x") or not token.endswith(">"):
        return False
    digits = token[3:5].removeprefix("+")
    return bool(digits) and all(c in "0123456789abcdefABCDEF" for c in digits)


def _in_byte_run(tokenizer: Any, ids: list[int], skip_special_tokens: bool) -> bool:
    """True when the decoder has ByteFallback and the last token it will see is a byte token."""
    if not _has_byte_fallback(tokenizer.decoder):
        return False
    added = tokenizer.added_vocabulary
    for token_id in reversed(ids):
        token = tokenizer.id_to_token(token_id)
        if token is None:
            continue  # unknown ids are skipped by decode
        if skip_special_tokens and added.is_special_token(token):
            continue
        return _is_byte_token(token)
    return False
