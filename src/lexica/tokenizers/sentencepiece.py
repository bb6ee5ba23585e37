"""SentencePiece ``.model`` files (``tokenizer.model``, ``spiece.model``) as lexica ``Tokenizer``s.

A ``.model`` file is a serialized ``ModelProto`` (sentencepiece/src/sentencepiece_model.proto):
the pieces (string, float32 score, type), the ``TrainerSpec`` (model type, byte fallback, the
unk/bos/eos/pad ids and pieces) and the ``NormalizerSpec`` (precompiled charsmap, dummy prefix,
extra-whitespace removal, whitespace escaping). It is read with lexica's own wire-format reader
(``lexica.tokenizers.protobuf``); neither ``sentencepiece`` nor ``protobuf`` is imported.

The tokenizer.json built from it is the one transformers' converter writes for a bare SentencePiece
model (``SpmConverter.build_tokenizer_from_spm_proto``), which follows the model's own normalizer
spec:

- model: ``Unigram`` (vocab = [piece, score] in id order, ``unk_id``) or ``BPE`` (vocab = piece ->
  id, merges from every split of a NORMAL piece into two NORMAL pieces, ranked by the merged
  piece's score, then id; ``fuse_unk``; ``ignore_merges`` when there are user-defined pieces);
  ``byte_fallback`` from the trainer spec;
- normalizer: ``Precompiled`` (when the charsmap is not empty), then for
  ``remove_extra_whitespaces`` leading spaces and trailing spaces/``▁`` removed and runs of spaces
  collapsed, then ``" "`` -> ``"▁"`` (``escape_whitespaces``), then a dummy-prefix fix-up
  ``\\A▁`` -> ``▁▁`` (the trailing ``▁`` is our one change to the converter's file);
- pre-tokenizer: ``Metaspace`` (prepend always, no split) for ``add_dummy_prefix``, and a ``Split``
  that isolates user-defined pieces (SentencePiece emits them whole and never merges them);
- decoder: ``▁`` -> space, ``ByteFallback``, ``Fuse``, and ``Strip`` of the one dummy-prefix space.
- added tokens: CONTROL pieces (``<s>``, ``</s>``, Mistral's ``[INST]`` ...) are special added
  tokens, as transformers' Spm converters make them, so that decoding skips them.

HF ``tokenizers`` runs that file slightly differently from ``sentencepiece`` (docs/unicode.md has
the table). So the Tokenizer returned here also switches on SentencePiece's own rules, which
tokenizer.json cannot express and which a save/reload therefore drops: the charsmap's longest-match
rule (``Precompiled.longest_match``), a Unigram lattice without control/unknown/byte/unused pieces
and with float32 path sums, ``SentencePieceDecoder``, and ``encode_special_tokens = True``
(SentencePiece never makes a control piece from text; set it to False for transformers'
behaviour). With them, ids, pieces and decode are sentencepiece's (tests/tokenizers/test_sentencepiece.py).

``split_digits`` and the other ``TrainerSpec`` splitting options only shape the vocabulary at
training time (no piece of such a model joins two digits); encoding needs nothing for them.
"""

from __future__ import annotations

import base64
import os
import re
import struct
from dataclasses import dataclass, field
from typing import Any

from lexica.errors import TokenizerFileError, UnsupportedError
from lexica.tokenizers import decoders
from lexica.tokenizers import protobuf as pb
from lexica.tokenizers.models.unigram import Unigram
from lexica.tokenizers.normalized import NormalizedString
from lexica.tokenizers.normalizers import Precompiled, Replace, _CharsMap
from lexica.tokenizers.tokenizer import Tokenizer

__all__ = [
    "Piece",
    "NormalizerSpec",
    "TrainerSpec",
    "SentencePieceModel",
    "SpecialPieces",
    "SentencePieceDecoder",
    "read_model_proto",
    "load_model_file",
    "tokenizer_dict",
    "tokenizer_from_model",
    "tokenizer_from_model_file",
    "special_pieces_from_model_file",
]

