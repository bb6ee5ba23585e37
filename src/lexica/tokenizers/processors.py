"""Post-processors: add special tokens, type ids and sequence ranges around the model's output.

Follows HF ``tokenizers`` ``processors/`` (template.rs, bert.rs, roberta.rs, sequence.rs and the
``PostProcessor`` trait in ``tokenizer/mod.rs``). ``process`` works like HF's trait method: mark each
sequence (and its overflowing windows) with its sequence id, set type ids 0 / 1 on the sequences
themselves (not on their overflowing windows: HF leaves those as the model produced them), let the
processor transform the list of encodings (``process_encodings``), then ``Encoding.merge`` them
without growing offsets. Merging is what spreads special tokens over every overflowing window.

``process`` consumes its inputs (it sets their type ids, ranges and, when trimming, offsets), as
HF's Rust code takes them by value; pass fresh encodings. ``added_tokens(is_pair)`` is what the
tokenizer subtracts from ``max_length`` before truncating, when special tokens are added.

Offset trimming for byte-level tokens (``ByteLevel``, ``RobertaProcessing``) counts leading and
trailing ``Ġ`` / whitespace characters. HF does this on byte offsets; ours are character offsets, and
the two agree because each ``Ġ`` stands for one space, which is one byte and one character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from lexica.errors import ConfigError, TokenizerFileError, UnsupportedError
from lexica.tokenizers.bytes_unicode import BYTES_TO_UNICODE
from lexica.tokenizers.encoding import Encoding

__all__ = [
    "PostProcessor",
    "TemplateProcessing",
    "BertProcessing",
    "RobertaProcessing",
    "ByteLevel",
    "Sequence",
    "PROCESSORS",
    "processor_from_dict",
    "default_process",
    "SpecialToken",
    "Piece",
]

_SPACE = BYTES_TO_UNICODE[ord(" ")]  # "Ġ"
# Rust's char::is_whitespace (Unicode White_Space); Python's str.isspace adds U+001C..U+001F.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
) | {_SPACE}


class PostProcessor(Protocol):
    """The interface the Tokenizer uses; every class in ``PROCESSORS`` implements it."""

    def added_tokens(self, is_pair: bool) -> int: ...

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]: ...

    def process(
        self, encoding: Encoding, pair: Encoding | None = None, add_special_tokens: bool = True
    ) -> Encoding: ...

    def to_dict(self) -> dict[str, Any]: ...


class _Base:
    """HF's ``PostProcessor::process``: shared by every processor."""

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        raise NotImplementedError

    def process(self, encoding: Encoding, pair: Encoding | None = None, add_special_tokens: bool = True) -> Encoding:
        encodings = [encoding] if pair is None else [encoding, pair]
        for i, enc in enumerate(encodings):
            enc.set_sequence_id(i)
            for overflow in enc.overflowing:
                overflow.set_sequence_id(i)
            enc.type_ids = [i] * len(enc)
        return Encoding.merge(self.process_encodings(encodings, add_special_tokens), growing_offsets=False)


def default_process(encoding: Encoding, pair: Encoding | None = None, add_special_tokens: bool = True) -> Encoding:
    """What HF does when the tokenizer has no post-processor: a pair is merged, ids untouched."""
    if pair is None:
        return encoding
    merged = Encoding()
    for i, enc in enumerate((encoding, pair)):
        enc.set_sequence_id(i)
        merged.merge_with(enc, growing_offsets=False)
    return merged


def _wrap(encoding: Encoding, before: tuple[str, int] | None, after: tuple[str, int], type_id: int | None,
          seq_id: int) -> Encoding:
    """``before + encoding + after`` as Bert/Roberta build it; the range excludes the specials.

    ``type_id=None`` keeps the encoding's own type ids and gives ``before`` 0 and ``after`` the
    pair's type (Bert); an int sets every position to it (Roberta).
    """
    n_before = 1 if before is not None else 0
    head = [before] if before is not None else []
    if type_id is None:
        type_ids = [0] * n_before + encoding.type_ids + [seq_id]
    else:
        type_ids = [type_id] * (len(encoding) + n_before + 1)
    ids = [t[1] for t in head] + encoding.ids + [after[1]]
    return Encoding(
        ids=ids,
        type_ids=type_ids,
        tokens=[t[0] for t in head] + encoding.tokens + [after[0]],
        offsets=[(0, 0)] * n_before + encoding.offsets + [(0, 0)],
        words=[None] * n_before + encoding.words + [None],
        special_tokens_mask=[1] * n_before + [0] * len(encoding) + [1],
        attention_mask=[1] * len(ids),
        sequence_ranges={seq_id: (n_before, len(ids) - 1)},
    )


