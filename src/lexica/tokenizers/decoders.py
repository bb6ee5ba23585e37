"""Decoders: turn a list of tokens back into text.

Follows HF ``tokenizers`` ``decoders/`` (and the ByteLevel decoder in ``pre_tokenizers/byte_level.rs``).
Every decoder has ``decode_chain(tokens) -> tokens``, so decoders chain in a ``Sequence``, and
``decode(tokens) = "".join(decode_chain(tokens))``. Quirks kept on purpose, because HF has them:

- Metaspace drops *every* replacement character of the first token (not only a leading one) unless
  ``prepend_scheme`` is "never".
- ByteLevel maps a token back to bytes only when all its characters are in the GPT-2 table; other
  tokens (added tokens such as ``<|endoftext|>``) pass through as their UTF-8. The bytes of the whole
  list are then decoded with U+FFFD for invalid sequences, like Rust's ``String::from_utf8_lossy``.
- ByteFallback turns ``<0xNN>`` tokens into bytes; a run that is not valid UTF-8 becomes one U+FFFD
  per byte token. Rust's hex parser accepts a leading ``+`` (``<0x+A>`` is byte 0x0A), so we do too.
"""

from __future__ import annotations

import re
from codecs import charmap_encode
from dataclasses import dataclass, field
from typing import Any, Protocol

import regex

from lexica.errors import ConfigError, TokenizerFileError, UnsupportedError
from lexica.tokenizers.bytes_unicode import UNICODE_TO_BYTES

__all__ = [
    "Decoder",
    "WordPiece",
    "ByteLevel",
    "BPEDecoder",
    "Replace",
    "Strip",
    "Fuse",
    "ByteFallback",
    "Metaspace",
    "CTC",
    "Sequence",
    "DECODERS",
    "decoder_from_dict",
    "cleanup",
]

# The clean_up_tokenization_spaces replacements, in HF's order (wordpiece.rs ``cleanup``).
_CLEANUP = (
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" do not", " don't"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
)


# Every pattern above starts with one of these: text without any cannot change.
_CLEANUP_ANY = re.compile(r" [.?!,']| n't| do not")
# Byte-level character (its code point) -> the byte it stands for: a ``codecs.charmap_encode``
# table, which raises UnicodeEncodeError at any other character.
_BYTE_LEVEL_BYTES = {ord(char): byte for char, byte in UNICODE_TO_BYTES.items()}


def byte_level_bytes(token: str) -> bytes:
    """A token's bytes as the ByteLevel decoder reads it: the bytes its byte-level characters stand
    for, or its own UTF-8 when some character is not byte-level (an added token such as
    ``<|endoftext|>``), as HF does. "surrogatepass" keeps lone surrogates from crashing; decoding
    the bytes with "replace" turns them into U+FFFD."""
    try:
        return charmap_encode(token, "strict", _BYTE_LEVEL_BYTES)[0]
    except UnicodeEncodeError:
        return token.encode("utf-8", "surrogatepass")


def cleanup(text: str) -> str:
    """Remove the spaces a word-level decode leaves before punctuation and English contractions."""
    if _CLEANUP_ANY.search(text) is None:
        return text
    for dirty, clean in _CLEANUP:
        text = text.replace(dirty, clean)
    return text


class Decoder(Protocol):
    def decode_chain(self, tokens: list[str]) -> list[str]: ...

    def decode(self, tokens: list[str]) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


class _Base:
    def decode_chain(self, tokens: list[str]) -> list[str]:
        raise NotImplementedError

    def decode(self, tokens: list[str]) -> str:
        return "".join(self.decode_chain(list(tokens)))


def _get(d: dict[str, Any], key: str, kind: type, path: str, default: Any = ...) -> Any:
    """``d[key]`` checked to be a ``kind`` (bool, int >= 0 or str), or ``default`` when absent."""
    if key not in d and default is not ...:
        return default
    value = d.get(key)
    ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
    if not ok or (kind is int and value < 0):
        expected = {bool: "true or false", int: "a non-negative integer", str: "a string"}[kind]
        raise TokenizerFileError(f"{path}.{key}: expected {expected}, found {value!r}")
    return value