# ModelProto.SentencePiece.Type
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
PIECE_TYPES = {NORMAL: "NORMAL", UNKNOWN: "UNKNOWN", CONTROL: "CONTROL", USER_DEFINED: "USER_DEFINED",
               UNUSED: "UNUSED", BYTE: "BYTE"}
# TrainerSpec.ModelType
MODEL_TYPES = {1: "UNIGRAM", 2: "BPE", 3: "WORD", 4: "CHAR"}
SPACE = "\u2581"  # ▁, SentencePiece's escaped space

# Field numbers -> names, for error messages (sentencepiece_model.proto).
_MODEL_FIELDS = {1: "pieces", 2: "trainer_spec", 3: "normalizer_spec", 4: "self_test_data", 5: "denormalizer_spec"}
_PIECE_FIELDS = {1: "piece", 2: "score", 3: "type"}
_TRAINER_FIELDS = {3: "model_type", 4: "vocab_size", 24: "treat_whitespace_as_suffix", 25: "split_digits",
                   30: "control_symbols", 31: "user_defined_symbols", 35: "byte_fallback", 40: "unk_id",
                   41: "bos_id", 42: "eos_id", 43: "pad_id", 44: "unk_surface", 45: "unk_piece",
                   46: "bos_piece", 47: "eos_piece", 48: "pad_piece"}
_NORMALIZER_FIELDS = {1: "name", 2: "precompiled_charsmap", 3: "add_dummy_prefix",
                      4: "remove_extra_whitespaces", 5: "escape_whitespaces", 6: "normalization_rule_tsv"}


@dataclass(frozen=True)
class Piece:
    piece: str
    score: float  # a float32 value, exactly
    type: int = NORMAL


@dataclass(frozen=True)
class NormalizerSpec:
    name: str = ""
    precompiled_charsmap: bytes = b""
    add_dummy_prefix: bool = True
    remove_extra_whitespaces: bool = True
    escape_whitespaces: bool = True


@dataclass(frozen=True)
class TrainerSpec:
    """The trainer fields that encoding and the special tokens depend on (proto2 defaults)."""

    model_type: int = 1
    vocab_size: int = 8000
    byte_fallback: bool = False
    split_digits: bool = False
    treat_whitespace_as_suffix: bool = False
    unk_id: int = 0
    bos_id: int = 1
    eos_id: int = 2
    pad_id: int = -1
    unk_piece: str = "<unk>"
    bos_piece: str = "<s>"
    eos_piece: str = "</s>"
    pad_piece: str = "<pad>"
    unk_surface: str = " \u2047 "
    control_symbols: tuple[str, ...] = ()
    user_defined_symbols: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpecialPieces:
    """What a caller (AutoTokenizer) needs besides the Tokenizer: the special pieces and their ids
    (None when the model has no such piece, as sentencepiece's ``pad_id()`` gives -1), and the
    normalizer flags."""

    unk_token: str | None
    bos_token: str | None
    eos_token: str | None
    pad_token: str | None
    unk_id: int | None
    bos_id: int | None
    eos_id: int | None
    pad_id: int | None
    add_dummy_prefix: bool
    remove_extra_whitespaces: bool
    byte_fallback: bool
    model_type: str  # "Unigram" or "BPE"
    control_pieces: tuple[str, ...] = ()
    user_defined_pieces: tuple[str, ...] = ()