def _pair_tuple(value: Any, path: str) -> tuple[str, int]:
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 2
        or not isinstance(value[0], str)
        or isinstance(value[1], bool)
        or not isinstance(value[1], int)
        or value[1] < 0
    ):
        raise TokenizerFileError(f"{path}: expected [token, id] (a string and an integer), found {value!r}")
    return (value[0], value[1])


@dataclass
class BertProcessing(_Base):
    """``[CLS] A [SEP]`` and ``[CLS] A [SEP] B [SEP]`` with type ids 0 then 1."""

    sep: tuple[str, int] = ("[SEP]", 102)
    cls: tuple[str, int] = ("[CLS]", 101)

    def added_tokens(self, is_pair: bool) -> int:
        return 3 if is_pair else 2

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        if not add_special_tokens:
            return encodings
        out = []
        for i, enc in enumerate(encodings):
            before = self.cls if i == 0 else None
            new = _wrap(enc, before, self.sep, None, i)
            new.overflowing = [_wrap(o, before, self.sep, None, i) for o in enc.overflowing]
            out.append(new)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "BertProcessing", "sep": list(self.sep), "cls": list(self.cls)}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> BertProcessing:
        return cls(sep=_pair_tuple(d.get("sep"), f"{path}.sep"), cls=_pair_tuple(d.get("cls"), f"{path}.cls"))


def trim_byte_level_offsets(encoding: Encoding, add_prefix_space: bool) -> None:
    """Shrink each token's offsets past its leading/trailing spaces (HF's ``process_offsets``)."""
    offsets = encoding.offsets
    for i, token in enumerate(encoding.tokens):
        if not token:
            continue
        leading = _count_spaces(token)
        trailing = _count_spaces(reversed(token))
        if leading == 0 and trailing == 0:
            continue
        start, end = offsets[i]
        if leading > 0:
            is_first = i == 0 or start == 0
            if is_first and add_prefix_space and leading == 1:
                leading = 0  # the one space the pre-tokenizer added itself is kept
            start = min(start + leading, end)
        if trailing > 0 and end >= trailing:
            end = max(end - trailing, start)
        offsets[i] = (start, end)
    encoding.offsets = offsets  # the property handed out a copy


def _count_spaces(chars: Iterable[str]) -> int:
    count = 0
    for char in chars:
        if char not in _WHITE_SPACE:
            break
        count += 1
    return count


def _check_bool(d: dict[str, Any], key: str, path: str, default: bool) -> bool:
    value = d.get(key, default)
    if not isinstance(value, bool):
        raise TokenizerFileError(f"{path}.{key}: expected true or false, found {value!r}")
    return value


@dataclass
class RobertaProcessing(_Base):
    """``<s> A </s>`` and ``<s> A </s> </s> B </s>``, all type id 0, with byte-level offset trimming."""

    sep: tuple[str, int] = ("</s>", 2)
    cls: tuple[str, int] = ("<s>", 0)
    trim_offsets: bool = True
    add_prefix_space: bool = True

    def added_tokens(self, is_pair: bool) -> int:
        return 4 if is_pair else 2

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        if self.trim_offsets:
            for enc in encodings:
                trim_byte_level_offsets(enc, self.add_prefix_space)
                for overflow in enc.overflowing:
                    trim_byte_level_offsets(overflow, self.add_prefix_space)
        for enc in encodings:
            enc.type_ids = [0] * len(enc)  # RoBERTa has no segment embeddings to speak of
        if not add_special_tokens:
            return encodings
        out = []
        for i, enc in enumerate(encodings):
            before = self.cls if i == 0 else self.sep
            new = _wrap(enc, before, self.sep, 0, i)
            new.overflowing = [_wrap(o, before, self.sep, 0, i) for o in enc.overflowing]
            out.append(new)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "RobertaProcessing",
            "sep": list(self.sep),
            "cls": list(self.cls),
            "trim_offsets": self.trim_offsets,
            "add_prefix_space": self.add_prefix_space,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> RobertaProcessing:
        return cls(
            sep=_pair_tuple(d.get("sep"), f"{path}.sep"),
            cls=_pair_tuple(d.get("cls"), f"{path}.cls"),
            trim_offsets=_check_bool(d, "trim_offsets", path, True),
            add_prefix_space=_check_bool(d, "add_prefix_space", path, True),
        )