def _single_char(value: str, path: str) -> str:
    if len(value) != 1:
        raise TokenizerFileError(f"{path}: expected a single character, found {value!r}")
    return value


@dataclass
class WordPiece(_Base):
    """Glue ``##`` continuation pieces to the previous token; other tokens get a space before them."""

    prefix: str = "##"
    cleanup: bool = True

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        for i, token in enumerate(tokens):
            if i != 0:
                token = token[len(self.prefix):] if token.startswith(self.prefix) else " " + token
            out.append(cleanup(token) if self.cleanup else token)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "WordPiece", "prefix": self.prefix, "cleanup": self.cleanup}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> WordPiece:
        return cls(prefix=_get(d, "prefix", str, path, "##"), cleanup=_get(d, "cleanup", bool, path, True))


@dataclass
class ByteLevel(_Base):
    """GPT-2 byte-level: map each table character back to its byte, then decode UTF-8 lossily.

    ``add_prefix_space``, ``trim_offsets`` and ``use_regex`` belong to the shared HF ByteLevel
    component and are only carried so the JSON round-trips.
    """

    add_prefix_space: bool = True
    trim_offsets: bool = True
    use_regex: bool = True

    def decode_chain(self, tokens: list[str]) -> list[str]:
        try:  # every character is a byte-level one: all bytes at once
            data = charmap_encode("".join(tokens), "strict", _BYTE_LEVEL_BYTES)[0]
        except UnicodeEncodeError:  # some token is not byte-level: token by token
            data = b"".join(map(byte_level_bytes, tokens))
        return [data.decode("utf-8", "replace")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "ByteLevel",
            "add_prefix_space": self.add_prefix_space,
            "trim_offsets": self.trim_offsets,
            "use_regex": self.use_regex,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> ByteLevel:
        return cls(
            add_prefix_space=_get(d, "add_prefix_space", bool, path, True),
            trim_offsets=_get(d, "trim_offsets", bool, path, True),
            use_regex=_get(d, "use_regex", bool, path, True),
        )


@dataclass
class BPEDecoder(_Base):
    """Replace the end-of-word ``suffix`` with a space (with nothing in the last token)."""

    suffix: str = "</w>"

    def decode_chain(self, tokens: list[str]) -> list[str]:
        last = len(tokens) - 1
        return [t.replace(self.suffix, "" if i == last else " ") for i, t in enumerate(tokens)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "BPEDecoder", "suffix": self.suffix}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> BPEDecoder:
        return cls(suffix=_get(d, "suffix", str, path, "</w>"))


class Replace(_Base):
    """Replace every match of ``pattern`` (a literal string, or a regex when ``is_regex``) by ``content``."""

    def __init__(self, pattern: str, content: str, is_regex: bool = False) -> None:
        self.pattern = pattern
        self.content = content
        self.is_regex = is_regex
        try:
            self._regex = regex.compile(pattern if is_regex else regex.escape(pattern))
        except regex.error as exc:
            raise ConfigError(f"Replace.pattern: invalid regex {pattern!r}: {exc}") from exc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Replace) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Replace({self.pattern!r}, {self.content!r}, is_regex={self.is_regex})"

    def decode_chain(self, tokens: list[str]) -> list[str]:
        return [self._replace(t) for t in tokens]

    def _replace(self, token: str) -> str:
        if not token:
            return ""  # HF yields "" for an empty token even when the pattern matches ""
        pieces, done = [], 0
        for start, end in _onig_find_iter(self._regex, token):
            pieces.append(token[done:start])
            pieces.append(self.content)
            done = end
        pieces.append(token[done:])
        return "".join(pieces)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "Replace",
            "pattern": {"Regex" if self.is_regex else "String": self.pattern},
            "content": self.content,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> Replace:
        pattern = d.get("pattern")
        if not (isinstance(pattern, dict) and len(pattern) == 1 and next(iter(pattern)) in ("String", "Regex")):
            raise TokenizerFileError(
                f'{path}.pattern: expected {{"String": ...}} or {{"Regex": ...}}, found {pattern!r}'
            )
        kind, value = next(iter(pattern.items()))
        if not isinstance(value, str):
            raise TokenizerFileError(f"{path}.pattern.{kind}: expected a string, found {value!r}")
        try:
            return cls(value, _get(d, "content", str, path), is_regex=kind == "Regex")
        except ConfigError as exc:
            raise TokenizerFileError(f"{path}.pattern.{kind}: {exc}") from exc