@dataclass
class SentencePieceModel:
    """A parsed ``ModelProto`` (the fields lexica uses); `source` is named in errors."""

    pieces: list[Piece]
    trainer_spec: TrainerSpec = field(default_factory=TrainerSpec)
    normalizer_spec: NormalizerSpec = field(default_factory=NormalizerSpec)
    source: str = "model"

    def special_pieces(self) -> SpecialPieces:
        """As ``SentencePieceProcessor.unk_id()``/``bos_id()``/...: the piece *named* by the trainer
        spec's ``*_piece``, if the model has it with the right type (UNKNOWN for unk, CONTROL for
        the others); the ``*_id`` fields are not consulted (a ``<pad>`` control symbol counts even
        when ``pad_id`` is -1)."""
        t, n = self.trainer_spec, self.normalizer_spec
        ids = {p.piece: i for i, p in enumerate(self.pieces)}

        def piece(name: str, kind: int) -> tuple[str | None, int | None]:
            index = ids.get(name)
            return (name, index) if index is not None and self.pieces[index].type == kind else (None, None)

        (unk, unk_id), (bos, bos_id), (eos, eos_id), (pad, pad_id) = (
            piece(t.unk_piece, UNKNOWN), piece(t.bos_piece, CONTROL), piece(t.eos_piece, CONTROL),
            piece(t.pad_piece, CONTROL))
        return SpecialPieces(
            unk_token=unk, bos_token=bos, eos_token=eos, pad_token=pad,
            unk_id=unk_id, bos_id=bos_id, eos_id=eos_id, pad_id=pad_id,
            add_dummy_prefix=n.add_dummy_prefix, remove_extra_whitespaces=n.remove_extra_whitespaces,
            byte_fallback=t.byte_fallback, model_type="BPE" if t.model_type == 2 else "Unigram",
            control_pieces=tuple(p.piece for p in self.pieces if p.type == CONTROL),
            user_defined_pieces=tuple(p.piece for p in self.pieces if p.type == USER_DEFINED),
        )


# ---------------------------------------------------------------------- reading the proto