@dataclass
class ByteLevel(_Base):
    """Adds nothing; trims byte-level offsets past spaces when ``trim_offsets``.

    ``add_prefix_space`` and ``use_regex`` are the shared ByteLevel component's settings; only
    ``add_prefix_space`` matters here (the first token keeps the one space the pre-tokenizer added).
    """

    add_prefix_space: bool = True
    trim_offsets: bool = True
    use_regex: bool = True

    def added_tokens(self, is_pair: bool) -> int:
        return 0

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        if self.trim_offsets:
            for enc in encodings:
                trim_byte_level_offsets(enc, self.add_prefix_space)
                for overflow in enc.overflowing:
                    trim_byte_level_offsets(overflow, self.add_prefix_space)
        for i, enc in enumerate(encodings):
            enc.set_sequence_id(i)
        return encodings

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
            add_prefix_space=_check_bool(d, "add_prefix_space", path, True),
            trim_offsets=_check_bool(d, "trim_offsets", path, True),
            use_regex=_check_bool(d, "use_regex", path, True),
        )


@dataclass
class Sequence(_Base):
    """Runs several processors one after the other (e.g. ByteLevel trimming, then a template)."""

    processors: list[Any] = field(default_factory=list)

    def added_tokens(self, is_pair: bool) -> int:
        return sum(p.added_tokens(is_pair) for p in self.processors)

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        for processor in self.processors:
            encodings = processor.process_encodings(encodings, add_special_tokens)
        return encodings

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "processors": [p.to_dict() for p in self.processors]}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> Sequence:
        items = d.get("processors")
        if not isinstance(items, list):
            raise TokenizerFileError(f"{path}.processors: expected a list, found {items!r}")
        return cls([processor_from_dict(p, f"{path}.processors[{i}]") for i, p in enumerate(items)])


# ----- TemplateProcessing ------------------------------------------------------------------------
_UINT = re.compile(r"\+?[0-9]+")  # what Rust's u32 parser accepts


@dataclass(frozen=True)
class Piece:
    """One template item: a sequence (``id`` "A" or "B") or a special token (``id`` its name)."""

    kind: str  # "Sequence" or "SpecialToken"
    id: str
    type_id: int = 0

    @classmethod
    def parse(cls, text: str) -> Piece:
        """``"$A"``, ``"$B:1"``, ``"$1"`` (sequence A, type 1), ``"[CLS]"``, ``"[SEP]:1"``."""
        parts = text.split(":")
        if len(parts) > 2 or (len(parts) == 2 and not _parse_type_id(parts[1])[0]):
            raise ConfigError(f"template piece: cannot build a piece from {text!r}")
        name = parts[0]
        if name.startswith("$"):
            rest = name[1:]
            if rest in ("", "A", "a"):
                piece = cls("Sequence", "A", 0)
            elif rest in ("B", "b"):
                piece = cls("Sequence", "B", 0)
            elif _parse_type_id(rest)[0]:
                piece = cls("Sequence", "A", _parse_type_id(rest)[1])
            else:
                raise ConfigError(f"template piece: cannot build a piece from {text!r} (use $A, $B or $<type id>)")
        else:
            piece = cls("SpecialToken", name, 0)
        if len(parts) == 2:
            piece = cls(piece.kind, piece.id, _parse_type_id(parts[1])[1])
        return piece

    def to_dict(self) -> dict[str, Any]:
        return {self.kind: {"id": self.id, "type_id": self.type_id}}

    @classmethod
    def from_dict(cls, d: Any, path: str) -> Piece:
        if not isinstance(d, dict) or len(d) != 1 or next(iter(d)) not in ("Sequence", "SpecialToken"):
            raise TokenizerFileError(f'{path}: expected {{"Sequence": ...}} or {{"SpecialToken": ...}}, found {d!r}')
        kind, body = next(iter(d.items()))
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise TokenizerFileError(f"{path}.{kind}.id: expected a string, found {body!r}")
        if kind == "Sequence" and body["id"] not in ("A", "B"):
            raise TokenizerFileError(f"{path}.Sequence.id: expected one of ['A', 'B'], found {body['id']!r}")
        type_id = body.get("type_id")
        if isinstance(type_id, bool) or not isinstance(type_id, int) or not 0 <= type_id < 2**32:
            raise TokenizerFileError(f"{path}.{kind}.type_id: expected a non-negative integer, found {type_id!r}")
        return cls(kind, body["id"], type_id)