def _onig_find_iter(pattern: regex.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Matches as Oniguruma's iterator yields them (HF's regexes): unlike Python's ``finditer``, an
    empty match right where the previous match ended is skipped (``a*`` on "baac" gives 3 matches)."""
    found: list[tuple[int, int]] = []
    pos, last_end = 0, None
    while pos <= len(text):
        match = pattern.search(text, pos)
        if match is None:
            break
        start, end = match.span()
        if start == end and last_end == end:
            pos += 1
            continue
        found.append((start, end))
        pos = last_end = end
    return found


@dataclass
class Strip(_Base):
    """Remove up to ``start`` leading and ``stop`` trailing ``content`` characters from each token."""

    content: str = " "
    start: int = 0
    stop: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.content, str) or len(self.content) != 1:
            raise ConfigError(f"Strip.content: expected a single character, found {self.content!r}")

    def decode_chain(self, tokens: list[str]) -> list[str]:
        return [self._strip(t) for t in tokens]

    def _strip(self, token: str) -> str:
        begin = 0
        while begin < min(self.start, len(token)) and token[begin] == self.content:
            begin += 1
        end = len(token)
        # HF never strips past what the start cut left (``stop.min(len - start_cut)``).
        limit = len(token) - min(self.stop, len(token) - begin)
        while end > limit and token[end - 1] == self.content:
            end -= 1
        return token[begin:end]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Strip", "content": self.content, "start": self.start, "stop": self.stop}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> Strip:
        content = _single_char(_get(d, "content", str, path), f"{path}.content")
        return cls(content, _get(d, "start", int, path), _get(d, "stop", int, path))


@dataclass
class Fuse(_Base):
    """Join every token into one."""

    def decode_chain(self, tokens: list[str]) -> list[str]:
        return ["".join(tokens)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Fuse"}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> Fuse:
        return cls()


_HEX = re.compile(r"\+?[0-9A-Fa-f]+")


def _byte_token(token: str) -> int | None:
    """The byte of a ``<0xNN>`` token (six UTF-8 bytes, as HF checks), else None."""
    if len(token) != 6 or not token.startswith("<0x") or not token.endswith(">"):
        return None
    digits = token[3:5]
    if _HEX.fullmatch(digits) is None:
        return None
    return int(digits, 16)


@dataclass
class ByteFallback(_Base):
    """Turn runs of ``<0xNN>`` tokens back into the text their bytes spell."""

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        pending = bytearray()
        for token in tokens:
            byte = _byte_token(token)
            if byte is not None:
                pending.append(byte)
                continue
            _flush_bytes(pending, out)
            out.append(token)
        _flush_bytes(pending, out)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ByteFallback"}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> ByteFallback:
        return cls()


def _flush_bytes(pending: bytearray, out: list[str]) -> None:
    if not pending:
        return
    try:
        out.append(pending.decode("utf-8"))
    except UnicodeDecodeError:
        out.extend("\ufffd" for _ in pending)  # one replacement per byte token, as HF does
    pending.clear()


_PREPEND_SCHEMES = ("always", "first", "never")


@dataclass
class Metaspace(_Base):
    """SentencePiece-style: the ``replacement`` character (``▁``) becomes a space again."""

    replacement: str = "\u2581"
    prepend_scheme: str = "always"
    split: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.replacement, str) or len(self.replacement) != 1:
            raise ConfigError(f"Metaspace.replacement: expected a single character, found {self.replacement!r}")
        if self.prepend_scheme not in _PREPEND_SCHEMES:
            raise ConfigError(
                f"Metaspace.prepend_scheme: expected one of {list(_PREPEND_SCHEMES)}, found {self.prepend_scheme!r}"
            )

    def decode_chain(self, tokens: list[str]) -> list[str]:
        drop_first = self.prepend_scheme != "never"
        return [
            t.replace(self.replacement, "" if i == 0 and drop_first else " ") for i, t in enumerate(tokens)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "Metaspace",
            "replacement": self.replacement,
            "prepend_scheme": self.prepend_scheme,
            "split": self.split,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> Metaspace:
        replacement = _single_char(_get(d, "replacement", str, path), f"{path}.replacement")
        if "prepend_scheme" in d:
            scheme = _get(d, "prepend_scheme", str, path)
            if scheme not in _PREPEND_SCHEMES:
                raise TokenizerFileError(
                    f"{path}.prepend_scheme: expected one of {list(_PREPEND_SCHEMES)}, found {scheme!r}"
                )
        else:
            # Files written before prepend_scheme existed carry add_prefix_space instead.
            scheme = "always" if _get(d, "add_prefix_space", bool, path, True) else "never"
        return cls(replacement, scheme, _get(d, "split", bool, path, True))


@dataclass
class CTC(_Base):
    """Connectionist temporal classification output: collapse repeats, drop pads, mark words."""

    pad_token: str = "<pad>"
    word_delimiter_token: str = "|"
    cleanup: bool = True

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        previous = None
        for i, token in enumerate(tokens):
            if i > 0 and token == previous:
                continue  # repeats collapse before anything else
            previous = token
            text = token.replace(self.pad_token, "")
            if self.cleanup:
                text = cleanup(text).replace(self.word_delimiter_token, " ")
            if text:
                out.append(text)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "CTC",
            "pad_token": self.pad_token,
            "word_delimiter_token": self.word_delimiter_token,
            "cleanup": self.cleanup,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> CTC:
        return cls(
            _get(d, "pad_token", str, path, "<pad>"),
            _get(d, "word_delimiter_token", str, path, "|"),
            _get(d, "cleanup", bool, path, True),
        )


@dataclass
class Sequence(_Base):
    """Apply several decoders' ``decode_chain`` one after the other."""

    decoders: list[Any] = field(default_factory=list)

    def decode_chain(self, tokens: list[str]) -> list[str]:
        for decoder in self.decoders:
            tokens = decoder.decode_chain(tokens)
        return tokens

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "decoders": [d.to_dict() for d in self.decoders]}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> Sequence:
        items = d.get("decoders")
        if not isinstance(items, list):
            raise TokenizerFileError(f"{path}.decoders: expected a list, found {items!r}")
        return cls([decoder_from_dict(x, f"{path}.decoders[{i}]") for i, x in enumerate(items)])


DECODERS: dict[str, Any] = {
    "WordPiece": WordPiece,
    "ByteLevel": ByteLevel,
    "BPEDecoder": BPEDecoder,
    "Replace": Replace,
    "Strip": Strip,
    "Fuse": Fuse,
    "ByteFallback": ByteFallback,
    "Metaspace": Metaspace,
    "CTC": CTC,
    "Sequence": Sequence,
}


def decoder_from_dict(d: Any, path: str = "decoder") -> Any:
    """Build a decoder from its tokenizer.json object (``None`` for JSON null)."""
    if d is None:
        return None
    if not isinstance(d, dict):
        raise TokenizerFileError(f'{path}: expected an object with a "type", found {d!r}')
    kind = d.get("type")
    cls = DECODERS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise UnsupportedError(f"{path}.type: expected one of {sorted(DECODERS)}, found {kind!r}")
    try:
        return cls.from_dict(d, path)
    except ConfigError as exc:
        raise TokenizerFileError(f"{path}: {exc}") from exc