def read_model_proto(data: bytes, source: str = "model") -> SentencePieceModel:
    """Parse and check a serialized ``ModelProto``; errors name `source` and the field."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TokenizerFileError(f"{source}: expected the bytes of a .model file, found {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise TokenizerFileError(f"{source}: empty file, expected a SentencePiece ModelProto")
    root = pb.parse_message(data, source, "", _MODEL_FIELDS)
    pieces = _read_pieces(root)
    trainer = _read_trainer_spec(pb.get_message(root, 2, "trainer_spec", _TRAINER_FIELDS))
    normalizer = _read_normalizer_spec(pb.get_message(root, 3, "normalizer_spec", _NORMALIZER_FIELDS))
    model = SentencePieceModel(pieces, trainer, normalizer, source)
    _check_model(model)
    return model


def _read_pieces(root: pb.Message) -> list[Piece]:
    """Every piece, in id order. Fast path: almost every piece is written as ``0x0A len piece 0x15
    score`` plus an optional ``0x18 type``; anything else (and any error) goes through the general
    reader, which names the bad field."""
    pieces = []
    for index, (wire, raw) in enumerate(root.fields.get(1, [])):
        piece = _read_piece_fast(raw) if wire == pb.LENGTH else None
        if piece is None:
            if wire != pb.LENGTH:
                raise root.error(f"pieces[{index}]", f"expected wire type 2 (a sub-message), found {wire}")
            piece = _read_piece(pb.parse_message(raw, root.source, f"pieces[{index}]", _PIECE_FIELDS))
        pieces.append(piece)
    return pieces


_SCORE = struct.Struct("<f")


def _read_piece_fast(raw: bytes) -> Piece | None:
    size = len(raw)
    if size < 7 or raw[0] != 0x0A or raw[1] & 0x80:
        return None
    end = 2 + raw[1]
    if end + 5 > size or raw[end] != 0x15:
        return None
    rest = size - end - 5
    if rest == 0:
        kind = NORMAL
    elif rest == 2 and raw[end + 5] == 0x18 and raw[end + 6] in PIECE_TYPES:
        kind = raw[end + 6]
    else:
        return None
    try:
        text = raw[2:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    return Piece(text, _SCORE.unpack_from(raw, end + 1)[0], kind)


def _read_piece(m: pb.Message) -> Piece:
    piece = Piece(pb.get_str(m, 1, "piece"), pb.get_float(m, 2, "score", 0.0), pb.get_int(m, 3, "type", NORMAL))
    if piece.type not in PIECE_TYPES:
        raise m.error("type", f"expected one of {sorted(PIECE_TYPES)} ({', '.join(PIECE_TYPES.values())}), "
                              f"found {piece.type}")
    if not piece.piece:
        raise m.error("piece", "empty (SentencePiece refuses empty pieces)")
    return piece


def _read_trainer_spec(m: pb.Message) -> TrainerSpec:
    d = TrainerSpec()
    return TrainerSpec(
        model_type=pb.get_int(m, 3, "model_type", d.model_type),
        vocab_size=pb.get_int(m, 4, "vocab_size", d.vocab_size),
        byte_fallback=pb.get_bool(m, 35, "byte_fallback", d.byte_fallback),
        split_digits=pb.get_bool(m, 25, "split_digits", d.split_digits),
        treat_whitespace_as_suffix=pb.get_bool(m, 24, "treat_whitespace_as_suffix", d.treat_whitespace_as_suffix),
        unk_id=pb.get_int(m, 40, "unk_id", d.unk_id),
        bos_id=pb.get_int(m, 41, "bos_id", d.bos_id),
        eos_id=pb.get_int(m, 42, "eos_id", d.eos_id),
        pad_id=pb.get_int(m, 43, "pad_id", d.pad_id),
        unk_piece=pb.get_str(m, 45, "unk_piece", d.unk_piece),
        bos_piece=pb.get_str(m, 46, "bos_piece", d.bos_piece),
        eos_piece=pb.get_str(m, 47, "eos_piece", d.eos_piece),
        pad_piece=pb.get_str(m, 48, "pad_piece", d.pad_piece),
        unk_surface=pb.get_str(m, 44, "unk_surface", d.unk_surface),
        control_symbols=tuple(pb.get_strs(m, 30, "control_symbols")),
        user_defined_symbols=tuple(pb.get_strs(m, 31, "user_defined_symbols")),
    )


def _read_normalizer_spec(m: pb.Message) -> NormalizerSpec:
    d = NormalizerSpec()
    return NormalizerSpec(
        name=pb.get_str(m, 1, "name", d.name),
        precompiled_charsmap=pb.get_bytes(m, 2, "precompiled_charsmap", d.precompiled_charsmap),
        add_dummy_prefix=pb.get_bool(m, 3, "add_dummy_prefix", d.add_dummy_prefix),
        remove_extra_whitespaces=pb.get_bool(m, 4, "remove_extra_whitespaces", d.remove_extra_whitespaces),
        escape_whitespaces=pb.get_bool(m, 5, "escape_whitespaces", d.escape_whitespaces),
    )


def _check_model(model: SentencePieceModel) -> None:
    """What SentencePiece checks when it loads a model, as errors naming the field."""
    source, t = model.source, model.trainer_spec
    if not model.pieces:
        raise TokenizerFileError(f"{source}: pieces: empty, expected at least the unknown piece "
                                 "(a truncated or non-SentencePiece file?)")
    if t.model_type not in (1, 2):
        raise UnsupportedError(f"{source}: trainer_spec.model_type: expected one of [1 (UNIGRAM), 2 (BPE)], "
                               f"found {t.model_type} ({MODEL_TYPES.get(t.model_type, 'unknown')})")
    if t.treat_whitespace_as_suffix:
        raise UnsupportedError(f"{source}: trainer_spec.treat_whitespace_as_suffix: true is not supported "
                               "(transformers' converters do not support it either)")
    seen: dict[str, int] = {}
    for index, piece in enumerate(model.pieces):
        if piece.piece in seen:
            raise TokenizerFileError(f"{source}: pieces[{index}].piece: {piece.piece!r} is already pieces"
                                     f"[{seen[piece.piece]}] (SentencePiece refuses duplicate pieces)")
        seen[piece.piece] = index
    charsmap = model.normalizer_spec.precompiled_charsmap
    if charsmap:
        _CharsMap(charsmap, f"{source}: normalizer_spec.precompiled_charsmap")  # raises if it is not a charsmap
    unknown = [i for i, p in enumerate(model.pieces) if p.type == UNKNOWN]
    if len(unknown) != 1 or unknown[0] != t.unk_id:
        raise TokenizerFileError(
            f"{source}: trainer_spec.unk_id: expected the id of the one UNKNOWN piece, found unk_id "
            f"{t.unk_id} and UNKNOWN pieces at {unknown[:5]}"
        )


def load_model_file(path: str | os.PathLike[str]) -> SentencePieceModel:
    """Read and check a ``.model`` file."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise TokenizerFileError(f"SentencePiece model {source!r}: cannot read it ({err})") from err
    return read_model_proto(data, source)