def _parse_type_id(text: str) -> tuple[bool, int]:
    if _UINT.fullmatch(text) is None or int(text) >= 2**32:
        return False, 0
    return True, int(text)


@dataclass
class SpecialToken:
    """A template name (``id``) standing for one or more ``tokens`` with their ``ids``."""

    id: str
    ids: list[int]
    tokens: list[str]

    def __post_init__(self) -> None:
        if len(self.ids) != len(self.tokens):
            raise ConfigError(
                f"special token {self.id!r}: ids and tokens must have the same length, found "
                f"{len(self.ids)} ids and {len(self.tokens)} tokens"
            )

    @classmethod
    def coerce(cls, value: Any) -> SpecialToken:
        """From ``("[CLS]", 101)``, ``(101, "[CLS]")``, a ``{"id","ids","tokens"}`` dict or itself."""
        if isinstance(value, SpecialToken):
            return value
        if isinstance(value, (tuple, list)) and len(value) == 2:
            a, b = value
            if isinstance(a, str) and isinstance(b, int) and not isinstance(b, bool):
                return cls(a, [b], [a])
            if isinstance(b, str) and isinstance(a, int) and not isinstance(a, bool):
                return cls(b, [a], [b])
        if isinstance(value, dict):
            try:
                return cls.from_dict(value, "special_tokens")
            except TokenizerFileError as exc:  # a Python argument, not a file: report it as such
                raise ConfigError(str(exc)) from exc
        raise ConfigError(f"special token: expected (token, id), (id, token) or a dict, found {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "ids": list(self.ids), "tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, d: Any, path: str) -> SpecialToken:
        if not isinstance(d, dict):
            raise TokenizerFileError(f"{path}: expected an object with id, ids and tokens, found {d!r}")
        ident, ids, tokens = d.get("id"), d.get("ids"), d.get("tokens")
        if not isinstance(ident, str):
            raise TokenizerFileError(f"{path}.id: expected a string, found {ident!r}")
        if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) or i < 0 for i in ids):
            raise TokenizerFileError(f"{path}.ids: expected a list of non-negative integers, found {ids!r}")
        if not isinstance(tokens, list) or any(not isinstance(t, str) for t in tokens):
            raise TokenizerFileError(f"{path}.tokens: expected a list of strings, found {tokens!r}")
        try:
            return cls(ident, ids, tokens)
        except ConfigError as exc:
            raise TokenizerFileError(f"{path}: {exc}") from exc


def _template(value: Any, name: str) -> list[Piece]:
    if isinstance(value, str):
        value = value.split(" ")  # HF splits on single spaces; "" pieces then fail as unknown tokens
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"TemplateProcessing.{name}: expected a string or a list of pieces, found {value!r}")
    return [p if isinstance(p, Piece) else Piece.parse(p) for p in value]