# ---------------------------------------------------------------------- tokenizer.json


def _bpe_merges(pieces: list[Piece]) -> list[list[str]]:
    """Every split of a NORMAL piece into two NORMAL pieces, best merged score first, then by id.
    SentencePiece's BPE merges the adjacent pair whose merged piece scores highest; HF ranks merges,
    and this order makes the two agree (pieces score -rank in SentencePiece-trained BPE)."""
    normal = {p.piece: (p.score, i) for i, p in enumerate(pieces) if p.type == NORMAL}
    ranked = []
    for token, (score, index) in normal.items():
        for split in range(1, len(token)):
            left, right = token[:split], token[split:]
            if left in normal and right in normal:
                ranked.append((-score, index, left, right))
    ranked.sort()
    return [[left, right] for _, _, left, right in ranked]


def _model_dict(model: SentencePieceModel) -> dict[str, Any]:
    t = model.trainer_spec
    if t.model_type == 1:
        return {"type": "Unigram", "unk_id": t.unk_id, "vocab": [[p.piece, p.score] for p in model.pieces],
                "byte_fallback": t.byte_fallback}
    has_user_defined = any(p.type == USER_DEFINED for p in model.pieces)
    return {
        "type": "BPE", "dropout": None, "unk_token": t.unk_piece, "continuing_subword_prefix": None,
        "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": t.byte_fallback,
        "ignore_merges": has_user_defined,
        "vocab": {p.piece: i for i, p in enumerate(model.pieces)},
        "merges": _bpe_merges(model.pieces),
    }


def _replace(pattern: dict[str, str], content: str) -> dict[str, Any]:
    return {"type": "Replace", "pattern": pattern, "content": content}


def _normalizer_dict(spec: NormalizerSpec) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    if spec.precompiled_charsmap:
        steps.append({"type": "Precompiled",
                      "precompiled_charsmap": base64.b64encode(spec.precompiled_charsmap).decode("ascii")})
    if spec.remove_extra_whitespaces:
        # Only U+0020 counts: SentencePiece leaves other whitespace, such as newlines, alone. At the
        # end it strips escaped spaces, so a trailing "▁" of the input goes too (transformers'
        # converter writes r"\A +| +\z" and keeps it: the one place where we write a different
        # tokenizer.json, to encode as SentencePiece does).
        trailing = "[ " + SPACE + "]+" if spec.escape_whitespaces else " +"
        steps += [_replace({"Regex": r"\A +|" + trailing + r"\z"}, ""), _replace({"Regex": " {2,}"}, " ")]
    if spec.escape_whitespaces:
        steps.append(_replace({"String": " "}, SPACE))
    if spec.add_dummy_prefix:
        # Metaspace adds no prefix to text that already starts with ▁; SentencePiece always adds one.
        steps.append(_replace({"Regex": r"\A" + SPACE}, SPACE * 2))
    return {"type": "Sequence", "normalizers": steps}


def _pre_tokenizer_dict(model: SentencePieceModel) -> dict[str, Any] | None:
    steps: list[dict[str, Any]] = []
    if model.normalizer_spec.add_dummy_prefix:
        steps.append({"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "always", "split": False})
    user_defined = [p.piece for p in model.pieces if p.type == USER_DEFINED]
    if user_defined:
        # Longest first (a stable sort keeps id order among equal lengths), as transformers writes it.
        pattern = "|".join(re.escape(piece) for piece in sorted(user_defined, key=len, reverse=True))
        steps.append({"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False})
    return {"type": "Sequence", "pretokenizers": steps} if steps else None


def _decoder_dict(model: SentencePieceModel) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [_replace({"String": SPACE}, " ")]
    if model.trainer_spec.byte_fallback:
        steps.append({"type": "ByteFallback"})
    if model.normalizer_spec.add_dummy_prefix:
        # Strip works per token: fuse first so that only the start of the text loses its space.
        steps += [{"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]
    elif model.trainer_spec.byte_fallback:
        steps.append({"type": "Fuse"})
    return {"type": "Sequence", "decoders": steps}


def _added_tokens(model: SentencePieceModel) -> list[dict[str, Any]]:
    return [
        {"id": i, "content": p.piece, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for i, p in enumerate(model.pieces) if p.type == CONTROL
    ]


class SentencePieceDecoder(decoders.Sequence):
    """``SentencePieceProcessor.decode``'s rules, for tokenizers loaded from a ``.model`` file.

    It is the HF decoder chain of `_decoder_dict` (so ``to_dict`` and DecodeStream see exactly
    that), but ``decode_chain`` follows SentencePiece where HF's chain differs:
    - the unknown piece decodes as the trainer spec's ``unk_surface`` (" ⁇ "), not "<unk>";
    - control pieces decode as "" (they are also skipped as special tokens);
    - a run of byte pieces decodes one UTF-8 character at a time, each invalid byte becoming
      U+FFFD (HF's ByteFallback turns the whole run into U+FFFDs when any byte is invalid);
    - the leading "▁" is dropped from the first piece (with ``add_dummy_prefix`` or
      ``remove_extra_whitespaces``), and with ``remove_extra_whitespaces`` from every following
      piece too as long as everything before decoded to "" (HF's Strip drops one space in all).
    """

    def __init__(self, steps: list[Any], model: SentencePieceModel) -> None:
        super().__init__(steps)
        spec = model.normalizer_spec
        self.unk_piece = model.trainer_spec.unk_piece
        self.unk_surface = model.trainer_spec.unk_surface
        self.control = frozenset(p.piece for p in model.pieces if p.type == CONTROL)
        self.byte_pieces = {p.piece: int(p.piece[3:5], 16) for p in model.pieces
                            if p.type == BYTE and _BYTE_PIECE.fullmatch(p.piece)}
        self.strip_first = spec.add_dummy_prefix or spec.remove_extra_whitespaces
        self.strip_while_empty = spec.remove_extra_whitespaces

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        at_start = self.strip_first
        i, n = 0, len(tokens)
        while i < n:
            token = tokens[i]
            if token in self.byte_pieces:
                j = i
                while j < n and tokens[j] in self.byte_pieces:
                    j += 1
                surfaces = _decode_byte_run([self.byte_pieces[t] for t in tokens[i:j]])
                out += surfaces
                surface = "".join(surfaces)
                i = j
            else:
                i += 1
                if token in self.control:
                    out.append("")
                    continue  # invisible, and not a piece for the leading-space rule
                if token == self.unk_piece:
                    surface = self.unk_surface
                else:
                    if at_start and token.startswith(SPACE):
                        token = token[1:]
                    surface = token.replace(SPACE, " ")
                out.append(surface)
            at_start = at_start and self.strip_while_empty and not surface
        return out

    def decode(self, tokens: list[str]) -> str:
        return "".join(self.decode_chain(list(tokens)))


_BYTE_PIECE = re.compile(r"<0x[0-9A-F]{2}>")


def _decode_byte_run(raw: list[int]) -> list[str]:
    """One surface per byte: a character on its last byte ("" before), U+FFFD for an invalid byte."""
    out: list[str] = []
    data = bytes(raw)
    i = 0
    while i < len(data):
        lead = data[i]
        width = 1 if lead < 0x80 else 2 if lead & 0xE0 == 0xC0 else 3 if lead & 0xF0 == 0xE0 else \
            4 if lead & 0xF8 == 0xF0 else 0
        try:
            char = data[i : i + width].decode("utf-8") if width and i + width <= len(data) else None
        except UnicodeDecodeError:
            char = None
        if char is None:
            out.append("\ufffd")
            i += 1
        else:
            out += [""] * (width - 1) + [char]
            i += width
    return out


def tokenizer_dict(model: SentencePieceModel) -> dict[str, Any]:
    """The tokenizer.json object for a parsed model (see the module docstring)."""
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": _added_tokens(model),
        "normalizer": _normalizer_dict(model.normalizer_spec),
        "pre_tokenizer": _pre_tokenizer_dict(model),
        "post_processor": None,
        "decoder": _decoder_dict(model),
        "model": _model_dict(model),
    }


def tokenizer_from_model(model: SentencePieceModel) -> Tokenizer:
    """A Tokenizer for a parsed model; control pieces in the input are plain text (as in SentencePiece)."""
    try:
        tokenizer = Tokenizer.from_dict(tokenizer_dict(model))
    except (TokenizerFileError, UnsupportedError) as err:
        raise type(err)(f"{model.source}: {err}") from err
    tokenizer.encode_special_tokens = True
    tokenizer.decoder = SentencePieceDecoder(tokenizer.decoder.decoders, model)
    steps = getattr(tokenizer.normalizer, "normalizers", [])
    for index, step in enumerate(steps):
        if isinstance(step, Precompiled):
            step.longest_match = True  # SentencePiece's charsmap rule, see normalizers.Precompiled
        elif isinstance(step, Replace) and _CharReplace.applies(step):
            steps[index] = _CharReplace(step.pattern, step.content)
    if model.trainer_spec.model_type == 1:
        _use_sentencepiece_lattice(tokenizer, model)
    return tokenizer


class _CharReplace(Replace):
    """``Replace`` of one character by one other (" " -> "▁"): every match is one character
    replaced in place, which keeps the alignments as they are, so ``str.replace`` does it (the
    general ``Replace`` rebuilds the alignments span by span). Writes the same tokenizer.json."""

    @staticmethod
    def applies(step: Replace) -> bool:
        source = step.pattern.get("String") if len(step.pattern) == 1 else None
        return isinstance(source, str) and len(source) == 1 and len(step.content) == 1

    def normalize(self, n: NormalizedString) -> None:
        text = n.normalized
        if self.pattern["String"] in text:
            n.set_same_length(text.replace(self.pattern["String"], self.content))


def _use_sentencepiece_lattice(tokenizer: Tokenizer, model: SentencePieceModel) -> None:
    """SentencePiece's own Unigram lattice: reserved pieces never match text, float32 path sums,
    and the scores exactly as stored (tokenizer.json readers shift some by one ulp, see unigram.py).
    User-defined pieces stay isolated by the converter's Split pre-tokenizer (docs/unicode.md)."""
    tokenizer.model = Unigram(
        [(p.piece, p.score) for p in model.pieces], model.trainer_spec.unk_id, model.trainer_spec.byte_fallback,
        path=f"{model.source}: model",
        reserved_ids=[i for i, p in enumerate(model.pieces) if p.type in (UNKNOWN, CONTROL, UNUSED, BYTE)],
        float32_sums=True,
    )


def tokenizer_from_model_file(path: str | os.PathLike[str]) -> Tokenizer:
    """Load a SentencePiece ``.model`` file (Unigram or BPE) as a lexica ``Tokenizer``.

    Raises ``TokenizerFileError`` naming the file and the field for a truncated or corrupt file,
    and ``UnsupportedError`` for WORD/CHAR models and ``treat_whitespace_as_suffix``.
    """
    return tokenizer_from_model(load_model_file(path))


def special_pieces_from_model_file(path: str | os.PathLike[str]) -> SpecialPieces:
    """The unk/bos/eos/pad pieces and ids, control and user-defined pieces, and normalizer flags."""
    return load_model_file(path).special_pieces()