class TemplateProcessing(_Base):
    """Special tokens placed by templates such as ``"[CLS] $A [SEP]"`` / ``"[CLS] $A [SEP] $B:1 [SEP]:1"``."""

    def __init__(self, single: Any = None, pair: Any = None, special_tokens: Any = None) -> None:
        self.single: list[Piece] = _template("$0" if single is None else single, "single")
        self.pair: list[Piece] = _template("$A:0 $B:1" if pair is None else pair, "pair")
        if isinstance(special_tokens, dict):  # already keyed, as read from tokenizer.json
            self.special_tokens: dict[str, SpecialToken] = {
                k: SpecialToken.coerce(v) for k, v in special_tokens.items()
            }
        else:
            tokens = [SpecialToken.coerce(t) for t in (special_tokens or [])]
            self.special_tokens = {t.id: t for t in tokens}
        self._validate()

    def _validate(self) -> None:
        sequences = {p.id for p in self.pair if p.kind == "Sequence"}
        if sequences != {"A", "B"}:
            raise ConfigError("TemplateProcessing.pair: the pair template must use both sequences ($A and $B)")
        if any(p.kind == "Sequence" and p.id == "B" for p in self.single):
            raise ConfigError("TemplateProcessing.single: the single template cannot use $B")
        missing = sorted(
            {p.id for p in self.single + self.pair if p.kind == "SpecialToken"} - set(self.special_tokens)
        )
        if missing:
            raise ConfigError(
                f"TemplateProcessing: missing special token(s) {missing}; defined: {sorted(self.special_tokens)}"
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TemplateProcessing) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"TemplateProcessing({self.to_dict()!r})"

    def _count(self, template: list[Piece]) -> int:
        return sum(len(self.special_tokens[p.id].ids) for p in template if p.kind == "SpecialToken")

    def added_tokens(self, is_pair: bool) -> int:
        return self._count(self.pair if is_pair else self.single)

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        template = self.pair if len(encodings) == 2 else self.single
        out = []
        for piece in template:
            if piece.kind == "Sequence":
                i = 0 if piece.id == "A" else 1
                enc = encodings[i]
                enc.type_ids = [piece.type_id] * len(enc)
                enc.set_sequence_id(i)
                # HF clones here (a copy shares the immutable field tuples: cheap); it keeps these
                # type ids if the same sequence appears twice.
                out.append(enc.copy())
            elif add_special_tokens:
                special = self.special_tokens[piece.id]
                n = len(special.ids)
                out.append(
                    Encoding(
                        ids=list(special.ids),
                        type_ids=[piece.type_id] * n,
                        tokens=list(special.tokens),
                        offsets=[(0, 0)] * n,
                        words=[None] * n,
                        special_tokens_mask=[1] * n,
                        attention_mask=[1] * n,
                    )
                )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "TemplateProcessing",
            "single": [p.to_dict() for p in self.single],
            "pair": [p.to_dict() for p in self.pair],
            # HF writes this map with its keys sorted.
            "special_tokens": {k: self.special_tokens[k].to_dict() for k in sorted(self.special_tokens)},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str) -> TemplateProcessing:
        templates = {}
        for name in ("single", "pair"):
            value = d.get(name)
            if not isinstance(value, list):
                raise TokenizerFileError(f"{path}.{name}: expected a list of pieces, found {value!r}")
            templates[name] = [Piece.from_dict(p, f"{path}.{name}[{i}]") for i, p in enumerate(value)]
        specials = d.get("special_tokens")
        if not isinstance(specials, dict):
            raise TokenizerFileError(f"{path}.special_tokens: expected an object, found {specials!r}")
        # HF keys the map by the JSON key (the entry's own "id" is kept as written).
        tokens = {k: SpecialToken.from_dict(v, f"{path}.special_tokens[{k!r}]") for k, v in specials.items()}
        try:
            return cls(templates["single"], templates["pair"], tokens)
        except ConfigError as exc:
            raise TokenizerFileError(f"{path}: {exc}") from exc

PROCESSORS: dict[str, Any] = {
    "TemplateProcessing": TemplateProcessing,
    "BertProcessing": BertProcessing,
    "RobertaProcessing": RobertaProcessing,
    "ByteLevel": ByteLevel,
    "Sequence": Sequence,
}


def processor_from_dict(d: Any, path: str = "post_processor") -> Any:
    """Build a post-processor from its tokenizer.json object (``None`` for JSON null)."""
    if d is None:
        return None
    if not isinstance(d, dict):
        raise TokenizerFileError(f"{path}: expected an object with a \"type\", found {d!r}")
    kind = d.get("type")
    cls = PROCESSORS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise UnsupportedError(f"{path}.type: expected one of {sorted(PROCESSORS)}, found {kind!r}")
    try:
        return cls.from_dict(d, path)
    except ConfigError as exc:
        raise TokenizerFileError(f"{path}: {exc}") from exc
